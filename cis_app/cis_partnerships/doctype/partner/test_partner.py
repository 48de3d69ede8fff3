# Copyright (c) 2026, cis_app contributors and contributors
# For license information, please see license.txt

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, nowdate

from cis_app.utils.exceptions import AffiliateMismatchError
from cis_app.tests.factories import TwoSites, make_affiliate, make_district, make_site


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
			frappe.get_doc(
				{
					"doctype": "Partner",
					"partner_name": "_Test Partner Food",
					"partner_type": "Community Organization",
					"affiliate": self.net.affiliate,
					"services_offered": [{"support_type": "Tutoring"}],
					"sites_served": [{"site": self.net.site_a}],
				}
			).insert()
			self.assertIn("_Test Partner Food", frappe.get_list("Partner", pluck="name"))
			partner = frappe.get_doc("Partner", "_Test Partner Food")
			partner.status = "Inactive"
			partner.save()
		finally:
			frappe.set_user("Administrator")
		stored = frappe.get_doc("Partner", "_Test Partner Food")
		self.assertEqual(
			(stored.owner, stored.affiliate, stored.status, stored.agreement_status),
			(self.net.partner_manager, self.net.affiliate, "Inactive", "None"),
		)
		self.assertEqual([row.support_type for row in stored.services_offered], ["Tutoring"])
		self.assertEqual([row.site for row in stored.sites_served], [self.net.site_a])


class TestPartnerAgreement(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.net = TwoSites.build()

	def partner(self, name, **values):
		return frappe.get_doc(
			{
				"doctype": "Partner",
				"partner_name": name,
				"partner_type": "Foundation",
				"affiliate": self.net.affiliate,
				"partner_manager": self.net.partner_manager,
				**values,
			}
		)

	def test_renewal_before_signing_is_refused(self):
		from cis_app.utils.exceptions import InvalidDateRangeError

		with self.assertRaises(InvalidDateRangeError):
			self.partner(
				"_Test MOU Bad",
				agreement_signed_date=nowdate(),
				agreement_renewal_date=add_days(nowdate(), -1),
			).insert()
		self.assertFalse(frappe.db.exists("Partner", "_Test MOU Bad"))

	def test_reminder_once_and_lapse(self):
		from cis_app.cis_partnerships.doctype.partner.partner import remind_agreement_renewals
		from cis_app.cis_partnerships.report.expiring_partner_agreements.expiring_partner_agreements import (
			execute,
		)

		due = self.partner(
			"_Test MOU Due",
			agreement_signed_date=add_days(nowdate(), -300),
			agreement_renewal_date=add_days(nowdate(), 20),
		).insert()
		far = self.partner(
			"_Test MOU Far",
			agreement_signed_date=add_days(nowdate(), -30),
			agreement_renewal_date=add_days(nowdate(), 200),
		).insert()
		self.assertEqual(due.agreement_status, "Signed")
		remind_agreement_renewals()
		remind_agreement_renewals()
		todos = frappe.get_all(
			"ToDo", {"reference_type": "Partner", "reference_name": due.name}, ["allocated_to"]
		)
		self.assertEqual([t.allocated_to for t in todos], [self.net.partner_manager])
		self.assertFalse(frappe.db.exists("ToDo", {"reference_type": "Partner", "reference_name": far.name}))
		frappe.db.set_value("Partner", due.name, "agreement_renewal_date", add_days(nowdate(), -1))
		remind_agreement_renewals()
		self.assertEqual(frappe.db.get_value("Partner", due.name, "agreement_status"), "Lapsed")
		frappe.db.set_value("Partner", due.name, "agreement_renewal_date", add_days(nowdate(), 10))
		_columns, rows, _m, chart, _s = execute({"days": 60})
		names = [r.partner for r in rows]
		self.assertIn(due.name, names)
		self.assertNotIn(far.name, names)
		self.assertEqual(next(r for r in rows if r.partner == due.name).days_left, 10)
		days_left_shown = dict(
			zip(chart["data"]["labels"], chart["data"]["datasets"][0]["values"], strict=True)
		)
		self.assertEqual(days_left_shown[due.name], 10)
		self.assertNotIn(far.name, days_left_shown)
