# Copyright (c) 2026, cis_app contributors and contributors
# For license information, please see license.txt

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import nowdate

from cis_app.utils.exceptions import WrongTierError
from cis_app.permissions.scope import clear_scope_cache
from cis_app.tests.factories import TwoSites, make_school_year


def activity(site, support_type="Clothing Closet", head_count=120):
	return frappe.get_doc(
		{
			"doctype": "School-wide Activity",
			"site": site,
			"support_type": support_type,
			"activity_date": nowdate(),
			"head_count": head_count,
		}
	)


class TestSchoolwideActivity(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.net = TwoSites.build()
		cls.school_year = make_school_year()  # the year around today

	def tearDown(self):
		frappe.set_user("Administrator")

	def test_tier_1_support_with_head_count(self):
		doc = activity(self.net.site_a).insert()
		self.assertEqual(
			frappe.db.get_value("School-wide Activity", doc.name, ["school_year", "head_count"]),
			(self.school_year, 120),
		)
		with self.assertRaises(WrongTierError):
			activity(self.net.site_a, support_type="Tutoring").insert()

	def test_scoped_to_site(self):
		theirs = activity(self.net.site_b).insert().name
		clear_scope_cache()
		frappe.set_user(self.net.coordinator_a)
		self.assertNotIn(theirs, frappe.get_list("School-wide Activity", pluck="name"))
		with self.assertRaises(frappe.PermissionError):
			activity(self.net.site_b).insert()
		frappe.set_user(self.net.evaluator)  # aggregate-only role: head counts are not student data
		self.assertIn(theirs, frappe.get_list("School-wide Activity", pluck="name"))
