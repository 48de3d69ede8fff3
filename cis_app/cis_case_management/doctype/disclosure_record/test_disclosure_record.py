# Copyright (c) 2026, cis_app contributors and contributors
# For license information, please see license.txt
"""The disclosure record of exports and prints (FERPA 34 CFR 99.32), through Frappe's own endpoints as
a coordinator calls them (``frappe.handler.execute_cmd`` applies the app's overrides as a request
would): a Report Builder export, a query report export and a PDF each write one record per student
the user could see, an export of 0 students writes none, and only a System Manager deletes a record,
which leaves a note on the student."""

import frappe
from frappe.tests.utils import FrappeTestCase

from cis_app.cis_case_management.disclosures import DisclosureInputError
from cis_app.utils.exceptions import DisclosureRecordLockedError
from cis_app.permissions.scope import clear_scope_cache
from cis_app.tests.factories import TwoSites, asset_server, make_student, make_support_plan, make_user

LAST_NAME = "Zzdisclosure"
SYSTEM_MANAGER = "cis-disclosure-sysman@example.com"


def call_as(user: str, cmd: str, **form):
	"""Call a whitelisted method as ``user``, the way a POST request to /api/method/<cmd> does."""
	clear_scope_cache()
	frappe.set_user(user)
	had_request = hasattr(frappe.local, "request")
	previous = getattr(frappe.local, "request", None)
	frappe.local.request = frappe._dict(method="POST", path=f"/api/method/{cmd}", headers={})
	frappe.local.form_dict = frappe._dict(form)
	frappe.local.response = frappe._dict({"docs": []})
	try:
		return frappe.handler.execute_cmd(cmd)
	finally:
		if had_request:
			frappe.local.request = previous
		else:
			del frappe.local.request
		frappe.local.form_dict = frappe._dict()
		frappe.set_user("Administrator")


def records(**filters) -> list[dict]:
	return frappe.get_all(
		"Disclosure Record",
		filters=filters,
		fields=[
			"name",
			"student",
			"site",
			"disclosed_by",
			"recipient_type",
			"recipient_user",
			"what",
			"legal_basis",
			"purpose",
			"reference_doctype",
			"reference_name",
		],
		order_by="student asc",
	)


