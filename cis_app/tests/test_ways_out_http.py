# Copyright (c) 2026, cis_app contributors
# For license information, please see license.txt
"""Every way out, over HTTP through Frappe's WSGI application, as the site's coordinator and others.

Kept routes write one committed Disclosure Record per student they let out, GET or POST; refused
routes answer 403 and write nothing; a method on no list is refused when it is about students; a file
of student rows from a method that does not record is stopped; email, mentions and follows go only to
staff who may read the record or to a partner's contact under a valid consent.

The requests run in another thread with their own database connection, so this test commits its
records and deletes them afterwards.
"""

import json

import frappe
from frappe.tests.utils import FrappeTestCase

from cis_app.permissions.scope import clear_scope_cache
from cis_app.tests.factories import (
	TwoSites,
	api_token,
	asset_server_for_requests,
	http,
	make_consent,
	make_school_year,
	make_student,
	make_user,
)

LAST_NAME = "Zzwaysout"
OUTSIDER = "cis-waysout-outsider@example.com"
PARTNER = "_Test Ways Out Partner"
PARTNER_EMAIL = "cis-waysout-partner-contact@example.com"
EMAIL_ACCOUNT = "_Test Ways Out Outgoing"


@frappe.whitelist()
def unlisted_student_export(doctype: str = "Student"):
	"""A whitelisted method on no list (as another app's or a newer Frappe's would be)."""
	rows = frappe.get_list(doctype, fields=["name"], limit=5)
	frappe.response["filename"] = "students.csv"
	frappe.response["filecontent"] = "\n".join(row.name for row in rows)
	frappe.response["type"] = "download"


@frappe.whitelist()
def unlisted_file_of_students():
	"""On no list, and its arguments name no DocType: the file it answers reads students all the same."""
	return unlisted_student_export()


