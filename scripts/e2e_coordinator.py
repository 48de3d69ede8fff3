"""End to end in a real browser: the demo coordinator's day.

Opens the Case Management workspace and the Caseload, records a check-in and a group session,
moves a student's support plan from Draft to Pending Approval, and the demo program manager
approves it. Takes the coordinator's guide's screenshots (docs/screenshots) on the way.

Needs a running site with the demo loaded (README, "Load the demo"), Playwright's Python package
(``pip install playwright``) and a Chromium (Debian's ``chromium`` works; no browser download):

    python scripts/e2e_coordinator.py --url http://localhost:8000 --chromium /usr/bin/chromium

Exits non-zero if any step fails. Screenshots go to docs/screenshots/.
"""

from __future__ import annotations

import argparse
import sys
import time

from browser import SHOTS, launch, login, new_page
from playwright.sync_api import Page, expect, sync_playwright

COORDINATOR = "coordinator@cis-demo.example"
MANAGER = "manager@cis-demo.example"
SITE = "Alder Elementary (Demo)"


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


def build_plan(page: Page, url: str) -> str:
	"""The coordinator writes a new plan for a consented case-managed student, with a measurable goal."""
	student, year = page.evaluate(
		"""async () => {
			const year = await frappe.db.get_single_value('CIS Settings', 'current_school_year');
			const consents = await frappe.db.get_list('Student Consent', {filters: {scope: 'Case Management', school_year: year, status: 'Valid'}, fields: ['student'], limit: 1});
			return [consents[0].student, year];
		}"""
	)
	open_form(page, url, "support-plan/new")
	page.evaluate(
		"""([student, year]) => {
			cur_frm.set_value('plan_type', 'Student');
			cur_frm.set_value('student', student);
			cur_frm.set_value('school_year', year);
			const goal = cur_frm.add_child('goals', {area: 'Attendance', metric: 'Attendance Rate (%)', baseline: 88, target: 93, direction: 'Up'});
			cur_frm.refresh_field('goals');
		}""",
		[student, year],
	)
	page.wait_for_function("() => cur_frm.doc.site")
	save(page)
	return page.evaluate("() => cur_frm.doc.name")


def run(url: str, chromium: str) -> None:
	with sync_playwright() as playwright:
		browser = launch(playwright, chromium)
		page = new_page(browser, 1440, 900)
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
		if not plan:
			plan = build_plan(page, url)
		open_form(page, url, f"support-plan/{plan}")
		workflow_action(page, "Request Approval")
		expect(page.locator(".indicator-pill").first).to_contain_text("Pending Approval")

		manager = new_page(browser, 1440, 900)
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
	run(args.url, args.chromium)
	return 0


if __name__ == "__main__":
	sys.exit(main())
