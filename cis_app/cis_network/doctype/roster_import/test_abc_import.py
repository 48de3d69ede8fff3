# Copyright (c) 2026, cis_app contributors and contributors
# For license information, please see license.txt

"""ABC Data and Year-End Status imports (a Roster Import of another type) on a real site: CSV files
built in memory from synthetic rows, attached privately after the import is saved, the job run
synchronously (as the long-queue worker would run it)."""

import csv
import io
import json
from unittest.mock import patch

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, nowdate

from cis_app.cis_network.doctype.roster_import.roster_import import download_template, start_import
from cis_app.permissions.scope import clear_scope_cache
from cis_app.cis_network.district_data.roster_job import run_roster_import
from cis_app.tests.factories import (
	make_affiliate,
	make_district,
	make_site,
	make_student,
	make_user,
	school_year_covering,
)

ABC_HEADER = [
	"Student ID",
	"As Of Date",
	"Days Enrolled",
	"Days Absent",
	"Suspensions",
	"Major Incidents",
	"Minor Incidents",
	"Failing Math",
	"Failing ELA",
	"GPA",
	"Failed Courses",
]
DATA_POINT_FIELDS = (
	"name",
	"as_of_date",
	"source",
	"has_attendance",
	"has_behavior",
	"has_course",
	"has_gpa",
	"days_enrolled",
	"days_absent",
	"suspensions",
	"failing_math",
	"gpa",
	"modified",
)


def csv_bytes(header: list[str], rows: list[list]) -> bytes:
	buffer = io.StringIO()
	writer = csv.writer(buffer, lineterminator="\r\n")
	writer.writerow(header)
	writer.writerows(rows)
	return buffer.getvalue().encode()


