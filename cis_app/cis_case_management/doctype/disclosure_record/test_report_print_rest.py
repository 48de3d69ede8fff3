# Copyright (c) 2026, cis_app contributors and contributors
# For license information, please see license.txt
"""Over HTTP, through Frappe's WSGI application: a report's PDF (``frappe.utils.print_format.report_to_pdf``,
the query report's Menu > PDF) carries only rendered HTML, so a PDF of student rows is refused with
nothing written (Export records the disclosure instead), a PDF from an unknown page is refused to school
staff, and aggregate reports still print.

The requests run in another thread with their own database connection, so this test commits its
records and deletes them afterwards.
"""

import json

import frappe
from frappe.tests.utils import FrappeTestCase

from cis_app.permissions.scope import clear_scope_cache
from cis_app.tests.factories import TwoSites, api_token, http, make_student, make_volunteer

LAST_NAME = "Zzreportprint"
VOLUNTEER = "cis-report-print-volunteer@example.com"
PATH = "/api/method/frappe.utils.print_format.report_to_pdf"
HTML = "<html><body><h1>Synthetic report</h1><table><tr><td>1</td></tr></table></body></html>"
DESK = "http://t8.localhost:8000/app/"
STUDENT_ROWS = "This report lists students, and a PDF of it could not record which students were disclosed."
UNKNOWN_PAGE = "This PDF cannot be made: the request does not say which report it is of"
USE_EXPORT = "Menu > Export instead, which records the disclosure."


