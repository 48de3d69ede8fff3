# Copyright (c) 2026, cis_app contributors and contributors
# For license information, please see license.txt

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, nowdate

from cis_app.cis_partnerships.report.expiring_partner_agreements.expiring_partner_agreements import execute
from cis_app.tests.factories import TwoSites, make_affiliate


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

	def test_window_order_and_who_sees_what(self):
		net = TwoSites.build()
		make_affiliate("_Test EPA Other Affiliate")
		for name, affiliate, renewal_in in (
			("_Test EPA Due 10", net.affiliate, 10),
			("_Test EPA Due 60", net.affiliate, 60),
			("_Test EPA Due 61", net.affiliate, 61),
			("_Test EPA Elsewhere", "_Test EPA Other Affiliate", 10),
		):
			frappe.get_doc(
				{
					"doctype": "Partner",
					"partner_name": name,
					"partner_type": "Business",
					"affiliate": affiliate,
					"partner_manager": net.partner_manager,
					"agreement_signed_date": add_days(nowdate(), -300),
					"agreement_renewal_date": add_days(nowdate(), renewal_in),
				}
			).insert()

		def shown(user, filters):
			frappe.set_user(user)
			try:
				rows = execute(filters)[1]
			finally:
				frappe.set_user("Administrator")
			return [
				(r.partner, r.days_left, r.agreement_status, r.partner_manager)
				for r in rows
				if r.partner.startswith("_Test EPA")
			]

		due_10 = ("_Test EPA Due 10", 10, "Signed", net.partner_manager)
		due_60 = ("_Test EPA Due 60", 60, "Signed", net.partner_manager)
		due_61 = ("_Test EPA Due 61", 61, "Signed", net.partner_manager)
		self.assertEqual(shown(net.partner_manager, {}), [due_10, due_60])  # 60 days by default
		self.assertEqual(shown(net.partner_manager, {"days": 90}), [due_10, due_60, due_61])
		self.assertEqual(shown(net.evaluator, {"days": 30}), [due_10])
		self.assertIn(("_Test EPA Elsewhere", 10, "Signed", net.partner_manager), shown("Administrator", {}))
