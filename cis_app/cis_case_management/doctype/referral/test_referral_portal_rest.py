# Copyright (c) 2026, cis_app contributors and contributors
# For license information, please see license.txt

"""The partner's portal over HTTP, as a browser or a script reaches it: the pages, the portal methods,
and every desk door a partner contact might try. The requests run in another thread with their own
database connection, so this test commits its records and deletes them afterwards."""

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, nowdate

from cis_app.cis_case_management.doctype.referral.test_referral import PARTNER, SUPPORT_TYPE, make_partner
from cis_app.cis_case_management.doctype.referral.test_referral_portal import (
	OTHER_PARTNER,
	OTHER_PARTNER_EMAIL,
	PORTAL_PARTNER_EMAIL,
	portal_user,
)
from cis_app.tests.factories import TwoSites, act, api_token, http, make_consent, make_school_year, make_student

NOTE = "Synthetic note: prefers Tuesday pickups"
REASON = "Synthetic staff reason, never for the partner"
LAST_NAME = "Portalprobe"


class TestReferralPortalRest(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		cls.net = TwoSites.build()
		year = make_school_year()
		make_partner(PARTNER, cls.net.affiliate)
		make_partner(OTHER_PARTNER, cls.net.affiliate)
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
		cls.contact_user = portal_user(PARTNER, PORTAL_PARTNER_EMAIL, "Pat Intake")
		cls.other_user = portal_user(OTHER_PARTNER, OTHER_PARTNER_EMAIL, "Olive Intake")
		cls.students, cls.consents, cls.referrals = [], [], []
		for _index in range(2):
			student = make_student(cls.net.site_a, first_name="Mina", last_name=LAST_NAME).name
			consent = make_consent(
				student, scope="Share with Partner", school_year=year, partner=PARTNER
			).name
			referral = frappe.get_doc(
				{
					"doctype": "Referral",
					"student": student,
					"school_year": year,
					"partner": PARTNER,
					"support_type": SUPPORT_TYPE,
					"reason": REASON,
					"note_for_partner": NOTE,
				}
			).insert(ignore_permissions=True)
			cls.students.append(student)
			cls.consents.append(consent)
			cls.referrals.append(act(referral, "Send", cls.net.coordinator_a).name)
		cls.referral, cls.revoked = cls.referrals
		frappe.db.set_value("Student Consent", cls.consents[1], "revoked_date", nowdate())
		cls.tokens = {
			user: api_token(user)
			for user in (cls.contact_user, cls.other_user, cls.net.coordinator_a, cls.net.coordinator_b)
		}
		frappe.db.commit()  # nosemgrep: the WSGI thread reads through its own connection

	@classmethod
	def tearDownClass(cls):
		frappe.set_user("Administrator")
		for name in cls.referrals:
			for doctype, field in (("Disclosure Record", "reference_name"), ("View Log", "reference_name")):
				for row in frappe.get_all(doctype, filters={field: name}, pluck="name"):
					frappe.delete_doc(doctype, row, force=True, ignore_permissions=True)
			frappe.delete_doc("Referral", name, force=True, ignore_permissions=True)
		for doctype, names in (("Student Consent", cls.consents), ("Student", cls.students)):
			for name in names:
				frappe.delete_doc(doctype, name, force=True, ignore_permissions=True)
		frappe.db.commit()  # nosemgrep
		super().tearDownClass()

	def request(self, user, method, path, **kwargs):
		return http(method, path, self.tokens[user], **kwargs)

	def status(self, name):
		frappe.db.rollback()  # see what the request thread committed
		return frappe.db.get_value("Referral", name, ["status", "modified"])

	# ------------------------------------------------------------ the pages

	def test_the_partner_contact_sees_their_referral_and_only_the_minimum(self):
		listing = self.request(self.contact_user, "get", "/partner-referrals")
		self.assertEqual(listing.status_code, 200)
		page = listing.get_data(as_text=True)
		self.assertIn(f"/partner-referrals/{self.referral}", page)
		self.assertNotIn(self.revoked, page)  # its consent was revoked today
		detail = self.request(self.contact_user, "get", f"/partner-referrals/{self.referral}")
		self.assertEqual(detail.status_code, 200)
		page = detail.get_data(as_text=True)
		self.assertIn("Mina P.", page)
		self.assertIn(NOTE, page)
		for secret in (LAST_NAME, REASON, self.students[0], self.consents[0]):
			self.assertNotIn(secret, page)
		frappe.db.rollback()  # see what the request thread committed
		# who looked: the partner contact's opening of the referral is logged like a staff view
		views = frappe.db.count(
			"View Log",
			{
				"reference_doctype": "Referral",
				"reference_name": self.referral,
				"viewed_by": self.contact_user,
			},
		)
		self.assertGreaterEqual(views, 1)

	def test_another_partner_a_revoked_consent_or_a_made_up_name_get_the_same_403(self):
		answers = []
		for user, name in (
			(self.other_user, self.referral),
			(self.contact_user, self.revoked),
			(self.contact_user, "REF-0000-99999"),
			(self.net.coordinator_b, self.referral),
		):
			response = self.request(user, "get", f"/partner-referrals/{name}")
			self.assertEqual(response.status_code, 403, (user, name))
			page = response.get_data(as_text=True)
			for secret in ("Mina", NOTE, LAST_NAME):
				self.assertNotIn(secret, page, (user, name))
			api = self.request(
				user, "get", f"/api/method/cis_app.cis_partnerships.portal.get_referral?referral={name}"
			)
			self.assertEqual(api.status_code, 403, (user, name))
			body = api.get_data(as_text=True)
			self.assertNotIn("Mina", body)
			answers.append(api.json.get("exception", "").split(":")[-1].strip())
		# the coordinator is no partner contact: the portal tells them so; the other three are identical
		self.assertEqual(len(set(answers[:3])), 1, answers)

	def test_a_guest_is_sent_to_log_in(self):
		client_response = http("get", f"/partner-referrals/{self.referral}", "")
		self.assertIn(client_response.status_code, (302, 401, 403))
		self.assertNotIn("Mina", client_response.get_data(as_text=True))

	# ------------------------------------------------------------ actions

	def test_accept_over_http_by_the_partner_and_refused_for_another(self):
		before = self.status(self.referral)
		refused = self.request(
			self.other_user,
			"post",
			"/api/method/cis_app.cis_partnerships.portal.act",
			json={"referral": self.referral, "action": "Accept"},
		)
		self.assertEqual(refused.status_code, 403)
		self.assertEqual(self.status(self.referral), before)
		cut = self.request(
			self.contact_user,
			"post",
			"/api/method/cis_app.cis_partnerships.portal.act",
			json={"referral": self.revoked, "action": "Accept"},
		)
		self.assertEqual(cut.status_code, 403)
		self.assertEqual(self.status(self.revoked)[0], "Sent")
		accepted = self.request(
			self.contact_user,
			"post",
			"/api/method/cis_app.cis_partnerships.portal.act",
			json={"referral": self.referral, "action": "Accept"},
		)
		self.assertEqual(accepted.status_code, 200, accepted.get_data(as_text=True))
		self.assertEqual(accepted.json["message"]["status"], "Accepted")
		self.assertEqual(self.status(self.referral)[0], "Accepted")
		future = self.request(
			self.contact_user,
			"post",
			"/api/method/cis_app.cis_partnerships.portal.act",
			json={
				"referral": self.referral,
				"action": "Start Service",
				"values": {"service_start_date": add_days(nowdate(), 5)},
			},
		)
		self.assertEqual(future.status_code, 417)
		self.assertEqual(self.status(self.referral)[0], "Accepted")

	# ------------------------------------------------------------ the desk stays shut

	def test_a_partner_contact_gets_403_from_every_desk_door(self):
		before = self.status(self.referral)
		for method, path, kwargs in (
			("get", "/api/resource/Referral", {}),
			("get", f"/api/resource/Referral/{self.referral}", {}),
			("put", f"/api/resource/Referral/{self.referral}", {"json": {"status": "Completed"}}),
			("get", "/api/resource/Student", {}),
			("get", f"/api/resource/Student/{self.students[0]}", {}),
			("get", "/api/resource/Partner", {}),
			("get", "/api/resource/Student Consent", {}),
			("get", "/api/method/frappe.client.get_list?doctype=Referral", {}),
			("get", f"/api/method/frappe.client.get?doctype=Referral&name={self.referral}", {}),
			("get", "/api/method/frappe.client.get_count?doctype=Referral", {}),
			(
				"post",
				"/api/method/frappe.desk.reportview.get",
				{"data": {"doctype": "Referral", "fields": '["name"]'}},
			),
			("post", "/api/method/frappe.desk.reportview.get_count", {"data": {"doctype": "Referral"}}),
			("get", f"/api/method/frappe.desk.form.load.getdoc?doctype=Referral&name={self.referral}", {}),
			(
				"post",
				"/api/method/frappe.model.workflow.apply_workflow",
				{
					"data": {
						"doc": frappe.as_json({"doctype": "Referral", "name": self.referral}),
						"action": "Accept",
					}
				},
			),
			(
				"get",
				f"/api/method/cis_app.cis_case_management.doctype.referral.referral.get_partner_view?referral={self.referral}",
				{},
			),
		):
			response = self.request(self.contact_user, method, path, **kwargs)
			self.assertEqual(response.status_code, 403, f"{method} {path}: {response.status_code}")
			self.assertNotIn("Mina", response.get_data(as_text=True), path)
		self.assertEqual(self.status(self.referral), before)

	def test_coordinators_of_another_site_get_403_for_the_referral(self):
		own = self.request(self.net.coordinator_a, "get", f"/api/resource/Referral/{self.referral}")
		self.assertEqual(own.status_code, 200)
		other = self.request(self.net.coordinator_b, "get", f"/api/resource/Referral/{self.referral}")
		self.assertEqual(other.status_code, 403)
		self.assertNotIn("Mina", other.get_data(as_text=True))
		portal = self.request(
			self.net.coordinator_a, "get", "/api/method/cis_app.cis_partnerships.portal.get_referrals"
		)
		self.assertEqual(portal.status_code, 403)
