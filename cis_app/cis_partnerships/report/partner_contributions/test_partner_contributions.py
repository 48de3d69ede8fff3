# Copyright (c) 2026, cis_app contributors and contributors
# For license information, please see license.txt

import frappe
from frappe.tests.utils import FrappeTestCase

from cis_app.cis_partnerships.report.partner_contributions.partner_contributions import execute, pivot


class TestPartnerContributionsReport(FrappeTestCase):
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

	def test_evaluator_reads_aggregates_and_volunteers_cannot(self):
		from cis_app.testing import TwoSites

		net = TwoSites.build()
		frappe.set_user(net.evaluator)
		try:
			execute({"from_date": "2000-01-01"})
		finally:
			frappe.set_user("Administrator")
