# Copyright (c) 2026, cis_app contributors and contributors
# For license information, please see license.txt

"""Website users (a volunteer, a partner contact) over HTTP: Frappe's generic methods nobody listed
are refused before they run (cis_app.permissions.website_users), while the portal's own methods, the volunteer's
documented REST access and the session basics keep working. Staff are not affected.

The requests run in another thread with their own database connection, so this test commits its
records and deletes them afterwards."""

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, nowdate

from cis_app.cis_case_management.doctype.referral.test_referral import PARTNER, make_partner
from cis_app.cis_case_management.doctype.referral.test_referral_portal import (
	PORTAL_PARTNER_EMAIL,
	portal_user,
)
from cis_app.tests.factories import TwoSites, api_token, http, make_hours, make_student, make_volunteer

LAST_NAME = "Allowlistprobe"
OTHER_APPS_WEBSITE_USER = "cis-allowlist-customer@example.com"
TAG = "_test allowlist tag"

# Frappe methods no portal page calls: each answered a website user before the allow-list
UNLISTED = (
	("get", "frappe.desk.search.get_link_title", {"doctype": "Student"}),
	("get", "frappe.desk.listview.get_group_by_count", {"doctype": "Student", "field": "assigned_to"}),
	("get", "frappe.desk.doctype.tag.tag.get_tags", {"doctype": "Student", "txt": ""}),
	("get", "frappe.client.get_list", {"doctype": "Tag"}),
	("get", "frappe.client.get_count", {"doctype": "Tag"}),
	("get", "frappe.desk.search.search_link", {"doctype": "Site", "txt": ""}),
)


def make_website_user(email: str) -> None:
	"""A website user with no role of cis_app (another app's portal user)."""
	if not frappe.db.exists("User", email):
		frappe.get_doc(
			{"doctype": "User", "email": email, "first_name": "Casey", "user_type": "Website User"}
		).insert(ignore_permissions=True)


