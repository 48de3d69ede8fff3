# Copyright (c) 2026, cis_app contributors and contributors
# For license information, please see license.txt

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import nowdate

from cis_app.cis_partnerships.report.partner_contributions.partner_contributions import execute
from cis_app.utils.exceptions import CISValidationError
from cis_app.tests.factories import TwoSites


def contribution(partner, kind="Monetary", **values):
	return frappe.get_doc(
		{
			"doctype": "Partner Contribution",
			"partner": partner,
			"contribution_type": kind,
			"contribution_date": nowdate(),
			**values,
		}
	)


class TestPartnerContribution(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.net = TwoSites.build()
		cls.partner = "_Test Contribution Partner"
		if not frappe.db.exists("Partner", cls.partner):
			frappe.get_doc(
				{
					"doctype": "Partner",
					"partner_name": cls.partner,
					"partner_type": "Business",
					"affiliate": cls.net.affiliate,
				}
			).insert()

	def tearDown(self):
		frappe.set_user("Administrator")

	def test_negative_or_zero_amounts_are_refused(self):
		for values in ({"amount": -5}, {"amount": 0}):
			with self.assertRaises(CISValidationError):
				contribution(self.partner, **values).insert()
		with self.assertRaises(CISValidationError):
			contribution(self.partner, "In-Kind Goods", fair_value=-1).insert()

	def test_value_and_report(self):
		frappe.set_user(self.net.partner_manager)
		contribution(
			self.partner,
			amount=500,
			site=self.net.site_a,
			is_restricted=1,
			restricted_purpose="Weekend meals",
		).insert()
		contribution(self.partner, "In-Kind Goods", fair_value=120.5, amount=999).insert()
		_columns, rows, _m, chart, summary = execute({"partner": self.partner})
		self.assertEqual(len(rows), 1)
		self.assertEqual(
			(rows[0]["monetary"], rows[0]["in_kind_goods"], rows[0]["total"]), (500, 120.5, 620.5)
		)
		self.assertEqual(summary[-1]["value"], 620.5)
		self.assertEqual(len(chart["data"]["datasets"]), 3)
