# Copyright (c) 2026, cis_app contributors and contributors
# For license information, please see license.txt
"""Who counts as staff (cis_app.permissions.scope.is_staff): one rule for the volunteer and partner-contact
logins, the report print rule and the check-in page."""

import frappe
from frappe.tests.utils import FrappeTestCase

from cis_app.api.checkin import is_site_worker
from cis_app.permissions.scope import is_staff
from cis_app.tests.factories import make_user
from cis_app.utils.roles import STAFF_ROLES


class TestStaff(FrappeTestCase):
	def test_each_staff_role_counts_and_website_roles_do_not(self):
		for role in STAFF_ROLES:
			user = make_user(f"cis-staff-{role.lower().replace(' ', '-')}@example.com", role)
			self.assertTrue(is_staff(user), role)
		volunteer = make_user("cis-staff-volunteer@example.com", "CIS Volunteer")
		contact = make_user("cis-staff-contact@example.com", "CIS Partner Contact")
		self.assertFalse(is_staff(volunteer))
		self.assertFalse(is_staff(contact))
		self.assertFalse(is_staff("Guest"))

	def test_administrator_and_system_managers_count(self):
		self.assertTrue(is_staff("Administrator"))
		self.assertTrue(is_staff(make_user("cis-staff-sysman@example.com", "System Manager")))

	def test_the_check_in_page_is_for_the_site_roles(self):
		evaluator = make_user("cis-staff-evaluator@example.com", "Evaluator")
		coordinator = make_user("cis-staff-coordinator@example.com", "Site Coordinator")
		self.assertTrue(is_staff(evaluator))
		frappe.set_user(evaluator)
		try:
			self.assertFalse(is_site_worker())
		finally:
			frappe.set_user("Administrator")
		self.assertTrue(is_site_worker(coordinator))
