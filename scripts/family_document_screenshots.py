"""Render the family documents to PDF through Frappe's print system and save the first page of each as
a PNG for the coordinator's guide (docs/coordinator.md): the Student Consent Form and the Support Plan Family Summary, each for a family
whose primary guardian reads English and for one who reads Spanish (Student Guardian, Preferred
Language).

Read-only: it renders with ``frappe.get_print(..., as_pdf=True)`` (wkhtmltopdf, as the desk's PDF
button does), writes nothing to the site and rolls back at the end. Needs ``pdftoppm`` (poppler-utils).
Run it with the bench's Python from the bench's ``sites`` folder, on a site with the demo loaded:

    cd <bench>/sites && ../env/bin/python <repo>/scripts/family_document_screenshots.py --site <site>

It picks, for each language, a student with a valid "Share with Partner" consent (so the partner is
named) and an Active support plan; name the records with --consent-en/--plan-en/--consent-es/--plan-es
to choose others. Writes docs/screenshots/{consent-form,plan-summary}-{en,es}.png.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import frappe

from cis_app.tests.factories import asset_server

SHOTS = Path(__file__).resolve().parents[1] / "docs" / "screenshots"
CONSENT_FORM = "Student Consent Form"
PLAN_SUMMARY = "Support Plan Family Summary"
LANGUAGES = {"en": "English", "es": "Spanish"}


def pick_family(language: str) -> tuple[str, str]:
	"""(consent, plan) of a student whose primary guardian reads ``language``: a valid consent to share
	with a partner, and the student's Active support plan."""
	consent = frappe.qb.DocType("Student Consent")
	guardian = frappe.qb.DocType("Student Guardian")
	plan = frappe.qb.DocType("Support Plan")
	rows = (
		frappe.qb.from_(consent)
		.join(guardian)
		.on((guardian.parent == consent.student) & (guardian.parenttype == "Student"))
		.join(plan)
		.on(plan.student == consent.student)
		.select(consent.name, plan.name)
		.where(
			(consent.status == "Valid")
			& (consent.scope == "Share with Partner")
			& (guardian.is_primary == 1)
			& (guardian.preferred_language == language)
			& (plan.status == "Active")
		)
		.orderby(consent.name)
		.limit(1)
		.run()
	)
	if not rows:
		sys.exit(
			f"No student whose primary guardian reads {language} has a valid partner consent and an Active plan."
		)
	return rows[0][0], rows[0][1]


def first_page_png(pdf: bytes, target: Path, resolution: int) -> None:
	with tempfile.TemporaryDirectory() as folder:
		pdf_path = Path(folder) / "document.pdf"
		pdf_path.write_bytes(pdf)
		stem = Path(folder) / "page"
		subprocess.run(
			["pdftoppm", "-png", "-r", str(resolution), "-f", "1", "-l", "1", "-singlefile", pdf_path, stem],
			check=True,
		)
		shutil.copyfile(stem.with_suffix(".png"), target)


def main() -> None:
	parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
	parser.add_argument("--site", required=True)
	parser.add_argument("--sites-path", default=".")
	parser.add_argument("--resolution", type=int, default=80, help="pixels per inch of the PNG")
	parser.add_argument("--out", type=Path, default=SHOTS, help="folder of the PNGs (docs/screenshots)")
	for code in LANGUAGES:
		parser.add_argument(f"--consent-{code}")
		parser.add_argument(f"--plan-{code}")
	args = parser.parse_args()
	if not shutil.which("pdftoppm"):
		sys.exit("pdftoppm is not installed (Debian: apt-get install poppler-utils).")

	frappe.init(site=args.site, sites_path=args.sites_path)
	frappe.connect()
	try:
		args.out.mkdir(parents=True, exist_ok=True)
		with asset_server():
			for code, language in LANGUAGES.items():
				consent, plan = getattr(args, f"consent_{code}"), getattr(args, f"plan_{code}")
				if not (consent and plan):
					consent, plan = pick_family(language)
				for doctype, name, print_format, shot in (
					("Student Consent", consent, CONSENT_FORM, f"consent-form-{code}.png"),
					("Support Plan", plan, PLAN_SUMMARY, f"plan-summary-{code}.png"),
				):
					pdf = frappe.get_print(doctype, name, print_format=print_format, as_pdf=True)
					first_page_png(pdf, args.out / shot, args.resolution)
					print(f"{shot}: {print_format} of {doctype} {name} ({language}), {len(pdf)} bytes of PDF")
	finally:
		frappe.db.rollback()
		frappe.destroy()


if __name__ == "__main__":
	main()