class TestExportAndPrintDisclosures(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.net = TwoSites.build()
		make_user(SYSTEM_MANAGER, "System Manager")
		# a System Manager who serves the affiliate (one who serves no site sees none of its records)
		affiliate = frappe.get_doc("Affiliate", cls.net.affiliate)
		if SYSTEM_MANAGER not in {row.user for row in affiliate.staff}:
			affiliate.append("staff", {"user": SYSTEM_MANAGER, "staff_role": "CIS Administrator"})
			affiliate.save(ignore_permissions=True)
		cls.a1 = make_student(cls.net.site_a, first_name="Alma", last_name=LAST_NAME).name
		cls.a2 = make_student(cls.net.site_a, first_name="Bea", last_name=LAST_NAME).name
		cls.b1 = make_student(cls.net.site_b, first_name="Cruz", last_name=LAST_NAME).name
		cls.plan_a1 = make_support_plan(cls.a1).name
		cls.plan_b1 = make_support_plan(cls.b1).name

	def setUp(self):
		self.before = set(frappe.get_all("Disclosure Record", pluck="name"))

	def tearDown(self):
		frappe.set_user("Administrator")
		clear_scope_cache()

	def new_records(self) -> list[dict]:
		return [row for row in records() if row.name not in self.before]

	def export(self, user: str, doctype: str, filters, fields=None, **extra):
		return call_as(
			user,
			"frappe.desk.reportview.export_query",
			doctype=doctype,
			fields=frappe.as_json(fields or [f"`tab{doctype}`.`name`"]),
			filters=frappe.as_json(filters),
			file_format_type="CSV",
			title=doctype,
			**extra,
		)

	# ------------------------------------------------------------------ Report Builder export

	def test_report_builder_export_names_the_students_the_coordinator_exported(self):
		self.export(
			self.net.coordinator_a,
			"Student",
			[["Student", "last_name", "=", LAST_NAME]],
			["`tabStudent`.`name`", "`tabStudent`.`first_name`", "`tabStudent`.`grade_level`"],
		)
		rows = self.new_records()
		# site B's student matches the filter but is outside the coordinator's scope: not exported
		self.assertEqual([row.student for row in rows], sorted([self.a1, self.a2]))
		log = rows[0].reference_name
		self.assertTrue(log)
		for row in rows:
			self.assertEqual(row.site, self.net.site_a)
			self.assertEqual(row.disclosed_by, self.net.coordinator_a)
			self.assertEqual((row.recipient_type, row.recipient_user), ("User", self.net.coordinator_a))
			self.assertEqual(row.legal_basis, "School Official")
			self.assertEqual(row.what, "Report Builder export (CSV) of Student: ID, First Name, Grade Level")
			self.assertEqual((row.reference_doctype, row.reference_name), ("Access Log", log))
		access = frappe.get_doc("Access Log", log)
		self.assertEqual(
			(access.user, access.export_from, access.file_type), (self.net.coordinator_a, "Student", "CSV")
		)
		# the CSV itself went out as usual
		self.assertEqual(frappe.local.response.type, "binary")

	def test_an_export_of_zero_students_writes_no_record(self):
		self.export(self.net.coordinator_a, "Student", [["Student", "last_name", "=", "Nobody-Here"]])
		self.assertEqual(self.new_records(), [])
		# nor does an export of the other site's student, which the coordinator cannot see
		self.export(self.net.coordinator_a, "Student", [["Student", "name", "=", self.b1]])
		self.assertEqual(self.new_records(), [])

	def test_an_export_of_student_records_names_their_students(self):
		self.export(
			self.net.program_manager,
			"Support Plan",
			[["Support Plan", "name", "in", [self.plan_a1, self.plan_b1]]],
		)
		self.assertEqual([row.student for row in self.new_records()], [self.a1])

	def test_an_export_of_selected_rows_names_only_those(self):
		self.export(
			self.net.coordinator_a,
			"Student",
			[["Student", "last_name", "=", LAST_NAME]],
			selected_items=frappe.as_json([self.a2]),
		)
		self.assertEqual([row.student for row in self.new_records()], [self.a2])

	def test_the_legal_basis_and_purpose_can_be_named_and_a_wrong_one_is_refused(self):
		self.export(
			self.net.coordinator_a,
			"Student",
			[["Student", "name", "=", self.a1]],
			disclosure_legal_basis="Health or Safety Emergency",
			disclosure_purpose="Contact list for the fire drill",
		)
		[row] = self.new_records()
		self.assertEqual(
			(row.legal_basis, row.purpose), ("Health or Safety Emergency", "Contact list for the fire drill")
		)
		self.before |= {row.name}
		with self.assertRaises(DisclosureInputError):
			self.export(
				self.net.coordinator_a,
				"Student",
				[["Student", "name", "=", self.a1]],
				disclosure_legal_basis="Curiosity",
			)
		self.assertEqual(self.new_records(), [])

	def test_a_refused_export_writes_no_record(self):
		# an Evaluator may not export students at all
		with self.assertRaises(frappe.PermissionError):
			self.export(self.net.evaluator, "Student", [["Student", "last_name", "=", LAST_NAME]])
		self.assertEqual(self.new_records(), [])

	def test_an_export_of_data_that_is_not_student_level_writes_none(self):
		self.export(self.net.admin, "Site", [["Site", "name", "=", self.net.site_a]])
		self.assertEqual(self.new_records(), [])

	# ------------------------------------------------------------------ query report export

	def test_a_query_report_export_names_the_students_of_its_rows(self):
		call_as(
			self.net.coordinator_a,
			"frappe.desk.query_report.export_query",
			report_name="Caseload",
			file_format_type="CSV",
			filters=frappe.as_json({"site": self.net.site_a, "show": "All students"}),
			visible_idx=frappe.as_json([]),
		)
		rows = self.new_records()
		site_a_students = set(
			frappe.get_all(
				"Student", filters={"site": self.net.site_a, "enrollment_status": "Enrolled"}, pluck="name"
			)
		)
		self.assertEqual({row.student for row in rows}, site_a_students)
		self.assertIn(self.a1, site_a_students)
		self.assertNotIn(self.b1, {row.student for row in rows})
		self.assertEqual(rows[0].what, "Report export (CSV) of Caseload")
		log = frappe.get_doc("Access Log", rows[0].reference_name)
		self.assertEqual(
			(log.export_from, log.report_name, log.method), ("Student", "Caseload", "Report Export")
		)

	def test_the_desk_still_runs_reports_after_an_export(self):
		"""The export watches the report's rows by wrapping ``frappe.desk.query_report.run`` for the rest
		of the process: the wrapper must still be whitelisted, or every later report in that worker
		answers "not whitelisted" (403)."""
		filters = frappe.as_json({"site": self.net.site_a, "show": "All students"})
		call_as(
			self.net.coordinator_a,
			"frappe.desk.query_report.export_query",
			report_name="Caseload",
			file_format_type="CSV",
			filters=filters,
			visible_idx=frappe.as_json([]),
		)
		exported = len(self.new_records())
		result = call_as(
			self.net.coordinator_a, "frappe.desk.query_report.run", report_name="Caseload", filters=filters
		)
		self.assertIn(self.a1, {row.get("name") for row in result["result"] if isinstance(row, dict)})
		self.assertEqual(len(self.new_records()), exported)  # running a report is not a disclosure

	# ------------------------------------------------------------------ prints

	def test_a_pdf_of_a_student_names_the_student(self):
		with asset_server():
			call_as(
				self.net.coordinator_a,
				"frappe.utils.print_format.download_pdf",
				doctype="Student",
				name=self.a1,
				format="Standard",
			)
		self.assertEqual(frappe.local.response.type, "pdf")
		[row] = self.new_records()
		self.assertEqual((row.student, row.disclosed_by), (self.a1, self.net.coordinator_a))
		self.assertEqual(row.what, f"PDF download (PDF) of Student {self.a1}: print format Standard")
		log = frappe.get_doc("Access Log", row.reference_name)
		self.assertEqual(
			(log.export_from, log.reference_document, log.file_type), ("Student", self.a1, "PDF")
		)

	def test_a_pdf_of_a_plan_names_its_student(self):
		with asset_server():
			call_as(
				self.net.coordinator_a,
				"frappe.utils.print_format.download_pdf",
				doctype="Support Plan",
				name=self.plan_a1,
			)
		self.assertEqual([row.student for row in self.new_records()], [self.a1])

	def test_printing_the_familys_own_record_is_not_recorded(self):
		# a disclosure to the parent (99.32(d)(1))
		with asset_server():
			call_as(
				self.net.admin,
				"frappe.utils.print_format.download_pdf",
				doctype="Student",
				name=self.a1,
				format="Student Disclosure Record",
			)
		self.assertEqual(frappe.local.response.type, "pdf")
		self.assertEqual(self.new_records(), [])

	def test_a_refused_print_writes_no_record(self):
		# answered as for a student that does not exist
		with self.assertRaises(frappe.DoesNotExistError):
			call_as(
				self.net.coordinator_a,
				"frappe.utils.print_format.download_pdf",
				doctype="Student",
				name=self.b1,
			)
		self.assertEqual(self.new_records(), [])

	# ------------------------------------------------------------------ locked, and deletion logged

	def test_only_a_system_manager_deletes_a_record_and_the_deletion_is_logged(self):
		self.export(self.net.coordinator_a, "Student", [["Student", "name", "=", self.a1]])
		[row] = self.new_records()
		for user in (self.net.admin, self.net.coordinator_a):
			frappe.set_user(user)
			with self.assertRaises(frappe.PermissionError):
				frappe.delete_doc("Disclosure Record", row.name)
			with self.assertRaises(DisclosureRecordLockedError):
				frappe.delete_doc("Disclosure Record", row.name, ignore_permissions=True)
		frappe.set_user("Administrator")
		self.assertTrue(frappe.db.exists("Disclosure Record", row.name))
		self.assertFalse(
			frappe.db.exists("Comment", {"reference_name": self.a1, "content": ["like", f"%{row.name}%"]})
		)

		frappe.set_user(SYSTEM_MANAGER)
		frappe.delete_doc("Disclosure Record", row.name)
		frappe.set_user("Administrator")
		self.assertFalse(frappe.db.exists("Disclosure Record", row.name))
		# the student's administrator sees the note on the student's timeline (the form's docinfo)
		self.assertEqual(self.timeline_notes(self.net.admin, row.name), 1)
		note = frappe.get_all(
			"Comment",
			filters={
				"reference_doctype": "Student",
				"reference_name": self.a1,
				"content": ["like", f"%{row.name}%"],
			},
			fields=["content", "comment_type", "owner"],
		)
		self.assertEqual(len(note), 1)
		self.assertEqual((note[0].comment_type, note[0].owner), ("Info", SYSTEM_MANAGER))
		self.assertIn(f"deleted by {SYSTEM_MANAGER}", note[0].content)
		self.assertIn("Report Builder export (CSV) of Student: ID", note[0].content)
		# the coordinator of the other site cannot open the student, nor list the note
		clear_scope_cache()
		frappe.set_user(self.net.coordinator_b)
		self.assertFalse(frappe.has_permission("Student", "read", doc=self.a1))
		with self.assertRaises(frappe.PermissionError):
			frappe.get_list("Comment", filters={"reference_doctype": "Student", "reference_name": self.a1})
		frappe.set_user("Administrator")

	def timeline_notes(self, user: str, text: str) -> int:
		from frappe.desk.form.load import getdoc

		clear_scope_cache()
		frappe.set_user(user)
		try:
			frappe.response.docs = []
			getdoc("Student", self.a1)
			return len([log for log in frappe.response.docinfo.info_logs if text in (log.content or "")])
		finally:
			frappe.set_user("Administrator")

	# ------------------------------------------------------------------ the Student form and the family print

	def test_the_student_form_shows_disclosures_and_views_to_administrators_only(self):
		from frappe.desk.form.load import getdoc

		self.export(self.net.coordinator_a, "Student", [["Student", "name", "=", self.a1]])
		clear_scope_cache()
		frappe.set_user(self.net.coordinator_a)
		getdoc("Student", self.a1)
		onload = frappe.response.docs[0].get("__onload") or {}
		self.assertNotIn("cis_disclosures", onload)
		self.assertNotIn("cis_record_views", onload)
		frappe.set_user(self.net.admin)
		frappe.response.docs = []
		getdoc("Student", self.a1)
		onload = frappe.response.docs[0].get("__onload")
		frappe.set_user("Administrator")
		expected = frappe.get_all(
			"Disclosure Record",
			filters={"student": self.a1},
			order_by="disclosed_on desc, name desc",
			pluck="name",
			limit=20,
		)
		self.assertTrue(expected)
		self.assertEqual([row.name for row in onload["cis_disclosures"]], expected)
		self.assertEqual({row.student for row in onload["cis_disclosures"]}, {self.a1})
		# who opened the record, newest first: the coordinator just now (the administrator's own opening
		# is logged after the form is loaded)
		self.assertEqual(onload["cis_record_views"][0].viewed_by, self.net.coordinator_a)
		self.assertEqual(
			[row.name for row in onload["cis_record_views"]],
			frappe.get_all(
				"View Log",
				filters={
					"reference_doctype": "Student",
					"reference_name": self.a1,
					"name": ["!=", self.last_view(self.net.admin)],
				},
				order_by="creation desc",
				pluck="name",
				limit=20,
			),
		)

	def last_view(self, user: str) -> str:
		return frappe.get_all(
			"View Log",
			filters={"reference_doctype": "Student", "reference_name": self.a1, "viewed_by": user},
			order_by="creation desc",
			pluck="name",
			limit=1,
		)[0]

	def test_the_family_print_lists_the_period_in_the_guardians_language(self):
		student = frappe.get_doc("Student", self.a1)
		student.append(
			"guardians",
			{"guardian_name": "Rosa Zzdisclosure", "relationship": "Mother", "preferred_language": "Spanish"},
		)
		student.save(ignore_permissions=True)
		self.export(self.net.coordinator_a, "Student", [["Student", "name", "=", self.a1]])
		clear_scope_cache()
		frappe.set_user(self.net.admin)
		html = frappe.get_print("Student", self.a1, "Student Disclosure Record")
		frappe.local.form_dict = frappe._dict(from_date="2000-01-01", to_date="2000-12-31")
		empty = frappe.get_print("Student", self.a1, "Student Disclosure Record")
		frappe.local.form_dict = frappe._dict()
		frappe.set_user(self.net.coordinator_a)
		with self.assertRaisesRegex(frappe.PrintFormatError, "Only CIS Administrators may print"):
			frappe.get_print("Student", self.a1, "Student Disclosure Record")
		frappe.set_user("Administrator")
		self.assertIn("Registro de divulgaciones", html)
		self.assertIn("Report Builder export (CSV) of Student: ID", html)
		self.assertIn("Funcionario escolar", html)
		self.assertNotIn("Record of Disclosures", html)
		self.assertIn("No hay ninguna divulgación", empty)
		period = "Del {} al {}".format(
			frappe.format("2000-01-01", {"fieldtype": "Date"}),
			frappe.format("2000-12-31", {"fieldtype": "Date"}),
		)
		self.assertIn(period, empty)
