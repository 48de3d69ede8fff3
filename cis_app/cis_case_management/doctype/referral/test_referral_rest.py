# Copyright (c) 2026, cis_app contributors and contributors
# For license information, please see license.txt

"""The referral and its disclosure record over REST, as a browser or a script would reach them."""

import frappe
from frappe.tests.utils import FrappeTestCase

from cis_app.cis_case_management.doctype.referral.test_referral import PARTNER, SUPPORT_TYPE, make_partner
from cis_app.tests.factories import TwoSites, act, api_token, http, make_consent, make_school_year, make_student


class TestReferralRest(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.net = TwoSites.build()
		year = make_school_year()
		make_partner(PARTNER, cls.net.affiliate)
		if not frappe.db.exists("Support Type", SUPPORT_TYPE):
			frappe.get_doc(
				{
					"doctype": "Support Type",
					"support_type_name": SUPPORT_TYPE,
					"category": "Mental Health",
					"is_active": 1,
					"tier_3": 1,
				}
			).insert(ignore_permissions=True)
		cls.student = make_student(cls.net.site_a).name
		cls.consent = make_consent(
			cls.student, scope="Share with Partner", school_year=year, partner=PARTNER
		).name
		referral = frappe.get_doc(
			{
				"doctype": "Referral",
				"student": cls.student,
				"school_year": year,
				"partner": PARTNER,
				"support_type": SUPPORT_TYPE,
			}
		).insert(ignore_permissions=True)
		cls.referral = act(referral, "Send", cls.net.coordinator_a).name
		cls.disclosure = frappe.db.get_value("Disclosure Record", {"reference_name": cls.referral}, "name")
		cls.tokens = {
			user: api_token(user)
			for user in (
				cls.net.coordinator_a,
				cls.net.coordinator_b,
				cls.net.admin,
				cls.net.partner_manager,
				cls.net.evaluator,
			)
		}
		frappe.db.commit()  # nosemgrep: the WSGI thread reads through its own connection

	@classmethod
	def tearDownClass(cls):
		frappe.set_user("Administrator")
		for doctype, name in (
			("Disclosure Record", cls.disclosure),
			("Referral", cls.referral),
			("Student Consent", cls.consent),
			("Student", cls.student),
		):
			if name and frappe.db.exists(doctype, name):
				frappe.delete_doc(doctype, name, force=True, ignore_permissions=True)
		frappe.db.commit()  # nosemgrep
		super().tearDownClass()

	def request(self, user, method, path, **kwargs):
		return http(method, path, self.tokens[user], **kwargs)

	def test_the_sites_coordinator_reads_it_another_sites_gets_403(self):
		own = self.request(self.net.coordinator_a, "get", f"/api/resource/Referral/{self.referral}")
		self.assertEqual(own.status_code, 200)
		other = self.request(self.net.coordinator_b, "get", f"/api/resource/Referral/{self.referral}")
		self.assertEqual(other.status_code, 403)
		self.assertNotIn(self.student, other.get_data(as_text=True))
		listed = self.request(self.net.coordinator_b, "get", "/api/resource/Referral")
		self.assertEqual(listed.status_code, 200)
		self.assertNotIn(self.referral, [row["name"] for row in listed.json["data"]])

	def test_outside_roles_get_403_for_referrals_and_disclosures(self):
		for user in (self.net.evaluator, self.net.partner_manager, self.net.coordinator_a):
			for path in (
				f"/api/resource/Disclosure Record/{self.disclosure}",
				"/api/resource/Disclosure Record",
			):
				response = self.request(user, "get", path)
				self.assertEqual(response.status_code, 403, f"{user} {path}")
		for user in (self.net.evaluator, self.net.partner_manager):
			response = self.request(user, "get", f"/api/resource/Referral/{self.referral}")
			self.assertEqual(response.status_code, 403, user)

	def test_an_administrator_reads_but_cannot_change_or_delete_a_disclosure(self):
		path = f"/api/resource/Disclosure Record/{self.disclosure}"
		self.assertEqual(self.request(self.net.admin, "get", path).status_code, 200)
		self.assertEqual(self.request(self.net.admin, "put", path, json={"purpose": "x"}).status_code, 403)
		self.assertEqual(self.request(self.net.admin, "delete", path).status_code, 403)
		self.assertTrue(frappe.db.exists("Disclosure Record", self.disclosure))
		self.assertNotEqual(frappe.db.get_value("Disclosure Record", self.disclosure, "purpose"), "x")
