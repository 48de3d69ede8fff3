# Copyright (c) 2026, cis_app contributors and contributors
# For license information, please see license.txt

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, nowdate

from cis_app.utils.exceptions import CISValidationError, OutsideSchoolYearError, RosterSiteError, WrongTierError
from cis_app.permissions.scope import clear_scope_cache
from cis_app.tests.factories import TwoSites, make_school_year, make_student


def session(site, students, **values):
	return frappe.get_doc(
		{
			"doctype": "Group Session",
			"site": site,
			"support_type": values.pop("support_type", "Tutoring"),
			"session_date": values.pop("session_date", nowdate()),
			"minutes": 45,
			"attendees": [{"student": s, "present": 1} for s in students],
			**values,
		}
	)


class TestGroupSession(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.net = TwoSites.build()
		cls.school_year = make_school_year()  # the year around today
		cls.a1 = make_student(cls.net.site_a).name
		cls.a2 = make_student(cls.net.site_a).name
		cls.b1 = make_student(cls.net.site_b).name

	def tearDown(self):
		frappe.set_user("Administrator")

	def test_coordinator_records_a_session_with_roster(self):
		clear_scope_cache()
		frappe.set_user(self.net.coordinator_a)
		doc = session(self.net.site_a, [self.a1, self.a2]).insert()
		self.assertEqual(
			frappe.db.get_value("Group Session", doc.name, ["school_year", "attendance_count"]),
			(self.school_year, 2),
		)

	def test_a_session_is_filed_under_the_school_year_of_its_date(self):
		make_school_year("_Test Year 1970-1971", "1970-08-01", "1971-07-31")
		doc = session(self.net.site_a, [self.a1], session_date="1971-07-31").insert()
		self.assertEqual(doc.school_year, "_Test Year 1970-1971")
		doc.session_date = nowdate()
		doc.save()
		self.assertEqual(frappe.db.get_value("Group Session", doc.name, "school_year"), self.school_year)

	def test_roster_with_a_student_of_another_site_is_refused(self):
		count = frappe.db.count("Group Session")
		with self.assertRaises(RosterSiteError):
			session(self.net.site_a, [self.a1, self.b1]).insert()
		with self.assertRaises(RosterSiteError):
			session(self.net.site_a, [self.a1, self.a1]).insert()
		self.assertEqual(frappe.db.count("Group Session"), count)

	def test_support_must_serve_tier_2(self):
		with self.assertRaises(WrongTierError):
			session(self.net.site_a, [self.a1], support_type="Health Referral").insert()

	def test_dates(self):
		with self.assertRaises(CISValidationError):
			session(self.net.site_a, [self.a1], session_date=add_days(nowdate(), 1)).insert()
		with self.assertRaises(OutsideSchoolYearError):
			session(self.net.site_a, [self.a1], session_date="1999-01-04").insert()

	def test_sessions_and_rosters_are_scoped(self):
		b_session = session(self.net.site_b, [self.b1]).insert().name
		clear_scope_cache()
		frappe.set_user(self.net.coordinator_a)
		self.assertNotIn(b_session, frappe.get_list("Group Session", pluck="name"))
		self.assertEqual(
			frappe.get_list(
				"Group Session Attendee", parent_doctype="Group Session", filters={"parent": b_session}
			),
			[],
		)
		with self.assertRaises(frappe.PermissionError):
			session(self.net.site_b, [self.b1]).insert()
		frappe.set_user(self.net.evaluator)
		with self.assertRaises(frappe.PermissionError):
			frappe.get_list("Group Session")
