"""End to end in a real browser: the demo coordinator refers a student to a partner from the student's
plan (desk) and sends the referral; the demo partner contact logs in on the website, accepts it and
records the service; the coordinator sees the delivered support on the plan. Screenshots of each step.

Needs a running site with the demo loaded (README, "Load the demo"; on a demo loaded before the
partner's portal existed, run ``bench --site <site> execute cis_app.demo.load.make_partner_portal``
once), Playwright's Python package and a Chromium (Debian's ``chromium`` works; no browser download):

    python scripts/e2e_referral_portal.py --url http://localhost:8000 --chromium /usr/bin/chromium

Exits non-zero if any step fails. Screenshots go to docs/screenshots/referral-*.png.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import date

from browser import SHOTS, launch, login, new_page
from playwright.sync_api import Page, expect, sync_playwright

COORDINATOR = "coordinator@cis-demo.example"
PARTNER_CONTACT = "contact2@partner.example"
PARTNER = "Maple Tutoring Collective (Demo)"
SUPPORT_TYPE = "Tutoring"


def referrable_plan(page: Page) -> dict:
	"""An active plan of the coordinator's whose student has a valid consent naming the partner."""
	found = page.evaluate(
		"""async (partner) => {
			const consents = await frappe.db.get_list("Student Consent", {
				filters: {scope: "Share with Partner", partner, status: "Valid"},
				fields: ["student", "school_year"], limit: 500});
			if (!consents.length) return null;
			const plans = await frappe.db.get_list("Support Plan", {
				filters: {plan_type: "Student", status: "Active", student: ["in", consents.map(c => c.student)]},
				fields: ["name", "student", "student_name", "school_year"], order_by: "student_name asc", limit: 500});
			return plans.find(p => consents.some(c => c.student === p.student && c.school_year === p.school_year)) || null;
		}""",
		PARTNER,
	)
	if not found:
		raise AssertionError(f"the coordinator has no student with a plan and a consent naming {PARTNER}")
	return found


def coordinator_refers(page: Page, url: str, note: str) -> tuple[str, dict]:
	login(page, url, COORDINATOR)
	page.wait_for_function(
		"() => window.frappe && frappe.db && frappe.boot && frappe.boot.user", timeout=60000
	)
	plan = referrable_plan(page)
	page.goto(f"{url}/app/support-plan/{plan['name']}")
	page.wait_for_function(
		"(name) => window.cur_frm && cur_frm.doc.name === name && cur_frm.custom_buttons[__('Refer to Partner')]",
		arg=plan["name"],
		timeout=60000,
	)
	page.get_by_role("button", name="Create").click()
	page.locator(".dropdown-menu .dropdown-item:has-text('Refer to Partner')").first.click()
	page.wait_for_url("**/app/referral/new**")
	page.wait_for_function("() => window.cur_frm && cur_frm.doctype === 'Referral' && cur_frm.doc.student")
	prefilled = page.evaluate(
		"() => [cur_frm.doc.student, cur_frm.doc.support_plan, cur_frm.doc.school_year]"
	)
	if prefilled != [plan["student"], plan["name"], plan["school_year"]]:
		raise AssertionError(f"Refer to Partner did not prefill the referral: {prefilled}")
	page.evaluate(
		"""async ([partner, support_type, note]) => {
			await cur_frm.set_value("partner", partner);
			await cur_frm.set_value("support_type", support_type);
			await cur_frm.set_value("urgency", "Soon");
			await cur_frm.set_value("reason", "Falling behind in reading since the autumn (staff only).");
			await cur_frm.set_value("note_for_partner", note);
		}""",
		[PARTNER, SUPPORT_TYPE, note],
	)
	page.keyboard.press("Control+s")
	page.wait_for_function("() => cur_frm && !cur_frm.is_new() && !cur_frm.is_dirty()", timeout=60000)
	expect(page.locator(".form-message:visible").first).to_contain_text("covers this referral", timeout=15000)
	time.sleep(0.5)
	page.screenshot(path=str(SHOTS / "referral-coordinator-draft.png"))
	name = page.evaluate("() => cur_frm.doc.name")
	page.get_by_role("button", name="Actions").click()
	page.locator(".dropdown-menu .dropdown-item:has-text('Send')").first.click()
	page.wait_for_function("() => cur_frm.doc.status === 'Sent'", timeout=30000)
	time.sleep(0.5)
	page.screenshot(path=str(SHOTS / "referral-coordinator-sent.png"))
	return name, plan


