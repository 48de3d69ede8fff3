# Copyright (c) 2026, cis_app contributors and contributors
# For license information, please see license.txt
"""Two affiliates on one Frappe site, each with its own staff, partners, contributions, volunteers
and hours: nothing of one reaches the other's staff through list, form, REST, reportview, export,
link search, reports or counts.

The HTTP requests run in another thread with their own database connection, so this test commits its
records and deletes them afterwards.
"""

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, nowdate

from cis_app.permissions.scope import clear_scope_cache
from cis_app.tests.factories import (
	TwoSites,
	api_token,
	http,
	make_affiliate,
	make_district,
	make_hours,
	make_site,
	make_user,
	make_volunteer,
)

OTHER = "_Test Other Affiliate"
OTHER_SITE = "_Test Other Affiliate Site"
OTHER_MANAGER = "cis-other-partner-manager@example.com"
OTHER_COORDINATOR = "cis-other-coordinator@example.com"


def make_partner(name: str, affiliate: str, site: str) -> str:
	if not frappe.db.exists("Partner", name):
		frappe.get_doc(
			{
				"doctype": "Partner",
				"partner_name": name,
				"partner_type": "Business",
				"affiliate": affiliate,
				"sites_served": [{"site": site}],
				"contacts": [{"contact_name": f"{name} Contact", "email": "contact@example.com"}],
				"agreement_signed_date": add_days(nowdate(), -300),
				"agreement_renewal_date": add_days(nowdate(), 20),
			}
		).insert(ignore_permissions=True)
	return name


def make_contribution(partner: str, site: str, amount: float) -> str:
	return (
		frappe.get_doc(
			{
				"doctype": "Partner Contribution",
				"partner": partner,
				"site": site,
				"contribution_type": "Monetary",
				"amount": amount,
				"contribution_date": add_days(nowdate(), -5),
			}
		)
		.insert(ignore_permissions=True)
		.name
	)