class TestAbcImport(FrappeTestCase):
	affiliate = "_Test ABC Affiliate"
	admin = "abc-admin@example.com"
	coordinator = "abc-coordinator@example.com"

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_user(cls.admin, "CIS Administrator")
		make_user(cls.coordinator, "Site Coordinator")
		# the import job commits: the affiliate may be there already (its staff row is added if missing)
		make_affiliate(cls.affiliate, staff=[(cls.admin, "CIS Administrator")])
		# the data points are dated up to 40 days before today: one school year holds that period
		cls.school_year = school_year_covering(add_days(nowdate(), -45), nowdate())
		clear_scope_cache()

	def setUp(self):
		key = frappe.generate_hash(length=6)
		self.key = key
		self.district = make_district(f"_ABC District {key}", self.affiliate)
		self.site = make_site(
			f"_ABC School {key}",
			self.affiliate,
			self.district,
			staff=[(self.coordinator, "Site Coordinator")],
		)
		clear_scope_cache()
		self.ana = make_student(self.site, district_student_id=f"{key}-1", grade_level="7").name
		self.ben = make_student(
			self.site, district_student_id=f"{key}-2", state_student_id=f"TX{key}", grade_level="12"
		).name
		# two dates in the current school year, before today (whatever the day of the run: an
		# offset from the year's start would be in the future early in the year)
		self.day1 = add_days(nowdate(), -40)
		self.day2 = add_days(nowdate(), -10)

	def tearDown(self):
		frappe.set_user("Administrator")
		clear_scope_cache()

	# ------------------------------------------------ building blocks

	def run_import(self, import_type: str, content: bytes, mode: str = "Apply"):
		doc = frappe.get_doc(
			{
				"doctype": "Roster Import",
				"import_type": import_type,
				"school_district": self.district,
				"mode": mode,
			}
		).insert()
		file = frappe.get_doc(
			{
				"doctype": "File",
				"file_name": f"abc-{frappe.generate_hash(length=6)}.csv",
				"attached_to_doctype": "Roster Import",
				"attached_to_name": doc.name,
				"attached_to_field": "import_file",
				"is_private": 1,
				"content": content,
			}
		).insert(ignore_permissions=True)
		doc.import_file = file.file_url
		doc.save()
		run_roster_import(doc.name)
		doc.reload()
		return doc

	def attendance_file(self, absent_ana: int = 2) -> bytes:
		return csv_bytes(
			["StudentNumber", "AsOf", "Days Enrolled", "Absences"],
			[
				[f"{self.key}-1", str(self.day1), 20, absent_ana],
				[f"{self.key}-2", str(self.day1), 20, 0],
			],
		)

	def data_points(self, student: str) -> list[frappe._dict]:
		return frappe.get_all(
			"Student Data Point",
			filters={"student": student},
			fields=[*DATA_POINT_FIELDS],
			order_by="as_of_date asc",
		)

	@staticmethod
	def counts(doc) -> tuple:
		return (doc.new_count, doc.updated_count, doc.unchanged_count, doc.skipped_count, doc.error_count)

	@staticmethod
	def log(doc) -> list[dict]:
		return list(csv.DictReader(io.StringIO(doc.row_log or "")))

	# ------------------------------------------------ ABC data

	def test_only_the_groups_in_the_file_are_recorded_and_risk_is_recomputed_once(self):
		from cis_app.cis_case_management import recompute
		with patch.object(recompute, "recompute", wraps=recompute.recompute) as spy:
			doc = self.run_import("ABC Data", self.attendance_file())
		self.assertEqual(doc.status, "Success", doc.status_message)
		# new, updated, unchanged, skipped, errors
		self.assertEqual(self.counts(doc), (2, 0, 0, 0, 0))
		spy.assert_called_once()
		self.assertEqual(sorted(spy.call_args.args[0]), sorted([self.ana, self.ben]))

		(point,) = self.data_points(self.ana)
		self.assertEqual(point.source, "Import")
		self.assertEqual(
			(point.has_attendance, point.has_behavior, point.has_course, point.has_gpa), (1, 0, 0, 0)
		)
		self.assertEqual((point.days_enrolled, point.days_absent), (20, 2))
		risk = frappe.db.get_value("Student", self.ana, ["risk_unknown", "risk_updated_on"], as_dict=True)
		self.assertEqual(risk.risk_unknown, "behavior,course")
		self.assertIsNotNone(risk.risk_updated_on)
		self.assertEqual(json.loads(doc.summary)["recomputed_students"], 2)

	def test_a_chunk_the_database_refuses_is_saved_row_by_row(self):
		with patch.object(frappe.db, "bulk_insert", side_effect=frappe.db.InternalError("refused")):
			doc = self.run_import("ABC Data", self.attendance_file())
		self.assertEqual(self.counts(doc), (2, 0, 0, 0, 0))
		(point,) = self.data_points(self.ana)
		self.assertEqual((point.has_attendance, point.has_behavior, point.days_absent), (1, 0, 2))

	def test_zero_is_a_value_and_empty_is_unknown(self):
		content = csv_bytes(
			ABC_HEADER,
			[[f"{self.key}-1", str(self.day1), "", "", 0, "", "", "N", "N", "", ""]],
		)
		doc = self.run_import("ABC Data", content)
		self.assertEqual(doc.status, "Success", doc.status_message)
		(point,) = self.data_points(self.ana)
		self.assertEqual(
			(point.has_attendance, point.has_behavior, point.has_course, point.has_gpa), (0, 1, 1, 0)
		)
		self.assertEqual(point.suspensions, 0)
		self.assertEqual(frappe.db.get_value("Student", self.ana, "risk_unknown"), "attendance")

	def test_reimport_updates_nothing_and_a_changed_value_updates(self):
		self.run_import("ABC Data", self.attendance_file())
		before = {student: self.data_points(student) for student in (self.ana, self.ben)}

		again = self.run_import("ABC Data", self.attendance_file())
		self.assertEqual(again.status, "Success", again.status_message)
		self.assertEqual(self.counts(again), (0, 0, 2, 0, 0))
		self.assertEqual({s: self.data_points(s) for s in (self.ana, self.ben)}, before)

		changed = self.run_import("ABC Data", self.attendance_file(absent_ana=5))
		self.assertEqual(self.counts(changed), (0, 1, 1, 0, 0))
		(point,) = self.data_points(self.ana)  # updated in place, no duplicate
		self.assertEqual((point.name, point.days_absent), (before[self.ana][0].name, 5))
		self.assertEqual(self.data_points(self.ben), before[self.ben])

	def test_a_later_file_with_other_groups_keeps_the_recorded_ones(self):
		self.run_import("ABC Data", self.attendance_file())
		content = csv_bytes(["Student ID", "As Of Date", "GPA"], [[f"{self.key}-1", str(self.day1), "2.5"]])
		doc = self.run_import("ABC Data", content)
		self.assertEqual(self.counts(doc), (0, 1, 0, 0, 0))
		(point,) = self.data_points(self.ana)
		self.assertEqual((point.has_attendance, point.has_gpa, point.days_absent, point.gpa), (1, 1, 2, 2.5))

	def test_bad_rows_are_logged_and_the_others_import(self):
		content = csv_bytes(
			ABC_HEADER,
			[
				[f"{self.key}-1", str(self.day1), 20, 1, "", "", "", "", "", "", ""],
				[f"{self.key}-2", "1/05/2023", 20, 1, "", "", "", "", "", "", ""],
				["NOBODY", str(self.day1), 20, 1, "", "", "", "", "", "", ""],
				[f"{self.key}-2", str(self.day2), 20, 30, "", "", "", "", "", "", ""],
				[f"{self.key}-2", str(add_days(nowdate(), 5)), 20, 1, "", "", "", "", "", "", ""],
				["=cmd()", str(self.day1), 20, 1, "", "", "", "", "", "", ""],
			],
		)
		doc = self.run_import("ABC Data", content)
		self.assertEqual(doc.status, "Partial Success", doc.status_message)
		self.assertEqual(self.counts(doc), (1, 0, 0, 0, 5))
		self.assertEqual(len(self.data_points(self.ana)), 1)
		self.assertEqual(self.data_points(self.ben), [])
		log = self.log(doc)
		self.assertEqual(
			sorted((row["line"], row["field"]) for row in log),
			[
				("3", "as_of_date"),
				("4", "student_id"),
				("5", "days_absent"),
				("6", "as_of_date"),
				("7", "student_id"),
			],
		)
		self.assertIn("'=cmd()", doc.row_log)  # escaped in the downloadable log

	def test_state_id_matches_within_the_district(self):
		content = csv_bytes(
			["District Student ID", "State Student ID", "As Of Date", "Failed Courses"],
			[["", f"TX{self.key}", str(self.day1), 1]],
		)
		doc = self.run_import("ABC Data", content)
		self.assertEqual(self.counts(doc), (1, 0, 0, 0, 0))
		(point,) = self.data_points(self.ben)
		self.assertEqual(point.has_course, 1)

	def test_dry_run_writes_nothing(self):
		doc = self.run_import("ABC Data", self.attendance_file(), mode="Dry Run")
		self.assertEqual(doc.status, "Success", doc.status_message)
		self.assertEqual(self.counts(doc), (2, 0, 0, 0, 0))
		self.assertEqual(self.data_points(self.ana), [])
		self.assertFalse(frappe.db.get_value("Student", self.ana, "risk_updated_on"))

	def test_an_ambiguous_header_is_a_file_error(self):
		content = csv_bytes(
			["Student ID", "As Of Date", "Days Present"], [[f"{self.key}-1", str(self.day1), 18]]
		)
		doc = self.run_import("ABC Data", content)
		self.assertEqual(doc.status, "Error")
		self.assertIn("Days Present", doc.status_message)
		self.assertEqual(self.data_points(self.ana), [])

	def test_a_file_past_the_line_bound_is_refused_with_nothing_written(self):
		from cis_app.core import file_limits

		head = csv_bytes(
			["Student ID", "As Of Date", "Days Enrolled", "Days Absent"],
			[[f"{self.key}-1", str(self.day1), 40, 2]],
		)
		doc = self.run_import("ABC Data", head + b"\n" * file_limits.MAX_FILE_LINES)
		self.assertEqual(doc.status, "Error")
		self.assertIn(
			f"more than {file_limits.MAX_FILE_LINES:,} lines, more than this import reads",
			doc.status_message,
		)
		self.assertEqual(self.data_points(self.ana), [])

	# ------------------------------------------------ year-end statuses

	def statuses(self) -> dict[str, tuple]:
		rows = frappe.get_all(
			"Student Year-End Status",
			filters={"student": ["in", [self.ana, self.ben]]},
			fields=["student", "school_year", "year_end_status", "grade_level", "remained_in_school"],
		)
		return {row.student: (row.year_end_status, row.grade_level, row.remained_in_school) for row in rows}

	def test_year_end_statuses_are_created_and_updated_with_the_grade_checks(self):
		content = csv_bytes(
			["StudentNumber", "School Year", "Status"],
			[[f"{self.key}-1", self.school_year, "PROMOTED"], [f"{self.key}-2", self.school_year, "Grad"]],
		)
		doc = self.run_import("Year-End Status", content)
		self.assertEqual(doc.status, "Success", doc.status_message)
		self.assertEqual(self.counts(doc), (2, 0, 0, 0, 0))
		self.assertEqual(self.statuses(), {self.ana: ("Promoted", "7", 1), self.ben: ("Graduated", "12", 1)})

		again = self.run_import("Year-End Status", content)
		self.assertEqual(self.counts(again), (0, 0, 2, 0, 0))

		# Ana (grade 7) cannot graduate; Ben dropped out after all; an unknown status
		content = csv_bytes(
			["Student ID", "School Year", "Status"],
			[
				[f"{self.key}-1", self.school_year, "Graduate"],
				[f"{self.key}-2", self.school_year, "Drop Out"],
				[f"{self.key}-2", "1990-1991", "Moved"],
			],
		)
		changed = self.run_import("Year-End Status", content)
		self.assertEqual(changed.status, "Partial Success", changed.status_message)
		self.assertEqual(self.counts(changed), (0, 1, 0, 0, 2))
		self.assertEqual(
			self.statuses(), {self.ana: ("Promoted", "7", 1), self.ben: ("Dropped Out", "12", 0)}
		)
		log = {row["line"]: row for row in self.log(changed)}
		self.assertEqual(log["2"]["field"], "status")
		self.assertIn("grade 12", log["2"]["message"])
		self.assertEqual(log["4"]["field"], "school_year")

	def test_the_grade_column_gives_the_grade_at_year_end(self):
		# the roster has moved Ana up already: the file says she finished the year in grade 12
		content = csv_bytes(
			["Student ID", "School Year", "Status", "Grade"],
			[[f"{self.key}-1", self.school_year, "Graduated", "12"]],
		)
		doc = self.run_import("Year-End Status", content)
		self.assertEqual(self.counts(doc), (1, 0, 0, 0, 0))
		self.assertEqual(self.statuses(), {self.ana: ("Graduated", "12", 1)})
		# without the column a later file keeps the grade the status was recorded with
		content = csv_bytes(
			["Student ID", "School Year", "Status"], [[f"{self.key}-1", self.school_year, "GED"]]
		)
		doc = self.run_import("Year-End Status", content)
		self.assertEqual(self.counts(doc), (0, 1, 0, 0, 0))
		self.assertEqual(self.statuses(), {self.ana: ("GED", "12", 1)})

	def test_year_end_dry_run_writes_nothing(self):
		content = csv_bytes(
			["Student ID", "School Year", "Status"],
			[
				[f"{self.key}-1", self.school_year, "Retained"],
				[f"{self.key}-2", self.school_year, "Promoted"],
			],
		)
		doc = self.run_import("Year-End Status", content, mode="Dry Run")
		# Ben is in grade 12: Promoted is refused in the dry run already
		self.assertEqual(self.counts(doc), (1, 0, 0, 0, 1))
		self.assertEqual(self.statuses(), {})

	def test_an_unknown_status_is_a_row_error(self):
		content = csv_bytes(
			["Student ID", "School Year", "Status"],
			[
				[f"{self.key}-1", self.school_year, "Summer School"],
				[f"{self.key}-2", self.school_year, "Retained"],
			],
		)
		doc = self.run_import("Year-End Status", content)
		self.assertEqual(self.counts(doc), (1, 0, 0, 0, 1))
		self.assertEqual(self.log(doc)[0]["field"], "status")
		self.assertEqual(self.statuses(), {self.ben: ("Retained", "12", 1)})

	# ------------------------------------------------ who may import

	def test_a_user_without_the_role_is_refused(self):
		doc = frappe.get_doc(
			{"doctype": "Roster Import", "import_type": "ABC Data", "school_district": self.district}
		).insert()
		frappe.set_user(self.coordinator)
		with self.assertRaises(frappe.PermissionError):
			start_import(doc.name)
		with self.assertRaises(frappe.PermissionError):
			frappe.get_doc(
				{"doctype": "Roster Import", "import_type": "ABC Data", "school_district": self.district}
			).insert()
		with self.assertRaises(frappe.PermissionError):
			download_template("ABC Data")

		frappe.set_user(self.admin)
		clear_scope_cache()
		download_template("ABC Data")
		self.assertEqual(frappe.local.response["type"], "download")
		self.assertTrue(frappe.local.response["filecontent"].startswith("District Student ID,"))
