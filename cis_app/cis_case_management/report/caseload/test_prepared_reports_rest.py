# Copyright (c) 2026, cis_app contributors and contributors
# For license information, please see license.txt
"""Prepared reports and report filters over HTTP (token auth), as each coordinator would send them.

The requests run in another thread with their own database connection, so this test commits its
records and deletes them afterwards. It turns the Caseload's prepared-report switch on where a test
needs it (as Frappe's timer or an administrator would) and always turns it off again.
"""

import json
import threading
from unittest.mock import patch

import frappe
from frappe.core.doctype.prepared_report.prepared_report import (
	generate_report,
	process_filters_for_prepared_report,
)
from frappe.tests.utils import FrappeTestCase

from cis_app.cis_case_management.reporting import APP_REPORTS
from cis_app.tests.factories import TwoSites, api_token, http, make_student, school_year_covering

RUN = "/api/method/frappe.desk.query_report.run"
MAKE = "/api/method/frappe.core.doctype.prepared_report.prepared_report.make_prepared_report"
DOWNLOAD = "/api/method/frappe.core.doctype.prepared_report.prepared_report.download_attachment"


def set_prepared(report: str, value: int) -> None:
	frappe.db.set_value("Report", report, "prepared_report", value)
	frappe.db.commit()  # nosemgrep: the WSGI thread reads through its own connection


def wait_for_prepared_report_timers() -> None:
	"""Wait for Frappe's prepared-report timers still running (15 s each) to fire: a timer a report
	left running switches the report to prepared when it fires."""
	for thread in threading.enumerate():
		if isinstance(thread, threading.Timer) and (getattr(thread, "kwargs", None) or {}).get("report"):
			thread.join(timeout=30)
	frappe.db.rollback()  # read what the timers committed


