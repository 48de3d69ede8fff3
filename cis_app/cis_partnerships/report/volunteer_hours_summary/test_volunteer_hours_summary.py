# Copyright (c) 2026, cis_app contributors and contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, flt, nowdate

from cis_app.cis_partnerships.report.volunteer_hours_summary.volunteer_hours_summary import execute
from cis_app.tests.factories import TwoSites, act, make_affiliate, make_hours, make_volunteer


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
		# a volunteer at both sites: two activities at site B, one entry still waiting for approval
		cls.both = make_volunteer("cis-vol-report-both@example.com", [cls.net.site_a, cls.net.site_b])
		for days, site, hours, activity, coordinator in (
			(40, cls.net.site_a, 1.5, "Tutoring", cls.net.coordinator_a),
			(41, cls.net.site_b, 2.25, "Tutoring", cls.net.coordinator_b),
			(42, cls.net.site_b, 4, "Mentoring", cls.net.coordinator_b),
		):
			entry = make_hours(cls.both.name, site, hours, date=add_days(nowdate(), -days), activity=activity)
			act(entry, "Approve", coordinator)
		make_hours(cls.both.name, cls.net.site_b, 8, date=add_days(nowdate(), -43))  # Submitted

	def test_coordinator_sees_only_own_site(self):
		filters = {"group_by": "Site", "volunteer": self.both.name}
		for coordinator, expected in (
			(self.net.coordinator_a, [(self.net.site_a, 1.5, 1)]),
			(self.net.coordinator_b, [(self.net.site_b, 6.25, 2)]),
			(self.net.coordinator_none, []),
		):
			frappe.set_user(coordinator)
			try:
				_c, rows, _m, _chart, summary = execute(filters)
			finally:
				frappe.set_user("Administrator")
			self.assertEqual([(r.group_value, r.hours, r.entries) for r in rows], expected, coordinator)
			self.assertEqual(summary[0]["value"], sum(hours for _site, hours, _n in expected))

	def test_every_grouping_adds_up_to_the_approved_entries(self):
		filters = {"volunteer": self.both.name}
		approved_value = flt(
			sum(frappe.get_all("Volunteer Hours", filters={**filters, "status": "Approved"}, pluck="value")),
			2,
		)
		by = {}
		for group_by in ("Site", "Partner", "Volunteer", "Activity"):
			_c, rows, _m, _chart, summary = execute({**filters, "group_by": group_by})
			by[group_by] = [(r.group_value, r.hours, r.volunteers, r.entries) for r in rows]
			# approved only: the 8 submitted hours are in no total
			self.assertEqual([item["value"] for item in summary], [7.75, approved_value, 3], group_by)
		self.assertEqual(
			by["Site"], [(self.net.site_b, 6.25, 1, 2), (self.net.site_a, 1.5, 1, 1)]
		)  # one volunteer at site B, though with two activities
		self.assertEqual(by["Activity"], [("Mentoring", 4, 1, 1), ("Tutoring", 3.75, 1, 2)])
		self.assertEqual(by["Volunteer"], [(self.both.name, 7.75, 1, 3)])
		self.assertEqual(by["Partner"], [(_("(none)"), 7.75, 1, 3)])

	def test_affiliate_filter_selects_the_entries_of_its_sites(self):
		filters = {"group_by": "Site", "volunteer": self.both.name}
		_c, rows, *_ = execute({**filters, "affiliate": self.net.affiliate})
		self.assertEqual(
			[(r.group_value, r.hours) for r in rows], [(self.net.site_b, 6.25), (self.net.site_a, 1.5)]
		)
		_c, rows, *_ = execute({**filters, "affiliate": make_affiliate("_Test Affiliate Without Sites")})
		self.assertEqual(rows, [])
		# an affiliate that does not exist is refused, naming the filter
		with self.assertRaises(frappe.DoesNotExistError):
			execute({**filters, "affiliate": "_Test No Such Affiliate"})

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