class TestMethodAllowlist(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		cls.net = TwoSites.build()
		make_partner(PARTNER, cls.net.affiliate)
		cls.contact_user = portal_user(PARTNER, PORTAL_PARTNER_EMAIL, "Pat Intake")
		cls.volunteer = make_volunteer("cis-allowlist-vol@example.com", [cls.net.site_a])
		cls.hours = make_hours(cls.volunteer.name, cls.net.site_a, 2, date=add_days(nowdate(), -1)).name
		cls.student = make_student(cls.net.site_b, first_name="Rowan", last_name=LAST_NAME).name
		if not frappe.db.exists("Tag", TAG):
			frappe.get_doc({"doctype": "Tag", "name": TAG}).insert(ignore_permissions=True)
		make_website_user(OTHER_APPS_WEBSITE_USER)
		cls.tokens = {
			user: api_token(user)
			for user in (cls.contact_user, cls.volunteer.user, cls.net.coordinator_b, OTHER_APPS_WEBSITE_USER)
		}
		frappe.db.commit()  # nosemgrep: the WSGI thread reads through its own connection

	@classmethod
	def tearDownClass(cls):
		frappe.set_user("Administrator")
		frappe.delete_doc("Volunteer Hours", cls.hours, force=True, ignore_permissions=True)
		frappe.delete_doc("Student", cls.student, force=True, ignore_permissions=True)
		frappe.delete_doc("Tag", TAG, force=True, ignore_permissions=True)
		frappe.db.commit()  # nosemgrep
		super().tearDownClass()

	def get(self, user, path, **params):
		return http("get", path, self.tokens[user], query_string=params)

	def website_users(self):
		return (self.volunteer.user, self.contact_user)

	def test_unlisted_methods_are_refused_for_website_users(self):
		for user in self.website_users():
			for http_method, method, params in UNLISTED:
				params = {**params, "docname": self.student, "current_filters": "[]"}
				for prefix in ("/api/method/", "/api/v1/method/", "/api/v2/method/"):
					response = http(http_method, prefix + method, self.tokens[user], query_string=params)
					body = response.get_data(as_text=True)
					self.assertEqual(response.status_code, 403, (user, prefix + method, body[:300]))
					self.assertNotIn("Rowan", body)
					self.assertNotIn(TAG, body)

	def test_the_old_cmd_form_field_is_refused_too(self):
		for user in self.website_users():
			response = http(
				"post",
				"/",
				self.tokens[user],
				data={"cmd": "frappe.desk.doctype.tag.tag.get_tags", "doctype": "Student", "txt": ""},
			)
			self.assertEqual(response.status_code, 403, user)
			self.assertNotIn(TAG, response.get_data(as_text=True))
			# a cmd on an /api/ path is what Frappe runs: it is the name that is checked
			response = http(
				"get",
				"/api/method/cis_app.cis_partnerships.portal.get_referrals",
				self.tokens[user],
				query_string={"cmd": "frappe.desk.search.get_link_title", "doctype": "Student"},
			)
			self.assertEqual(response.status_code, 403, user)

	def test_rest_of_other_doctypes_is_refused_for_website_users(self):
		for user in self.website_users():
			for path in (
				"/api/resource/Tag",
				"/api/resource/Site",
				"/api/v2/document/Tag",
				"/api/v2/doctype/Tag/meta",
			):
				self.assertEqual(self.get(user, path).status_code, 403, (user, path))

	def test_the_portal_methods_still_work(self):
		contact = self.contact_user
		self.assertEqual(self.get(contact, "/partner-referrals").status_code, 200)
		self.assertEqual(
			self.get(contact, "/api/method/cis_app.cis_partnerships.portal.get_referrals").status_code, 200
		)
		volunteer = self.volunteer.user
		self.assertEqual(self.get(volunteer, "/volunteer-hours/new").status_code, 200)
		listing = self.get(
			volunteer,
			"/api/method/frappe.www.list.get_list_data",
			doctype="Volunteer Hours",
			web_form_name="volunteer-hours",
		)
		self.assertEqual(listing.status_code, 200, listing.get_data(as_text=True)[:300])
		self.assertEqual([row["name"] for row in listing.json["message"]], [self.hours])
		allowed = self.get(
			volunteer,
			"/api/method/frappe.client.has_permission",
			doctype="Volunteer Hours",
			docname="",
			perm_type="create",
		)
		self.assertEqual(allowed.status_code, 200)
		saved = http(
			"post",
			"/api/method/frappe.website.doctype.web_form.web_form.accept",
			self.tokens[volunteer],
			data={
				"web_form": "volunteer-hours",
				"data": frappe.as_json(
					{
						"doctype": "Volunteer Hours",
						"site": self.net.site_a,
						"date": add_days(nowdate(), -2),
						"hours": 1,
						"activity": "Tutoring",
					}
				),
			},
		)
		self.assertEqual(saved.status_code, 200, saved.get_data(as_text=True)[:500])
		frappe.db.rollback()  # see what the request thread committed
		frappe.delete_doc(
			"Volunteer Hours", saved.json["message"]["name"], force=True, ignore_permissions=True
		)
		frappe.db.commit()  # nosemgrep
		# the volunteer's documented REST access to their own hours, and counts of the same
		rest = self.get(volunteer, "/api/resource/Volunteer Hours", fields='["name"]')
		self.assertEqual(rest.status_code, 200)
		self.assertEqual([row["name"] for row in rest.json["data"]], [self.hours])
		count = self.get(volunteer, "/api/method/frappe.client.get_count", doctype="Volunteer Hours")
		self.assertEqual((count.status_code, count.json.get("message")), (200, 1))
		# session basics
		for user in self.website_users():
			info = self.get(user, "/api/method/frappe.realtime.get_user_info")
			self.assertEqual(info.status_code, 200, user)
			self.assertEqual(self.get(user, "/api/method/ping").status_code, 200, user)

	def test_another_apps_website_users_keep_frappes_behaviour(self):
		"""A website user of another app (no role of cis_app: an ERPNext customer, say) calls what
		Frappe lets any logged-in user call, as on a site without the app."""
		response = self.get(OTHER_APPS_WEBSITE_USER, "/api/method/frappe.utils.change_log.get_versions")
		self.assertEqual(response.status_code, 200, response.get_data(as_text=True)[:300])
		for user in self.website_users():
			response = self.get(user, "/api/method/frappe.utils.change_log.get_versions")
			self.assertEqual(response.status_code, 403, user)

	def test_staff_are_not_affected(self):
		response = self.get(
			self.net.coordinator_b,
			"/api/method/frappe.desk.doctype.tag.tag.get_tags",
			doctype="Student",
			txt="",
		)
		self.assertEqual(response.status_code, 200)
		title = self.get(
			self.net.coordinator_b,
			"/api/method/frappe.desk.search.get_link_title",
			doctype="Student",
			docname=self.student,
		)
		self.assertEqual(title.status_code, 200)
		self.assertIn("Rowan", title.json["message"])