class TestWaysOutOverHTTP(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		cls.net = TwoSites.build()
		make_user(OUTSIDER, "Site Coordinator")  # staff of no site
		cls.a1 = make_student(cls.net.site_a, first_name="Wren", last_name=LAST_NAME).name
		cls.a2 = make_student(cls.net.site_a, first_name="Yael", last_name=LAST_NAME).name
		cls.b1 = make_student(cls.net.site_b, first_name="Zed", last_name=LAST_NAME).name
		if not frappe.db.exists("Partner", PARTNER):
			frappe.get_doc(
				{
					"doctype": "Partner",
					"partner_name": PARTNER,
					"affiliate": cls.net.affiliate,
					"contacts": [{"contact_name": "Pat Contact", "email": PARTNER_EMAIL}],
				}
			).insert(ignore_permissions=True)
		cls.partner = frappe.db.get_value("Partner", {"partner_name": PARTNER}) or PARTNER
		cls.consent = make_consent(
			cls.a1, scope="Share with Partner", partner=cls.partner, school_year=make_school_year()
		).name
		if not frappe.db.exists("Email Account", EMAIL_ACCOUNT):
			frappe.get_doc(
				{
					"doctype": "Email Account",
					"email_account_name": EMAIL_ACCOUNT,
					"email_id": "cis-waysout-outgoing@example.com",
					"enable_outgoing": 1,
					"default_outgoing": 1,
					"smtp_server": "localhost",
					"no_smtp_authentication": 1,
				}
			).insert(ignore_permissions=True)
		for user in (cls.net.coordinator_a, cls.net.coordinator_b):
			frappe.db.set_value("User", user, "document_follow_notify", 1)
		cls.tokens = {
			user: api_token(user)
			for user in (cls.net.coordinator_a, cls.net.coordinator_b, cls.net.admin, "Administrator")
		}
		frappe.db.commit()
		clear_scope_cache()

	@classmethod
	def tearDownClass(cls):
		frappe.set_user("Administrator")
		students = [cls.a1, cls.a2, cls.b1]
		frappe.db.delete("Disclosure Record", {"student": ["in", students]})
		frappe.db.delete("Access Log", {"reference_document": ["in", students]})
		frappe.db.delete("Document Follow", {"ref_docname": ["in", students]})
		frappe.db.delete("Email Queue", {"reference_name": ["in", students]})
		frappe.db.delete("Communication", {"reference_name": ["in", students]})
		frappe.db.delete("File", {"attached_to_name": ["in", students]})
		frappe.db.delete("Student Consent", {"student": ["in", students]})
		for student in students:
			frappe.db.delete("Comment", {"reference_name": student})
			frappe.db.delete("Version", {"docname": student})
			frappe.delete_doc("Student", student, ignore_permissions=True, force=True)
		frappe.db.commit()
		super().tearDownClass()

	def call(self, as_user: str, http_verb: str, method: str, **args):
		key = "query_string" if http_verb == "get" else "data"
		return http(http_verb, f"/api/method/{method}", self.tokens[as_user], **{key: args})

	def records(self, student: str) -> list:
		frappe.db.rollback()  # see the other connection's commit
		return frappe.get_all(
			"Disclosure Record",
			filters={"student": student},
			fields=["name", "disclosed_by", "recipient_type", "recipient_user", "partner", "recipient_name", "consent", "legal_basis", "what"],
			order_by="creation asc",
		)

	def assertRefused(self, response, text="cannot record"):
		self.assertEqual(response.status_code, 403, response.get_data(as_text=True)[:500])
		self.assertIn(text, response.get_data(as_text=True))

	# ------------------------------------------------------------------ kept: recorded, GET or POST

	def test_the_pdf_button_records_its_student_by_get_and_by_post(self):
		for verb in ("get", "post"):
			before = len(self.records(self.a2))
			with asset_server_for_requests():  # wkhtmltopdf fetches the print stylesheet from the site
				response = self.call(
					self.net.coordinator_a, verb, "frappe.utils.print_format.download_pdf", doctype="Student", name=self.a2
				)
			if response.status_code != 200:
				self.fail(f"{verb}: {response.status_code} {response.get_data()[:3000]!r}")
			self.assertEqual(response.mimetype, "application/pdf")
			self.assertEqual(len(self.records(self.a2)), before + 1, verb)

	def test_the_print_preview_records_its_student(self):
		before = len(self.records(self.a2))
		response = self.call(
			self.net.coordinator_a, "get", "frappe.www.printview.get_html_and_style", doc="Student", name=self.a2
		)
		self.assertEqual(response.status_code, 200)
		self.assertIn("Yael", response.get_data(as_text=True))
		rows = self.records(self.a2)
		self.assertEqual(len(rows), before + 1)
		self.assertTrue(rows[-1].what.startswith("Print preview"))

	def test_a_report_builder_export_records_each_student_by_get_and_by_post_and_none_for_no_student(self):
		for verb in ("get", "post"):
			before = {s: len(self.records(s)) for s in (self.a1, self.a2, self.b1)}
			response = self.call(
				self.net.coordinator_a,
				verb,
				"frappe.desk.reportview.export_query",
				doctype="Student",
				fields=json.dumps(["`tabStudent`.`name`", "`tabStudent`.`first_name`"]),
				filters=json.dumps([["Student", "last_name", "=", LAST_NAME]]),
				file_format_type="CSV",
				title="Student",
			)
			self.assertEqual(response.status_code, 200, verb)
			self.assertEqual(len(self.records(self.a1)), before[self.a1] + 1, verb)
			self.assertEqual(len(self.records(self.a2)), before[self.a2] + 1, verb)
			self.assertEqual(len(self.records(self.b1)), before[self.b1], verb)  # another site's
		frappe.db.rollback()
		total = frappe.db.count("Disclosure Record")
		response = self.call(
			self.net.coordinator_a,
			"post",
			"frappe.desk.reportview.export_query",
			doctype="Student",
			fields=json.dumps(["`tabStudent`.`name`"]),
			filters=json.dumps([["Student", "last_name", "=", "Nobody-by-this-name"]]),
			file_format_type="CSV",
			title="Student",
		)
		self.assertEqual(response.status_code, 200)
		frappe.db.rollback()
		self.assertEqual(frappe.db.count("Disclosure Record"), total)

	# ------------------------------------------------------------------ refused: 403, nothing written

	def test_the_old_data_export_and_import_templates_with_records_are_refused(self):
		frappe.db.rollback()
		logs, records = frappe.db.count("Access Log"), frappe.db.count("Disclosure Record")
		for verb in ("get", "post"):
			self.assertRefused(
				self.call(
					self.net.coordinator_a,
					verb,
					"frappe.core.doctype.data_export.exporter.export_data",
					doctype="Student",
					select_columns=json.dumps({"Student": ["name", "first_name", "date_of_birth"]}),
					file_type="CSV",
					with_data=1,
					all_doc=1,
				)
			)
			self.assertRefused(
				self.call(
					self.net.coordinator_a,
					verb,
					"frappe.core.doctype.data_import.data_import.download_template",
					doctype="Student",
					export_fields=json.dumps({"Student": ["name", "first_name"]}),
					export_records="all",
					file_type="CSV",
				)
			)
		frappe.db.rollback()
		self.assertEqual((frappe.db.count("Access Log"), frappe.db.count("Disclosure Record")), (logs, records))
		blank = self.call(
			self.net.coordinator_a,
			"post",
			"frappe.core.doctype.data_import.data_import.download_template",
			doctype="Student",
			export_fields=json.dumps({"Student": ["first_name"]}),
			export_records="blank_template",
			file_type="CSV",
		)
		self.assertEqual(blank.status_code, 200)
		self.assertNotIn("Wren", blank.get_data(as_text=True))

	def test_the_print_format_builder_pdf_and_raw_printing_are_refused(self):
		for method in (
			"frappe.utils.weasyprint.download_pdf",
			"frappe.printing.doctype.print_format.print_format.download_pdf",
		):
			self.assertRefused(
				self.call(self.net.coordinator_a, "get", method, doctype="Student", name=self.a1, print_format="Standard")
			)
		self.assertRefused(
			self.call(
				self.net.coordinator_a,
				"post",
				"frappe.www.printview.get_rendered_raw_commands",
				doc=json.dumps({"doctype": "Student", "name": self.a1}),
			)
		)

	def test_a_method_on_no_list_is_refused_when_it_is_about_students(self):
		method = f"{__name__}.unlisted_student_export"
		response = self.call(self.net.coordinator_a, "get", method, doctype="Student")
		self.assertRefused(response, "is not cleared to handle student records")
		self.assertNotIn("STU", response.get_data(as_text=True))
		other = self.call(self.net.coordinator_a, "get", method, doctype="Country")
		self.assertEqual(other.status_code, 200)

	def test_a_file_of_students_from_a_method_that_does_not_record_is_stopped(self):
		response = self.call(self.net.coordinator_a, "get", f"{__name__}.unlisted_file_of_students")
		self.assertEqual(response.status_code, 403)
		self.assertNotIn(self.a1, response.get_data(as_text=True))
		self.assertIn("without recording the disclosure", response.get_data(as_text=True))

	# ------------------------------------------------------------------ a student's file

	def test_a_students_private_file_is_recorded_as_it_is_downloaded(self):
		frappe.set_user("Administrator")
		consent = make_consent(self.a2, school_year=make_school_year())
		file = frappe.get_doc(
			{
				"doctype": "File",
				"file_name": "waysout-consent.txt",
				"content": b"synthetic consent form",
				"is_private": 1,
				"attached_to_doctype": "Student Consent",
				"attached_to_name": consent.name,
			}
		).insert(ignore_permissions=True)
		frappe.db.commit()
		before = len(self.records(self.a2))
		response = http("get", file.file_url, self.tokens[self.net.coordinator_a])
		self.assertEqual(response.status_code, 200)
		rows = self.records(self.a2)
		self.assertEqual(len(rows), before + 1)
		self.assertTrue(rows[-1].what.startswith("File download"))
		refused = http("get", file.file_url, self.tokens[self.net.coordinator_b])
		self.assertNotEqual(refused.status_code, 200)
		self.assertEqual(len(self.records(self.a2)), before + 1)

	# ------------------------------------------------------------------ email

	def email(self, recipients: str, student: str):
		return self.call(
			self.net.coordinator_a,
			"post",
			"frappe.core.doctype.communication.email.make",
			doctype="Student",
			name=student,
			recipients=recipients,
			subject="Synthetic",
			content="Synthetic message",
			send_email=1,
			print_format="Standard",
			attach_document_print=1,
		)

	def queued(self, student: str) -> int:
		frappe.db.rollback()
		return frappe.db.count("Email Queue", {"reference_name": student}) + frappe.db.count(
			"Communication", {"reference_name": student}
		)

	def test_an_email_of_a_student_to_an_outsider_is_refused_and_nothing_is_written(self):
		for recipients in ("someone@outside.example", OUTSIDER, self.net.coordinator_b, f"{self.net.coordinator_a}, someone@outside.example"):
			before_queue, before_records = self.queued(self.a2), len(self.records(self.a2))
			response = self.email(recipients, self.a2)
			self.assertEqual(response.status_code, 403, recipients)
			self.assertIn("cannot go to", response.get_data(as_text=True))
			self.assertEqual(self.queued(self.a2), before_queue, recipients)
			self.assertEqual(len(self.records(self.a2)), before_records, recipients)

	def test_an_email_to_the_sites_own_staff_is_sent_and_recorded(self):
		before = len(self.records(self.a2))
		response = self.email(self.net.coordinator_a, self.a2)
		self.assertEqual(response.status_code, 200, response.get_data(as_text=True)[:500])
		rows = self.records(self.a2)
		self.assertEqual(len(rows), before + 1)
		self.assertEqual((rows[-1].recipient_type, rows[-1].recipient_user), ("User", self.net.coordinator_a))
		self.assertEqual(rows[-1].legal_basis, "School Official")

	def test_an_email_to_a_partners_contact_under_a_valid_consent_is_sent_and_recorded(self):
		before = len(self.records(self.a1))
		response = self.email(PARTNER_EMAIL, self.a1)
		self.assertEqual(response.status_code, 200, response.get_data(as_text=True)[:500])
		rows = self.records(self.a1)
		self.assertEqual(len(rows), before + 1)
		self.assertEqual(
			(rows[-1].recipient_type, rows[-1].partner, rows[-1].recipient_name, rows[-1].consent, rows[-1].legal_basis),
			("Partner", self.partner, PARTNER_EMAIL, self.consent, "Consent"),
		)
		# the same contact, about a student whose family gave no consent: refused
		self.assertEqual(self.email(PARTNER_EMAIL, self.a2).status_code, 403)

	# ------------------------------------------------------------------ mentions, follows, shares

	def mention(self, user: str, student: str):
		return self.call(
			self.net.coordinator_a,
			"post",
			"frappe.desk.form.utils.add_comment",
			reference_doctype="Student",
			reference_name=student,
			content=f'<p><span class="mention" data-id="{user}" data-value="{user}">@{user}</span> synthetic</p>',
			comment_email=self.net.coordinator_a,
			comment_by="Coordinator A",
		)

	def test_a_mention_of_someone_who_may_not_read_the_student_is_refused(self):
		for user in (self.net.coordinator_b, self.net.evaluator, self.net.partner_manager):
			frappe.db.rollback()
			comments = frappe.db.count("Comment", {"reference_name": self.a1})
			response = self.mention(user, self.a1)
			self.assertEqual(response.status_code, 403, user)
			frappe.db.rollback()
			self.assertEqual(frappe.db.count("Comment", {"reference_name": self.a1}), comments, user)

	def test_a_mention_of_the_sites_staff_is_kept_and_recorded(self):
		before = len(self.records(self.a1))
		response = self.mention(self.net.program_manager, self.a1)
		self.assertEqual(response.status_code, 200, response.get_data(as_text=True)[:500])
		rows = self.records(self.a1)
		self.assertEqual(len(rows), before + 1)
		self.assertEqual(rows[-1].recipient_user, self.net.program_manager)

	def test_nobody_is_signed_up_to_follow_a_student_they_may_not_read(self):
		response = self.call(
			self.net.coordinator_a,
			"post",
			"frappe.desk.form.document_follow.follow_document",
			doctype="Student",
			doc_name=self.a1,
			user=self.net.coordinator_b,
		)
		self.assertEqual(response.status_code, 403)
		frappe.db.rollback()
		self.assertFalse(frappe.db.exists("Document Follow", {"ref_docname": self.a1, "user": self.net.coordinator_b}))
		mine = self.call(
			self.net.coordinator_a,
			"post",
			"frappe.desk.form.document_follow.follow_document",
			doctype="Student",
			doc_name=self.a1,
			user=self.net.coordinator_a,
		)
		self.assertEqual(mine.status_code, 200)
		frappe.db.rollback()
		self.assertTrue(frappe.db.exists("Document Follow", {"ref_docname": self.a1, "user": self.net.coordinator_a}))

	def test_a_student_is_never_shared_with_a_website_user(self):
		volunteer = make_user("cis-waysout-website@example.com")
		frappe.db.set_value("User", volunteer, "user_type", "Website User")
		frappe.db.commit()
		response = self.call(
			self.net.coordinator_a, "post", "frappe.share.add", doctype="Student", name=self.a1, user=volunteer, read=1
		)
		self.assertEqual(response.status_code, 403)
		frappe.db.rollback()
		self.assertFalse(frappe.db.exists("DocShare", {"share_name": self.a1, "user": volunteer}))
