# Copyright (c) 2026, cis_app contributors and contributors
# For license information, please see license.txt

import frappe
from frappe.tests.utils import FrappeTestCase

from cis_app.cis_partnerships.report.partner_contributions.partner_contributions import execute, pivot
from cis_app.tests.factories import TwoSites, make_affiliate, make_volunteer

FOOD_BANK, BOOKSTORE, ELSEWHERE = "_Test PCR Food Bank", "_Test PCR Bookstore", "_Test PCR Elsewhere"
OTHER_AFFILIATE = "_Test PCR Other Affiliate"
YEAR_2001 = {"from_date": "2001-01-01", "to_date": "2001-12-31"}  # a past year no other test uses


def as_user(user, filters):
	frappe.set_user(user)
	try:
		return execute(filters)
	finally:
		frappe.set_user("Administrator")


class TestPartnerContributionsReport(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.net = TwoSites.build()
		make_affiliate(OTHER_AFFILIATE)
		for partner, affiliate in (
			(FOOD_BANK, cls.net.affiliate),
			(BOOKSTORE, cls.net.affiliate),
			(ELSEWHERE, OTHER_AFFILIATE),
		):
			if not frappe.db.exists("Partner", partner):
				frappe.get_doc(
					{
						"doctype": "Partner",
						"partner_name": partner,
						"partner_type": "Business",
						"affiliate": affiliate,
					}
				).insert(ignore_permissions=True)
		frappe.db.delete("Partner Contribution", {"partner": ["in", [FOOD_BANK, BOOKSTORE, ELSEWHERE]]})
		for partner, kind, day, value, site in (
			(FOOD_BANK, "Monetary", "2001-03-01", 100, cls.net.site_a),
			(FOOD_BANK, "Monetary", "2001-04-01", 50.5, None),
			(FOOD_BANK, "In-Kind Services", "2001-05-01", 200, None),
			(FOOD_BANK, "Monetary", "2002-01-05", 9999, None),  # after the period
			(BOOKSTORE, "In-Kind Goods", "2001-06-01", 1000, None),
			(ELSEWHERE, "Monetary", "2001-06-01", 777, None),  # another affiliate's partner
		):
			figure = "amount" if kind == "Monetary" else "fair_value"
			frappe.get_doc(
				{
					"doctype": "Partner Contribution",
					"partner": partner,
					"contribution_type": kind,
					"contribution_date": day,
					figure: value,
					"site": site,
				}
			).insert(ignore_permissions=True)

	def test_pivot_adds_types_per_partner(self):
		rows = pivot(
			[
				frappe._dict(partner="P1", contribution_type="Monetary", contributions=2, value=100),
				frappe._dict(
					partner="P1", contribution_type="In-Kind Services", contributions=1, value=50.25
				),
				frappe._dict(partner="P2", contribution_type="In-Kind Goods", contributions=1, value=500),
			]
		)
		self.assertEqual([r["partner"] for r in rows], ["P2", "P1"])
		self.assertEqual(
			(rows[1]["monetary"], rows[1]["in_kind_services"], rows[1]["total"], rows[1]["contributions"]),
			(100, 50.25, 150.25, 3),
		)

	def test_evaluator_reads_the_affiliates_totals_for_the_period(self):
		_columns, rows, _message, chart, summary = as_user(self.net.evaluator, YEAR_2001)
		self.assertEqual(
			rows,
			[
				{
					"partner": BOOKSTORE,
					"contributions": 1,
					"total": 1000,
					"monetary": 0,
					"in_kind_goods": 1000,
					"in_kind_services": 0,
				},
				{
					"partner": FOOD_BANK,
					"contributions": 3,
					"total": 350.5,
					"monetary": 150.5,
					"in_kind_goods": 0,
					"in_kind_services": 200,
				},
			],
		)
		self.assertEqual(
			[(s["label"], s["value"]) for s in summary],
			[("Monetary", 150.5), ("In-Kind Goods", 1000), ("In-Kind Services", 200), ("Total", 1350.5)],
		)
		self.assertEqual(chart["data"]["labels"], [BOOKSTORE, FOOD_BANK])
		self.assertEqual(
			[(d["name"], d["values"]) for d in chart["data"]["datasets"]],
			[("Monetary", [0, 150.5]), ("In-Kind Goods", [1000, 0]), ("In-Kind Services", [0, 200])],
		)

	def test_who_sees_what(self):
		def totals(user, **filters):
			return {row["partner"]: row["total"] for row in as_user(user, {**YEAR_2001, **filters})[1]}

		ours = {BOOKSTORE: 1000, FOOD_BANK: 350.5}
		self.assertEqual(totals(self.net.partner_manager), ours)
		self.assertEqual(totals(self.net.admin), ours)  # staff of the affiliate: not the other one
		self.assertEqual(totals("Administrator"), {**ours, ELSEWHERE: 777})
		self.assertEqual(totals(self.net.evaluator, site=self.net.site_a), {FOOD_BANK: 100})
		self.assertEqual(totals(self.net.evaluator, partner=ELSEWHERE), {})
		volunteer = make_volunteer("cis-pcr-volunteer@example.com", [self.net.site_a])
		for user in (volunteer.user, self.net.coordinator_a):
			with self.assertRaises(frappe.PermissionError):
				as_user(user, YEAR_2001)
