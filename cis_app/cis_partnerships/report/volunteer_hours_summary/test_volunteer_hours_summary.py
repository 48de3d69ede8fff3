# Copyright (c) 2026, cis_app contributors and contributors
# For license information, please see license.txt

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, nowdate

from cis_app.cis_partnerships.report.volunteer_hours_summary.volunteer_hours_summary import execute
from cis_app.testing import TwoSites, act, make_hours, make_volunteer


class TestVolunteerHoursSummary(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.net = TwoSites.build()
		cls.vol = make_volunteer("cis-vol-report@example.com", [cls.net.site_a])
		for days, hours in ((30, 2), (31, 3)):
			act(
				make_hours(
					cls.vol.name, cls.net.site_a, hours, date=add_days(nowdate(), -days), activity="Mentoring"
				),
				"Approve",
				cls.net.coordinator_a,
			)

	def test_grouping_and_date_range(self):
		_c, rows, *_ = execute({"group_by": "Activity", "activity": "Mentoring", "volunteer": self.vol.name})
		self.assertEqual([(r.group_value, r.hours, r.entries) for r in rows], [("Mentoring", 5, 2)])
		_c, rows, *_ = execute(
			{"group_by": "Volunteer", "volunteer": self.vol.name, "from_date": add_days(nowdate(), -30)}
		)
		self.assertEqual([(r.group_value, r.hours) for r in rows], [(self.vol.name, 2)])
		with self.assertRaises(frappe.ValidationError):
			execute({"group_by": "Student"})

	def test_empty_result_has_no_chart(self):
		columns, rows, _m, chart, summary = execute({"volunteer": self.vol.name, "to_date": "2000-01-01"})
		self.assertEqual((rows, chart, summary[0]["value"]), ([], None, 0))
		self.assertTrue(all(c["label"] for c in columns))