class TestReportPrintOverHTTP(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		cls.net = TwoSites.build()
		cls.volunteer = make_volunteer(VOLUNTEER, [cls.net.site_a]).user
		cls.a1 = make_student(cls.net.site_a, first_name="Rina", last_name=LAST_NAME).name
		cls.b1 = make_student(cls.net.site_b, first_name="Omar", last_name=LAST_NAME).name
		cls.tokens = {
			user: api_token(user)
			for user in (
				cls.net.coordinator_a,
				cls.net.coordinator_b,
				cls.net.coordinator_none,
				cls.net.partner_manager,
				cls.net.evaluator,
				cls.volunteer,
				"Administrator",
			)
		}
		frappe.db.commit()
		clear_scope_cache()

	@classmethod
	def tearDownClass(cls):
		frappe.set_user("Administrator")
		students = [cls.a1, cls.b1]
		frappe.db.delete("Disclosure Record", {"student": ["in", students]})
		for student in students:
			frappe.db.delete("Comment", {"reference_name": student})
			frappe.db.delete("Version", {"docname": student})
			frappe.delete_doc("Student", student, ignore_permissions=True, force=True)
		frappe.db.commit()
		super().tearDownClass()

	# ------------------------------------------------------------------ helpers

	def print_pdf(self, user: str, referer: str | None):
		environ = {"HTTP_REFERER": referer} if referer else {}
		return http(
			"post",
			PATH,
			self.tokens[user],
			data={"html": HTML, "orientation": "Portrait"},
			environ_base=environ,
		)

	def written(self, user: str) -> tuple[int, int]:
		"""(Disclosure Records, PDF Access Logs) of ``user`` (another connection wrote them)."""
		frappe.db.rollback()
		return (
			frappe.db.count("Disclosure Record", {"disclosed_by": user}),
			frappe.db.count("Access Log", {"user": user, "method": "PDF", "file_type": "PDF"}),
		)

	def assertRefused(self, user: str, referer: str | None, message: str = STUDENT_ROWS):
		before = self.written(user)
		response = self.print_pdf(user, referer)
		self.assertEqual(response.status_code, 403, response.get_data()[:500])
		body = response.get_json()
		self.assertEqual(body["exc_type"], "ReportPrintRefused")
		messages = [json.loads(entry)["message"] for entry in json.loads(body["_server_messages"])]
		self.assertEqual(len(messages), 1, messages)
		self.assertIn(message, messages[0])
		self.assertIn(USE_EXPORT, messages[0])
		self.assertNotEqual(response.headers.get("Content-Type"), "application/pdf")
		self.assertEqual(self.written(user), before)

	def assertPrinted(self, user: str, referer: str | None):
		before_records, before_logs = self.written(user)
		response = self.print_pdf(user, referer)
		self.assertEqual(response.status_code, 200, response.get_data()[:500])
		self.assertEqual(response.headers.get("Content-Type"), "application/pdf")
		self.assertTrue(response.get_data().startswith(b"%PDF-"))
		records, logs = self.written(user)
		# Frappe's own report_to_pdf ran: its Access Log, and no disclosure record (nothing student-level)
		self.assertEqual(records, before_records)
		self.assertEqual(logs, before_logs + 1)

	# ------------------------------------------------------------------ student rows: refused

	def test_the_student_report_view_is_refused(self):
		self.assertRefused(self.net.coordinator_a, DESK + "student/view/report?site=_Test%20Site%20A")
		self.assertRefused(self.net.coordinator_a, DESK + "student")
		self.assertRefused(self.net.coordinator_a, DESK + "support-plan/view/report")
		self.assertRefused(self.net.coordinator_a, DESK + "student-check-in")
		# a group session names its attendees
		self.assertRefused(self.net.coordinator_a, DESK + "group-session/view/report")
		self.assertRefused(self.net.coordinator_a, DESK + "print/Student/" + self.a1)
		# a child table of the student (no desk page of its own, but named by a page's route)
		self.assertRefused(self.net.coordinator_a, DESK + "student-guardian")

	def test_the_student_report_view_is_refused_to_every_role(self):
		for user in (
			self.net.coordinator_b,
			self.net.partner_manager,
			self.net.evaluator,
			self.volunteer,
			"Administrator",
		):
			with self.subTest(user=user):
				self.assertRefused(user, DESK + "student/view/report")

	def test_the_caseload_report_is_refused(self):
		self.assertRefused(self.net.coordinator_a, DESK + "query-report/Caseload")
		self.assertRefused(self.net.coordinator_a, DESK + "query-report/Caseload?site=_Test%20Site%20A")
		self.assertRefused(self.net.coordinator_b, DESK + "query-report/Caseload")
		self.assertRefused("Administrator", DESK + "query-report/Caseload")

	def test_a_report_that_cannot_run_again_counts_as_student_level(self):
		# a Partner Manager may not run the Caseload: what it printed cannot be told, so it is refused
		self.assertRefused(self.net.partner_manager, DESK + "query-report/Caseload")
		self.assertRefused(self.net.evaluator, DESK + "query-report/Caseload")

	# ------------------------------------------------------------------ unknown page: refused to staff

	def test_no_referer_is_refused_to_school_staff(self):
		for user in (
			self.net.coordinator_a,
			self.net.partner_manager,
			self.net.evaluator,
			"Administrator",
		):
			with self.subTest(user=user):
				self.assertRefused(user, None, UNKNOWN_PAGE)

	def test_a_page_that_is_no_report_is_refused_to_school_staff(self):
		self.assertRefused(self.net.coordinator_a, DESK + "no-such-page", UNKNOWN_PAGE)
		self.assertRefused(self.net.coordinator_a, DESK + "query-report/No%20Such%20Report", UNKNOWN_PAGE)
		self.assertRefused(self.net.coordinator_a, "http://t8.localhost:8000/me", UNKNOWN_PAGE)

	def test_a_website_user_without_a_desk_page_gets_frappes_own_behaviour(self):
		# a volunteer reads no student row; the PDF holds only the HTML they sent
		self.assertPrinted(self.volunteer, None)

	# ------------------------------------------------------------------ aggregates: printed

	def test_aggregate_reports_print(self):
		self.assertPrinted(self.net.coordinator_a, DESK + "query-report/CIS%20Outcomes?school_year=2025-2026")
		self.assertPrinted(self.net.coordinator_a, DESK + "query-report/Volunteer%20Hours%20Summary")
		self.assertPrinted(self.net.coordinator_a, DESK + "query-report/Affiliate%20Annual%20Summary")
		self.assertPrinted(self.net.partner_manager, DESK + "query-report/Partner%20Contributions")
		self.assertPrinted(self.net.evaluator, DESK + "query-report/CIS%20Outcomes")

	def test_a_caseload_is_refused_even_when_it_shows_no_student(self):
		# a report whose columns name students is student-level, whatever the rows the page showed
		self.assertRefused(self.net.coordinator_none, DESK + "query-report/Caseload")
		self.assertRefused(self.net.coordinator_a, DESK + "query-report/Caseload?show=Case-managed")

	def test_pages_that_are_not_student_level_print(self):
		self.assertPrinted(self.net.coordinator_a, DESK + "site/view/report")
		self.assertPrinted(self.net.partner_manager, DESK + "partner/view/report")

	def test_the_administrator_prints_a_report_that_is_not_scoped(self):
		self.assertPrinted("Administrator", DESK + "query-report/CIS%20Outcomes")
		self.assertPrinted("Administrator", DESK + "query-report/Volunteer%20Hours%20Summary")
