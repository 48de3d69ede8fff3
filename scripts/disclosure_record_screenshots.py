"""Render the family's "Student Disclosure Record" to PDF through Frappe's print system, as the demo
administrator, for the last year, and save the first page as a PNG for the docs: one student whose
primary guardian reads Spanish and one who reads English, among the students with disclosure records
(run scripts/e2e_disclosures.py first, or name them with --es/--en).

Read-only: it renders with ``frappe.get_print(..., as_pdf=True)`` (wkhtmltopdf, as the PDF button
does) and rolls back at the end. Needs ``pdftoppm`` (poppler-utils). Run it with the bench's Python from
the bench's ``sites`` folder, on a site with the demo loaded:

    cd <bench>/sites && ../env/bin/python <repo>/scripts/disclosure_record_screenshots.py --site <site>

Writes docs/screenshots/disclosure-record-{es,en}.png.
"""

from __future__ import annotations

import argparse
import datetime
import sys
from pathlib import Path

import frappe

sys.path.insert(0, str(Path(__file__).resolve().parent))
from family_document_screenshots import asset_server, first_page_png

SHOTS = Path(__file__).resolve().parents[1] / "docs" / "screenshots"
FORMAT = "Student Disclosure Record"
ADMIN = "admin@cis-demo.example"


def student_with_disclosures(language: str) -> str:
	record = frappe.qb.DocType("Disclosure Record")
	guardian = frappe.qb.DocType("Student Guardian")
	rows = (
		frappe.qb.from_(record)
		.join(guardian)
		.on((guardian.parent == record.student) & (guardian.parenttype == "Student"))
		.select(record.student)
		.where((guardian.is_primary == 1) & (guardian.preferred_language == language))
		.orderby(record.disclosed_on, order=frappe.qb.desc)
		.limit(1)
		.run()
	)
	if not rows:
		sys.exit(f"No student whose primary guardian reads {language} has a disclosure record.")
	return rows[0][0]


def main() -> None:
	parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
	parser.add_argument("--site", required=True)
	parser.add_argument("--sites-path", default=".")
	parser.add_argument("--es")
	parser.add_argument("--en")
	parser.add_argument("--out", type=Path, default=SHOTS)
	args = parser.parse_args()
	frappe.init(site=args.site, sites_path=args.sites_path)
	frappe.connect()
	try:
		frappe.set_user(ADMIN)
		today = datetime.date.today()
		frappe.local.form_dict = frappe._dict(
			from_date=str(today.replace(year=today.year - 1)), to_date=str(today)
		)
		for code, language in (("es", "Spanish"), ("en", "English")):
			student = getattr(args, code) or student_with_disclosures(language)
			with asset_server():
				pdf = frappe.get_print("Student", student, print_format=FORMAT, as_pdf=True, no_letterhead=1)
			target = args.out / f"disclosure-record-{code}.png"
			first_page_png(pdf, target, 80)
			print(f"{language}: {student} -> {target.name}")
	finally:
		frappe.db.rollback()
		frappe.destroy()


if __name__ == "__main__":
	main()
