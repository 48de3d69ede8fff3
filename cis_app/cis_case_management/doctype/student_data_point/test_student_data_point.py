# Copyright (c) 2026, cis_app contributors and contributors
# For license information, please see license.txt

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, nowdate

from cis_app.exceptions import InvalidDataPointError, OutsideSchoolYearError
from cis_app.permissions import clear_scope_cache
from cis_app.testing import TwoSites, make_data_point, make_school_year, make_student


class TestStudentDataPoint(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.net = TwoSites.build()
		make_school_year()

	def tearDown(self):
		frappe.set_user("Administrator")

	def test_more_days_absent_than_enrolled_is_refused(self):
		student = make_student(self.net.site_a).name
		with self.assertRaises(InvalidDataPointError):
			make_data_point(student, days_enrolled=10, days_absent=11)
		self.assertFalse(frappe.db.exists("Student Data Point", {"student": student}))

	def test_future_or_out_of_year_dates_are_refused(self):
		student = make_student(self.net.site_a).name
		with self.assertRaises(InvalidDataPointError):
			make_data_point(student, as_of_date=add_days(nowdate(), 1), days_enrolled=10)
		with self.assertRaises(OutsideSchoolYearError):
			make_data_point(student, as_of_date="1999-01-04", days_enrolled=10)

	def test_risk_follows_the_latest_data_point(self):
		student = make_student(self.net.site_a, grade_level="9").name
		make_data_point(
			student, days_enrolled=50, days_absent=6, suspensions=1, failing_math=1, failing_ela=1
		)
		risk = frappe.db.get_value(
			"Student",
			student,
			["risk_score", "suggested_tier", "attendance_band", "risk_flags"],
			as_dict=True,
		)
		self.assertEqual(
			(risk.risk_score, risk.suggested_tier, risk.attendance_band, risk.risk_flags),
			(6, "Tier 3", "Chronic", "attendance,behavior,course"),
		)
		make_data_point(student, days_enrolled=60, days_absent=2)
		risk = frappe.db.get_value(
			"Student", student, ["risk_score", "suggested_tier", "risk_unknown"], as_dict=True
		)
		self.assertEqual((risk.risk_score, risk.suggested_tier), (0, "Tier 1"))

	def test_thresholds_come_from_settings(self):
		settings = frappe.get_single("CIS Settings")
		settings.chronic_absence_rate = 15
		settings.save()
		try:
			student = make_student(self.net.site_a).name
			make_data_point(student, days_enrolled=100, days_absent=12)
			self.assertEqual(frappe.db.get_value("Student", student, "attendance_band"), "At Risk")
		finally:
			settings.chronic_absence_rate = 10
			settings.save()

	def test_inconsistent_thresholds_are_refused(self):
		settings = frappe.get_single("CIS Settings")
		settings.at_risk_absence_rate = 30
		with self.assertRaises(frappe.ValidationError):
			settings.save()

	def test_data_points_are_scoped(self):
		other = make_data_point(make_student(self.net.site_b).name, days_enrolled=10).name
		clear_scope_cache()
		frappe.set_user(self.net.coordinator_a)
		self.assertNotIn(other, frappe.get_list("Student Data Point", pluck="name"))
		frappe.set_user(self.net.partner_manager)
		with self.assertRaises(frappe.PermissionError):
			frappe.get_list("Student Data Point")
