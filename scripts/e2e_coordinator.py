"""End to end in a real browser: the demo coordinator's day.

Opens the Case Management workspace and the Caseload, records a check-in and a group session,
moves a student's support plan from Draft to Pending Approval, and the demo program manager
approves it. Takes the README's screenshots on the way.

Needs a running site with the demo loaded (README, "Load the demo"), Playwright's Python package
(``pip install playwright``) and a Chromium (Debian's ``chromium`` works; no browser download):

    python scripts/e2e_coordinator.py --url http://localhost:8000 --chromium /usr/bin/chromium

Exits non-zero if any step fails. Screenshots go to docs/screenshots/.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from playwright.sync_api import Page, expect, sync_playwright

COORDINATOR = "coordinator@cis-demo.example"
MANAGER = "manager@cis-demo.example"
PASSWORD = "cis-demo-2026"
SITE = "Alder Elementary (Demo)"
SHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"


def login(page: Page, url: str, user: str) -> None:
	page.goto(f"{url}/login")
	page.fill("#login_email", user)
	page.fill("#login_password", PASSWORD)
	page.click(".btn-login")
	page.wait_for_url("**/app/**")
	page.wait_for_load_state("networkidle")


def open_form(page: Page, url: str, route: str) -> None:
	page.goto(f"{url}/app/{route}")
	slug = route.split("/")[0]
	page.wait_for_function(
		"(slug) => window.cur_frm && cur_frm.doc && frappe.router.slug(cur_frm.doctype) === slug && cur_frm.layout",
		arg=slug,
	)
	page.wait_for_load_state("networkidle")


def save(page: Page) -> None:
	page.keyboard.press("Control+s")
	page.wait_for_function("() => window.cur_frm && !cur_frm.is_new() && !cur_frm.is_dirty()", timeout=20000)


def workflow_action(page: Page, action: str) -> None:
	page.get_by_role("button", name="Actions").click()
	page.locator(".dropdown-menu.show .dropdown-item, .dropdown-menu.show a").filter(
		has_text=action
	).first.click()
	time.sleep(1.5)
	page.wait_for_load_state("networkidle")


def run(url: str, chromium: str) -> None:
	with sync_playwright() as playwright:
		browser = playwright.chromium.launch(
			executable_path=chromium,
			args=[
				"--no-sandbox",
				"--disable-gpu",
				"--disable-background-networking",
				"--disable-component-update",
				"--disable-sync",
				"--no-first-run",
				"--disable-quic",
			],
		)
		page = browser.new_context(viewport={"width": 1440, "height": 900}).new_page()
		login(page, url, COORDINATOR)

		page.goto(f"{url}/app/case-management")
		expect(page.locator("body")).to_contain_text("My Caseload")
		page.goto(f"{url}/app/query-report/Caseload")
		page.wait_for_selector(".dt-scrollable .dt-row")
		time.sleep(1.5)
		page.screenshot(path=str(SHOTS / "caseload.png"))
		sites = page.evaluate(
			"async () => (await frappe.db.get_list('Student', {fields: ['site'], group_by: 'site'})).map(r => r.site)"
		)
		assert sites == [SITE], f"the coordinator sees students of {sites}"

		# a check-in, with the plan and its goals filled in by the form
		student = page.evaluate(
			"""async () => (await frappe.db.get_list('Support Plan', {filters: {status: 'Active', plan_type: 'Student'},
				fields: ['student'], limit: 1}))[0].student"""
		)
		open_form(page, url, "student-check-in/new")
		page.evaluate("(s) => cur_frm.set_value('student', s)", student)
		page.wait_for_function("() => cur_frm.doc.support_plan && (cur_frm.doc.goal_updates || []).length")
		page.evaluate(
			"() => { cur_frm.set_value('minutes', 25); cur_frm.set_value('contact_with', 'Student'); }"
		)
		save(page)

		# a group session, roster copied from the last one
		open_form(page, url, "group-session/new")
		page.evaluate(
			f"() => {{ cur_frm.set_value('site', '{SITE}'); cur_frm.set_value('support_type', 'Tutoring'); cur_frm.set_value('minutes', 45); }}"
		)
		time.sleep(1)
		page.get_by_role("button", name="Copy Roster from Last Session").click()
		page.wait_for_function("() => (cur_frm.doc.attendees || []).length > 0")
		save(page)
		present = page.evaluate("() => cur_frm.doc.attendance_count")
		assert present > 0, "the group session has no one present"

		# a draft plan goes to the program manager
		plan = page.evaluate(
			"""async () => {
				const drafts = await frappe.db.get_list('Support Plan', {filters: {status: 'Draft', plan_type: 'Student'}, fields: ['name', 'student', 'school_year']});
				for (const d of drafts) {
					const c = await frappe.db.get_list('Student Consent', {filters: {student: d.student, scope: 'Case Management', school_year: d.school_year, status: 'Valid'}});
					if (c.length) return d.name;
				}
			}"""
		)
		assert plan, "no draft plan with a valid consent in the demo"
		open_form(page, url, f"support-plan/{plan}")
		workflow_action(page, "Request Approval")
		expect(page.locator(".indicator-pill").first).to_contain_text("Pending Approval")

		manager = browser.new_context(viewport={"width": 1440, "height": 900}).new_page()
		login(manager, url, MANAGER)
		open_form(manager, url, f"support-plan/{plan}")
		workflow_action(manager, "Approve")
		expect(manager.locator(".indicator-pill").first).to_contain_text("Active")
		# back to the coordinator: the approved plan, its goals and their progress
		page.set_viewport_size({"width": 1440, "height": 1250})
		open_form(page, url, f"support-plan/{plan}")
		expect(page.locator(".indicator-pill").first).to_contain_text("Active")
		time.sleep(1)
		page.screenshot(path=str(SHOTS / "support-plan.png"))
		browser.close()
	print(
		f"passed: caseload, check-in, group session ({present} present), plan {plan} Draft -> Pending Approval -> Active"
	)


def main() -> int:
	parser = argparse.ArgumentParser()
	parser.add_argument("--url", default="http://localhost:8000")
	parser.add_argument("--chromium", default="/usr/bin/chromium")
	args = parser.parse_args()
	SHOTS.mkdir(parents=True, exist_ok=True)
	run(args.url, args.chromium)
	return 0


if __name__ == "__main__":
	sys.exit(main())
