# Copyright (c) 2026, cis_app contributors and contributors
# For license information, please see license.txt
"""A volunteer's portal login is a new Website User of their own, never someone else's account, and
the hours form offers them only the sites they are cleared for."""

import json

import frappe
from frappe.tests.utils import FrappeTestCase

from cis_app.cis_partnerships.doctype.cis_volunteer.cis_volunteer import PortalLoginError, create_portal_user
from cis_app.tests.factories import TwoSites, api_token, http, make_user, make_volunteer, make_volunteer_record


def roles_of(user: str) -> list[str]:
	return sorted(frappe.get_all("Has Role", {"parenttype": "User", "parent": user}, pluck="role"))


def new_email(prefix: str) -> str:
	return f"{prefix}-{frappe.generate_hash(length=8)}@example.com"


class TestPortalLogin(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		cls.net = TwoSites.build()

	def tearDown(self):
		frappe.set_user("Administrator")

	def create_login_as_partner_manager(self, volunteer: str) -> str:
		frappe.set_user(self.net.partner_manager)
		try:
			return create_portal_user(volunteer)
		finally:
			frappe.set_user("Administrator")

	def test_email_of_a_staff_user_is_refused_and_nothing_changes(self):
		staff = make_user(new_email("cis-portal-staff"), "Site Coordinator")
		roles_before = roles_of(staff)
		# a volunteer whose email was typed (or edited) to a staff member's address
		volunteer = make_volunteer_record(staff, [self.net.site_a])
		with self.assertRaises(PortalLoginError) as refused:
			self.create_login_as_partner_manager(volunteer)
		self.assertIn(staff, str(refused.exception))
		self.assertIsNone(frappe.db.get_value("CIS Volunteer", volunteer, "user"))
		self.assertEqual(roles_of(staff), roles_before)
		self.assertNotIn("CIS Volunteer", roles_of(staff))
		self.assertEqual(frappe.db.get_value("User", staff, "user_type"), "System User")

	def test_email_of_an_existing_website_user_is_refused(self):
		email = new_email("cis-portal-web")
		frappe.get_doc(
			{"doctype": "User", "email": email, "first_name": "Web", "user_type": "Website User"}
		).insert(ignore_permissions=True)
		volunteer = make_volunteer_record(email, [self.net.site_a])
		with self.assertRaises(PortalLoginError):
			self.create_login_as_partner_manager(volunteer)
		self.assertIsNone(frappe.db.get_value("CIS Volunteer", volunteer, "user"))
		self.assertEqual(roles_of(email), [])

	def test_a_new_email_gets_a_new_website_login(self):
		email = new_email("cis-portal-new")
		volunteer = make_volunteer_record(email, [self.net.site_a])
		user = self.create_login_as_partner_manager(volunteer)
		self.assertEqual(user, email)
		self.assertEqual(frappe.db.get_value("User", user, "user_type"), "Website User")
		self.assertEqual(roles_of(user), ["CIS Volunteer"])
		self.assertEqual(frappe.db.get_value("CIS Volunteer", volunteer, "user"), user)
		# asking again answers with the same login
		self.assertEqual(self.create_login_as_partner_manager(volunteer), user)

	def test_a_staff_user_cannot_be_linked_by_editing_the_volunteer(self):
		staff = make_user(new_email("cis-portal-pm"), "Program Manager")
		volunteer = make_volunteer_record(new_email("cis-portal-vol"), [self.net.site_a])
		for user in (staff, "Administrator", "Guest"):
			frappe.set_user(self.net.partner_manager)
			doc = frappe.get_doc("CIS Volunteer", volunteer)
			doc.user = user
			with self.subTest(user=user), self.assertRaises(PortalLoginError):
				doc.save()
			frappe.set_user("Administrator")
		self.assertIsNone(frappe.db.get_value("CIS Volunteer", volunteer, "user"))

	def test_a_website_user_without_staff_roles_may_be_linked(self):
		email = new_email("cis-portal-link")
		frappe.get_doc(
			{"doctype": "User", "email": email, "first_name": "Linked", "user_type": "Website User"}
		).insert(ignore_permissions=True)
		volunteer = make_volunteer_record(new_email("cis-portal-vol"), [self.net.site_a])
		doc = frappe.get_doc("CIS Volunteer", volunteer)
		doc.user = email
		doc.save(ignore_permissions=True)
		self.assertEqual(frappe.db.get_value("CIS Volunteer", volunteer, "user"), email)

	def test_a_volunteer_with_a_login_still_saves(self):
		volunteer = make_volunteer(new_email("cis-portal-saves"), [self.net.site_a])
		frappe.set_user(self.net.partner_manager)
		doc = frappe.get_doc("CIS Volunteer", volunteer.name)
		doc.phone = "555-0100"
		doc.save()
		frappe.set_user("Administrator")
		self.assertEqual(frappe.db.get_value("CIS Volunteer", volunteer.name, "user"), volunteer.user)


class TestVolunteerPortalOverHTTP(FrappeTestCase):
	"""Over HTTP (token auth) through Frappe's WSGI application, as a browser or script would.

	The requests run in another thread with their own database connection, so the records are
	committed (the factories find them again on the next run).
	"""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		cls.net = TwoSites.build()
		cls.ann = make_volunteer("cis-form-vol-ann@example.com", [cls.net.site_a])
		cls.unlinked = make_volunteer_record("cis-form-vol-unlinked@example.com", [cls.net.site_a])
		cls.staff = make_user("cis-form-staff@example.com", "Site Coordinator")
		cls.volunteer_token = api_token(cls.ann.user)
		cls.manager_token = api_token(cls.net.partner_manager)
		frappe.db.commit()  # nosemgrep: the WSGI thread reads through its own connection

	def form_fields(self, path: str) -> dict:
		response = http("get", path, self.volunteer_token)
		self.assertEqual(response.status_code, 200, response.get_data(as_text=True)[:500])
		page = response.get_data(as_text=True)
		marker = "frappe.web_form_doc = "
		web_form_doc, _end = json.JSONDecoder().raw_decode(page, page.index(marker) + len(marker))
		return {field["fieldname"]: field for field in web_form_doc["web_form_fields"]}

	def test_hours_form_offers_only_the_sites_the_volunteer_is_cleared_for(self):
		site = self.form_fields("/volunteer-hours/new")["site"]
		self.assertEqual(site["options"], [self.net.site_a])
		self.assertNotIn(self.net.site_b, json.dumps(site))

	def test_rest_put_cannot_make_a_staff_user_a_volunteer_login(self):
		response = http(
			"put",
			f"/api/resource/CIS Volunteer/{self.unlinked}",
			self.manager_token,
			json={"user": self.staff},
		)
		self.assertEqual(response.status_code, 417, response.get_data(as_text=True)[:500])
		self.assertIn("PortalLoginError", response.get_data(as_text=True))
		self.assertIsNone(frappe.db.get_value("CIS Volunteer", self.unlinked, "user"))
		self.assertNotIn("CIS Volunteer", roles_of(self.staff))
