# Copyright (c) 2026, cis_app contributors and contributors
# For license information, please see license.txt

"""Frappe's generic desk methods over HTTP, as staff of another site:
a link title, assignment counts and tagged records of a student are answered only for students the
user may read (cis_app.overrides.generic_methods). The requests run in another thread with their own database
connection, so this test commits its records and deletes them afterwards."""

import frappe
from frappe.desk.doctype.tag.tag import DocTags
from frappe.tests.utils import FrappeTestCase

from cis_app.tests.factories import TwoSites, api_token, http, make_student

FIRST_NAME = "Quillon"
TAG = "_test scope tag"


class TestGenericMethodsScope(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		cls.net = TwoSites.build()
		cls.student_a = make_student(cls.net.site_a, first_name="Ada", last_name="Scopeprobe").name
		cls.student_b = make_student(
			cls.net.site_b, first_name=FIRST_NAME, last_name="Scopeprobe", health_notes="Asthma"
		).name
		cls.todo = frappe.get_doc(
			{
				"doctype": "ToDo",
				"allocated_to": cls.net.coordinator_b,
				"reference_type": "Student",
				"reference_name": cls.student_b,
				"description": "Synthetic follow-up",
			}
		).insert(ignore_permissions=True)
		for student in (cls.student_a, cls.student_b):
			DocTags("Student").add(student, TAG)
		cls.tokens = {
			user: api_token(user)
			for user in (cls.net.coordinator_a, cls.net.coordinator_b, cls.net.admin, cls.net.evaluator)
		}
		frappe.db.commit()  # nosemgrep: the WSGI thread reads through its own connection

	@classmethod
	def tearDownClass(cls):
		frappe.set_user("Administrator")
		frappe.delete_doc("ToDo", cls.todo.name, force=True, ignore_permissions=True)
		for student in (cls.student_a, cls.student_b):
			frappe.delete_doc("Student", student, force=True, ignore_permissions=True)
		frappe.delete_doc("Tag", TAG, force=True, ignore_permissions=True)
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
		body = response.get_data(as_text=True)
		return response.status_code, (response.json or {}).get("message"), body

	# ------------------------------------------------------------ finding 1: link titles

	def test_link_title_of_another_sites_student_is_not_given(self):
		status, title, body = self.call(
			self.net.coordinator_a,
			"frappe.desk.search.get_link_title",
			doctype="Student",
			docname=self.student_b,
		)
		self.assertIn(status, (200, 403), body[:300])
		self.assertIsNone(title)
		self.assertNotIn(FIRST_NAME, body)
		# the same answer as for a student that does not exist
		self.assertEqual(
			self.call(
				self.net.coordinator_a,
				"frappe.desk.search.get_link_title",
				doctype="Student",
				docname="STU-NONE",
			)[:2],
			(status, title),
		)
		# a user without access to students at all is refused
		status, _title, body = self.call(
			self.net.evaluator, "frappe.desk.search.get_link_title", doctype="Student", docname=self.student_b
		)
		self.assertEqual(status, 403)
		self.assertNotIn(FIRST_NAME, body)

	def test_link_title_of_own_student_still_works(self):
		status, title, _body = self.call(
			self.net.coordinator_b,
			"frappe.desk.search.get_link_title",
			doctype="Student",
			docname=self.student_b,
		)
		self.assertEqual(status, 200)
		self.assertIn(FIRST_NAME, title)

	# ------------------------------------------------------------ finding 2: assignment counts

	def group_by_assigned(self, user, filters):
		return self.call(
			user,
			"frappe.desk.listview.get_group_by_count",
			doctype="Student",
			current_filters=filters,
			field="assigned_to",
		)

	def test_assignment_counts_leave_out_other_sites_students(self):
		status, counts, body = self.group_by_assigned(self.net.coordinator_a, [["name", "=", self.student_b]])
		self.assertEqual(status, 200, body[:300])
		self.assertEqual(counts, [])
		status, counts, _body = self.group_by_assigned(
			self.net.coordinator_b, [["name", "=", self.student_b]]
		)
		self.assertEqual((status, counts), (200, [{"name": self.net.coordinator_b, "count": 1}]))

	def test_assignment_counts_cannot_filter_on_a_hidden_field(self):
		# the CIS Administrator sees both sites' students but not their health notes
		status, counts, body = self.group_by_assigned(self.net.admin, [["health_notes", "like", "A%"]])
		self.assertEqual(status, 403, body[:300])
		self.assertNotIn(self.net.coordinator_b, body)
		status, counts, body = self.group_by_assigned(self.net.admin, [["name", "=", self.student_b]])
		self.assertEqual((status, counts), (200, [{"name": self.net.coordinator_b, "count": 1}]), body[:300])

	def test_assignment_counts_are_refused_without_read(self):
		status, _counts, body = self.group_by_assigned(self.net.evaluator, [])
		self.assertEqual(status, 403, body[:300])

	def test_group_by_a_field_keeps_the_row_rules(self):
		status, counts, body = self.call(
			self.net.coordinator_a,
			"frappe.desk.listview.get_group_by_count",
			doctype="Student",
			current_filters=[["last_name", "=", "Scopeprobe"]],
			field="site",
		)
		self.assertEqual(status, 200, body[:300])
		self.assertEqual([row["name"] for row in counts], [self.net.site_a])

	# ------------------------------------------------------------ finding 4: tagged records

	def test_tagged_records_are_only_the_readable_ones(self):
		method = "frappe.desk.doctype.tag.tag.get_tagged_docs"
		pattern = f"%{TAG}%"  # Frappe matches ``_user_tags like <tag>``: the caller gives the pattern
		status, names, body = self.call(self.net.coordinator_a, method, doctype="Student", tag=pattern)
		self.assertEqual(status, 200, body[:300])
		self.assertEqual(names, [[self.student_a]])
		self.assertNotIn(self.student_b, body)
		status, names, _body = self.call(self.net.coordinator_b, method, doctype="Student", tag=pattern)
		self.assertEqual((status, names), (200, [[self.student_b]]))
		status, _names, body = self.call(self.net.evaluator, method, doctype="Student", tag=pattern)
		self.assertEqual(status, 403)
		self.assertNotIn(self.student_b, body)
