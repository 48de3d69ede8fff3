# Copyright (c) 2026, cis_app contributors and contributors
# For license information, please see license.txt

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, nowdate

from cis_app.utils.exceptions import AffiliateMismatchError, DuplicateAssignmentError, InvalidDateRangeError
from cis_app.permissions.scope import clear_scope_cache, get_permitted_sites
from cis_app.tests.factories import TwoSites, make_affiliate, make_district, make_site, make_user


class TestSite(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.net = TwoSites.build()
		make_affiliate("_Test Other Affiliate")
		make_district("_Test Other District", "_Test Other Affiliate")

	def test_district_of_another_affiliate_is_refused(self):
		with self.assertRaises(AffiliateMismatchError):
			make_site("_Test Mismatched Site", self.net.affiliate, "_Test Other District")
		self.assertFalse(frappe.db.exists("Site", "_Test Mismatched Site"))

	def test_assignment_ending_before_it_starts_is_refused(self):
		user = make_user("cis-dates@example.com", "Site Coordinator")
		with self.assertRaises(InvalidDateRangeError):
			make_site(
				"_Test Site Dates", staff=[(user, "Site Coordinator", nowdate(), add_days(nowdate(), -1))]
			)
		self.assertFalse(frappe.db.exists("Site", "_Test Site Dates"))

	def test_overlapping_duplicate_assignment_is_refused(self):
		user = make_user("cis-dup@example.com", "Site Coordinator")
		with self.assertRaises(DuplicateAssignmentError):
			make_site("_Test Site Dup", staff=[(user, "Site Coordinator"), (user, "Site Coordinator")])

	def test_scope_follows_assignments(self):
		user = make_user("cis-scope@example.com", "Site Coordinator")
		clear_scope_cache()
		self.assertEqual(get_permitted_sites(user), frozenset())
		make_site("_Test Scope Site", staff=[(user, "Site Coordinator", add_days(nowdate(), -5), None)])
		self.assertEqual(get_permitted_sites(user), {"_Test Scope Site"})
		site = frappe.get_doc("Site", "_Test Scope Site")
		site.staff = []
		site.save()
		self.assertEqual(get_permitted_sites(user), frozenset())

	def test_future_assignment_grants_nothing_yet(self):
		user = make_user("cis-future@example.com", "Site Coordinator")
		make_site("_Test Future Site", staff=[(user, "Site Coordinator", add_days(nowdate(), 5), None)])
		clear_scope_cache()
		self.assertEqual(get_permitted_sites(user), frozenset())

	def test_affiliate_staff_get_every_site_of_the_affiliate(self):
		clear_scope_cache()
		self.assertTrue({self.net.site_a, self.net.site_b} <= get_permitted_sites(self.net.admin))
		self.assertNotIn("_Test Other Site", get_permitted_sites(self.net.admin))
