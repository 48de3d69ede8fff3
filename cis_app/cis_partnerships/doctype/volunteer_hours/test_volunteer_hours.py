# Copyright (c) 2026, cis_app contributors and contributors
# For license information, please see license.txt

import json
from unittest.mock import patch

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, flt, nowdate

from cis_app.cis_partnerships.doctype.volunteer_hours.volunteer_hours import VolunteerHoursError
from cis_app.cis_partnerships.report.volunteer_hours_summary.volunteer_hours_summary import (
	execute as hours_report,
)
from cis_app.permissions.scope import clear_scope_cache
from cis_app.tests.factories import TwoSites, act, make_hours, make_student, make_volunteer


def as_user(user):
	clear_scope_cache()
	frappe.local.cis_own_volunteers = {}
	frappe.set_user(user)


def portal_submit(data: dict):
	"""What the volunteer's browser posts from the web form."""
	from frappe.website.doctype.web_form.web_form import accept

	return accept("volunteer-hours", json.dumps(data))


class TestVolunteerHours(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.net = TwoSites.build()
		cls.ann = make_volunteer("cis-vol-ann@example.com", [cls.net.site_a])
		cls.bob = make_volunteer("cis-vol-bob@example.com", [cls.net.site_a, cls.net.site_b])
		cls.student = make_student(cls.net.site_a).name

	def tearDown(self):
		frappe.set_user("Administrator")

	def test_volunteer_logs_own_hours_through_the_portal(self):
		as_user(self.ann.user)
		doc = portal_submit(
			{
				"date": nowdate(),
				"site": self.net.site_a,
				"hours": 2.5,
				"activity": "Tutoring",
				"students_served": 4,
			}
		)
		self.assertEqual(
			(doc.volunteer, doc.status, doc.workflow_state), (self.ann.name, "Submitted", "Submitted")
		)
		self.assertEqual(flt(doc.value), flt(2.5 * doc.hourly_value, 2))
		self.assertEqual(flt(doc.hourly_value), 34.79)

	def test_volunteer_cannot_log_for_another_volunteer(self):
		as_user(self.ann.user)
		# the portal form has no volunteer field: whatever is posted, the entry is the logged-in volunteer's
		doc = portal_submit(
			{
				"date": nowdate(),
				"site": self.net.site_a,
				"hours": 1,
				"activity": "Tutoring",
				"volunteer": self.bob.name,
			}
		)
		self.assertEqual(doc.volunteer, self.ann.name)
		count = frappe.db.count("Volunteer Hours")
		with self.assertRaises(frappe.PermissionError):
			frappe.get_doc(
				{
					"doctype": "Volunteer Hours",
					"volunteer": self.bob.name,
					"site": self.net.site_a,
					"date": nowdate(),
					"hours": 1,
					"activity": "Tutoring",
				}
			).insert()
		self.assertEqual(frappe.db.count("Volunteer Hours"), count)

	def test_volunteer_sees_only_own_hours_and_no_student_data(self):
		mine = make_hours(self.ann.name, self.net.site_a).name
		theirs = make_hours(self.bob.name, self.net.site_a).name
		as_user(self.ann.user)
		visible = set(frappe.get_list("Volunteer Hours", pluck="name"))
		self.assertIn(mine, visible)
		self.assertNotIn(theirs, visible)
		self.assertFalse(frappe.get_doc("Volunteer Hours", theirs).has_permission("read"))
		with self.assertRaises(frappe.PermissionError):
			frappe.client.get("Volunteer Hours", theirs)
		self.assertEqual(frappe.get_list("CIS Volunteer", pluck="name"), [self.ann.name])
		for doctype in ("Student", "Support Plan", "Student Consent", "Student Check-In"):
			with self.assertRaises(frappe.PermissionError):
				frappe.get_list(doctype)
		with self.assertRaises(frappe.PermissionError):
			frappe.client.get("Student", self.student)

	def test_status_cannot_be_set_around_the_workflow(self):
		entry = make_hours(self.ann.name, self.net.site_a, 1, date=add_days(nowdate(), -6))
		as_user(self.net.coordinator_a)
		doc = frappe.get_doc("Volunteer Hours", entry.name)
		doc.status = "Approved"
		doc.save()
		self.assertEqual(frappe.db.get_value("Volunteer Hours", entry.name, "status"), "Submitted")

	def test_coordinator_of_the_site_approves_and_of_another_site_cannot(self):
		entry = make_hours(self.bob.name, self.net.site_a, 3)
		with self.assertRaises(frappe.PermissionError):
			act(entry, "Approve", self.net.coordinator_b)
		self.assertEqual(frappe.db.get_value("Volunteer Hours", entry.name, "status"), "Submitted")
		entry = act(entry, "Approve", self.net.coordinator_a)
		self.assertEqual((entry.status, entry.reviewed_by), ("Approved", self.net.coordinator_a))
		# the volunteer cannot change an approved entry, nor approve their own
		as_user(self.bob.user)
		doc = frappe.get_doc("Volunteer Hours", entry.name)
		doc.hours = 9
		with self.assertRaises(frappe.PermissionError):
			doc.save()
		frappe.set_user("Administrator")
		self.assertEqual(flt(frappe.db.get_value("Volunteer Hours", entry.name, "hours")), 3)
		other = make_hours(self.bob.name, self.net.site_b, 1)
		from frappe.model.workflow import WorkflowTransitionError

		with self.assertRaises(WorkflowTransitionError):
			act(other, "Approve", self.bob.user)

	def test_bulk_approval_from_the_list(self):
		from frappe.model.workflow import bulk_workflow_approval

		entries = [
			make_hours(self.ann.name, self.net.site_a, 1, date=add_days(nowdate(), -d)).name for d in (1, 2)
		]
		as_user(self.net.coordinator_a)
		with patch("frappe.db.commit"):  # Frappe commits per document; keep the test's transaction
			bulk_workflow_approval(json.dumps(entries), "Volunteer Hours", "Approve")
		frappe.set_user("Administrator")
		self.assertEqual({frappe.db.get_value("Volunteer Hours", e, "status") for e in entries}, {"Approved"})

	def test_bad_input(self):
		day = add_days(nowdate(), -3)
		frappe.db.delete("Volunteer Hours", {"volunteer": self.ann.name, "date": day})
		count = frappe.db.count("Volunteer Hours")
		for hours in (0, -2, 25):
			with self.assertRaises(VolunteerHoursError):
				make_hours(self.ann.name, self.net.site_a, hours)
		make_hours(self.ann.name, self.net.site_a, 12, date=day)
		make_hours(self.ann.name, self.net.site_a, 10, date=day)
		with self.assertRaises(VolunteerHoursError):
			make_hours(self.ann.name, self.net.site_a, 3, date=day)
		with self.assertRaises(VolunteerHoursError):
			make_hours(self.ann.name, self.net.site_a, 1, date=add_days(nowdate(), 1))
		with self.assertRaises(VolunteerHoursError):  # Ann is not cleared for site B
			make_hours(self.ann.name, self.net.site_b, 1)
		self.assertEqual(frappe.db.count("Volunteer Hours"), count + 2)

	def test_lapsed_background_check_blocks_hours(self):
		lapsed = make_volunteer(
			"cis-vol-lapsed@example.com",
			[self.net.site_a],
			background_check_date=add_days(nowdate(), -400),
			background_check_expiry=add_days(nowdate(), -1),
		)
		with self.assertRaises(VolunteerHoursError):
			make_hours(lapsed.name, self.net.site_a, 1)
		make_hours(lapsed.name, self.net.site_a, 1, date=add_days(nowdate(), -2))  # worked while cleared

	def test_partner_manager_manages_hours_but_reads_no_student(self):
		entry = make_hours(self.bob.name, self.net.site_b, 2).name
		as_user(self.net.partner_manager)
		self.assertIn(entry, frappe.get_list("Volunteer Hours", pluck="name"))
		with self.assertRaises(frappe.PermissionError):
			frappe.get_list("Student")

	def test_report_totals_equal_the_approved_entries(self):
		approved = [
			make_hours(self.bob.name, self.net.site_b, h, date=add_days(nowdate(), -10 - i))
			for i, h in enumerate((1.5, 2.25, 4))
		]
		for entry in approved:
			act(entry, "Approve", self.net.coordinator_b)
		make_hours(
			self.bob.name, self.net.site_b, 5, date=add_days(nowdate(), -20)
		)  # submitted, not approved
		as_user(self.net.partner_manager)
		_columns, rows, _m, chart, summary = hours_report({"site": self.net.site_b, "group_by": "Site"})
		expected_hours = sum(
			flt(h)
			for h in frappe.get_all(
				"Volunteer Hours", {"site": self.net.site_b, "status": "Approved"}, pluck="hours"
			)
		)
		expected_value = sum(
			flt(v)
			for v in frappe.get_all(
				"Volunteer Hours", {"site": self.net.site_b, "status": "Approved"}, pluck="value"
			)
		)
		self.assertEqual(len(rows), 1)
		self.assertAlmostEqual(rows[0].hours, expected_hours, places=2)
		self.assertAlmostEqual(rows[0].value, expected_value, places=2)
		self.assertGreaterEqual(rows[0].hours, 7.75)
		self.assertEqual(summary[0]["value"], rows[0].hours)
		self.assertEqual(
			(chart["data"]["labels"], chart["data"]["datasets"][0]["values"]),
			([self.net.site_b], [rows[0].hours]),
		)
		# a coordinator of site A does not see site B's hours in the report
		as_user(self.net.coordinator_a)
		_columns, rows, *_ = hours_report({"site": self.net.site_b})
		self.assertEqual(rows, [])