class TestPreparedReportsRest(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		cls.net = TwoSites.build()
		cls.year = school_year_covering()
		cls.mine = make_student(cls.net.site_a, last_name="Preparedtest").name
		cls.theirs = make_student(cls.net.site_b, last_name="Preparedtest").name
		cls.token_a = api_token(cls.net.coordinator_a)
		cls.token_b = api_token(cls.net.coordinator_b)
		cls.admin_token = api_token("Administrator")
		cls.prepared = []
		frappe.db.commit()  # nosemgrep

	@classmethod
	def tearDownClass(cls):
		frappe.set_user("Administrator")
		set_prepared("Caseload", 0)
		for name in cls.prepared + frappe.get_all(
			"Prepared Report",
			filters={"owner": ["in", [cls.net.coordinator_a, cls.net.coordinator_b]]},
			pluck="name",
		):
			if frappe.db.exists("Prepared Report", name):
				frappe.delete_doc("Prepared Report", name, force=True, ignore_permissions=True)
		for student in (cls.mine, cls.theirs):
			frappe.delete_doc("Student", student, force=True, ignore_permissions=True)
		frappe.db.commit()  # nosemgrep
		super().tearDownClass()

	def tearDown(self):
		frappe.set_user("Administrator")
		for report in APP_REPORTS:
			if frappe.db.get_value("Report", report, "prepared_report"):
				set_prepared(report, 0)

	def prepare_as(self, user: str, report: str, filters: dict) -> str:
		"""A completed Prepared Report of ``report`` made by ``user`` (generated here, not by a worker)."""
		frappe.set_user(user)
		with patch("frappe.core.doctype.prepared_report.prepared_report.enqueue"):
			doc = frappe.get_doc(
				{
					"doctype": "Prepared Report",
					"report_name": report,
					"filters": process_filters_for_prepared_report(filters),
				}
			).insert(ignore_permissions=True)
		self.prepared.append(doc.name)
		generate_report(doc.name)
		frappe.set_user("Administrator")
		frappe.db.commit()  # nosemgrep
		self.assertEqual(frappe.db.get_value("Prepared Report", doc.name, "status"), "Completed")
		return doc.name

	def test_another_users_prepared_report_is_refused(self):
		filters = {"site": self.net.site_a, "school_year": self.year, "show": "All students"}
		# coordinator A's Caseload, prepared while the report's switch was on
		set_prepared("Caseload", 1)
		theirs = self.prepare_as(self.net.coordinator_a, "Caseload", filters)
		file_url = frappe.db.get_value(
			"File", {"attached_to_doctype": "Prepared Report", "attached_to_name": theirs}, "file_url"
		)
		self.assertTrue(file_url)

		answer = http(
			"post",
			RUN,
			self.token_b,
			json={"report_name": "Caseload", "filters": json.dumps({"prepared_report_name": theirs})},
		)
		self.assertEqual(answer.status_code, 403, answer.get_data(as_text=True)[:500])
		self.assertNotIn(self.mine, answer.get_data(as_text=True))
		# nor as somebody else's "user", nor through the document, its download or its file
		answer = http(
			"post",
			RUN,
			self.token_b,
			json={"report_name": "Caseload", "filters": json.dumps(filters), "user": self.net.coordinator_a},
		)
		self.assertEqual(answer.status_code, 403, answer.get_data(as_text=True)[:500])
		self.assertEqual(
			http("get", f"/api/resource/Prepared Report/{theirs}", self.token_b).status_code, 403
		)
		listed = http(
			"get",
			"/api/resource/Prepared Report",
			self.token_b,
			query_string={"filters": json.dumps([["report_name", "=", "Caseload"]])},
		)
		# a coordinator may not list prepared reports at all (no Prepared Report User role): else not theirs
		if listed.status_code == 200:
			self.assertNotIn(theirs, [row["name"] for row in listed.json["data"]])
		else:
			self.assertEqual(listed.status_code, 403)
		self.assertNotEqual(http("get", DOWNLOAD, self.token_b, query_string={"dn": theirs}).status_code, 200)
		self.assertEqual(http("get", file_url, self.token_b).status_code, 403)
		# nor through an export, which reads prepared results in Python, past the run method
		exported = http(
			"post",
			"/api/method/frappe.desk.query_report.export_query",
			self.token_b,
			data={
				"report_name": "Caseload",
				"file_format_type": "CSV",
				"filters": json.dumps({"prepared_report_name": theirs}),
				"visible_idx": "[]",
			},
		)
		self.assertNotIn(self.mine, exported.get_data(as_text=True))
		# coordinator A still reads the Caseload, run directly (a report that lists students)
		answer = http(
			"post",
			RUN,
			self.token_a,
			json={
				"report_name": "Caseload",
				"filters": json.dumps({**filters, "prepared_report_name": theirs}),
			},
		)
		self.assertEqual(answer.status_code, 200, answer.get_data(as_text=True)[:500])
		self.assertFalse(answer.json["message"].get("prepared_report"))
		self.assertIn(self.mine, [row["name"] for row in answer.json["message"]["result"]])

	def test_make_prepared_report_checks_the_reports_roles(self):
		def made(report: str) -> int:
			return frappe.db.count(
				"Prepared Report", {"report_name": report, "owner": self.net.coordinator_a}
			)

		before = made("Record Views")
		answer = http(
			"post",
			MAKE,
			self.token_a,
			json={"report_name": "Record Views", "filters": json.dumps({"site": self.net.site_a})},
		)
		self.assertEqual(answer.status_code, 403, answer.get_data(as_text=True)[:500])
		self.assertEqual(made("Record Views"), before)
		# a report that lists students is never prepared, even for a user who may open it
		before = made("Caseload")
		answer = http(
			"post",
			MAKE,
			self.token_a,
			json={"report_name": "Caseload", "filters": json.dumps({"site": self.net.site_a})},
		)
		self.assertEqual(answer.status_code, 403, answer.get_data(as_text=True)[:500])
		self.assertEqual(made("Caseload"), before)
		# a report that may be prepared: a bad filter is refused before a job is queued
		answer = http(
			"post",
			MAKE,
			self.token_a,
			json={"report_name": "Volunteer Hours Summary", "filters": json.dumps({"site": "No Such Site"})},
		)
		self.assertEqual(answer.status_code, 404, answer.get_data(as_text=True)[:500])
		self.assertIn("Site", answer.get_data(as_text=True))

	def test_a_bad_filter_is_refused_and_leaves_the_report_direct_for_everyone(self):
		self.assertEqual(frappe.db.get_value("Report", "Caseload", "prepared_report"), 0)
		answer = http(
			"post",
			RUN,
			self.token_a,
			json={
				"report_name": "Caseload",
				"filters": json.dumps({"school_year": "No Such Year", "show": "All students"}),
			},
		)
		self.assertIn(answer.status_code, range(400, 500), answer.get_data(as_text=True)[:500])
		self.assertIn("School Year", answer.get_data(as_text=True))
		# Frappe's 15 s timer, if left running, switches the report to prepared: wait it out
		wait_for_prepared_report_timers()
		self.assertEqual(frappe.db.get_value("Report", "Caseload", "prepared_report"), 0)
		answer = http(
			"post",
			RUN,
			self.token_b,
			json={
				"report_name": "Caseload",
				"filters": json.dumps({"school_year": self.year, "show": "All students"}),
			},
		)
		self.assertEqual(answer.status_code, 200, answer.get_data(as_text=True)[:500])
		self.assertFalse(answer.json["message"].get("prepared_report"))
		self.assertIn(self.theirs, [row["name"] for row in answer.json["message"]["result"]])

	def test_every_bad_filter_of_every_app_report_is_a_clear_4xx(self):
		bad = {
			"school_year": ("No Such Year", "School Year"),
			"site": ("No Such Site", "Site"),
			"affiliate": ("No Such Affiliate", "Affiliate"),
			"from_date": ("2026-13-45", "From Date"),
			"to_date": ("yesterday", "To Date"),
		}
		for report in sorted(APP_REPORTS):
			for fieldname, (value, label) in bad.items():
				with self.subTest(report=report, filter=fieldname):
					answer = http(
						"post",
						RUN,
						self.admin_token,
						json={"report_name": report, "filters": json.dumps({fieldname: value})},
					)
					text = answer.get_data(as_text=True)
					self.assertIn(answer.status_code, range(400, 500), text[:500])
					self.assertIn(label, text)
		wait_for_prepared_report_timers()
		self.assertEqual(
			frappe.get_all("Report", filters={"name": ["in", list(APP_REPORTS)], "prepared_report": 1}), []
		)
