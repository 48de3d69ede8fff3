# Copyright (c) 2026, cis_app contributors and contributors
# For license information, please see license.txt

import frappe
from frappe.tests.utils import FrappeTestCase

from cis_app.utils.exceptions import CISValidationError
from cis_app.tests.factories import TwoSites, make_school_year, make_student


def year_end(student, status, grade, year):
	return frappe.get_doc(
		{
			"doctype": "Student Year-End Status",
			"student": student,
			"school_year": year,
			"grade_level": grade,
			"year_end_status": status,
		}
	).insert()


class TestStudentYearEndStatus(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.net = TwoSites.build()
		cls.year = make_school_year()

	def test_remained_in_school_is_derived(self):
		self.assertEqual(
			year_end(make_student(self.net.site_a).name, "Promoted", "7", self.year).remained_in_school, 1
		)
		self.assertEqual(
			year_end(make_student(self.net.site_a).name, "Dropped Out", "10", self.year).remained_in_school, 0
		)

	def test_status_must_fit_the_grade(self):
		with self.assertRaises(CISValidationError):
			year_end(make_student(self.net.site_a).name, "Graduated", "11", self.year)
		with self.assertRaises(CISValidationError):
			year_end(make_student(self.net.site_a).name, "Promoted", "12", self.year)
		self.assertEqual(
			year_end(make_student(self.net.site_a).name, "Retained", "12", self.year).year_end_status,
			"Retained",
		)

	def test_one_status_per_student_and_year(self):
		student = make_student(self.net.site_a).name
		year_end(student, "Promoted", "7", self.year)
		with self.assertRaises(frappe.DuplicateEntryError):
			year_end(student, "Retained", "7", self.year)

	def test_statuses_are_scoped_to_the_students_site(self):
		from cis_app.permissions.scope import clear_scope_cache

		theirs = year_end(make_student(self.net.site_b).name, "Promoted", "4", self.year).name
		clear_scope_cache()
		frappe.set_user(self.net.coordinator_a)
		try:
			self.assertNotIn(theirs, frappe.get_list("Student Year-End Status", pluck="name"))
			self.assertFalse(frappe.get_doc("Student Year-End Status", theirs).has_permission("read"))
			frappe.set_user(self.net.evaluator)
			with self.assertRaises(frappe.PermissionError):
				frappe.get_list("Student Year-End Status")
		finally:
			frappe.set_user("Administrator")
