"""Browser check of the disclosure record (FERPA 34 CFR 99.32), against a served site with the demo.

The demo coordinator opens two of their students (one whose primary guardian reads Spanish, one
English), exports them from the Report Builder's endpoint and downloads a PDF of one: each writes
disclosure records. The demo administrator then opens the Spanish-reading family's student and sees
the disclosures and who opened the record on the form, lists them in the Student Disclosures report,
and opens the family's "Student Disclosure Record" for the last year (the form's Print menu).

    python scripts/e2e_disclosures.py --url http://localhost:8000 --chromium /usr/bin/chromium

Writes docs/screenshots/disclosure-record-{student-form,report,printview-es}.png; the PDF pages
(disclosure-record-{es,en}.png) come from scripts/disclosure_record_screenshots.py.
"""

from __future__ import annotations

import argparse
import datetime
import json

from browser import SHOTS, launch, login, new_page
from playwright.sync_api import Page, sync_playwright

COORDINATOR = "coordinator@cis-demo.example"
ADMIN = "admin@cis-demo.example"
FORMAT = "Student Disclosure Record"


def csrf(page: Page) -> str:
	return page.evaluate("frappe.csrf_token")


def students_by_language(page: Page, url: str) -> dict[str, str]:
	"""One student of the coordinator per family language (opening each is itself a recorded view)."""
	found: dict[str, str] = {}
	listing = page.request.get(
		f"{url}/api/resource/Student",
		params={
			"fields": json.dumps(["name"]),
			"filters": json.dumps([["enrollment_status", "=", "Enrolled"]]),
			"limit_page_length": 40,
		},
	).json()["data"]
	for row in listing:
		doc = page.request.get(f"{url}/api/resource/Student/{row['name']}").json()["data"]
		guardians = sorted(doc.get("guardians") or [], key=lambda g: (-g.get("is_primary", 0), g["idx"]))
		language = guardians[0].get("preferred_language") if guardians else None
		if language in ("Spanish", "English") and language not in found:
			found[language] = doc["name"]
		if len(found) == 2:
			return found
	if "English" in found and len(listing) > 1:
		# no Spanish-reading family yet: the coordinator records one guardian's language, as on the form
		other = next(row["name"] for row in listing if row["name"] != found["English"])
		doc = page.request.get(f"{url}/api/resource/Student/{other}").json()["data"]
		guardians = doc.get("guardians") or []
		if guardians:
			primary = next((g for g in guardians if g.get("is_primary")), guardians[0])
			primary["preferred_language"] = "Spanish"
			saved = page.request.put(
				f"{url}/api/resource/Student/{other}",
				headers={"X-Frappe-CSRF-Token": csrf(page)},
				data=json.dumps({"guardians": guardians}),
			)
			assert saved.ok, saved.text()[:500]
			found["Spanish"] = other
			return found
	raise SystemExit(f"The coordinator has no students of both family languages: {found}")


def coordinator_discloses(page: Page, url: str) -> dict[str, str]:
	login(page, url, COORDINATOR)
	page.goto(f"{url}/app/student")
	page.wait_for_load_state("networkidle")
	students = students_by_language(page, url)
	token = csrf(page)
	export = page.request.post(
		f"{url}/api/method/frappe.desk.reportview.export_query",
		headers={"X-Frappe-CSRF-Token": token},
		form={
			"doctype": "Student",
			"fields": json.dumps(
				["`tabStudent`.`name`", "`tabStudent`.`first_name`", "`tabStudent`.`grade_level`"]
			),
			"filters": json.dumps([["Student", "name", "in", list(students.values())]]),
			"file_format_type": "CSV",
			"title": "Student",
		},
	)
	assert export.ok, export.text()[:500]
	# the desk's Print button
	printed = page.request.get(
		f"{url}/printview", params={"doctype": "Student", "name": students["Spanish"], "format": "Standard"}
	)
	assert printed.ok, printed.text()[:500]
	page.goto(f"{url}/app/student/{students['Spanish']}")
	page.wait_for_load_state("networkidle")
	return students


def administrator_prints(page: Page, url: str, students: dict[str, str]) -> None:
	login(page, url, ADMIN)
	spanish = students["Spanish"]
	page.goto(f"{url}/app/student/{spanish}")
	page.wait_for_selector(".cis-record-trail", state="attached", timeout=30000)
	section = page.locator(".form-section", has=page.locator(".cis-record-trail")).first
	heading = section.locator(".section-head")
	if heading.count() and "collapsed" in (heading.first.get_attribute("class") or ""):
		heading.first.click()
	section.scroll_into_view_if_needed()
	page.wait_for_timeout(800)
	section.screenshot(path=str(SHOTS / "disclosure-record-student-form.png"))

	page.goto(f"{url}/app/query-report/Student Disclosures?student={spanish}")
	page.wait_for_load_state("networkidle")
	page.wait_for_function(
		"() => frappe.query_report && frappe.query_report.get_filter('student')", timeout=30000
	)
	page.evaluate("(student) => frappe.query_report.set_filter_value('student', student)", spanish)
	page.wait_for_function(
		"""(student) => frappe.query_report && frappe.query_report.data && frappe.query_report.data.length
			&& frappe.query_report.data.every((row) => row.student === student)""",
		arg=spanish,
		timeout=30000,
	)
	page.wait_for_timeout(1000)
	page.screenshot(path=str(SHOTS / "disclosure-record-report.png"))

	# the family's record, as the form's Print > Disclosure Record for the Family opens it
	today = datetime.date.today()
	period = {"from_date": str(today.replace(year=today.year - 1)), "to_date": str(today)}
	page.goto(
		f"{url}/printview?doctype=Student&name={spanish}&format={FORMAT}&no_letterhead=1"
		f"&from_date={period['from_date']}&to_date={period['to_date']}"
	)
	page.wait_for_selector(".cis-family-document", timeout=30000)
	page.screenshot(path=str(SHOTS / "disclosure-record-printview-es.png"), full_page=True)
	print("Students:", json.dumps(students))


def main() -> None:
	parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
	parser.add_argument("--url", default="http://localhost:8000")
	parser.add_argument("--chromium", default="/usr/bin/chromium")
	args = parser.parse_args()
	with sync_playwright() as playwright:
		browser = launch(playwright, args.chromium)
		students = coordinator_discloses(new_page(browser), args.url)
		administrator_prints(new_page(browser), args.url, students)
		browser.close()
	print("Screenshots written to", SHOTS)


if __name__ == "__main__":
	main()
