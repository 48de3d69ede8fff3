"""End to end in a real browser: the demo volunteer logs hours on the website, the demo
coordinator approves them in the desk. Takes a screenshot of each side.

Needs a running site with the demo loaded (README, "Load the demo"), Playwright's Python package
(``pip install playwright``) and a Chromium (Debian's ``chromium`` works; no browser download):

    python scripts/e2e_volunteer_hours.py --url http://localhost:8000 --chromium /usr/bin/chromium

Exits non-zero if any step fails. Screenshots go to docs/screenshots/.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import date

from browser import SHOTS, launch, login, new_page
from playwright.sync_api import Page, expect, sync_playwright

VOLUNTEER = "volunteer@cis-demo.example"
COORDINATOR = "coordinator@cis-demo.example"
SITE = "Alder Elementary (Demo)"


def volunteer_logs_hours(page: Page, url: str, hours: float, note: str) -> None:
	login(page, url, VOLUNTEER)
	page.goto(f"{url}/volunteer-hours/new")
	page.wait_for_selector(".web-form")
	page.wait_for_function("() => window.frappe && frappe.web_form && frappe.web_form.fields_dict")
	page.evaluate(
		"""([site, hours, note, today]) => {
			frappe.web_form.set_value("date", today);
			frappe.web_form.set_value("site", site);
			frappe.web_form.set_value("hours", hours);
			frappe.web_form.set_value("activity", "Tutoring");
			frappe.web_form.set_value("students_served", 6);
			frappe.web_form.set_value("notes", note);
		}""",
		[SITE, hours, note, date.today().isoformat()],
	)
	time.sleep(0.5)
	page.screenshot(path=str(SHOTS / "volunteer-portal-form.png"))
	page.click(".submit-btn")
	expect(page.locator("body")).to_contain_text("Your hours were submitted for approval", timeout=15000)
	page.screenshot(path=str(SHOTS / "volunteer-portal-submitted.png"))
	page.goto(f"{url}/volunteer-hours")
	page.wait_for_load_state("networkidle")
	expect(page.locator("body")).to_contain_text("Submitted")
	page.screenshot(path=str(SHOTS / "volunteer-portal-list.png"))


def coordinator_approves(page: Page, url: str, note: str) -> str:
	login(page, url, COORDINATOR)
	found = page.evaluate(
		"""async (note) => (await frappe.db.get_list("Volunteer Hours", {
			filters: {notes: note, status: "Submitted"}, fields: ["name"], limit: 1})).map(r => r.name)""",
		note,
	)
	if not found:
		raise AssertionError("the coordinator does not see the volunteer's entry")
	name = found[0]
	page.goto(f"{url}/app/volunteer-hours?status=Submitted")
	page.wait_for_load_state("networkidle")
	time.sleep(1)
	page.screenshot(path=str(SHOTS / "coordinator-hours-to-approve.png"))
	page.goto(f"{url}/app/volunteer-hours/{name}")
	page.wait_for_load_state("networkidle")
	page.get_by_role("button", name="Actions").click()
	page.get_by_role("link", name="Approve").or_(
		page.locator(".dropdown-menu .dropdown-item:has-text('Approve')")
	).first.click()
	expect(page.locator(".indicator-pill").first).to_contain_text("Approved", timeout=15000)
	time.sleep(0.5)
	page.screenshot(path=str(SHOTS / "coordinator-approved.png"))
	return name


def main() -> int:
	parser = argparse.ArgumentParser()
	parser.add_argument("--url", default="http://localhost:8000")
	parser.add_argument("--chromium", default="/usr/bin/chromium")
	args = parser.parse_args()
	note = f"E2E check {int(time.time())}"
	with sync_playwright() as playwright:
		browser = launch(playwright, args.chromium)
		volunteer = new_page(browser, 1280, 860)
		volunteer_logs_hours(volunteer, args.url, 2.5, note)
		coordinator = new_page(browser, 1440, 900)
		name = coordinator_approves(coordinator, args.url, note)
		# back on the portal the volunteer sees it approved
		volunteer.goto(f"{args.url}/volunteer-hours")
		volunteer.wait_for_load_state("networkidle")
		status = volunteer.evaluate(
			"async (name) => (await frappe.call('frappe.client.get_value', {doctype: 'Volunteer Hours', filters: {name}, fieldname: 'status'})).message.status",
			name,
		)
		browser.close()
	print(json.dumps({"entry": name, "status_seen_by_volunteer": status}))
	if status != "Approved":
		print("FAILED: the volunteer does not see the entry approved", file=sys.stderr)
		return 1
	print("passed: volunteer logged hours on the portal, coordinator approved them in the desk")
	return 0


if __name__ == "__main__":
	sys.exit(main())
