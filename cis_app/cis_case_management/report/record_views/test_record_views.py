# Copyright (c) 2026, cis_app contributors and contributors
# For license information, please see license.txt
"""Record Views: who opened a student's record, check-ins or referrals, for the administrators of the
student's sites only."""

import frappe
from frappe.desk.form.load import getdoc
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, nowdate

from cis_app.cis_case_management.report.record_views.record_views import execute
from cis_app.cis_case_management.disclosures import DisclosureInputError
from cis_app.permissions.scope import clear_scope_cache
from cis_app.tests.factories import TwoSites, make_affiliate, make_student, make_user

OTHER_ADMIN = "cis-record-views-other-admin@example.com"


class TestRecordViews(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.net = TwoSites.build()
		make_user(OTHER_ADMIN, "CIS Administrator")
		make_affiliate("_Test Record Views Affiliate", staff=[(OTHER_ADMIN, "CIS Administrator")])
		cls.a1 = make_student(cls.net.site_a, last_name="Zzviews").name
		cls.b1 = make_student(cls.net.site_b, last_name="Zzviews").name
		for user, student in ((cls.net.coordinator_a, cls.a1), (cls.net.coordinator_b, cls.b1)):
			clear_scope_cache()
			frappe.set_user(user)
			getdoc("Student", student)  # the desk form: a View Log (track_views)
		frappe.set_user("Administrator")

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

	def test_the_administrator_sees_who_opened_the_record(self):
		_columns, rows, _message, _chart, summary = self.run_as(self.net.admin, student=self.a1)
		self.assertEqual(
			[
				(row.viewed_by, row.reference_doctype, row.reference_name, row.student, row.site)
				for row in rows
			],
			[(self.net.coordinator_a, "Student", self.a1, self.a1, self.net.site_a)],
		)
		self.assertEqual([item["value"] for item in summary], [1, 1])

	def test_views_stay_within_the_users_sites(self):
		# the program manager serves site A only: site B's views are not theirs to see
		_columns, rows, *_ = self.run_as(self.net.program_manager, student=self.b1)
		self.assertEqual(rows, [])
		_columns, rows, *_ = self.run_as(OTHER_ADMIN)
		self.assertEqual([row for row in rows if row.student in (self.a1, self.b1)], [])

	def test_a_period_without_views_is_empty_and_a_reversed_one_refused(self):
		_columns, rows, *_ = self.run_as(
			self.net.admin,
			student=self.a1,
			from_date=add_days(nowdate(), -10),
			to_date=add_days(nowdate(), -5),
		)
		self.assertEqual(rows, [])
		with self.assertRaises(DisclosureInputError):
			self.run_as(self.net.admin, from_date=nowdate(), to_date=add_days(nowdate(), -1))
