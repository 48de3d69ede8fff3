# Copyright (c) 2026, cis_app contributors and contributors
# For license information, please see license.txt
"""Retention: a dry run lists the students due and changes nothing; erasing removes the identifying
details of the students confirmed while the outcome figures of the year they were served stay exactly
the same; a student with an open plan is skipped with the reason; the daily job only lists.

Synthetic affiliate: in school year 2017-2018 three students of site A were case-managed. One graduated
and left on 2018-06-01 (due after 5 years); one withdrew the same day but still has an open plan
(skipped); one is still enrolled. A fourth withdrew a month ago (not due yet).
"""

import json

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, add_years, nowdate

from cis_app.cis_case_management.report.affiliate_annual_summary import affiliate_annual_summary
from cis_app.cis_case_management.report.cis_outcomes import cis_outcomes
from cis_app.core.retention import ERASED
from cis_app.utils.exceptions import InvalidDateError
from cis_app.permissions.scope import clear_scope_cache
from cis_app.cis_network.retention import RetentionError, list_due_students
from cis_app.tests.factories import TwoSites, make_active_plan, make_consent, make_school_year, make_student

YEAR = ("2017-2018", "2017-08-01", "2018-07-31")
LEFT_ON = "2018-06-01"
LAST_NAME = "Zzretention"


def goal(area: str, current: float) -> dict:
	return {
		"area": area,
		"metric": "Other",
		"baseline": 90,
		"target": 95,
		"direction": "Up",
		"current_value": current,
	}