def partner_accepts_and_records(page: Page, url: str, name: str, note: str) -> None:
	login(page, url, PARTNER_CONTACT)
	page.goto(f"{url}/partner-referrals")
	page.wait_for_load_state("networkidle")
	row = page.locator(f"tr[data-referral='{name}']")
	expect(row).to_be_visible()
	time.sleep(0.3)
	page.screenshot(path=str(SHOTS / "referral-portal-list.png"), full_page=True)
	row.locator("a").click()
	page.wait_for_load_state("networkidle")
	expect(page.locator(".referral-note")).to_have_text(note)
	if "Falling behind" in page.content():
		raise AssertionError("the partner sees the coordinator's staff-only reason")
	page.screenshot(path=str(SHOTS / "referral-portal-sent.png"), full_page=True)
	page.click(".btn-accept")
	expect(page.locator(".referral-status")).to_have_text("Accepted", timeout=15000)
	today = date.today()
	# sent today: a service starts on or after the day the referral was sent
	page.fill("#service_start_date", today.isoformat())
	page.fill("#service_end_date", today.isoformat())
	page.fill("#sessions", "6")
	page.fill("#outcome_note", "Attended 6 of 6 reading sessions; reads aloud with more confidence.")
	page.screenshot(path=str(SHOTS / "referral-portal-record-service.png"), full_page=True)
	page.click(".btn-complete")
	expect(page.locator(".referral-status")).to_have_text("Completed", timeout=15000)
	time.sleep(0.3)
	page.screenshot(path=str(SHOTS / "referral-portal-completed.png"), full_page=True)


def coordinator_sees_it_on_the_plan(page: Page, url: str, name: str, plan: dict) -> dict:
	page.goto(f"{url}/app/support-plan/{plan['name']}")
	page.wait_for_load_state("networkidle")
	page.wait_for_function("() => window.cur_frm && cur_frm.doc.name")
	page.evaluate("() => cur_frm.reload_doc()")
	time.sleep(1)
	supports = page.locator("[data-fieldname='supports']")
	supports.scroll_into_view_if_needed()
	expect(supports).to_contain_text(name, timeout=15000)
	time.sleep(0.5)
	page.screenshot(path=str(SHOTS / "referral-plan-delivered.png"))
	return page.evaluate(
		"(name) => (cur_frm.doc.supports || []).find(row => row.referral === name) || null", name
	)


def main() -> int:
	parser = argparse.ArgumentParser()
	parser.add_argument("--url", default="http://localhost:8000")
	parser.add_argument("--chromium", default="/usr/bin/chromium")
	args = parser.parse_args()
	note = f"Prefers afternoon sessions; reading support asked for (check {int(time.time())})."
	with sync_playwright() as playwright:
		browser = launch(playwright, args.chromium)
		coordinator = new_page(browser, 1440, 900)
		name, plan = coordinator_refers(coordinator, args.url, note)
		partner = new_page(browser, 1280, 900)
		partner_accepts_and_records(partner, args.url, name, note)
		row = coordinator_sees_it_on_the_plan(coordinator, args.url, name, plan)
		browser.close()
	print(json.dumps({"referral": name, "plan": plan["name"], "plan_row": row}, default=str))
	if not row or row.get("tier") not in ("Tier 2", "Tier 3") or row.get("partner") != PARTNER:
		print("FAILED: the plan does not show the completed referral as a delivered support", file=sys.stderr)
		return 1
	print("passed: coordinator referred and sent, partner accepted and recorded the service, plan shows it")
	return 0


if __name__ == "__main__":
	sys.exit(main())
