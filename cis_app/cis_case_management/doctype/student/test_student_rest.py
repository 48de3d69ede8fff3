# Copyright (c) 2026, cis_app contributors and contributors
# For license information, please see license.txt
"""/api/resource/Student over HTTP (the WSGI app, token auth): each coordinator sees only their site.

The requests run in another thread with their own database connection, so this test commits its
records and deletes them afterwards.
"""

import frappe
from frappe.tests.utils import FrappeTestCase

from cis_app.tests.factories import TwoSites, api_token, http, make_student

LAST_NAME = "Restcheck"


class TestStudentRestAPI(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		cls.net = TwoSites.build()
		cls.student_a = make_student(cls.net.site_a, last_name=LAST_NAME).name
		cls.student_b = make_student(cls.net.site_b, last_name=LAST_NAME).name
		cls.tokens = {
			user: api_token(user)
			for user in (
				cls.net.coordinator_a,
				cls.net.coordinator_b,
				cls.net.coordinator_none,
				cls.net.partner_manager,
				cls.net.evaluator,
			)
		}
		frappe.db.commit()  # nosemgrep: the WSGI thread reads through its own connection

	@classmethod
	def tearDownClass(cls):
		frappe.set_user("Administrator")
		for name in (cls.student_a, cls.student_b):
			frappe.delete_doc("Student", name, force=True, ignore_permissions=True)
		frappe.db.commit()  # nosemgrep
		super().tearDownClass()

	def list_names(self, user):
		response = http(
			"get",
			"/api/resource/Student",
			self.tokens[user],
			query_string={
				"filters": frappe.as_json([["last_name", "=", LAST_NAME]]),
				"limit_page_length": 100,
			},
		)
		return response.status_code, {row["name"] for row in (response.json or {}).get("data", [])}

	def test_list(self):
		self.assertEqual(self.list_names(self.net.coordinator_a), (200, {self.student_a}))
		self.assertEqual(self.list_names(self.net.coordinator_b), (200, {self.student_b}))
		self.assertEqual(self.list_names(self.net.coordinator_none), (200, set()))

	def test_count_method_is_scoped(self):
		response = http(
			"get",
			"/api/method/frappe.client.get_count",
			self.tokens[self.net.coordinator_a],
			query_string={"doctype": "Student", "filters": frappe.as_json([["last_name", "=", LAST_NAME]])},
		)
		self.assertEqual((response.status_code, response.json["message"]), (200, 1))

	def test_single(self):
		ok = http("get", f"/api/resource/Student/{self.student_a}", self.tokens[self.net.coordinator_a])
		self.assertEqual(ok.status_code, 200)
		self.assertEqual(ok.json["data"]["name"], self.student_a)
		refused = http("get", f"/api/resource/Student/{self.student_b}", self.tokens[self.net.coordinator_a])
		self.assertEqual(refused.status_code, 403)
		self.assertNotIn(LAST_NAME, refused.get_data(as_text=True))

	def test_update_of_another_sites_student_is_refused(self):
		response = http(
			"put",
			f"/api/resource/Student/{self.student_b}",
			self.tokens[self.net.coordinator_a],
			json={"site": self.net.site_a, "first_name": "Hijacked"},
		)
		self.assertEqual(response.status_code, 403)
		frappe.db.rollback()
		self.assertEqual(frappe.db.get_value("Student", self.student_b, "site"), self.net.site_b)
		self.assertNotEqual(frappe.db.get_value("Student", self.student_b, "first_name"), "Hijacked")

	def test_partner_manager_and_evaluator_are_refused(self):
		for user in (self.net.partner_manager, self.net.evaluator):
			status, names = self.list_names(user)
			self.assertEqual(status, 403)
			self.assertEqual(names, set())
			single = http("get", f"/api/resource/Student/{self.student_a}", self.tokens[user])
			self.assertEqual(single.status_code, 403)