class TestRetention(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.net = TwoSites.build()
		cls.year = make_school_year(*YEAR)
		# an age a student may have on the day of the run (a fixed date leaves that range in time)
		cls.date_of_birth = str(add_years(nowdate(), -20))
		frappe.db.set_single_value("CIS Settings", "retention_years", 5)
		frappe.clear_document_cache("CIS Settings", "CIS Settings")
		cls.left = cls.served("Gina", "12", "Graduated", close_plan=True)
		cls.open_plan = cls.served("Hugo", "7", "Promoted", close_plan=False)
		cls.enrolled = cls.served("Ines", "8", "Promoted", close_plan=True)
		cls.check_in = frappe.get_doc(
			{
				"doctype": "Student Check-In",
				"student": cls.left,
				"checkin_date": "2018-03-01",
				"contact_with": "Family",
				"minutes": 25,
				"notes": f"Talked with Gina {LAST_NAME}'s mother about attendance",
			}
		).insert(ignore_permissions=True)
		cls.file = frappe.get_doc(
			{
				"doctype": "File",
				"file_name": "zzretention-note.txt",
				"content": b"synthetic attachment",
				"is_private": 1,
				"attached_to_doctype": "Student Check-In",
				"attached_to_name": cls.check_in.name,
			}
		).insert(ignore_permissions=True)
		frappe.get_doc(
			{
				"doctype": "Comment",
				"comment_type": "Comment",
				"reference_doctype": "Student",
				"reference_name": cls.left,
				"content": "Gina's family moved to the other side of town",
			}
		).insert(ignore_permissions=True)
		for student in (cls.left, cls.open_plan):
			doc = frappe.get_doc("Student", student)
			doc.enrollment_status = "Graduated" if student == cls.left else "Withdrawn"
			doc.left_on = LEFT_ON
			doc.save(ignore_permissions=True)
		cls.recent = make_student(cls.net.site_a, first_name="Juno", last_name=LAST_NAME)
		cls.recent.enrollment_status = "Withdrawn"
		cls.recent.left_on = add_days(nowdate(), -30)
		cls.recent.save(ignore_permissions=True)
		cls.recent = cls.recent.name
		clear_scope_cache()

	@classmethod
	def served(cls, first_name: str, grade: str, status: str, close_plan: bool) -> str:
		student = make_student(
			cls.net.site_a,
			first_name=first_name,
			last_name=LAST_NAME,
			grade_level=grade,
			date_of_birth=cls.date_of_birth,
			state_student_id=f"S-{first_name}",
			oneroster_sourced_id=f"src-{first_name}",
			guardians=[
				{"guardian_name": f"Rosa {LAST_NAME}", "phone": "555-0100", "email": "rosa@family.example"}
			],
		).name
		make_consent(student, school_year=cls.year, signed_date="2017-09-01")
		plan = make_active_plan(student, [goal("Attendance", 96), goal("Behavior", 93)], cls.year)
		if close_plan:
			frappe.db.set_value("Support Plan", plan.name, "status", "Closed")
		frappe.get_doc(
			{
				"doctype": "Student Year-End Status",
				"student": student,
				"school_year": cls.year,
				"grade_level": grade,
				"year_end_status": status,
			}
		).insert(ignore_permissions=True)
		return student

	@classmethod
	def tearDownClass(cls):
		super().tearDownClass()
		frappe.clear_document_cache("CIS Settings", "CIS Settings")

	def setUp(self):
		# each test starts from the same students (an erasure is rolled back after its test)
		frappe.db.savepoint("retention_test")

	def tearDown(self):
		frappe.set_user("Administrator")
		frappe.db.rollback(save_point="retention_test")
		clear_scope_cache()

	def as_user(self, user: str):
		clear_scope_cache()
		frappe.set_user(user)

	def new_run(self, user: str | None = None):
		self.as_user(user or self.net.admin)
		try:
			return frappe.get_doc({"doctype": "Retention Run", "affiliate": self.net.affiliate}).insert()
		finally:
			frappe.set_user("Administrator")

	def listing(self, run, user: str | None = None) -> dict:
		self.as_user(user or self.net.admin)
		try:
			doc = frappe.get_doc("Retention Run", run.name)
			doc.run_method("onload")
			return doc.get("__onload").cis_retention
		finally:
			frappe.set_user("Administrator")

	def figures(self) -> str:
		"""Last served year's CIS Outcomes and Annual Summary, as an administrator sees them."""
		self.as_user("Administrator")
		outcomes = cis_outcomes.execute(
			{"school_year": self.year, "suppress_small_cells": 0, "site": self.net.site_a}
		)
		summary = affiliate_annual_summary.execute(
			{"school_year": self.year, "affiliate": self.net.affiliate, "suppress_small_cells": 0}
		)
		return json.dumps([outcomes[1], summary[1]], default=str, sort_keys=True)

	def snapshot(self, student: str) -> str:
		return json.dumps(
			{
				"student": frappe.db.get_value("Student", student, "*", as_dict=True),
				"guardians": frappe.get_all("Student Guardian", filters={"parent": student}, fields=["*"]),
				"check_ins": frappe.get_all("Student Check-In", filters={"student": student}, fields=["*"]),
				"versions": frappe.db.count("Version", {"ref_doctype": "Student", "docname": student}),
				"comments": frappe.db.count("Comment", {"reference_name": student}),
				"files": frappe.get_all(
					"File",
					filters={
						"attached_to_doctype": "Student Check-In",
						"attached_to_name": [
							"in",
							frappe.get_all("Student Check-In", filters={"student": student}, pluck="name")
							or [""],
						],
					},
					pluck="name",
				),
			},
			default=str,
			sort_keys=True,
		)

	# ------------------------------------------------------------------ the leaving day

	def test_the_leaving_day_follows_the_enrollment_status(self):
		self.assertEqual(str(frappe.db.get_value("Student", self.left, "left_on")), LEFT_ON)
		doc = frappe.get_doc("Student", self.recent)
		doc.enrollment_status = "Enrolled"
		doc.save(ignore_permissions=True)
		self.assertIsNone(doc.left_on)
		doc.enrollment_status = "Transferred"
		doc.save(ignore_permissions=True)
		self.assertEqual(str(doc.left_on), nowdate())
		doc.left_on = add_days(nowdate(), 3)
		with self.assertRaises(InvalidDateError):
			doc.save(ignore_permissions=True)

	# ------------------------------------------------------------------ dry run

	def test_a_dry_run_lists_the_students_due_and_skipped_and_changes_nothing(self):
		before = {student: self.snapshot(student) for student in (self.left, self.open_plan)}
		run = self.new_run()
		self.assertEqual((run.status, run.run_by, run.retention_years), ("Dry Run", self.net.admin, 5))
		self.assertEqual(str(run.cutoff_date), str(frappe.utils.add_years(nowdate(), -5)))
		listing = self.listing(run)
		due = {row["student"]: row for row in listing["due"]}
		skipped = {row["student"]: row for row in listing["skipped"]}
		self.assertIn(self.left, due)
		self.assertEqual(due[self.left]["student_name"], f"Gina {LAST_NAME}")
		self.assertNotIn(self.open_plan, due)
		plan = frappe.get_all("Support Plan", filters={"student": self.open_plan}, pluck="name")[0]
		self.assertEqual(
			skipped[self.open_plan]["reason_text"],
			f"Has an open support plan ({plan}). Close the plan first.",
		)
		for student in (self.enrolled, self.recent):
			self.assertNotIn(student, due)
			self.assertNotIn(student, skipped)
		self.assertEqual(run.students_due, len(due))
		self.assertEqual(run.students_skipped, len(skipped))
		self.assertEqual({student: self.snapshot(student) for student in before}, before)

	def test_a_coordinator_of_the_site_sees_only_their_sites_students_and_no_run(self):
		run = self.new_run()
		# the other site's coordinator may not create or open a run
		with self.assertRaises(frappe.PermissionError):
			self.new_run(self.net.coordinator_b)
		self.as_user(self.net.coordinator_b)
		self.assertFalse(frappe.has_permission("Retention Run", "read", doc=run.name))
		frappe.set_user("Administrator")

	# ------------------------------------------------------------------ erasing

	def test_erasing_keeps_the_outcome_figures_and_removes_what_identifies(self):
		figures_before = self.figures()
		open_before = self.snapshot(self.open_plan)
		run = self.new_run()
		self.as_user(self.net.admin)
		erased = frappe.get_doc("Retention Run", run.name).erase(students=[self.left, self.open_plan])
		frappe.set_user("Administrator")
		# the open-plan student was not due, so not erased even though the request named them
		self.assertEqual(erased, 1)
		self.assertEqual(self.figures(), figures_before)
		self.assertEqual(self.snapshot(self.open_plan), open_before)

		run.reload()
		self.assertEqual((run.status, run.students_erased, run.erased_by), ("Erased", 1, self.net.admin))
		self.assertTrue(run.erased_on)

		student = frappe.db.get_value("Student", self.left, "*", as_dict=True)
		for fieldname in ("first_name", "last_name", "student_name"):
			self.assertEqual(student[fieldname], ERASED, fieldname)
		for fieldname in (
			"middle_name",
			"date_of_birth",
			"state_student_id",
			"oneroster_sourced_id",
			"health_notes",
		):
			self.assertIsNone(student[fieldname], fieldname)
		self.assertEqual(student.district_student_id, f"ERASED-{self.left}")
		self.assertEqual(student.retention_run, run.name)
		self.assertTrue(student.record_erased_on)
		# kept: what the reports count
		self.assertEqual(
			(student.site, student.grade_level, student.enrollment_status),
			(self.net.site_a, "12", "Graduated"),
		)
		self.assertEqual(frappe.db.count("Student Guardian", {"parent": self.left}), 0)
		check_in = frappe.db.get_value(
			"Student Check-In",
			self.check_in.name,
			["notes", "minutes", "checkin_date", "student_name"],
			as_dict=True,
		)
		self.assertEqual(
			(check_in.notes, check_in.minutes, str(check_in.checkin_date)), (None, 25, "2018-03-01")
		)
		self.assertEqual(check_in.student_name, ERASED)
		self.assertEqual(
			sorted(
				frappe.get_all(
					"Support Plan Goal",
					filters={
						"parent": [
							"in",
							frappe.get_all("Support Plan", filters={"student": self.left}, pluck="name"),
						]
					},
					pluck="progress_status",
				)
			),
			["Met", "Progressing"],
		)
		self.assertEqual(
			frappe.db.get_value("Student Year-End Status", {"student": self.left}, "year_end_status"),
			"Graduated",
		)
		consent = frappe.db.get_value(
			"Student Consent", {"student": self.left}, ["guardian_name", "student_name"], as_dict=True
		)
		self.assertEqual((consent.guardian_name, consent.student_name), (ERASED, ERASED))
		# gone: attachments and the history holding old values
		self.assertFalse(frappe.db.exists("File", self.file.name))
		self.assertEqual(frappe.db.count("Version", {"ref_doctype": "Student", "docname": self.left}), 0)
		self.assertEqual(
			frappe.db.count("Version", {"ref_doctype": "Student Check-In", "docname": self.check_in.name}), 0
		)
		self.assertEqual(
			frappe.db.count("Comment", {"reference_doctype": "Student", "reference_name": self.left}), 0
		)
		text = json.dumps(frappe.db.get_value("Student", self.left, "*", as_dict=True), default=str)
		for old in ("Gina", "Rosa", "S-Gina", "src-Gina", self.date_of_birth):
			self.assertNotIn(old, text)

		# a run is carried out once, and is kept as it was
		self.as_user(self.net.admin)
		with self.assertRaises(RetentionError):
			frappe.get_doc("Retention Run", run.name).erase(students=[self.left])
		doc = frappe.get_doc("Retention Run", run.name)
		doc.students_erased = 0
		with self.assertRaises(RetentionError):
			doc.save()
		frappe.set_user("Administrator")
		# an erased student is not due again
		listing = self.listing(self.new_run())
		self.assertNotIn(self.left, {row["student"] for row in listing["due"]})

	def test_erasing_needs_a_confirmed_list(self):
		run = self.new_run()
		self.as_user(self.net.admin)
		with self.assertRaises(RetentionError):
			frappe.get_doc("Retention Run", run.name).erase(students=[])
		frappe.set_user("Administrator")
		self.assertEqual(frappe.db.get_value("Student", self.left, "first_name"), "Gina")

	# ------------------------------------------------------------------ the daily job

	def test_the_daily_job_lists_and_notifies_but_never_erases(self):
		frappe.db.delete("Retention Run", {"affiliate": self.net.affiliate, "status": "Dry Run"})
		before = self.snapshot(self.left)
		list_due_students()
		runs = frappe.get_all(
			"Retention Run",
			filters={"affiliate": self.net.affiliate, "status": "Dry Run"},
			fields=["name", "triggered_by", "students_due"],
		)
		self.assertEqual(len(runs), 1)
		self.assertEqual(runs[0].triggered_by, "Scheduled Job")
		self.assertGreaterEqual(runs[0].students_due, 1)
		notes = frappe.get_all(
			"Notification Log",
			filters={"document_type": "Retention Run", "document_name": runs[0].name},
			pluck="for_user",
		)
		self.assertEqual(notes, [self.net.admin])
		self.assertEqual(self.snapshot(self.left), before)
		# a run already waiting: no second one
		list_due_students()
		self.assertEqual(
			frappe.db.count("Retention Run", {"affiliate": self.net.affiliate, "status": "Dry Run"}), 1
		)
