# Copyright (c) 2026, cis_app contributors and contributors
# For license information, please see license.txt
"""The volunteer through /api/resource over HTTP (token auth, as a script or app would use it).

The requests run in another thread with their own database connection, so this test commits its
records and deletes them afterwards.
"""

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, nowdate

from cis_app.tests.factories import (
	TwoSites,
	api_token,
	http,
	make_hours,
	make_student,
	make_support_plan,
	make_volunteer,
)


class TestVolunteerHoursRestAPI(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		cls.net = TwoSites.build()
		cls.ann = make_volunteer("cis-rest-vol-ann@example.com", [cls.net.site_a])
		cls.bob = make_volunteer("cis-rest-vol-bob@example.com", [cls.net.site_a])
		cls.student = make_student(cls.net.site_a).name
		cls.plan = make_support_plan(cls.student).name
		cls.bobs_entry = make_hours(cls.bob.name, cls.net.site_a, 2, date=add_days(nowdate(), -30)).name
		cls.token = api_token(cls.ann.user)
		cls.created = []
		frappe.db.commit()  # nosemgrep: the WSGI thread reads through its own connection

	@classmethod
	def tearDownClass(cls):
		frappe.set_user("Administrator")
		for name in [
			cls.bobs_entry,
			*cls.created,
			*frappe.get_all("Volunteer Hours", {"volunteer": cls.ann.name}, pluck="name"),
		]:
			frappe.delete_doc("Volunteer Hours", name, force=True, ignore_permissions=True)
		frappe.delete_doc("Support Plan", cls.plan, force=True, ignore_permissions=True)
		frappe.delete_doc("Student", cls.student, force=True, ignore_permissions=True)
		frappe.db.commit()  # nosemgrep
		super().tearDownClass()

	def test_volunteer_creates_and_reads_only_own_hours(self):
		created = http(
			"post",
			"/api/resource/Volunteer Hours",
			self.token,
			json={
				"site": self.net.site_a,
				"date": add_days(nowdate(), -1),
				"hours": 1.5,
				"activity": "Tutoring",
			},
		)
		self.assertEqual(created.status_code, 200, created.get_data(as_text=True)[:500])
		self.assertEqual(created.json["data"]["volunteer"], self.ann.name)
		self.created.append(created.json["data"]["name"])
		listed = http(
			"get",
			"/api/resource/Volunteer Hours",
			self.token,
			query_string={"fields": '["name","volunteer"]', "limit_page_length": 500},
		)
		self.assertEqual(listed.status_code, 200)
		self.assertEqual({row["volunteer"] for row in listed.json["data"]}, {self.ann.name})
		self.assertEqual(
			http("get", f"/api/resource/Volunteer Hours/{self.bobs_entry}", self.token).status_code, 403
		)

	def test_volunteer_cannot_post_hours_for_another_volunteer(self):
		response = http(
			"post",
			"/api/resource/Volunteer Hours",
			self.token,
			json={
				"volunteer": self.bob.name,
				"site": self.net.site_a,
				"date": add_days(nowdate(), -2),
				"hours": 1,
				"activity": "Tutoring",
			},
		)
		self.assertEqual(response.status_code, 403)

	def test_volunteer_gets_permission_errors_on_student_data(self):
		for path in (
			"/api/resource/Student",
			f"/api/resource/Student/{self.student}",
			"/api/resource/Support Plan",
			f"/api/resource/Support Plan/{self.plan}",
			"/api/resource/Student Consent",
		):
			self.assertEqual(http("get", path, self.token).status_code, 403, path)
