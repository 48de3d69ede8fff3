"""Write the synthetic sample files of the demo affiliate's districts, to try the district imports.

    bench --site <site> execute cis_app.demo.sample_files.make_sample_files
    bench --site <site> execute cis_app.demo.sample_files.make_sample_files --kwargs "{'folder': '/some/path'}"

For each demo district: its OneRoster 1.1 and 1.2 zips, an ABC CSV and a year-end CSV, made by
``cis_app.demo.sample_data`` from the demo students on this site (same district student ids), so
a dry run shows new, updated, withdrawn, skipped and a row error. The files go to the site's private
files folder (``private/files/cis-samples``) unless ``folder`` says otherwise: never into the app.

The roster matches a school by its NCES or state school id: a demo site without one gets the made-up
id of ``cis_app.demo.sample_data.demo_school_id`` (printed), so the files and the site agree.
"""

from __future__ import annotations

import os

import frappe
from frappe.utils import getdate, nowdate

from cis_app.demo import data as demo
from cis_app.demo import sample_data as samples
STUDENT_COLUMNS = (
	"name",
	"district_student_id",
	"first_name",
	"middle_name",
	"last_name",
	"grade_level",
	"date_of_birth",
	"gender",
	"site",
	"school_district",
	"enrollment_status",
	"oneroster_sourced_id",
)
GUARDIAN_COLUMNS = ("parent", "guardian_name", "relationship", "email", "phone", "oneroster_sourced_id")


def make_sample_files(folder: str | None = None, seed: int = samples.SEED) -> list[str]:
	"""Write the sample files of every demo district; returns their paths."""
	frappe.only_for("System Manager")
	if not frappe.db.exists("Affiliate", demo.AFFILIATE):
		frappe.throw(
			frappe._(
				"Load the demo first (bench execute cis_app.demo.load.make_demo): the files match its students."
			)
		)
	folder = os.path.abspath(folder or frappe.get_site_path("private", "files", "cis-samples"))
	os.makedirs(folder, exist_ok=True)
	today = getdate(nowdate())
	written = []
	for district_index, district_name in enumerate(demo.DISTRICTS):
		if not frappe.db.exists("School District", district_name):
			continue
		district = frappe.db.get_value(
			"School District",
			district_name,
			["name", "nces_district_id", "oneroster_sourced_id"],
			as_dict=True,
		)
		sites = give_sites_school_ids(district_name)
		students = load_students(district_name)
		sample = samples.plan_district(
			district,
			sites,
			students,
			today=today,
			seed=seed,
			id_prefix=f"D{district_index + 1}",
			district_id=samples.demo_district_id(district_index),
		)
		for file_name, content in samples.district_files(sample, today, seed).items():
			path = os.path.join(folder, file_name)
			with open(path, "wb") as handle:
				handle.write(content)
			written.append(path)
		counts = samples.expected_counts(sample)
		print(
			f"{district_name}: {len(sample.students)} students in the roster "
			f"({counts['new']} new, {counts['moved']} moved, {counts['withdrawn']} left out, "
			f"{counts['skipped']} at a school not served, {counts['error']} with a grade not served)"
		)
	print("Sample files written:")
	for path in written:
		print(f"  {path}")
	return written


def give_sites_school_ids(district: str) -> list[dict]:
	"""The district's sites with a school id; demo sites without one get the sample id (printed)."""
	sites = frappe.get_all(
		"Site",
		filters={"school_district": district},
		fields=["name", "school_id", "oneroster_sourced_id", "school_district"],
		order_by="name asc",
	)
	index_of = {site[0]: index for index, site in enumerate(demo.SITES)}
	for site in sites:
		if site.school_id or site.name not in index_of:
			continue
		site.school_id = samples.demo_school_id(index_of[site.name])
		frappe.db.set_value("Site", site.name, "school_id", site.school_id)
		print(f"Site {site.name}: school id set to {site.school_id} (made up, as in the sample files)")
	return [site for site in sites if site.school_id]


def load_students(district: str) -> list[dict]:
	"""The district's students with their guardians, as plain dicts (two queries)."""
	students = frappe.get_all(
		"Student",
		filters={"school_district": district},
		fields=list(STUDENT_COLUMNS),
		order_by="district_student_id asc",
		limit_page_length=0,
	)
	guardians = frappe.get_all(
		"Student Guardian",
		filters={"parenttype": "Student", "parent": ["in", [s.name for s in students] or [""]]},
		fields=list(GUARDIAN_COLUMNS),
		order_by="parent asc, idx asc",
		limit_page_length=0,
	)
	by_student: dict[str, list[dict]] = {}
	for guardian in guardians:
		by_student.setdefault(guardian.pop("parent"), []).append(guardian)
	for student in students:
		student["guardians"] = by_student.get(student.name, [])
	return students
