# Copyright (c) 2026, cis_app contributors and contributors
# For license information, please see license.txt

"""The sample files on a real site: made from a district's students as the command loads them,
imported with the Roster Import job (run synchronously), then imported again."""

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import getdate, nowdate

from cis_app.demo import sample_data as samples
from cis_app.permissions.scope import clear_scope_cache
from cis_app.cis_network.district_data.roster_job import run_roster_import
from cis_app.demo.sample_files import load_students
from cis_app.tests.factories import make_affiliate, make_district, make_site, make_student, school_year_covering


class TestSampleFilesOnASite(FrappeTestCase):
	affiliate = "_Test Samples Affiliate"

	def setUp(self):
		key = frappe.generate_hash(length=6)
		# The file names the current school year; the import (which commits) makes it unless a School
		# Year of that name, or the only one ending that calendar year, is there. Made here as every
		# test's factory makes it, the import always finds it, and never leaves a year of its own
		# (August to May: a run in July would then find no year around its day) to the tests after it.
		school_year_covering()
		make_affiliate(self.affiliate)
		self.district = make_district(f"_Samples District {key}", self.affiliate)
		self.sites = [make_site(f"_Samples {name} {key}", self.affiliate, self.district) for name in "AB"]
		for number, site in enumerate(self.sites, start=1):
			frappe.db.set_value("Site", site, "school_id", f"{key}-{number}")
		clear_scope_cache()
		for number in range(24):
			make_student(
				self.sites[number % 2],
				first_name=f"Sample{number}",
				last_name="Student",
				district_student_id=f"{key}-{100 + number}",
				grade_level="7",
				date_of_birth="2013-03-01",
				gender="Female" if number % 2 else "Male",
				guardians=[{"guardian_name": f"Parent{number} Student", "relationship": "Mother"}],
			)
		self.key = key

	def sample_zip(self, version: str = "1.2") -> tuple[bytes, samples.SampleDistrict]:
		district = frappe.db.get_value(
			"School District",
			self.district,
			["name", "nces_district_id", "oneroster_sourced_id"],
			as_dict=True,
		)
		sites = frappe.get_all(
			"Site",
			filters={"school_district": self.district},
			fields=["name", "school_id", "oneroster_sourced_id", "school_district"],
		)
		today = getdate(nowdate())
		sample = samples.plan_district(
			district, sites, load_students(self.district), today=today, id_prefix=self.key
		)
		return samples.oneroster_zip(sample, version, today), sample

	def run_import(self, content: bytes, mode: str):
		file = frappe.get_doc(
			{
				"doctype": "File",
				"file_name": f"sample-{frappe.generate_hash(length=6)}.zip",
				"is_private": 1,
				"content": content,
			}
		).insert(ignore_permissions=True)
		doc = frappe.get_doc(
			{
				"doctype": "Roster Import",
				"school_district": self.district,
				"import_file": file.file_url,
				"mode": mode,
			}
		).insert()
		run_roster_import(doc.name)
		doc.reload()
		return doc

	@staticmethod
	def counts(doc) -> tuple:
		return (
			doc.new_count,
			doc.updated_count,
			doc.unchanged_count,
			doc.withdrawn_count,
			doc.skipped_count,
			doc.error_count,
		)

	def test_dry_run_apply_and_again(self):
		content, sample = self.sample_zip()
		expected = samples.expected_counts(sample)
		self.assertEqual((expected["new"], expected["moved"], expected["withdrawn"]), (3, 1, 1))

		dry = self.run_import(content, "Dry Run")
		# 23 demo-like students linked (one moved), 3 new, 1 left out, 2 not served, the TK row
		self.assertEqual(self.counts(dry), (3, 23, 0, 1, 2, 1), dry.status_message)
		self.assertEqual(frappe.db.count("Student", {"school_district": self.district}), 24)

		applied = self.run_import(content, "Apply")
		self.assertEqual(self.counts(applied), (3, 23, 0, 1, 2, 1), applied.status_message)
		self.assertEqual(applied.status, "Partial Success")
		moved = next(s for s in sample.students if s.kind == "moved")
		site, sourced_id = frappe.db.get_value(
			"Student", {"district_student_id": moved.identifier}, ["site", "oneroster_sourced_id"]
		)
		moved_to = next(school["site"] for school in sample.schools if school["sourcedId"] == moved.school)
		self.assertEqual((site, sourced_id), (moved_to, moved.sourced_id))
		self.assertEqual(
			frappe.db.get_value("Student", {"district_student_id": sample.withdrawn[0]}, "enrollment_status"),
			"Withdrawn",
		)

		again = self.run_import(content, "Dry Run")
		self.assertEqual(self.counts(again), (0, 0, 26, 0, 2, 1))
		# the same roster in OneRoster 1.1
		other_version = samples.oneroster_zip(sample, "1.1", getdate(nowdate()))
		self.assertEqual(self.counts(self.run_import(other_version, "Dry Run")), (0, 0, 26, 0, 2, 1))
		# made again from the students the import left: the district's next file
		following = self.run_import(self.sample_zip()[0], "Dry Run")
		self.assertEqual(self.counts(following), (3, 1, 24, 1, 2, 1), following.summary)
