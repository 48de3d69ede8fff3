# Copyright (c) 2026, cis_app contributors and contributors
# For license information, please see license.txt
"""The Outcome Export and the report's network mode over HTTP (the WSGI app, token auth): the
affiliate's CIS Administrator downloads the file; a coordinator of another site, a program manager, a
Partner Manager, an Evaluator and a website-only volunteer are refused.

The requests run in another thread with their own database connection, so this test commits its
records and deletes them afterwards.
"""

import frappe
from frappe.tests.utils import FrappeTestCase

from cis_app.core.network_rollup import parse_export, validate_export
from cis_app.tests.factories import (
	TwoSites,
	api_token,
	http,
	make_active_plan,
	make_consent,
	make_school_year,
	make_student,
	make_volunteer,
)

EXPORT = "/api/method/cis_app.cis_network.outcome_export.download_outcome_export"
YEAR = ("2008-2009", "2008-08-01", "2009-07-31")
LAST_NAME = "Exportrestcheck"


class TestOutcomeExportRest(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		cls.net = TwoSites.build()
		cls.year = make_school_year(*YEAR)
		cls.student = make_student(cls.net.site_a, last_name=LAST_NAME).name
		make_consent(cls.student, school_year=cls.year, signed_date="2008-09-01")
		cls.plan = make_active_plan(cls.student, school_year=cls.year).name
		cls.volunteer = make_volunteer("cis-export-vol@example.com", [cls.net.site_a]).user
		cls.users = (
			cls.net.admin,
			cls.net.coordinator_a,
			cls.net.coordinator_b,
			cls.net.program_manager,
			cls.net.partner_manager,
			cls.net.evaluator,
			cls.volunteer,
		)
		cls.tokens = {user: api_token(user) for user in cls.users}
		frappe.db.commit()  # nosemgrep: the WSGI thread reads through its own connection

	@classmethod
	def tearDownClass(cls):
		frappe.set_user("Administrator")
		frappe.delete_doc("Support Plan", cls.plan, force=True, ignore_permissions=True)
		for consent in frappe.get_all("Student Consent", filters={"student": cls.student}, pluck="name"):
			frappe.delete_doc("Student Consent", consent, force=True, ignore_permissions=True)
		frappe.delete_doc("Student", cls.student, force=True, ignore_permissions=True)
		frappe.db.commit()  # nosemgrep
		super().tearDownClass()

	def download(self, user: str, file_format: str = "json"):
		return http(
			"post",
			EXPORT,
			self.tokens[user],
			data={"school_year": self.year, "affiliate": self.net.affiliate, "file_format": file_format},
		)

	def test_the_affiliates_administrator_downloads_the_export(self):
		for file_format, mimetype in (("json", "application/json"), ("csv", "text/csv")):
			response = self.download(self.net.admin, file_format)
			self.assertEqual(response.status_code, 200)
			self.assertIn(mimetype, response.headers["Content-Type"])
			self.assertIn(
				f"filename=outcome-export-test-affiliate-2008-2009.{file_format}",
				response.headers["Content-Disposition"],
			)
			body = response.get_data()
			export = validate_export(parse_export(body))
			self.assertEqual(export["school_year"], self.year)
			# one student: every cell suppressed, whoever asks
			self.assertEqual({row["suppressed"] for row in export["rows"]}, {1})
			self.assertNotIn(LAST_NAME.encode(), body)
			self.assertNotIn(self.student.encode(), body)

	def test_everyone_else_is_refused(self):
		for user in self.users[1:]:
			for file_format in ("json", "csv"):
				response = self.download(user, file_format)
				self.assertEqual(response.status_code, 403, user)
				self.assertNotIn("cis-outcome-export", response.get_data(as_text=True))
		response = http(
			"post",
			"/api/method/cis_app.cis_network.outcome_export.check_outcome_export",
			self.tokens[self.net.partner_manager],
			data={"school_year": self.year},
		)
		self.assertEqual(response.status_code, 403)

	def test_network_mode_over_http(self):
		def network(user):
			return http(
				"post",
				"/api/method/frappe.desk.query_report.run",
				self.tokens[user],
				json={
					"report_name": "CIS Outcomes",
					"filters": {"school_year": self.year, "network_mode": 1, "group_by": "Affiliate"},
				},
			)

		for user in (self.net.evaluator, self.net.admin):
			response = network(user)
			self.assertEqual(response.status_code, 200, user)
			self.assertIn("Network mode", response.json["message"]["message"])
		for user in (
			self.net.coordinator_b,
			self.net.program_manager,
			self.net.partner_manager,
			self.volunteer,
		):
			self.assertEqual(network(user).status_code, 403, user)
