# Copyright (c) 2026, cis_app contributors and contributors
# For license information, please see license.txt

import frappe
from frappe.tests.utils import FrappeTestCase

from cis_app.exceptions import AffiliateMismatchError
from cis_app.testing import TwoSites, make_affiliate, make_district, make_site


class TestPartner(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.net = TwoSites.build()

	def test_partner_serves_only_sites_of_its_affiliate(self):
		make_affiliate("_Test Partner Other Affiliate")
		make_district("_Test Partner Other District", "_Test Partner Other Affiliate")
		make_site("_Test Partner Other Site", "_Test Partner Other Affiliate", "_Test Partner Other District")
		partner = frappe.get_doc(
			{
				"doctype": "Partner",
				"partner_name": "_Test Partner Mismatch",
				"partner_type": "Business",
				"affiliate": self.net.affiliate,
				"sites_served": [{"site": "_Test Partner Other Site"}],
			}
		)
		with self.assertRaises(AffiliateMismatchError):
			partner.insert()

	def test_partner_manager_manages_partners(self):
		frappe.set_user(self.net.partner_manager)
		try:
			partner = frappe.get_doc(
				{
					"doctype": "Partner",
					"partner_name": "_Test Partner Food",
					"partner_type": "Community Organization",
					"affiliate": self.net.affiliate,
					"services_offered": [{"support_type": "Tutoring"}],
					"sites_served": [{"site": self.net.site_a}],
				}
			).insert()
			self.assertTrue(partner.name)
		finally:
			frappe.set_user("Administrator")
