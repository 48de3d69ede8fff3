# Copyright (c) 2026, cis_app contributors and contributors
# For license information, please see license.txt

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, nowdate

from cis_app.utils.exceptions import AppClashError, InvalidDateRangeError
from cis_app.setup.install import before_install, find_clashes
from cis_app.tests.factories import make_user


class TestAffiliate(FrappeTestCase):
	def test_staff_period_ending_before_start_is_refused(self):
		user = make_user("cis-aff-dates@example.com", "CIS Administrator")
		doc = frappe.get_doc(
			{
				"doctype": "Affiliate",
				"affiliate_name": "_Test Affiliate Dates",
				"staff": [
					{
						"user": user,
						"staff_role": "CIS Administrator",
						"from_date": nowdate(),
						"to_date": add_days(nowdate(), -1),
					}
				],
			}
		)
		with self.assertRaises(InvalidDateRangeError):
			doc.insert()
		self.assertFalse(frappe.db.exists("Affiliate", "_Test Affiliate Dates"))


class TestInstallClash(FrappeTestCase):
	def test_a_doctype_owned_by_another_app_stops_the_install_with_its_name(self):
		self.assertEqual(find_clashes(), [])
		frappe.db.set_value("DocType", "Student", "module", "Core", update_modified=False)
		try:
			self.assertEqual(find_clashes(), [("Student", "frappe")])
			with self.assertRaises(AppClashError) as caught:
				before_install()
			self.assertIn("Student (frappe)", str(caught.exception))
			# a site's own custom DocType of the same name is named as such
			frappe.db.set_value(
				"DocType", "Student", {"module": "Custom", "custom": 1}, update_modified=False
			)
			self.assertEqual(find_clashes(), [("Student", "a custom DocType of this site")])
		finally:
			frappe.db.set_value(
				"DocType", "Student", {"module": "CIS Case Management", "custom": 0}, update_modified=False
			)
