# Copyright (c) 2026, cis_app contributors and contributors
# For license information, please see license.txt
"""CIS Impact over a small synthetic affiliate whose figures are worked out by hand.

Two past school years (so no test leans on today's date): the year before and the year of the plans.
Every student is enrolled 100 days in each year; attendance = 100 - days absent.

- 6 served students at site A: 80% the year before, 90% this year (change +10).
- 8 comparison students at site A alike on the year before: 80%, then 85% (change +5).
- 4 comparison students at site A unlike them: 98%, then 98% (change 0).
- 1 served student at site A with no figure the year before: left out (no baseline).
- 1 student at site A served the year before only: 80%, then 40%; not a comparison student.

Matched: each served student's nearest comparison student is one of the eight alike, so the effect is
10 - 5 = 5.0 exactly, and so is every bootstrap resample. Naive: 10 - mean(8 x 5, 4 x 0) = 10 - 10/3.
"""

import frappe
from frappe.desk.query_report import run
from frappe.tests.utils import FrappeTestCase

from cis_app.permissions.scope import clear_scope_cache
from cis_app.tests.factories import (
	TwoSites,
	api_token,
	http,
	make_active_plan,
	make_consent,
	make_data_point,
	make_school_year,
	make_student,
)

REPORT = "CIS Impact"
PREVIOUS = ("2009-2010", "2009-08-01", "2010-07-31")
YEAR = ("2010-2011", "2010-08-01", "2011-07-31")
FIRST = ("2005-2006", "2005-08-01", "2006-07-31")
THRESHOLD = 2


