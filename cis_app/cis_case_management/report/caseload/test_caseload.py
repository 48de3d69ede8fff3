# Copyright (c) 2026, cis_app contributors and contributors
# For license information, please see license.txt

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, nowdate

from cis_app.cis_case_management.report.caseload.caseload import execute
from cis_app.permissions.scope import clear_scope_cache
from cis_app.tests.factories import TwoSites, make_active_plan, make_student, school_year_covering


class TestCaseload(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.net = TwoSites.build()
		# the check-in two days ago falls in the year of the report, whatever the day of the run
		cls.year = school_year_covering(add_days(nowdate(), -2), nowdate())
		cls.mine = make_student(cls.net.site_a, last_name="Caseloadtest").name
		cls.theirs = make_student(cls.net.site_b, last_name="Caseloadtest").name
		make_active_plan(cls.theirs)
		cls.plan = make_active_plan(
			cls.mine,
			goals=[
				{
					"area": "Attendance",
					"metric": "Other",
					"baseline": 1,
					"target": 2,
					"direction": "Up",
					"next_review_date": add_days(nowdate(), 3),
				}
			],
		).name
		frappe.get_doc(
			{
				"doctype": "Student Check-In",
				"student": cls.mine,
				"checkin_date": add_days(nowdate(), -2),
				"contact_with": "Student",
			}
		).insert()

	def tearDown(self):
		frappe.set_user("Administrator")

	def test_coordinator_sees_own_caseload_with_plan_and_last_check_in(self):
		clear_scope_cache()
		frappe.set_user(self.net.coordinator_a)
		columns, data, _message, _chart, summary = execute({"school_year": self.year})
		names = {row["name"] for row in data}
		self.assertIn(self.mine, names)
		self.assertNotIn(self.theirs, names)
		row = next(r for r in data if r["name"] == self.mine)
		self.assertEqual(row["support_plan"], self.plan)
		self.assertEqual(row["days_since_checkin"], 2)
		self.assertFalse(row["meeting_overdue"])
		self.assertTrue(row["review_due"])
		self.assertEqual(summary[0]["value"], len(data))
		self.assertTrue(all(col.get("label") for col in columns))

	def test_other_coordinator_and_outside_roles(self):
		clear_scope_cache()
		frappe.set_user(self.net.coordinator_b)
		_columns, data, *_ = execute({"school_year": self.year})
		row = next(r for r in data if r["name"] == self.theirs)
		self.assertTrue(row["meeting_overdue"])
		self.assertNotIn(self.mine, {r["name"] for r in data})
		for user in (self.net.evaluator, self.net.partner_manager):
			frappe.set_user(user)
			with self.assertRaises(frappe.PermissionError):
				execute({})