class TestAffiliateIsolation(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		cls.net = TwoSites.build()
		make_user(OTHER_MANAGER, "Partner Manager")
		make_user(OTHER_COORDINATOR, "Site Coordinator")
		# "_Test Other Affiliate" is made by other tests too (test_site, without staff): the staff rows
		# this test needs are added whether the affiliate and its site exist already or not
		make_affiliate(OTHER, staff=[(OTHER_MANAGER, "Partner Manager")])
		make_district("_Test Other District", OTHER)
		make_site(OTHER_SITE, OTHER, "_Test Other District", staff=[(OTHER_COORDINATOR, "Site Coordinator")])
		cls.partner_a = make_partner("_Test Isolation Partner A", cls.net.affiliate, cls.net.site_a)
		cls.partner_b = make_partner("_Test Isolation Partner B", OTHER, OTHER_SITE)
		cls.contribution_a = make_contribution(cls.partner_a, cls.net.site_a, 100)
		cls.contribution_b = make_contribution(cls.partner_b, OTHER_SITE, 250)
		cls.volunteer_a = make_volunteer("cis-isolation-vol-a@example.com", [cls.net.site_a])
		cls.volunteer_b = make_volunteer("cis-isolation-vol-b@example.com", [OTHER_SITE], affiliate=OTHER)
		cls.hours_b = make_hours(cls.volunteer_b.name, OTHER_SITE, 3, date=add_days(nowdate(), -3)).name
		frappe.db.set_value(
			"Volunteer Hours", cls.hours_b, {"status": "Approved", "workflow_state": "Approved"}
		)
		cls.tokens = {user: api_token(user) for user in (cls.net.partner_manager, OTHER_MANAGER)}
		frappe.db.commit()  # nosemgrep: the WSGI thread reads through its own connection

	@classmethod
	def tearDownClass(cls):
		frappe.set_user("Administrator")
		frappe.delete_doc("Volunteer Hours", cls.hours_b, force=True, ignore_permissions=True)
		for name in (cls.contribution_a, cls.contribution_b):
			frappe.delete_doc("Partner Contribution", name, force=True, ignore_permissions=True)
		frappe.db.commit()  # nosemgrep
		super().tearDownClass()

	def as_user(self, user):
		clear_scope_cache()
		frappe.set_user(user)

	def tearDown(self):
		frappe.set_user("Administrator")

	def test_lists_forms_and_counts(self):
		for user, mine, theirs in (
			(self.net.partner_manager, self.partner_a, self.partner_b),
			(OTHER_MANAGER, self.partner_b, self.partner_a),
		):
			self.as_user(user)
			partners = set(frappe.get_list("Partner", pluck="name", limit_page_length=0))
			self.assertIn(mine, partners)
			self.assertNotIn(theirs, partners)
			self.assertFalse(frappe.get_doc("Partner", theirs).has_permission("read"))
			self.assertTrue(frappe.get_doc("Partner", mine).has_permission("read"))
			contacts = frappe.get_list(
				"Partner Contact", parent_doctype="Partner", fields=["parent"], limit_page_length=0
			)
			self.assertNotIn(theirs, {row.parent for row in contacts})
		self.as_user(self.net.partner_manager)
		self.assertNotIn(
			self.contribution_b, frappe.get_list("Partner Contribution", pluck="name", limit_page_length=0)
		)
		volunteers = set(frappe.get_list("CIS Volunteer", pluck="name", limit_page_length=0))
		self.assertIn(self.volunteer_a.name, volunteers)
		self.assertNotIn(self.volunteer_b.name, volunteers)
		self.assertFalse(frappe.get_doc("CIS Volunteer", self.volunteer_b.name).has_permission("read"))
		sites = frappe.get_list(
			"CIS Volunteer Site", parent_doctype="CIS Volunteer", fields=["parent"], limit_page_length=0
		)
		self.assertNotIn(self.volunteer_b.name, {row.parent for row in sites})
		self.assertNotIn(self.hours_b, frappe.get_list("Volunteer Hours", pluck="name", limit_page_length=0))
		from cis_app.overrides.generic_methods import get_count

		self.assertEqual(get_count("Partner Contribution", {"name": self.contribution_b}), 0)
		self.assertEqual(get_count("CIS Volunteer", {"name": self.volunteer_b.name}), 0)
		self.assertEqual(get_count("Volunteer Hours", {"name": self.hours_b}), 0)

	def test_an_edit_cannot_move_a_partner_into_another_affiliate(self):
		self.as_user(OTHER_MANAGER)
		partner = frappe.get_doc("Partner", self.partner_b)
		partner.affiliate = self.net.affiliate
		partner.sites_served = []
		with self.assertRaises(frappe.PermissionError):
			partner.save()
		self.assertEqual(frappe.db.get_value("Partner", self.partner_b, "affiliate"), OTHER)

	def test_link_search_reportview_and_export(self):
		from frappe.desk.reportview import get as reportview_get
		from frappe.desk.search import search_link

		self.as_user(self.net.partner_manager)
		found = {row["value"] for row in search_link("Partner", "_Test Isolation Partner")}
		self.assertEqual(found, {self.partner_a})
		frappe.local.form_dict = frappe._dict(
			doctype="Partner Contribution",
			fields=["`tabPartner Contribution`.`name`", "`tabPartner Contribution`.`partner`"],
			filters=[],
		)
		result = reportview_get()
		names = {row[0] for row in result["values"]} if result else set()
		self.assertIn(self.contribution_a, names)
		self.assertNotIn(self.contribution_b, names)
		from frappe.desk.reportview import export_query

		frappe.local.form_dict = frappe._dict(
			doctype="Partner",
			file_format_type="CSV",
			fields=["`tabPartner`.`name`", "`tabPartner`.`affiliate`"],
			filters=[["Partner", "name", "like", "_Test Isolation Partner%"]],
		)
		frappe.local.response = frappe._dict()
		try:
			export_query()
			exported = frappe.safe_decode(frappe.local.response.filecontent)
		finally:
			frappe.local.response = frappe._dict()
		self.assertIn(self.partner_a, exported)
		self.assertNotIn(self.partner_b, exported)

	def test_reports(self):
		from cis_app.cis_partnerships.report.expiring_partner_agreements.expiring_partner_agreements import (
			execute as expiring,
		)
		from cis_app.cis_partnerships.report.partner_contributions.partner_contributions import (
			execute as contributions,
		)
		from cis_app.cis_partnerships.report.volunteer_hours_summary.volunteer_hours_summary import (
			execute as hours,
		)

		self.as_user(self.net.partner_manager)
		partners = {row["partner"] for row in contributions({})[1]}
		self.assertIn(self.partner_a, partners)
		self.assertNotIn(self.partner_b, partners)
		self.assertNotIn(self.partner_b, {row.partner for row in expiring({})[1]})
		self.assertNotIn(OTHER_SITE, {row.group_value for row in hours({"group_by": "Site"})[1]})
		self.as_user(OTHER_MANAGER)
		self.assertEqual({row["partner"] for row in contributions({})[1]}, {self.partner_b})
		self.assertIn(self.partner_b, {row.partner for row in expiring({})[1]})

	def test_rest(self):
		def names(user, doctype):
			response = http(
				"get",
				f"/api/resource/{doctype}",
				self.tokens[user],
				query_string={"limit_page_length": 0},
			)
			return response.status_code, {row["name"] for row in response.json["data"]}

		status, partners = names(self.net.partner_manager, "Partner")
		self.assertEqual(status, 200)
		self.assertIn(self.partner_a, partners)
		self.assertNotIn(self.partner_b, partners)
		status, volunteers = names(OTHER_MANAGER, "CIS Volunteer")
		self.assertEqual((status, self.volunteer_b.name in volunteers), (200, True))
		self.assertNotIn(self.volunteer_a.name, volunteers)
		response = http(
			"get", f"/api/resource/Partner/{self.partner_b}", self.tokens[self.net.partner_manager]
		)
		self.assertEqual(response.status_code, 403)
		response = http(
			"get",
			"/api/method/frappe.client.get_count",
			self.tokens[self.net.partner_manager],
			query_string={
				"doctype": "Partner Contribution",
				"filters": frappe.as_json({"partner": self.partner_b}),
			},
		)
		self.assertEqual((response.status_code, response.json["message"]), (200, 0))
