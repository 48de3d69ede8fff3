# Copyright (c) 2026, cis_app contributors and contributors
# For license information, please see license.txt
"""Student records: validation, and row-level access through every door (FERPA)."""

import csv
import io
import json

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, nowdate

from cis_app.utils.exceptions import (
	DuplicateStudentIdError,
	InactiveSiteError,
	InvalidGradeLevelError,
	OutOfScopeError,
	ShareNotAllowedError,
)
from cis_app.permissions.scope import clear_scope_cache
from cis_app.tests.factories import TwoSites, make_site, make_student


def as_user(user):
	clear_scope_cache()
	frappe.set_user(user)


class TestStudentValidation(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.net = TwoSites.build()

	def tearDown(self):
		frappe.set_user("Administrator")

	def test_full_name_and_site_fields_are_set(self):
		student = make_student(self.net.site_a, first_name=" Ada ", middle_name="B", last_name="Cole")
		self.assertEqual(student.student_name, "Ada B Cole")
		self.assertEqual(student.affiliate, self.net.affiliate)
		self.assertEqual(student.school_district, self.net.district)

	def test_duplicate_district_student_id_is_refused(self):
		make_student(self.net.site_a, district_student_id="DUP-1")
		count = frappe.db.count("Student")
		# same district, other site: still a duplicate
		with self.assertRaises(DuplicateStudentIdError):
			make_student(self.net.site_b, district_student_id="DUP-1")
		self.assertEqual(frappe.db.count("Student"), count)

	def test_grade_levels_outside_pk_12_are_refused(self):
		for grade in ("13", "-1", "ninth"):
			with self.assertRaises((InvalidGradeLevelError, frappe.ValidationError)):
				make_student(self.net.site_a, grade_level=grade)
		self.assertEqual(make_student(self.net.site_a, grade_level="PK").grade_level, "PK")
		self.assertEqual(make_student(self.net.site_a, grade_level="12").grade_level, "12")

	def test_inactive_site_is_refused(self):
		make_site("_Test Closed Site", TwoSites.affiliate, TwoSites.district, is_active=0)
		with self.assertRaises(InactiveSiteError):
			make_student("_Test Closed Site")

	def test_only_one_primary_guardian(self):
		with self.assertRaises(frappe.ValidationError):
			make_student(
				self.net.site_a,
				guardians=[
					{"guardian_name": "G1", "is_primary": 1},
					{"guardian_name": "G2", "is_primary": 1},
				],
			)
		student = make_student(self.net.site_a, guardians=[{"guardian_name": "G1"}, {"guardian_name": "G2"}])
		self.assertEqual([g.is_primary for g in student.guardians], [1, 0])


class TestStudentAccess(FrappeTestCase):
	"""Two coordinators of two sites: each sees only their own students, whatever the door."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.net = TwoSites.build()
		cls.student_a = make_student(cls.net.site_a, first_name="Alpha", last_name="Zyxwv").name
		cls.student_b = make_student(cls.net.site_b, first_name="Bravo", last_name="Zyxwv").name

	def tearDown(self):
		frappe.set_user("Administrator")
		frappe.local.form_dict = frappe._dict()
		frappe.local.response = frappe._dict()

	def visible(self, user):
		as_user(user)
		return set(frappe.get_list("Student", filters={"last_name": "Zyxwv"}, pluck="name"))

	def test_get_list(self):
		self.assertEqual(self.visible(self.net.coordinator_a), {self.student_a})
		self.assertEqual(self.visible(self.net.coordinator_b), {self.student_b})
		self.assertEqual(self.visible(self.net.program_manager), {self.student_a})
		self.assertEqual(self.visible(self.net.admin), {self.student_a, self.student_b})

	def test_coordinator_without_assignment_sees_no_student(self):
		as_user(self.net.coordinator_none)
		self.assertEqual(frappe.get_list("Student", pluck="name"), [])
		self.assertEqual(frappe.db.count("Student", {"site": ["is", "set"]}) > 0, True)
		from frappe.desk.reportview import get_count

		frappe.local.form_dict = frappe._dict(doctype="Student")
		self.assertEqual(get_count(), 0)

	def test_ended_assignment_takes_access_away(self):
		site = frappe.get_doc("Site", self.net.site_a)
		for row in site.staff:
			if row.user == self.net.coordinator_a:
				row.from_date = add_days(nowdate(), -30)
				row.to_date = add_days(nowdate(), -1)
		site.save(ignore_permissions=True)
		try:
			self.assertEqual(self.visible(self.net.coordinator_a), set())
		finally:
			frappe.set_user("Administrator")
			for row in site.staff:
				if row.user == self.net.coordinator_a:
					row.from_date = row.to_date = None
			site.save(ignore_permissions=True)
		self.assertEqual(self.visible(self.net.coordinator_a), {self.student_a})

	def test_get_doc_and_client_get(self):
		as_user(self.net.coordinator_a)
		doc = frappe.get_doc("Student", self.student_a)
		self.assertTrue(doc.has_permission("read"))
		other = frappe.get_doc("Student", self.student_b)
		self.assertFalse(other.has_permission("read"))
		with self.assertRaises(frappe.PermissionError):
			other.check_permission("read")
		with self.assertRaises(frappe.PermissionError):
			frappe.client.get("Student", self.student_b)
		self.assertEqual(frappe.client.get("Student", self.student_a)["name"], self.student_a)
		self.assertFalse(frappe.client.get_value("Student", "name", {"name": self.student_b}))
		self.assertEqual(
			frappe.client.get_value("Student", "name", {"name": self.student_a}), {"name": self.student_a}
		)
		# frappe.client.get_count (which ignores permissions in Frappe) is overridden for scoped DocTypes
		override = frappe.get_hooks("override_whitelisted_methods")["frappe.client.get_count"][-1]
		count = frappe.get_attr(override)("Student", json.dumps({"last_name": "Zyxwv"}))
		self.assertEqual(count, 1)

	def test_report_builder_reportview_get(self):
		from frappe.desk.reportview import get

		as_user(self.net.coordinator_a)
		frappe.local.form_dict = frappe._dict(
			doctype="Student",
			fields=json.dumps(["`tabStudent`.`name`"]),
			filters=json.dumps([["Student", "last_name", "=", "Zyxwv"]]),
		)
		result = get()
		names = {row[0] for row in result["values"]}
		self.assertEqual(names, {self.student_a})

	def test_report_builder_export(self):
		from frappe.desk.reportview import export_query

		as_user(self.net.coordinator_b)
		frappe.local.form_dict = frappe._dict(
			doctype="Student",
			file_format_type="CSV",
			fields=json.dumps(["`tabStudent`.`name`", "`tabStudent`.`student_name`"]),
			filters=json.dumps([["Student", "last_name", "=", "Zyxwv"]]),
		)
		export_query()
		rows = list(csv.reader(io.StringIO(frappe.response["filecontent"].decode())))
		exported = {row[1] for row in rows[1:]}
		self.assertEqual(exported, {self.student_b})

	def test_link_search(self):
		from frappe.desk.search import search_link

		as_user(self.net.coordinator_a)
		found = {row["value"] for row in search_link("Student", "Zyxwv")}
		self.assertEqual(found, {self.student_a})

	def test_global_search_does_not_index_students(self):
		from frappe.utils.global_search import search

		as_user(self.net.coordinator_a)
		self.assertEqual([r for r in search("Zyxwv") if r.get("doctype") == "Student"], [])

	def test_print_is_refused_for_another_site(self):
		from frappe.www.printview import get_html_and_style

		as_user(self.net.coordinator_a)
		with self.assertRaises(frappe.PermissionError):
			get_html_and_style("Student", self.student_b)

	def test_cross_site_edit_is_refused_and_database_unchanged(self):
		as_user(self.net.coordinator_a)
		doc = frappe.get_doc("Student", self.student_b)
		doc.site = self.net.site_a
		doc.first_name = "Moved"
		with self.assertRaises(frappe.PermissionError):
			doc.save()
		frappe.set_user("Administrator")
		self.assertEqual(
			frappe.db.get_value("Student", self.student_b, ["site", "first_name"]), (self.net.site_b, "Bravo")
		)

	def test_coordinator_cannot_create_a_student_at_another_site(self):
		as_user(self.net.coordinator_a)
		count = frappe.db.count("Student")
		with self.assertRaises(frappe.PermissionError):
			frappe.get_doc(
				{
					"doctype": "Student",
					"site": self.net.site_b,
					"first_name": "X",
					"last_name": "Y",
					"district_student_id": "X-1",
					"grade_level": "7",
				}
			).insert()
		self.assertEqual(frappe.db.count("Student"), count)

	def test_coordinator_can_edit_own_student(self):
		as_user(self.net.coordinator_a)
		doc = frappe.get_doc("Student", self.student_a)
		doc.health_notes = "Asthma inhaler in the office"
		doc.save()
		self.assertEqual(
			frappe.db.get_value("Student", self.student_a, "health_notes"), "Asthma inhaler in the office"
		)

	def test_sharing_and_assigning_are_refused(self):
		from frappe.desk.form.assign_to import add
		from frappe.share import add_docshare

		# even someone allowed to share (here: bypassing Frappe's share permission) cannot share a student
		for user in ("Administrator", self.net.coordinator_a):
			as_user(user)
			with self.assertRaises(ShareNotAllowedError):
				add_docshare(
					"Student",
					self.student_a,
					self.net.coordinator_b,
					read=1,
					flags={"ignore_share_permission": True},
				)
			with self.assertRaises(ShareNotAllowedError):
				add_docshare(
					"Student", self.student_a, everyone=1, read=1, flags={"ignore_share_permission": True}
				)
		# a coordinator cannot assign a student to staff of another site
		as_user(self.net.coordinator_a)
		with self.assertRaises(ShareNotAllowedError):
			add({"assign_to": [self.net.coordinator_b], "doctype": "Student", "name": self.student_a})
		frappe.set_user("Administrator")
		self.assertFalse(
			frappe.db.exists("DocShare", {"share_doctype": "Student", "share_name": self.student_a})
		)
		self.assertFalse(
			frappe.db.exists(
				"ToDo", {"reference_name": self.student_a, "allocated_to": self.net.coordinator_b}
			)
		)
		as_user(self.net.coordinator_b)
		self.assertFalse(frappe.get_doc("Student", self.student_a).has_permission("read"))

	def test_assigning_to_staff_of_the_same_site_works(self):
		from frappe.desk.form.assign_to import add

		as_user(self.net.coordinator_a)
		add({"assign_to": [self.net.program_manager], "doctype": "Student", "name": self.student_a})
		self.assertTrue(
			frappe.db.exists(
				"ToDo", {"reference_name": self.student_a, "allocated_to": self.net.program_manager}
			)
		)

	def test_partner_manager_and_evaluator_get_permission_errors(self):
		for user in (self.net.partner_manager, self.net.evaluator):
			as_user(user)
			with self.assertRaises(frappe.PermissionError):
				frappe.get_list("Student")
			with self.assertRaises(frappe.PermissionError):
				frappe.client.get("Student", self.student_a)
			self.assertFalse(frappe.has_permission("Student", "read"))

	def test_guardian_rows_follow_their_student(self):
		frappe.set_user("Administrator")
		student = frappe.get_doc("Student", self.student_b)
		student.append("guardians", {"guardian_name": "Private Guardian"})
		student.save()
		as_user(self.net.coordinator_a)
		rows = frappe.get_list(
			"Student Guardian",
			parent_doctype="Student",
			fields=["guardian_name"],
			filters={"guardian_name": "Private Guardian"},
		)
		self.assertEqual(rows, [])
		as_user(self.net.coordinator_b)
		rows = frappe.get_list(
			"Student Guardian",
			parent_doctype="Student",
			fields=["guardian_name"],
			filters={"guardian_name": "Private Guardian"},
		)
		self.assertEqual(len(rows), 1)

	def test_sensitive_fields_are_hidden_from_roles_without_permlevel_1(self):
		frappe.set_user("Administrator")
		frappe.db.set_value("Student", self.student_a, "family_situation", "Confidential note")
		as_user(self.net.admin)
		doc = frappe.get_doc("Student", self.student_a)
		doc.apply_fieldlevel_read_permissions()
		self.assertFalse(doc.get("family_situation"))
		as_user(self.net.coordinator_a)
		doc = frappe.get_doc("Student", self.student_a)
		doc.apply_fieldlevel_read_permissions()
		self.assertEqual(doc.get("family_situation"), "Confidential note")
