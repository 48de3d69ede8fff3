# Copyright (c) 2026, cis_app contributors and contributors
# For license information, please see license.txt

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, nowdate

from cis_app.cis_case_management.doctype.student_consent.student_consent import (
	has_valid_consent,
	refresh_consent_statuses,
)
from cis_app.utils.exceptions import ConsentDateError
from cis_app.permissions.scope import clear_scope_cache
from cis_app.tests.factories import TwoSites, make_consent, make_school_year, make_student


class TestStudentConsent(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.net = TwoSites.build()
		cls.year = make_school_year()
		cls.student_a = make_student(cls.net.site_a).name
		cls.student_b = make_student(cls.net.site_b).name

	def tearDown(self):
		frappe.set_user("Administrator")

	def test_site_and_expiry_come_from_student_and_year(self):
		consent = make_consent(self.student_a, site=self.net.site_b)
		self.assertEqual(consent.site, self.net.site_a)
		self.assertEqual(
			str(consent.expiry_date), str(frappe.db.get_value("School Year", self.year, "year_end_date"))
		)
		self.assertEqual(consent.status, "Valid")

	def test_status_is_derived(self):
		revoked = make_consent(self.student_a, revoked_date=nowdate())
		self.assertEqual(revoked.status, "Revoked")
		expired = make_consent(
			self.student_a, signed_date=add_days(nowdate(), -30), expiry_date=add_days(nowdate(), -1)
		)
		self.assertEqual(expired.status, "Expired")
		fresh = make_student(self.net.site_b).name
		self.assertFalse(has_valid_consent(fresh, "Case Management", self.year))
		make_consent(fresh, scope="Media Release")
		self.assertFalse(has_valid_consent(fresh, "Case Management", self.year))
		make_consent(fresh)
		self.assertTrue(has_valid_consent(fresh, "Case Management", self.year))

	def test_daily_refresh_expires_consents(self):
		consent = make_consent(self.student_a)
		frappe.db.set_value("Student Consent", consent.name, "expiry_date", add_days(nowdate(), -1))
		refresh_consent_statuses()
		self.assertEqual(frappe.db.get_value("Student Consent", consent.name, "status"), "Expired")

	def test_bad_dates_are_refused_and_nothing_saved(self):
		count = frappe.db.count("Student Consent")
		with self.assertRaises(ConsentDateError):
			make_consent(
				self.student_a, signed_date=add_days(nowdate(), -1), expiry_date=add_days(nowdate(), -2)
			)
		with self.assertRaises(ConsentDateError):
			make_consent(self.student_a, signed_date=add_days(nowdate(), 1))
		with self.assertRaises(ConsentDateError):
			make_consent(
				self.student_a, signed_date=add_days(nowdate(), -1), revoked_date=add_days(nowdate(), -2)
			)
		self.assertEqual(frappe.db.count("Student Consent"), count)

	def test_partner_sharing_needs_a_partner(self):
		with self.assertRaises(frappe.ValidationError):
			make_consent(self.student_a, scope="Share with Partner")

	def test_consents_are_scoped_to_the_students_site(self):
		mine = make_consent(self.student_a).name
		theirs = make_consent(self.student_b).name
		clear_scope_cache()
		frappe.set_user(self.net.coordinator_a)
		names = set(
			frappe.get_list("Student Consent", filters={"name": ["in", [mine, theirs]]}, pluck="name")
		)
		self.assertEqual(names, {mine})
		self.assertFalse(frappe.get_doc("Student Consent", theirs).has_permission("read"))
		with self.assertRaises(frappe.PermissionError):
			frappe.get_doc(
				{
					"doctype": "Student Consent",
					"student": self.student_b,
					"scope": "Media Release",
					"school_year": self.year,
					"guardian_name": "G",
					"signed_date": nowdate(),
				}
			).insert()
		frappe.set_user(self.net.evaluator)
		with self.assertRaises(frappe.PermissionError):
			frappe.get_list("Student Consent")

	def test_consents_follow_a_student_who_moves_site(self):
		student = make_student(self.net.site_a)
		consent = make_consent(student.name)
		student.site = self.net.site_b
		student.save()
		self.assertEqual(frappe.db.get_value("Student Consent", consent.name, "site"), self.net.site_b)
