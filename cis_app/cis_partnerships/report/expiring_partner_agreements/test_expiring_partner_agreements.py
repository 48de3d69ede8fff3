# Copyright (c) 2026, cis_app contributors and contributors
# For license information, please see license.txt

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, nowdate

from cis_app.cis_partnerships.report.expiring_partner_agreements.expiring_partner_agreements import execute
from cis_app.testing import TwoSites


class TestExpiringPartnerAgreements(FrappeTestCase):
	def test_lapsed_only_when_asked(self):
		net = TwoSites.build()
		frappe.get_doc(
			{
				"doctype": "Partner",
				"partner_name": "_Test MOU Lapsed",
				"partner_type": "Business",
				"affiliate": net.affiliate,
				"agreement_signed_date": add_days(nowdate(), -400),
				"agreement_renewal_date": add_days(nowdate(), -5),
				"sites_served": [{"site": net.site_a}],
			}
		).insert()
		self.assertNotIn("_Test MOU Lapsed", [r.partner for r in execute({})[1]])
		rows = execute({"include_lapsed": 1, "site": net.site_a})[1]
		row = next(r for r in rows if r.partner == "_Test MOU Lapsed")
		self.assertEqual((row.days_left, row.agreement_status), (-5, "Lapsed"))
		self.assertNotIn(
			"_Test MOU Lapsed", [r.partner for r in execute({"include_lapsed": 1, "site": net.site_b})[1]]
		)
