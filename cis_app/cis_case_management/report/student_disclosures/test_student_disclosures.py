# Copyright (c) 2026, cis_app contributors and contributors
# For license information, please see license.txt
"""Student Disclosures: a student's disclosure records for a period, for the administrators of the
student's sites only."""

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, now_datetime, nowdate

from cis_app.cis_case_management.report.student_disclosures.student_disclosures import execute
from cis_app.cis_case_management.disclosures import DisclosureInputError, write_disclosures
from cis_app.permissions.scope import clear_scope_cache
from cis_app.tests.factories import TwoSites, make_affiliate, make_student, make_user

OTHER_ADMIN = "cis-disclosures-report-other-admin@example.com"


class TestStudentDisclosures(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.net = TwoSites.build()
		make_user(OTHER_ADMIN, "CIS Administrator")
		make_affiliate("_Test Disclosures Report Affiliate", staff=[(OTHER_ADMIN, "CIS Administrator")])
		cls.a1 = make_student(cls.net.site_a, last_name="Zzdisclreport").name
		cls.b1 = make_student(cls.net.site_b, last_name="Zzdisclreport").name
		write_disclosures([cls.a1, cls.b1], "Print of a test", user=cls.net.coordinator_a)
		cls.old = write_disclosures([cls.a1], "An old export", user=cls.net.coordinator_a)
		old_name = frappe.get_all("Disclosure Record", filters={"what": "An old export"}, pluck="name")[0]
		frappe.db.set_value("Disclosure Record", old_name, "disclosed_on", add_days(now_datetime(), -400))

	def tearDown(self):
		frappe.set_user("Administrator")
		clear_scope_cache()

	def run_as(self, user, **filters):
		clear_scope_cache()
		frappe.set_user(user)
		try:
			return execute(filters)
		finally:
			frappe.set_user("Administrator")

	def test_a_students_disclosures_for_a_period(self):
		columns, rows, _message, _chart, summary = self.run_as(
			self.net.admin, student=self.a1, from_date=add_days(nowdate(), -30), to_date=nowdate()
		)
		self.assertEqual(
			[(row.student, row.what, row.recipient) for row in rows],
			[(self.a1, "Print of a test", self.net.coordinator_a)],
		)
		self.assertEqual([item["value"] for item in summary], [1, 1])
		self.assertIn("legal_basis", [column["fieldname"] for column in columns])
		_columns, rows, *_ = self.run_as(self.net.admin, student=self.a1)
		self.assertEqual([row.what for row in rows], ["Print of a test", "An old export"])

	def test_only_the_students_administrators_see_them(self):
		_columns, rows, *_ = self.run_as(OTHER_ADMIN, student=self.a1)
		self.assertEqual(rows, [])
		with self.assertRaises(frappe.PermissionError):
			self.run_as(self.net.coordinator_a, student=self.a1)

	def test_a_reversed_period_is_refused(self):
		with self.assertRaises(DisclosureInputError):
			self.run_as(self.net.admin, from_date=nowdate(), to_date=add_days(nowdate(), -1))
