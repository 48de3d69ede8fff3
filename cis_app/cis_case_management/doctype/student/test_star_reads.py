# Copyright (c) 2026, cis_app contributors and contributors
# For license information, please see license.txt
"""Whole student records are read one at a time, and each read is recorded: ``fields=["*"]`` lists and
``frappe.client.get_value(..., fieldname="*")`` of a DocType that holds students are refused with the
fields to ask for (cis_app.permissions.field_guard), while opening a record writes a View Log
(cis_app.cis_case_management.disclosures.record_api_read). Probed over HTTP as the coordinator of the students' site.
"""

import frappe
from frappe.tests.utils import FrappeTestCase

from cis_app.tests.factories import TwoSites, api_token, http, make_consent, make_student

LAST_NAME = "Starcheck"


class TestWholeRecordReads(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		cls.net = TwoSites.build()
		cls.student = make_student(cls.net.site_a, last_name=LAST_NAME).name
		cls.consent = make_consent(cls.student).name
		cls.coordinator = cls.net.coordinator_a
		cls.token = api_token(cls.coordinator)
		frappe.db.commit()  # nosemgrep: the WSGI thread reads through its own connection

	@classmethod
	def tearDownClass(cls):
		frappe.set_user("Administrator")
		frappe.db.delete("View Log", {"reference_doctype": "Student", "reference_name": cls.student})
		frappe.delete_doc("Student Consent", cls.consent, force=True, ignore_permissions=True)
		frappe.delete_doc("Student", cls.student, force=True, ignore_permissions=True)
		frappe.db.commit()  # nosemgrep
		super().tearDownClass()

	def get(self, path, method="get", **params):
		response = http(
			method,
			path,
			self.token,
			query_string={
				key: value if isinstance(value, str) else frappe.as_json(value)
				for key, value in params.items()
			},
		)
		return response.status_code, response.json or {}

	def views(self) -> int:
		frappe.db.rollback()  # see what the request thread committed
		return frappe.db.count("View Log", {"reference_doctype": "Student", "reference_name": self.student})

	def assertWholeRecordsRefused(self, result, doctype="Student"):
		status, body = result
		self.assertEqual(status, 403, str(body)[:300])
		self.assertNotIn("message", body)
		self.assertNotIn("data", body)
		# v1 says it in exc_type and _server_messages, v2 in errors
		self.assertIn("WholeRecordListError", str(body.get("exc_type") or body.get("errors")))
		said = str(body.get("_server_messages") or body.get("errors"))
		# the message names fields to ask for instead, and where a whole record is read
		self.assertIn("student_name" if doctype == "Student" else "name", said)
		self.assertIn(f"/api/resource/{doctype}/", said)

	def test_get_value_star_is_refused(self):
		before = self.views()
		for fieldname in ("*", '["*"]'):
			with self.subTest(fieldname=fieldname):
				self.assertWholeRecordsRefused(
					self.get(
						"/api/method/frappe.client.get_value",
						doctype="Student",
						fieldname=fieldname,
						filters={"name": self.student},
					)
				)
		self.assertEqual(self.views(), before)

	def test_star_lists_are_refused_at_every_door(self):
		filters = [["last_name", "=", LAST_NAME]]
		for method in (
			"frappe.client.get_list",
			"frappe.desk.reportview.get",
			"frappe.desk.reportview.get_list",
		):
			for fields in (["*"], "*", ["name", "*"]):
				with self.subTest(method=method, fields=fields):
					self.assertWholeRecordsRefused(
						self.get(f"/api/method/{method}", doctype="Student", fields=fields, filters=filters)
					)
		for path in ("/api/resource/Student", "/api/v2/document/Student"):
			with self.subTest(path=path):
				self.assertWholeRecordsRefused(self.get(path, fields=["*"], filters=filters))
		# a DocType whose rows name a student
		self.assertWholeRecordsRefused(
			self.get("/api/resource/Student Consent", fields=["*"], filters=[["student", "=", self.student]]),
			doctype="Student Consent",
		)
		# the same as a POST, as the desk sends reportview.get
		self.assertWholeRecordsRefused(
			self.get(
				"/api/method/frappe.desk.reportview.get",
				method="post",
				doctype="Student",
				fields=["*"],
				filters=filters,
			)
		)

	def test_named_fields_and_opening_the_record_still_work(self):
		status, body = self.get(
			"/api/resource/Student",
			fields=["name", "first_name", "last_name", "health_notes"],
			filters=[["last_name", "=", LAST_NAME]],
		)
		self.assertEqual((status, [row["name"] for row in body.get("data", [])]), (200, [self.student]))
		status, body = self.get(
			"/api/method/frappe.client.get_value",
			doctype="Student",
			fieldname=["first_name", "site"],
			filters={"name": self.student},
		)
		self.assertEqual((status, body["message"]["site"]), (200, self.net.site_a))
		# opening the whole record is recorded
		before = self.views()
		status, body = self.get(f"/api/resource/Student/{self.student}")
		self.assertEqual((status, body["data"]["name"]), (200, self.student))
		self.assertEqual(self.views(), before + 1)

	def test_other_doctypes_keep_frappes_star(self):
		for path, params in (
			("/api/method/frappe.client.get_list", {"doctype": "ToDo", "fields": ["*"]}),
			("/api/resource/ToDo", {"fields": ["*"]}),
			("/api/method/frappe.client.get_value", {"doctype": "School Year", "fieldname": "*"}),
		):
			with self.subTest(path=path, **params):
				status, body = self.get(path, **params)
				self.assertEqual(status, 200, str(body)[:300])