class TestCISImpact(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		cls.net = TwoSites.build()
		# tokens for the requests over HTTP, which run on a connection of their own: committed before any
		# student is made, so this test leaves no student behind (the refusals need none)
		users = (cls.net.coordinator_a, cls.net.program_manager, cls.net.partner_manager, cls.net.admin)
		cls.tokens = {user: api_token(user) for user in users}
		cls.previous = make_school_year(*PREVIOUS)
		cls.year = make_school_year(*YEAR)
		cls.first = make_school_year(*FIRST)
		frappe.db.commit()
		a = cls.net.site_a
		cls.students = []

		def student(grade, absent_before, absent_now, served=False, served_before=False):
			doc = make_student(a, grade_level=grade, last_name="Zzimpact")
			cls.students.append(doc.name)
			if absent_before is not None:
				make_data_point(doc.name, as_of_date="2010-05-20", has_attendance=1, days_enrolled=100, days_absent=absent_before)
			if absent_now is not None:
				make_data_point(doc.name, as_of_date="2011-05-20", has_attendance=1, days_enrolled=100, days_absent=absent_now)
			if served:
				make_consent(doc.name, school_year=cls.year, signed_date="2010-09-01")
				make_active_plan(doc.name, school_year=cls.year)
			if served_before:
				make_consent(doc.name, school_year=cls.previous, signed_date="2009-09-01")
				make_active_plan(doc.name, school_year=cls.previous)
			return doc.name

		for _ in range(6):
			student("4", 20, 10, served=True)
		for _ in range(8):
			student("3", 20, 15)
		for _ in range(4):
			student("5", 2, 2)
		student("4", None, 10, served=True)
		student("4", 20, 60, served_before=True)
		frappe.db.set_single_value("CIS Settings", "small_cell_threshold", THRESHOLD)
		frappe.clear_document_cache("CIS Settings", "CIS Settings")
		clear_scope_cache()

	@classmethod
	def tearDownClass(cls):
		frappe.set_user("Administrator")
		super().tearDownClass()

	def tearDown(self):
		frappe.set_user("Administrator")

	def rows(self, user, **filters):
		frappe.set_user(user)
		filters = {"school_year": self.year, "outcome": "attendance_rate", "method": "matched", **filters}
		result = run(REPORT, filters=filters)
		return {row["method"]: row for row in result["result"]}, result

	def test_the_matched_effect_is_the_difference_of_changes_and_naive_is_shown_beside_it(self):
		rows, result = self.rows(self.net.admin, site=self.net.site_a, suppress_small_cells=0)
		matched, naive = rows["matched"], rows["naive"]
		self.assertEqual((matched["served"], matched["matched"], matched["left_out"]), (6, 6, 1))
		self.assertEqual((matched["effect"], matched["ci_low"], matched["ci_high"]), (5.0, 5.0, 5.0))
		self.assertEqual((matched["served_baseline"], matched["served_outcome"]), (80.0, 90.0))
		self.assertEqual((matched["comparison_baseline"], matched["comparison_outcome"]), (80.0, 85.0))
		# the student served the year before is no comparison (else naive would fall by 40 / 13)
		self.assertEqual(naive["matched"], 12)
		self.assertEqual(naive["effect"], round(10 - 40 / 12, 1))
		self.assertIn("not a randomised trial", result["message"])
		self.assertIn("Before matching", result["message"])
		self.assertEqual(result["chart"]["data"]["datasets"][0]["values"], [80.0, 90.0])

	def test_each_outcome_it_has_no_figure_for_says_so(self):
		rows, result = self.rows(self.net.admin, site=self.net.site_a, suppress_small_cells=0, outcome="suspensions")
		self.assertIsNone(rows["matched"]["effect"])
		self.assertEqual(rows["matched"]["left_out"], 7)  # every served student lacks the figure
		self.assertIn("no estimate", result["message"].lower())

	def test_a_year_without_a_year_before_cannot_be_estimated(self):
		frappe.set_user(self.net.admin)
		result = run(REPORT, filters={"school_year": self.first, "suppress_small_cells": 0})
		self.assertEqual(result["result"], [])
		self.assertIn("no baseline", result["message"])

	def test_the_evaluator_gets_suppressed_figures_for_the_whole_scope_only(self):
		rows, _ = self.rows(self.net.evaluator)
		self.assertEqual(rows["matched"]["effect"], 5.0)  # 6 served, threshold 2: shown
		with self.assertRaises(frappe.PermissionError):
			self.rows(self.net.evaluator, site=self.net.site_a)
		with self.assertRaises(frappe.PermissionError):
			self.rows(self.net.evaluator, grade_from="K", grade_to="12")
		rows, _ = self.rows(self.net.evaluator, affiliate=self.net.affiliate)  # their whole scope
		self.assertEqual(rows["matched"]["effect"], 5.0)
		# an administrator who may read every student narrows with suppression on, too
		rows, _ = self.rows(self.net.admin, site=self.net.site_a)
		self.assertEqual(rows["matched"]["served"], 6)
		frappe.set_user("Administrator")
		frappe.db.set_single_value("CIS Settings", "small_cell_threshold", 10)
		frappe.clear_document_cache("CIS Settings", "CIS Settings")
		try:
			rows, _ = self.rows(self.net.evaluator, suppress_small_cells=0)  # cannot turn it off
			self.assertEqual(rows["matched"]["suppressed"], 1)
			self.assertIsNone(rows["matched"]["effect"])
			self.assertIsNone(rows["matched"]["served"])
		finally:
			frappe.set_user("Administrator")
			frappe.db.set_single_value("CIS Settings", "small_cell_threshold", THRESHOLD)
			frappe.clear_document_cache("CIS Settings", "CIS Settings")

	def test_coordinators_and_program_managers_are_refused_over_http(self):
		path = "/api/method/frappe.desk.query_report.run"
		for user in (self.net.coordinator_a, self.net.program_manager, self.net.partner_manager):
			response = http(
				"post", path, self.tokens[user], json={"report_name": REPORT, "filters": {"school_year": self.year}}
			)
			self.assertEqual(response.status_code, 403, user)
			self.assertNotIn("Zzimpact", response.get_data(as_text=True))
		response = http(
			"post", path, self.tokens[self.net.admin], json={"report_name": REPORT, "filters": {"school_year": self.year}}
		)
		self.assertEqual(response.status_code, 200, response.get_data(as_text=True)[:500])

	def test_bad_filters_are_named(self):
		for filters, text in (
			({"outcome": "gpa"}, "Outcome must be one of"),
			({"method": "guess"}, "matched or naive"),
			({"school_year": "1900-1901"}, "names no School Year: 1900-1901"),
		):
			frappe.set_user(self.net.admin)
			with self.assertRaises(frappe.ValidationError) as caught:
				run(REPORT, filters={"school_year": self.year, **filters})
			self.assertIn(text, str(caught.exception))

	def test_the_outcomes_workspace_shows_this_estimate_to_the_reports_roles_only(self):
		"""The Outcomes workspace's impact card and chart (``outcomes_dashboard``) are CIS Impact's own
		figures for the current school year, default filters; refused to whoever may not run CIS Impact,
		as a function and over HTTP, and the card itself is hidden from them."""
		from unittest import mock

		from cis_app.cis_case_management import outcomes_dashboard

		def fresh():
			frappe.cache.delete_keys("cis-outcomes-dashboard:")

		with mock.patch.object(outcomes_dashboard, "get_current_school_year", return_value=self.year):
			for user in (self.net.admin, self.net.evaluator):
				fresh()
				frappe.set_user(user)
				card = outcomes_dashboard.impact()
				self.assertEqual((card["value"], card["route"]), (5.0, ["query-report", REPORT]), user)
				chart = outcomes_dashboard.chart(filters={"view": "impact"})
				self.assertEqual(chart["datasets"][0]["values"], [80.0, 90.0])
				self.assertEqual(chart["datasets"][1]["values"], [80.0, 85.0])
			# suppressed for the Evaluator below the threshold: a word, no figure
			frappe.set_user("Administrator")
			frappe.db.set_single_value("CIS Settings", "small_cell_threshold", 10)
			frappe.clear_document_cache("CIS Settings", "CIS Settings")
			try:
				fresh()
				frappe.set_user(self.net.evaluator)
				self.assertEqual(outcomes_dashboard.impact(), "Suppressed")
				self.assertEqual(outcomes_dashboard.chart(filters={"view": "impact"}), {})
			finally:
				frappe.set_user("Administrator")
				frappe.db.set_single_value("CIS Settings", "small_cell_threshold", THRESHOLD)
				frappe.clear_document_cache("CIS Settings", "CIS Settings")
			for user in (self.net.coordinator_a, self.net.program_manager, self.net.partner_manager):
				fresh()
				frappe.set_user(user)
				with self.assertRaises(frappe.PermissionError):
					outcomes_dashboard.impact()
				with self.assertRaises(frappe.PermissionError):
					outcomes_dashboard.chart(filters={"view": "impact"})
				card = frappe.get_doc("Number Card", outcomes_dashboard.IMPACT_CARD)
				self.assertFalse(frappe.has_permission("Number Card", doc=card, user=user), user)
			frappe.set_user(self.net.evaluator)
			card = frappe.get_doc("Number Card", outcomes_dashboard.IMPACT_CARD)
			self.assertTrue(frappe.has_permission("Number Card", doc=card))
		frappe.set_user("Administrator")
		fresh()
		for user in (self.net.coordinator_a, self.net.program_manager, self.net.partner_manager):
			for method, args in (
				("impact", {}),
				("chart", {"filters": {"view": "impact"}}),
			):
				response = http(
					"post", f"/api/method/cis_app.cis_case_management.outcomes_dashboard.{method}", self.tokens[user], json=args
				)
				self.assertEqual(response.status_code, 403, (user, method))
			response = http(
				"get", f"/api/resource/Number Card/{outcomes_dashboard.IMPACT_CARD}", self.tokens[user]
			)
			self.assertEqual(response.status_code, 403, user)
		# the headline cards are CIS Outcomes', whose roles a Partner Manager does not hold
		response = http(
			"post",
			"/api/method/cis_app.cis_case_management.outcomes_dashboard.headline",
			self.tokens[self.net.partner_manager],
			json={"filters": {"metric": "promoted"}},
		)
		self.assertEqual(response.status_code, 403)
