# Copyright (c) 2026, cis_app contributors and contributors
# For license information, please see license.txt
"""Side doors, probed over HTTP as a coordinator of another site, a CIS Administrator without the
sensitive fields and a website-only volunteer: counts, records that describe a record (versions,
comments, files, workflow actions), filters on unreadable fields, "does this exist" answers.

Each probe got an answer before these doors were shut. The requests run in another thread with their
own database connection, so this test commits its records and deletes them afterwards.
"""

import json

import frappe
from frappe.tests.utils import FrappeTestCase

from cis_app.tests.factories import (
	TwoSites,
	api_token,
	http,
	make_consent,
	make_student,
	make_support_plan,
	make_volunteer,
)

LAST_NAME = "Sidedoorcheck"


class TestSideDoorsOverHTTP(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		cls.net = TwoSites.build()
		cls.student_a = make_student(cls.net.site_a, last_name=LAST_NAME).name
		student_b = make_student(cls.net.site_b, last_name=LAST_NAME)
		student_b.health_notes = "Asthma; inhaler in the nurse's office"
		student_b.save(ignore_permissions=True)
		cls.student_b = student_b.name
		cls.plan_b = make_support_plan(cls.student_b).name
		cls.consent_b = make_consent(cls.student_b).name
		cls.created = []
		cls.created.append(
			frappe.get_doc(
				{
					"doctype": "Version",
					"ref_doctype": "Support Plan",
					"docname": cls.plan_b,
					"data": json.dumps({"changed": [["status", "Active", "Closed"]]}),
				}
			).insert(ignore_permissions=True)
		)
		cls.created.append(
			frappe.get_doc(
				{
					"doctype": "Comment",
					"comment_type": "Comment",
					"reference_doctype": "Support Plan",
					"reference_name": cls.plan_b,
					"content": "Family moving in March",
				}
			).insert(ignore_permissions=True)
		)
		cls.created.append(
			frappe.get_doc(
				{
					"doctype": "File",
					"file_name": "signed-consent-sidedoor.txt",
					"content": b"synthetic signed consent",
					"is_private": 1,
					"attached_to_doctype": "Student Consent",
					"attached_to_name": cls.consent_b,
				}
			).insert(ignore_permissions=True)
		)
		cls.created.append(
			frappe.get_doc(
				{
					"doctype": "Workflow Action",
					"reference_doctype": "Support Plan",
					"reference_name": cls.plan_b,
					"workflow_state": "Pending Approval",
					"status": "Open",
					"permitted_roles": [{"role": "Site Coordinator"}, {"role": "Program Manager"}],
				}
			).insert(ignore_permissions=True)
		)
		cls.volunteer = make_volunteer("cis-sidedoor-vol@example.com", [cls.net.site_a])
		cls.other_volunteer = make_volunteer("cis-sidedoor-vol2@example.com", [cls.net.site_b])
		cls.tokens = {
			user: api_token(user)
			for user in (
				cls.net.coordinator_a,
				cls.net.admin,
				cls.volunteer.user,
				cls.net.program_manager,
				cls.net.partner_manager,
				cls.net.evaluator,
			)
		}
		frappe.db.commit()  # nosemgrep: the WSGI thread reads through its own connection

	@classmethod
	def tearDownClass(cls):
		frappe.set_user("Administrator")
		for doc in cls.created:
			frappe.delete_doc(doc.doctype, doc.name, force=True, ignore_permissions=True)
		frappe.delete_doc("Student Consent", cls.consent_b, force=True, ignore_permissions=True)
		frappe.delete_doc("Support Plan", cls.plan_b, force=True, ignore_permissions=True)
		for name in (cls.student_a, cls.student_b):
			frappe.delete_doc("Student", name, force=True, ignore_permissions=True)
		frappe.db.commit()  # nosemgrep
		super().tearDownClass()

	def call(self, user, method, **params):
		response = http(
			"get",
			f"/api/method/{method}",
			self.tokens[user],
			query_string={
				key: value if isinstance(value, str) else frappe.as_json(value)
				for key, value in params.items()
			},
		)
		return response.status_code, (response.json or {}).get("message")

	def count(self, user, doctype, filters):
		return self.call(user, "frappe.client.get_count", doctype=doctype, filters=filters)

	# ------------------------------------------------------------ counts

	def assertNoAnswer(self, result):
		"""Refused outright (no permission on the DocType) or a count of nothing."""
		status, count = result
		self.assertTrue(status == 403 or (status, count) == (200, 0), f"answered {result}")

	def test_counts_of_records_about_another_sites_plan_are_zero(self):
		coordinator = self.net.coordinator_a
		self.assertNoAnswer(
			self.count(
				coordinator,
				"Version",
				[
					["ref_doctype", "=", "Support Plan"],
					["docname", "=", self.plan_b],
					["data", "like", "%Closed%"],
				],
			)
		)
		self.assertNoAnswer(self.count(coordinator, "Comment", [["reference_name", "=", self.plan_b]]))
		self.assertNoAnswer(self.count(coordinator, "File", [["attached_to_name", "=", self.consent_b]]))
		self.assertNoAnswer(
			self.count(coordinator, "Workflow Action", [["reference_name", "=", self.plan_b]])
		)
		self.assertNoAnswer(self.count(coordinator, "Volunteer Hours", [["site", "=", self.net.site_b]]))
		# the program manager of site A alone sees nothing of site B either
		self.assertNoAnswer(
			self.count(self.net.program_manager, "Workflow Action", [["reference_name", "=", self.plan_b]])
		)

	def test_the_same_records_are_visible_to_whoever_may_read_the_plan(self):
		"""The probes above can fail: on the record's own site the rows are there."""
		from cis_app.permissions.scope import clear_scope_cache

		self.assertEqual(frappe.db.count("Version", {"docname": self.plan_b}), 1)
		clear_scope_cache()
		frappe.set_user(self.net.coordinator_b)
		try:
			self.assertEqual(
				set(
					frappe.get_list(
						"Workflow Action", filters={"reference_name": self.plan_b}, pluck="reference_name"
					)
				),
				{self.plan_b},
			)
			self.assertEqual(
				frappe.get_list(
					"File", filters={"attached_to_name": self.consent_b}, pluck="attached_to_name"
				),
				[self.consent_b],
			)
		finally:
			frappe.set_user("Administrator")

	def test_roles_without_student_access_learn_nothing_of_students(self):
		for user in (self.net.partner_manager, self.net.evaluator, self.volunteer.user):
			self.assertEqual(self.count(user, "Student", [["last_name", "=", LAST_NAME]])[0], 403, user)
			self.assertNoAnswer(self.count(user, "Version", [["docname", "=", self.plan_b]]))
			self.assertNoAnswer(self.count(user, "File", [["attached_to_name", "=", self.consent_b]]))
			self.assertNoAnswer(self.count(user, "Comment", [["reference_name", "=", self.plan_b]]))
			self.assertNoAnswer(self.count(user, "Workflow Action", [["reference_name", "=", self.plan_b]]))
			status, answer = self.call(
				user, "frappe.client.validate_link", doctype="Student", docname=self.student_b
			)
			self.assertTrue(status == 403 or answer == {}, (user, status, answer))

	def test_volunteer_counts_only_their_own(self):
		user = self.volunteer.user
		self.assertEqual(self.count(user, "CIS Volunteer", []), (200, 1))
		status, _count = self.count(user, "Student", [])
		self.assertEqual(status, 403)
		self.assertEqual(self.count(user, "Volunteer Hours", [["site", "=", self.net.site_b]]), (200, 0))

	# ------------------------------------------------------------ lists of records about a record

	def test_files_and_workflow_actions_of_another_site_are_not_listed(self):
		coordinator = self.net.coordinator_a
		status, files = self.call(
			coordinator,
			"frappe.client.get_list",
			doctype="File",
			filters=[["attached_to_doctype", "=", "Student Consent"]],
			fields=["name", "file_url", "attached_to_name"],
			limit_page_length=0,
		)
		self.assertEqual(status, 200)
		self.assertNotIn(self.consent_b, {row["attached_to_name"] for row in files})
		status, images = self.call(
			coordinator,
			"frappe.core.api.file.get_attached_images",
			doctype="Student Consent",
			names=[self.consent_b],
		)
		self.assertEqual((status, images), (200, {}))
		status, folder = self.call(
			coordinator,
			"frappe.core.api.file.get_files_in_folder",
			folder="Home/Attachments",
			page_length=500,
		)
		self.assertEqual(status, 200)
		self.assertNotIn("signed-consent-sidedoor.txt", {row["file_name"] for row in folder["files"]})
		status, actions = self.call(
			coordinator,
			"frappe.client.get_list",
			doctype="Workflow Action",
			fields=["name", "reference_name"],
			limit_page_length=0,
		)
		self.assertEqual(status, 200)
		self.assertNotIn(self.plan_b, {row["reference_name"] for row in actions})
		status, _doc = self.call(
			coordinator, "frappe.client.get", doctype="Comment", name=self.created[1].name
		)
		self.assertEqual(status, 403)

	# ------------------------------------------------------------ unreadable fields

	def test_filtering_sorting_or_grouping_by_an_unreadable_field_is_refused(self):
		admin = self.net.admin  # CIS Administrator: reads students, not their health notes
		status, _ = self.call(
			admin,
			"frappe.desk.reportview.get",
			doctype="Student",
			fields=["`tabStudent`.`name`"],
			filters=[["Student", "health_notes", "like", "%asthma%"]],
		)
		self.assertEqual(status, 403)
		response = http(
			"get",
			"/api/resource/Student",
			self.tokens[admin],
			query_string={"filters": frappe.as_json([["health_notes", "like", "%asthma%"]])},
		)
		self.assertEqual(response.status_code, 403)
		self.assertEqual(self.count(admin, "Student", [["health_notes", "like", "%asthma%"]])[0], 403)
		status, _ = self.call(
			admin,
			"frappe.desk.listview.get_group_by_count",
			doctype="Student",
			current_filters=[],
			field="health_notes",
		)
		self.assertEqual(status, 403)
		status, _ = self.call(
			admin,
			"frappe.client.get_list",
			doctype="Student",
			filters=[["last_name", "=", LAST_NAME]],
			order_by="health_notes desc",
		)
		self.assertEqual(status, 403)
		status, _ = self.call(
			admin,
			"frappe.client.get_list",
			doctype="Student Check-In",
			filters=[["notes", "like", "%a%"]],
		)
		self.assertEqual(status, 403)
		# a program manager reads health notes, so may filter by them (within their own sites only)
		status, rows = self.call(
			self.net.program_manager,
			"frappe.client.get_list",
			doctype="Student",
			filters=[["health_notes", "like", "%asthma%"], ["last_name", "=", LAST_NAME]],
		)
		self.assertEqual((status, rows), (200, []))
		# the same query on a readable field still works
		status, rows = self.call(
			admin, "frappe.client.get_list", doctype="Student", filters=[["last_name", "=", LAST_NAME]]
		)
		self.assertEqual((status, {row["name"] for row in rows}), (200, {self.student_a, self.student_b}))

	# ------------------------------------------------------------ does this exist?

	def test_link_checks_and_roster_errors_say_nothing_of_other_sites(self):
		coordinator = self.net.coordinator_a
		self.assertEqual(
			self.call(coordinator, "frappe.client.validate_link", doctype="Student", docname=self.student_b),
			(200, {}),
		)
		self.assertEqual(
			self.call(coordinator, "frappe.client.validate_link", doctype="Student", docname=self.student_a),
			(200, {"name": self.student_a}),
		)

		def roster_error(student):
			response = http(
				"post",
				"/api/resource/Group Session",
				self.tokens[coordinator],
				json={
					"site": self.net.site_a,
					"support_type": "Attendance Club",
					"session_date": frappe.utils.nowdate(),
					"minutes": 45,
					"attendees": [{"student": student, "present": 1}],
				},
			)
			messages = [
				json.loads(m)["message"] for m in json.loads(response.json.get("_server_messages", "[]"))
			]
			return response.status_code, [m.replace(student, "<id>") for m in messages]

		other_site = roster_error(self.student_b)
		missing = roster_error("STU-DOES-NOT-EXIST")
		self.assertEqual(other_site[0], 417)
		self.assertEqual(other_site[1], ["Could not find Row #1: Student: <id>"])
		self.assertEqual(other_site, missing)

	def test_a_file_can_be_attached_to_a_form_not_saved_yet(self):
		"""The desk uploads an attachment of an unsaved form under its temporary name."""
		from cis_app.permissions.scope import clear_scope_cache

		clear_scope_cache()
		frappe.set_user(self.net.coordinator_a)
		try:
			file = frappe.get_doc(
				{
					"doctype": "File",
					"file_name": "scan-before-save.txt",
					"content": b"synthetic scan",
					"is_private": 1,
					"attached_to_doctype": "Student Consent",
					"attached_to_name": "new-student-consent-1",
				}
			).insert()
			self.assertTrue(frappe.db.exists("File", file.name))
		finally:
			frappe.set_user("Administrator")
