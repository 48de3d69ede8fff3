# Copyright (c) 2026, cis_app contributors and contributors
# For license information, please see license.txt
"""Over HTTP, through Frappe's WSGI application: the desk's Print button (``/printview``) writes a
disclosure record, a REST read of a student or a check-in writes a View Log, and the doors this work
adds (Disclosure Record, Retention Run, View Log, the Student Disclosures and Record Views reports) are
shut to a coordinator of another site, a Partner Manager, an Evaluator, a website-only user and an
administrator of another affiliate.

The requests run in another thread with their own database connection, so this test commits its
records and deletes them afterwards (not the school year of the check-in's day: it is the one every
test's factory finds or makes for that day, ``cis_app.tests.factories.school_year_covering``).
"""

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import nowdate

from cis_app.permissions.scope import clear_scope_cache
from cis_app.tests.factories import (
	TwoSites,
	api_token,
	http,
	make_affiliate,
	make_student,
	make_user,
	make_volunteer,
	school_year_covering,
)

LAST_NAME = "Zzdisclosurerest"
OTHER_AFFILIATE = "_Test Disclosure Other Affiliate"
OTHER_ADMIN = "cis-disclosure-other-admin@example.com"
SYSTEM_MANAGER_NO_SITE = "cis-disclosure-sysman-nosite@example.com"
VOLUNTEER = "cis-disclosure-volunteer@example.com"


class TestDisclosuresOverHTTP(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		cls.net = TwoSites.build()
		make_user(OTHER_ADMIN, "CIS Administrator")
		make_affiliate(OTHER_AFFILIATE, staff=[(OTHER_ADMIN, "CIS Administrator")])
		make_user(SYSTEM_MANAGER_NO_SITE, "System Manager")
		cls.volunteer = make_volunteer(VOLUNTEER, [cls.net.site_a]).user
		cls.a1 = make_student(cls.net.site_a, first_name="Dana", last_name=LAST_NAME).name
		cls.b1 = make_student(cls.net.site_b, first_name="Eli", last_name=LAST_NAME).name
		school_year_covering(nowdate())  # a check-in is refused on a day outside every school year
		cls.check_in = (
			frappe.get_doc(
				{
					"doctype": "Student Check-In",
					"student": cls.a1,
					"checkin_date": nowdate(),
					"contact_with": "Student",
					"notes": "Synthetic note",
				}
			)
			.insert(ignore_permissions=True)
			.name
		)
		cls.retention_run = (
			frappe.get_doc({"doctype": "Retention Run", "affiliate": cls.net.affiliate})
			.insert(ignore_permissions=True)
			.name
		)
		cls.tokens = {
			user: api_token(user)
			for user in (
				cls.net.coordinator_a,
				cls.net.coordinator_b,
				cls.net.admin,
				cls.net.partner_manager,
				cls.net.evaluator,
				cls.volunteer,
				OTHER_ADMIN,
				SYSTEM_MANAGER_NO_SITE,
			)
		}
		frappe.db.commit()
		clear_scope_cache()

	@classmethod
	def tearDownClass(cls):
		frappe.set_user("Administrator")
		students = [cls.a1, cls.b1]
		frappe.db.delete("Disclosure Record", {"student": ["in", students]})
		frappe.db.delete("View Log", {"reference_name": ["in", [*students, cls.check_in]]})
		frappe.db.delete("Access Log", {"reference_document": ["in", students]})
		frappe.db.delete("Retention Run", {"name": cls.retention_run})
		frappe.db.delete("Student Check-In", {"name": cls.check_in})
		for student in students:
			frappe.db.delete("Comment", {"reference_name": student})
			frappe.db.delete("Version", {"docname": student})
			frappe.delete_doc("Student", student, ignore_permissions=True, force=True)
		frappe.db.commit()
		super().tearDownClass()

	def get(self, user: str, path: str, **kwargs):
		return http("get", path, self.tokens[user], **kwargs)

	# ------------------------------------------------------------------ the Print button

	def test_the_print_view_writes_a_disclosure_record(self):
		before = set(frappe.get_all("Disclosure Record", filters={"student": self.a1}, pluck="name"))
		response = self.get(
			self.net.coordinator_a,
			"/printview",
			query_string={"doctype": "Student", "name": self.a1, "format": "Standard"},
		)
		self.assertEqual(response.status_code, 200)
		self.assertIn("Dana", response.get_data(as_text=True))
		frappe.db.rollback()  # see the other connection's commit
		rows = frappe.get_all(
			"Disclosure Record",
			filters={"student": self.a1, "name": ["not in", list(before) or [""]]},
			fields=["disclosed_by", "what", "legal_basis", "reference_doctype", "reference_name"],
		)
		self.assertEqual(len(rows), 1)
		self.assertEqual(rows[0].disclosed_by, self.net.coordinator_a)
		self.assertEqual(rows[0].what, f"Print (PDF) of Student {self.a1}: print format Standard")
		self.assertEqual(rows[0].legal_basis, "School Official")
		self.assertEqual(rows[0].reference_doctype, "Access Log")
		self.assertEqual(
			frappe.db.get_value("Access Log", rows[0].reference_name, "reference_document"), self.a1
		)

	def test_a_refused_print_view_writes_nothing(self):
		before = frappe.db.count("Disclosure Record", {"student": self.a1})
		response = self.get(
			self.net.coordinator_b,
			"/printview",
			query_string={"doctype": "Student", "name": self.a1, "format": "Standard"},
		)
		self.assertNotIn("Dana", response.get_data(as_text=True))
		frappe.db.rollback()
		self.assertEqual(frappe.db.count("Disclosure Record", {"student": self.a1}), before)

	# ------------------------------------------------------------------ who looked

	def test_a_rest_read_of_a_student_or_a_check_in_writes_a_view_log(self):
		for doctype, name in (("Student", self.a1), ("Student Check-In", self.check_in)):
			before = frappe.db.count(
				"View Log", {"reference_name": name, "viewed_by": self.net.coordinator_a}
			)
			response = self.get(self.net.coordinator_a, f"/api/resource/{doctype}/{name}")
			self.assertEqual(response.status_code, 200, (doctype, response.get_data(as_text=True)[:1500]))
			frappe.db.rollback()
			self.assertEqual(
				frappe.db.count("View Log", {"reference_name": name, "viewed_by": self.net.coordinator_a}),
				before + 1,
				doctype,
			)
		# the administrator sees it in Record Views
		response = self.get(
			self.net.admin,
			"/api/method/frappe.desk.query_report.run",
			query_string={"report_name": "Record Views", "filters": frappe.as_json({"student": self.a1})},
		)
		self.assertEqual(response.status_code, 200, response.get_data(as_text=True)[:3000])
		rows = [row for row in response.json["message"]["result"] if isinstance(row, dict)]
		self.assertIn(
			(self.net.coordinator_a, "Student Check-In", self.check_in),
			{(row["viewed_by"], row["reference_doctype"], row["reference_name"]) for row in rows},
		)
		self.assertEqual({row["student"] for row in rows}, {self.a1})

	def test_a_refused_rest_read_writes_no_view_log(self):
		before = frappe.db.count("View Log", {"reference_name": self.a1, "viewed_by": self.net.coordinator_b})
		response = self.get(self.net.coordinator_b, f"/api/resource/Student/{self.a1}")
		self.assertEqual(response.status_code, 403)
		frappe.db.rollback()
		self.assertEqual(
			frappe.db.count("View Log", {"reference_name": self.a1, "viewed_by": self.net.coordinator_b}),
			before,
		)

	# ------------------------------------------------------------------ shut doors

	def outsiders(self):
		return (
			self.net.coordinator_b,
			self.net.partner_manager,
			self.net.evaluator,
			self.volunteer,
		)

	def test_outsiders_cannot_read_disclosure_records(self):
		name = frappe.get_all("Disclosure Record", filters={"student": self.a1}, pluck="name", limit=1)
		if not name:
			self.get(
				self.net.coordinator_a, "/printview", query_string={"doctype": "Student", "name": self.a1}
			)
			frappe.db.rollback()
			name = frappe.get_all("Disclosure Record", filters={"student": self.a1}, pluck="name", limit=1)
		name = name[0]
		self.assertEqual(self.get(self.net.admin, f"/api/resource/Disclosure Record/{name}").status_code, 200)
		for user in (*self.outsiders(), self.net.coordinator_a, OTHER_ADMIN):
			response = self.get(user, f"/api/resource/Disclosure Record/{name}")
			self.assertEqual(response.status_code, 403, user)
			self.assertNotIn(self.a1, response.get_data(as_text=True), user)
			listing = self.get(
				user, "/api/resource/Disclosure Record", query_string={"fields": '["student"]'}
			)
			self.assertNotIn(self.a1, listing.get_data(as_text=True), user)
		for user in (*self.outsiders(), OTHER_ADMIN):
			response = self.get(
				user,
				"/api/method/frappe.desk.query_report.run",
				query_string={
					"report_name": "Student Disclosures",
					"filters": frappe.as_json({"student": self.a1}),
				},
			)
			self.assertNotIn(self.a1, response.get_data(as_text=True), user)
			if user != OTHER_ADMIN:
				self.assertEqual(response.status_code, 403, user)

	def test_outsiders_cannot_read_view_logs_or_record_views(self):
		for user in (*self.outsiders(), OTHER_ADMIN, SYSTEM_MANAGER_NO_SITE):
			listing = self.get(
				user,
				"/api/resource/View Log",
				query_string={
					"fields": '["reference_name"]',
					"filters": frappe.as_json([["reference_name", "=", self.a1]]),
				},
			)
			self.assertNotIn(self.a1, listing.get_data(as_text=True), user)
			if user != SYSTEM_MANAGER_NO_SITE:
				self.assertEqual(listing.status_code, 403, user)
			else:
				# a System Manager may list View Logs, but not those of a student they do not serve
				self.assertEqual((listing.status_code, listing.json["data"]), (200, []))
			report = self.get(
				user,
				"/api/method/frappe.desk.query_report.run",
				query_string={"report_name": "Record Views", "filters": frappe.as_json({"student": self.a1})},
			)
			self.assertNotIn(self.a1, report.get_data(as_text=True), user)

	def test_outsiders_cannot_read_retention_runs(self):
		self.assertEqual(
			self.get(self.net.admin, f"/api/resource/Retention Run/{self.retention_run}").status_code, 200
		)
		for user in (*self.outsiders(), self.net.coordinator_a, OTHER_ADMIN):
			response = self.get(user, f"/api/resource/Retention Run/{self.retention_run}")
			self.assertEqual(response.status_code, 403, user)
			listing = self.get(user, "/api/resource/Retention Run")
			self.assertNotIn(self.retention_run, listing.get_data(as_text=True), user)
			erase = http(
				"post",
				"/api/method/run_doc_method",
				self.tokens[user],
				json={
					"dt": "Retention Run",
					"dn": self.retention_run,
					"method": "erase",
					"args": {"students": [self.a1]},
				},
			)
			self.assertIn(erase.status_code, (403, 404), user)
		frappe.db.rollback()
		self.assertEqual(frappe.db.get_value("Retention Run", self.retention_run, "status"), "Dry Run")
