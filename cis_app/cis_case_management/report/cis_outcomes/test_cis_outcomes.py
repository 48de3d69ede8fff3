# Copyright (c) 2026, cis_app contributors and contributors
# For license information, please see license.txt
"""CIS Outcomes over a small synthetic affiliate whose figures are worked out by hand below.

The small-cell threshold is set to 2 for these tests, so a cohort of 20 students shows some figures and
suppresses others.

Site A (12 students in the cohort):
- 6 grade 7 Promoted, each with an attendance goal: 4 Met, 1 Decline (but a second plan with a Met
  attendance goal: the student counts once, in the numerator), 1 Decline
- 3 grade 8 Retained, each with an academic goal: 1 Progressing, 2 with no progress yet
- 1 grade 9 Dropped Out, behavior goal Met
- 1 grade 8 Moved (unknown outcome), behavior goal Met (not counted)
- 1 grade 7 without a year-end status, behavior goal Met (not counted)
Site B (8 students):
- 4 grade 12 Graduated with an academic goal: 3 Met, 1 Decline
- 1 grade 12 GED, behavior goal Progressing
- 1 grade 12 Retained
- 1 grade 10 Promoted
- 1 grade 11 Transferred (unknown outcome)
Not in the cohort: a plan never activated (Draft), a plan of another year.
"""

import csv
import io
import json
import threading
from unittest.mock import patch

import frappe
from frappe.desk.query_report import export_query, run
from frappe.tests.utils import FrappeTestCase

from cis_app.permissions.scope import clear_scope_cache
from cis_app.tests.factories import (
	TwoSites,
	make_active_plan,
	make_affiliate,
	make_consent,
	make_school_year,
	make_site,
	make_student,
	make_support_plan,
	make_user,
)

REPORT = "CIS Outcomes"
YEAR = ("2013-2014", "2013-08-01", "2014-07-31")
EMPTY_YEAR = ("2014-2015", "2014-08-01", "2015-07-31")
PREVIOUS_YEAR = ("2012-2013", "2012-08-01", "2013-07-31")
THRESHOLD = 2
OTHER_AFFILIATE = "_Test Outcomes Other Affiliate"
OTHER_SITE = "_Test Outcomes Other Site"

# (numerator, denominator, percent) by metric; counts have no denominator or percent
ALL_SITES = {
	"cohort": (20, None, None),
	"status_missing": (1, None, None),
	"unknown_outcome": (2, None, None),
	"remained_in_school": (16, 17, 94.1),
	"promoted": (7, 11, 63.6),
	"graduated": (5, 6, 83.3),
	"attendance_goals": (5, 6, 83.3),
	"academic_goals": (4, 5, 80.0),
	"behavior_goals": (2, 2, 100.0),
}
SITE_A = {
	"cohort": (12, None, None),
	"status_missing": (1, None, None),
	"unknown_outcome": (1, None, None),
	"remained_in_school": (9, 10, 90.0),
	"promoted": (6, 10, 60.0),
	"graduated": (0, 0, None),
	"attendance_goals": (5, 6, 83.3),
	"academic_goals": (1, 1, 100.0),
	"behavior_goals": (1, 1, 100.0),
}
SITE_B = {
	"cohort": (8, None, None),
	"status_missing": (0, None, None),
	"unknown_outcome": (1, None, None),
	"remained_in_school": (7, 7, 100.0),
	"promoted": (1, 1, 100.0),
	"graduated": (5, 6, 83.3),
	"attendance_goals": (0, 0, None),
	"academic_goals": (3, 4, 75.0),
	"behavior_goals": (1, 1, 100.0),
}
# grades 9 to 12: site A's drop-out and all of site B
GRADES_9_TO_12 = {
	"cohort": (9, None, None),
	"status_missing": (0, None, None),
	"unknown_outcome": (1, None, None),
	"remained_in_school": (7, 8, 87.5),
	"promoted": (1, 2, 50.0),
	"graduated": (5, 6, 83.3),
	"attendance_goals": (0, 0, None),
	"academic_goals": (3, 4, 75.0),
	"behavior_goals": (2, 2, 100.0),
}
# What anyone without access to every student gets at threshold 2 over all sites: counts below 2 and
# rates whose numerator, denominator or complement is below 2 are blank.
SUPPRESSED_ALL_SITES = {
	"cohort": (20, None, None),
	"status_missing": None,
	"unknown_outcome": (2, None, None),
	"remained_in_school": None,
	"promoted": (7, 11, 63.6),
	"graduated": None,
	"attendance_goals": None,
	"academic_goals": None,
	"behavior_goals": None,
}
TARGETS = {
	"remained_in_school": 95.0,
	"promoted": 85.0,
	"graduated": 90.0,
	"attendance_goals": 80.0,
	"academic_goals": 85.0,
	"behavior_goals": 85.0,
}


def goal(area: str, current: float | None = None) -> dict:
	"""Baseline 90, target 95, up: 96 is Met, 93 Progressing, 89 Decline, None no progress yet."""
	row = {"area": area, "metric": "Other", "baseline": 90, "target": 95, "direction": "Up"}
	if current is not None:
		row["current_value"] = current
	return row


def figures(rows, group=None, year=None) -> dict:
	"""{metric: (numerator, denominator, percent)} of the total (or ``group``) rows; None if suppressed."""
	result = {}
	for row in rows:
		if (group is None and not row["is_total"]) or (group is not None and row["group"] != group):
			continue
		if year and row["school_year"] != year:
			continue
		result[row["metric"]] = (
			None if row["suppressed"] else (row["numerator"], row["denominator"], row["percent"])
		)
	return result


class TestCISOutcomes(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.net = TwoSites.build()
		cls.year = make_school_year(*YEAR)
		cls.empty_year = make_school_year(*EMPTY_YEAR)
		cls.previous_year = make_school_year(*PREVIOUS_YEAR)
		make_affiliate(OTHER_AFFILIATE)
		make_site(OTHER_SITE, OTHER_AFFILIATE, district=None)
		frappe.db.set_single_value("CIS Settings", "small_cell_threshold", THRESHOLD)
		for fieldname, metric in [
			("target_remained_in_school", "remained_in_school"),
			("target_promoted", "promoted"),
			("target_graduated", "graduated"),
			("target_attendance_goals", "attendance_goals"),
			("target_academic_goals", "academic_goals"),
			("target_behavior_goals", "behavior_goals"),
		]:
			frappe.db.set_single_value("CIS Settings", fieldname, TARGETS[metric])
		frappe.clear_document_cache("CIS Settings", "CIS Settings")
		cls.people = []  # (name, student_name, district_student_id) of every student made here
		a, b = cls.net.site_a, cls.net.site_b
		# (site, grade, status or None, goals of the first plan)
		cohort = [
			*[(a, "7", "Promoted", [goal("Attendance", 96)]) for _ in range(4)],
			(a, "7", "Promoted", [goal("Attendance", 89)]),  # gets a second plan below
			(a, "7", "Promoted", [goal("Attendance", 89)]),
			(a, "8", "Retained", [goal("Academic", 93)]),
			(a, "8", "Retained", [goal("Academic")]),
			(a, "8", "Retained", [goal("Academic")]),
			(a, "9", "Dropped Out", [goal("Behavior", 96)]),
			(a, "8", "Moved", [goal("Behavior", 96)]),
			(a, "7", None, [goal("Behavior", 96)]),
			*[(b, "12", "Graduated", [goal("Academic", 96)]) for _ in range(3)],
			(b, "12", "Graduated", [goal("Academic", 89)]),
			(b, "12", "GED", [goal("Behavior", 93)]),
			(b, "12", "Retained", []),
			(b, "10", "Promoted", []),
			(b, "11", "Transferred", []),
		]
		students = []
		for number, (site, grade, status, goals) in enumerate(cohort):
			student = cls.student(site, grade, number)
			students.append(student)
			make_consent(student, school_year=cls.year, signed_date="2013-09-01")
			make_active_plan(student, goals, cls.year)
			if status:
				cls.year_end_status(student, cls.year, grade, status)
		make_active_plan(students[4], [goal("Attendance", 96)], cls.year)  # counted once, Met
		draft_only = cls.student(a, "7", 100)
		make_consent(draft_only, school_year=cls.year, signed_date="2013-09-01")
		make_support_plan(draft_only, [goal("Attendance", 96)], cls.year)
		cls.year_end_status(draft_only, cls.year, "7", "Promoted")
		# the previous year: 3 promoted students at site A, all with attendance goals Met
		for number in range(3):
			student = cls.student(a, "6", 200 + number)
			make_consent(student, school_year=cls.previous_year, signed_date="2012-09-01")
			make_active_plan(student, [goal("Attendance", 96)], cls.previous_year)
			cls.year_end_status(student, cls.previous_year, "6", "Promoted")
		clear_scope_cache()

	@classmethod
	def student(cls, site: str, grade: str, number: int) -> str:
		doc = make_student(site, grade_level=grade, first_name=f"Qoutcome{number}", last_name="Zyxstudent")
		cls.people.append((doc.name, doc.student_name, doc.district_student_id))
		return doc.name

	@staticmethod
	def year_end_status(student: str, year: str, grade: str, status: str) -> None:
		frappe.get_doc(
			{
				"doctype": "Student Year-End Status",
				"student": student,
				"school_year": year,
				"grade_level": grade,
				"year_end_status": status,
			}
		).insert(ignore_permissions=True)

	@classmethod
	def tearDownClass(cls):
		super().tearDownClass()  # rolls the settings back; the cached copy must follow
		frappe.clear_document_cache("CIS Settings", "CIS Settings")

	def tearDown(self):
		frappe.set_user("Administrator")
		clear_scope_cache()

	def run_as(self, user: str, **filters) -> dict:
		clear_scope_cache()
		frappe.set_user(user)
		try:
			return run(REPORT, {"school_year": self.year, **filters}, user=user)
		finally:
			frappe.set_user("Administrator")

	def assertNoStudent(self, result) -> None:
		text = json.dumps(result, default=str)
		for identifiers in self.people:
			for value in identifiers:
				self.assertNotIn(value, text)
		self.assertNotIn("Qoutcome", text)
		self.assertNotIn("Zyxstudent", text)

	# ------------------------------------------------------------------ figures computed by hand

	def test_every_figure_of_the_affiliate_unsuppressed(self):
		result = self.run_as("Administrator", suppress_small_cells=0)
		rows = result["result"]
		self.assertEqual(figures(rows), ALL_SITES)
		self.assertEqual(len(rows), 9)
		self.assertEqual({row["suppressed"] for row in rows}, {0})
		self.assertEqual(
			{row["metric"]: row["target"] for row in rows},
			{"cohort": None, "status_missing": None, "unknown_outcome": None, **TARGETS},
		)
		self.assertEqual({row["school_year"] for row in rows}, {self.year})
		self.assertTrue(all(row["metric_label"] for row in rows))
		fieldnames = [column["fieldname"] for column in result["columns"]]
		for fieldname in [
			"metric",
			"metric_label",
			"group",
			"numerator",
			"denominator",
			"percent",
			"target",
			"suppressed",
		]:
			self.assertIn(fieldname, fieldnames)

	def test_grouped_by_site_and_by_grade_range(self):
		rows = self.run_as("Administrator", suppress_small_cells=0, group_by="Site")["result"]
		self.assertEqual(figures(rows), ALL_SITES)
		self.assertEqual(figures(rows, self.net.site_a), SITE_A)
		self.assertEqual(figures(rows, self.net.site_b), SITE_B)
		self.assertEqual(len(rows), 27)
		rows = self.run_as("Administrator", suppress_small_cells=0, grade_from="9", grade_to="12")["result"]
		self.assertEqual(figures(rows), GRADES_9_TO_12)
		rows = self.run_as("Administrator", suppress_small_cells=0, group_by="Grade")["result"]
		self.assertEqual(figures(rows, "12")["graduated"], (5, 6, 83.3))
		self.assertEqual(figures(rows, "7")["status_missing"], (1, None, None))
		self.assertEqual([row["group"] for row in rows if row["metric"] == "cohort"][1:], [
			"7", "8", "9", "10", "11", "12"
		])  # fmt: skip

	def test_chart_summary_and_definitions(self):
		result = self.run_as("Administrator", suppress_small_cells=0)
		chart = result["chart"]
		self.assertEqual(chart["type"], "bar")
		percent, target = chart["data"]["datasets"]
		self.assertEqual(percent["values"], [94.1, 63.6, 83.3, 83.3, 80.0, 100.0])
		self.assertEqual(target["values"], [95.0, 85.0, 90.0, 80.0, 85.0, 85.0])
		summary = {item["label"]: item["value"] for item in result["report_summary"]}
		self.assertEqual(len(summary), 7)  # the cohort and the six rates
		self.assertIn(20, summary.values())
		message = result["message"]
		for metric in ALL_SITES:
			self.assertIn(f"<code>{metric}</code>", message)
		self.assertIn("Small cells are shown", message)

	def test_the_definitions_button_answers_the_reports_roles_only(self):
		from cis_app.cis_case_management.report.cis_outcomes.cis_outcomes import get_definitions

		frappe.set_user(self.net.evaluator)
		definitions = get_definitions()
		for metric in ALL_SITES:
			self.assertIn(f"<code>{metric}</code>", definitions)
		frappe.set_user(self.net.partner_manager)
		with self.assertRaises(frappe.PermissionError):
			get_definitions()

	def test_compare_years(self):
		rows = self.run_as("Administrator", suppress_small_cells=0, compare_years=2)["result"]
		self.assertEqual(figures(rows, year=self.year), ALL_SITES)
		previous = figures(rows, year=self.previous_year)
		self.assertEqual(previous["cohort"], (3, None, None))
		self.assertEqual(previous["promoted"], (3, 3, 100.0))
		self.assertEqual(previous["attendance_goals"], (3, 3, 100.0))
		# each metric across the years, oldest first
		self.assertEqual(
			[(row["metric"], row["school_year"]) for row in rows[:2]],
			[("cohort", self.previous_year), ("cohort", self.year)],
		)

	def test_the_outcomes_workspace_cards_and_charts_are_the_reports_figures(self):
		"""The Outcomes workspace (``outcomes_dashboard``): each headline card is CIS Outcomes' total for the
		year shown, with the report's default filters for the user (suppressed for the Evaluator); the
		charts leave out what is suppressed; a Partner Manager is refused."""
		from unittest import mock

		from cis_app.cis_case_management import outcomes_dashboard
		from cis_app.cis_case_management.report.cis_outcomes.cis_outcomes import metric_labels

		with mock.patch.object(outcomes_dashboard, "outcomes_year", return_value=self.year):
			for user in (self.net.admin, self.net.evaluator):
				frappe.cache.delete_keys("cis-outcomes-dashboard:")
				# the report as the user gets it asking for no suppression: suppressed all the same for
				# the Evaluator, not for an administrator who reads every student behind the figures
				report = {row["metric"]: row for row in self.run_as(user, suppress_small_cells=0)["result"]}
				self.assertEqual(bool(any(r["suppressed"] for r in report.values())), user == self.net.evaluator)
				frappe.set_user(user)
				for metric in outcomes_dashboard.HEADLINES:
					card = outcomes_dashboard.headline(filters={"metric": metric})
					if report[metric]["suppressed"]:
						self.assertEqual(card, "Suppressed", (user, metric))
					else:
						self.assertEqual(card["value"], report[metric]["percent"], (user, metric))
						self.assertEqual(card["route_options"], {"school_year": self.year})
				targets = outcomes_dashboard.chart(filters={"view": "targets"})
				shown = [report[m]["percent"] for m in outcomes_dashboard.HEADLINES if not report[m]["suppressed"]]
				self.assertEqual(targets["datasets"][0]["values"], shown, user)
				frappe.set_user("Administrator")
			frappe.set_user(self.net.admin)
			frappe.cache.delete_keys("cis-outcomes-dashboard:")
			years = outcomes_dashboard.chart(filters={"view": "years"})
			rows = self.run_as(self.net.admin, compare_years=outcomes_dashboard.YEARS_SHOWN, suppress_small_cells=0)["result"]
			frappe.set_user(self.net.admin)
			# the year shown is there, with every figure it has; the year before (3 students) only if
			# none of those is suppressed in it; every value the report's own
			self.assertEqual(years["labels"][-1], self.year)
			by_key = {(row["metric"], row["school_year"]): row for row in rows}
			shown = {metric_labels()[m] for m in outcomes_dashboard.HEADLINES if not by_key[(m, self.year)]["suppressed"]}
			self.assertEqual({d["name"] for d in years["datasets"]}, shown)
			for dataset in years["datasets"]:
				metric = next(m for m, label in metric_labels().items() if label == dataset["name"])
				for year, value in zip(years["labels"], dataset["values"]):
					self.assertFalse(by_key[(metric, year)]["suppressed"])
					self.assertEqual(value, by_key[(metric, year)]["percent"], (metric, year))
			with self.assertRaises(frappe.ValidationError):
				outcomes_dashboard.headline(filters={"metric": "cohort"})
			with self.assertRaises(frappe.ValidationError):
				outcomes_dashboard.chart(filters={"view": "students"})
			frappe.set_user(self.net.partner_manager)
			with self.assertRaises(frappe.PermissionError):
				outcomes_dashboard.headline(filters={"metric": "promoted"})
			with self.assertRaises(frappe.PermissionError):
				outcomes_dashboard.chart(filters={"view": "years"})
		frappe.set_user("Administrator")

	# ------------------------------------------------------------------ suppression and scope

	def test_an_evaluator_gets_suppressed_aggregates_only(self):
		self.assertFalse(frappe.has_permission("Student", "read", user=self.net.evaluator))
		for suppress in (0, 1):
			result = self.run_as(self.net.evaluator, suppress_small_cells=suppress)
			rows = result["result"]
			self.assertEqual(figures(rows), SUPPRESSED_ALL_SITES)
			for row in rows:
				if row["suppressed"]:
					self.assertEqual((row["numerator"], row["denominator"], row["percent"]), (None,) * 3)
			self.assertNoStudent(result)
			# the chart and the summary show only what is not suppressed
			self.assertEqual(result["chart"]["data"]["datasets"][0]["values"], [63.6])
			self.assertEqual(
				sorted(item["value"] for item in result["report_summary"]), [20, 63.6]
			)  # fmt: skip
			self.assertIn("Small cells are suppressed", result["message"])
		# the desk's way of asking (an unticked box arrives as show_small_cells): still suppressed
		self.assertEqual(
			figures(self.run_as(self.net.evaluator, show_small_cells=1)["result"]), SUPPRESSED_ALL_SITES
		)
		grouped = self.run_as(self.net.evaluator, suppress_small_cells=0, group_by="Site")
		self.assertNoStudent(grouped)
		for row in grouped["result"]:
			if not row["suppressed"]:
				numerator, denominator = row["numerator"], row["denominator"]
				self.assertGreaterEqual(numerator, THRESHOLD)
				if denominator is not None:
					self.assertGreaterEqual(denominator - numerator, THRESHOLD)

	def test_an_evaluator_sees_the_sites_of_their_affiliate_only(self):
		grouped = self.run_as(self.net.evaluator, group_by="Site")
		self.assertEqual(figures(grouped["result"], group=self.net.site_a)["cohort"], (12, None, None))
		# their own affiliate is their whole scope: not a narrowing
		whole = self.run_as(self.net.evaluator, affiliate=self.net.affiliate)
		self.assertEqual(figures(whole["result"]), SUPPRESSED_ALL_SITES)
		with self.assertRaises(frappe.PermissionError):
			self.run_as(self.net.evaluator, site=OTHER_SITE)
		with self.assertRaises(frappe.PermissionError):
			self.run_as(self.net.evaluator, affiliate=OTHER_AFFILIATE)

	def test_suppressed_figures_cannot_be_recovered_by_differencing(self):
		"""Grades PK-12 minus K-12 would give PK; a site's figure subtracted from the whole would give
		the other site's. For a viewer whose figures are always suppressed, narrowing is refused."""
		whole = figures(self.run_as(self.net.evaluator)["result"])
		self.assertEqual(whole, SUPPRESSED_ALL_SITES)
		for narrowed in (
			{"grade_from": "K", "grade_to": "12"},
			{"grade_from": "9"},
			{"grade_to": "8"},
			{"site": self.net.site_a},
			{"site": self.net.site_b},
		):
			with self.assertRaises(frappe.PermissionError, msg=narrowed) as caught:
				self.run_as(self.net.evaluator, **narrowed)
			self.assertIn("Group By", str(caught.exception))
		# the full range is no narrowing, nor a district that holds every site the evaluator sees
		self.assertEqual(
			figures(self.run_as(self.net.evaluator, grade_from="PK", grade_to="12")["result"]), whole
		)
		sites_seen = set(frappe.get_all("Site", filters={"affiliate": self.net.affiliate}, pluck="name"))
		in_district = set(frappe.get_all("Site", filters={"school_district": self.net.district}, pluck="name"))
		if in_district == sites_seen:
			self.assertEqual(
				figures(self.run_as(self.net.evaluator, school_district=self.net.district)["result"]), whole
			)
		else:
			with self.assertRaises(frappe.PermissionError):
				self.run_as(self.net.evaluator, school_district=self.net.district)
		# staff who may read every student behind the figures narrow as they like, suppression on or off
		self.run_as("Administrator", grade_from="9", grade_to="12")
		self.run_as(self.net.coordinator_a, site=self.net.site_a)
		self.run_as(self.net.admin, grade_from="K", grade_to="12")

	def test_a_coordinator_can_turn_suppression_off_for_their_own_site(self):
		coordinator = self.net.coordinator_a
		rows = self.run_as(coordinator, suppress_small_cells=0)["result"]
		self.assertEqual(figures(rows), SITE_A)
		rows = self.run_as(coordinator, suppress_small_cells=0, site=self.net.site_a)["result"]
		self.assertEqual(figures(rows), SITE_A)
		# from the desk: the unticked box arrives as show_small_cells
		rows = self.run_as(coordinator, show_small_cells=1, site=self.net.site_a)["result"]
		self.assertEqual(figures(rows), SITE_A)
		rows = self.run_as(coordinator, suppress_small_cells=0, affiliate=self.net.affiliate)["result"]
		self.assertEqual(figures(rows), SITE_A)
		# by default, suppressed like everyone's
		suppressed = figures(self.run_as(coordinator, site=self.net.site_a)["result"])
		self.assertIsNone(suppressed["status_missing"])
		self.assertEqual(suppressed["cohort"], (12, None, None))
		# the program manager of site A too; the CIS Administrator of the affiliate for every site
		rows = self.run_as(self.net.program_manager, suppress_small_cells=0)["result"]
		self.assertEqual(figures(rows), SITE_A)
		rows = self.run_as(self.net.admin, suppress_small_cells=0)["result"]
		self.assertEqual(figures(rows), ALL_SITES)

	def test_a_site_outside_the_users_scope_is_refused(self):
		with self.assertRaises(frappe.PermissionError):
			self.run_as(self.net.coordinator_a, site=self.net.site_b, suppress_small_cells=0)
		with self.assertRaises(frappe.PermissionError):
			self.run_as(self.net.coordinator_a, affiliate=OTHER_AFFILIATE)
		# a coordinator with no site gets an empty report, not another site's figures
		result = self.run_as(self.net.coordinator_none, suppress_small_cells=0)
		self.assertEqual(result["result"], [])

	def test_a_refusal_leaves_the_report_a_plain_script_report(self):
		# Frappe would switch the report to a prepared report 15 s after an error (its timer is
		# cancelled only when the report returns): no such timer may outlive a refusal.
		with self.assertRaises(frappe.PermissionError):
			self.run_as(self.net.coordinator_a, site=self.net.site_b)
		watchers = [
			thread
			for thread in threading.enumerate()
			if isinstance(thread, threading.Timer)
			and (thread.kwargs or {}).get("report") == REPORT
			and not thread.finished.is_set()
		]
		self.assertEqual(watchers, [])
		self.assertEqual(frappe.db.get_value("Report", REPORT, "prepared_report"), 0)

	def test_roles_outside_the_report_are_refused(self):
		with self.assertRaises(frappe.PermissionError):
			self.run_as(self.net.partner_manager)

	def test_an_empty_year_gives_an_empty_report_with_a_message(self):
		result = self.run_as("Administrator", school_year=self.empty_year)
		self.assertEqual(result["result"], [])
		self.assertIn("No student was case-managed", result["message"])
		self.assertIsNone(result["chart"])

	def test_old_data_with_a_status_the_grade_cannot_have_does_not_crash(self):
		year = make_school_year("2015-2016", "2015-08-01", "2016-07-31")
		students = [self.student(self.net.site_a, "10", 300 + number) for number in range(2)]
		for student in students:
			make_consent(student, school_year=year, signed_date="2015-09-01")
			make_active_plan(student, [goal("Attendance", 96)], year)
			self.year_end_status(student, year, "10", "Promoted")
		# entry refuses Graduated in grade 10; old data may hold it
		status = frappe.db.get_value("Student Year-End Status", {"student": students[0]}, "name")
		frappe.db.set_value("Student Year-End Status", status, "year_end_status", "Graduated")
		rows = self.run_as("Administrator", school_year=year, suppress_small_cells=0)["result"]
		result = figures(rows)
		self.assertEqual(result["cohort"], (2, None, None))
		self.assertEqual(result["remained_in_school"], (2, 2, 100.0))
		self.assertEqual(result["promoted"], (1, 1, 100.0))  # the graduate of grade 10 is in neither
		self.assertEqual(result["graduated"], (0, 0, None))

	def test_bad_filters_are_refused_with_a_reason(self):
		with self.assertRaises(frappe.ValidationError):
			self.run_as("Administrator", group_by="Student")
		with self.assertRaises(frappe.ValidationError):
			self.run_as("Administrator", grade_from="12", grade_to="9")
		with self.assertRaises(frappe.ValidationError):
			self.run_as("Administrator", compare_years=99)
		with self.assertRaises(frappe.DoesNotExistError):
			self.run_as("Administrator", school_year="1999-2000")

	def test_targets_are_percentages(self):
		from cis_app.utils.exceptions import OutOfRangeError
		from cis_app.cis_network.settings import get_outcome_targets, get_small_cell_threshold

		self.assertEqual(get_outcome_targets(), TARGETS)
		self.assertEqual(get_small_cell_threshold(), THRESHOLD)
		for value in (120, -1):
			settings = frappe.get_doc("CIS Settings")
			settings.target_promoted = value
			with self.assertRaises(OutOfRangeError):
				settings.save(ignore_permissions=True)

	# ------------------------------------------------------------------ export

	def export_csv(self, user: str, **filters) -> list[dict]:
		clear_scope_cache()
		frappe.set_user(user)
		try:
			frappe.local.form_dict = frappe._dict(
				report_name=REPORT,
				file_format_type="CSV",
				filters=json.dumps({"school_year": self.year, **filters}),
				visible_idx="[]",
			)
			export_query()
			content = frappe.response["filecontent"]
		finally:
			frappe.set_user("Administrator")
			frappe.local.form_dict = frappe._dict()
		text = content.decode() if isinstance(content, bytes) else content
		return list(csv.DictReader(io.StringIO(text)))

	def test_the_export_carries_no_suppressed_figure(self):
		lines = self.export_csv(self.net.admin)  # suppression on by default
		by_metric = {line["Metric Key"]: line for line in lines}
		self.assertEqual(set(by_metric), set(ALL_SITES))
		for metric, expected in SUPPRESSED_ALL_SITES.items():
			line = by_metric[metric]
			if expected is None:
				self.assertEqual((line["Numerator"], line["Denominator"], line["Percent"]), ("", "", ""))
			else:
				self.assertEqual(line["Numerator"], str(expected[0]))

	def test_an_evaluators_export_carries_only_suppressed_aggregates(self):
		# Evaluators export the report (export on Site, its reference DocType): the file holds only
		# what the report shows them, suppressed, whatever they ask for
		lines = self.export_csv(self.net.evaluator, suppress_small_cells=0)
		text = json.dumps(lines)
		for identifiers in self.people:
			for value in identifiers:
				self.assertNotIn(value, text)
		by_metric = {line["Metric Key"]: line for line in lines}
		for metric, expected in SUPPRESSED_ALL_SITES.items():
			line = by_metric[metric]
			shown = (line["Numerator"], line["Denominator"])
			if expected is None:
				self.assertEqual(shown, ("", ""))
			else:
				self.assertEqual(line["Numerator"], str(expected[0]))

	# ------------------------------------------------------------------ Outcome Export (network roll-up)

	def export_as(self, user: str, school_year: str | None = None, affiliate: str | None = None) -> dict:
		from cis_app.cis_network.outcome_export import get_outcome_export

		clear_scope_cache()
		frappe.set_user(user)
		try:
			return get_outcome_export(school_year or self.year, affiliate or self.net.affiliate)
		finally:
			frappe.set_user("Administrator")

	def test_the_outcome_export_carries_the_reports_suppressed_figures(self):
		from cis_app.core.network_rollup import to_csv, to_json, validate_export

		export = self.export_as(self.net.admin)
		self.assertEqual(
			[export[key] for key in ("format", "version", "school_year", "small_cell_threshold")],
			["cis-outcome-export", 1, self.year, THRESHOLD],
		)
		self.assertEqual(export["affiliate"], {"id": self.net.affiliate, "name": self.net.affiliate})
		# cell for cell what the report shows the same administrator, grouped by site, suppressed
		report = self.run_as(self.net.admin, affiliate=self.net.affiliate, group_by="Site")["result"]
		expected = {
			(
				"affiliate" if row["is_total"] else "site",
				None if row["is_total"] else row["group"],
				row["metric"],
			): (
				row["numerator"],
				row["denominator"],
				row["percent"],
				row["target"],
				row["suppressed"],
			)
			for row in report
		}
		found = {
			(row["level"], row["site"], row["metric"]): (
				row["numerator"],
				row["denominator"],
				row["percent"],
				row["target"],
				row["suppressed"],
			)
			for row in export["rows"]
		}
		self.assertEqual(found, expected)
		self.assertEqual(len(found), 27)
		# the affiliate's figures, worked out by hand at threshold 2 (group_by Site adds no suppression
		# to the totals here)
		affiliate = {
			row["metric"]: None
			if row["suppressed"]
			else (row["numerator"], row["denominator"], row["percent"])
			for row in export["rows"]
			if row["level"] == "affiliate"
		}
		self.assertEqual(affiliate, SUPPRESSED_ALL_SITES)
		validate_export(export, THRESHOLD)
		for text in (to_json(export), to_csv(export)):
			for identifiers in self.people:
				for value in identifiers:
					self.assertNotIn(value, text)
		# suppressed whatever the user: Administrator gets the same file
		self.assertEqual(self.export_as("Administrator")["rows"], export["rows"])

	def test_the_outcome_export_downloads_json_and_csv_and_only_reads(self):
		from unittest.mock import patch as mock_patch

		from cis_app.core.network_rollup import parse_export, validate_export
		from cis_app.cis_network.outcome_export import download_outcome_export

		statements = []
		real_sql = frappe.db.sql

		def spy(query, *args, **kwargs):
			statements.append(str(query).strip().split(None, 1)[0].lower())
			return real_sql(query, *args, **kwargs)

		frappe.set_user(self.net.admin)
		try:
			files = {}
			for file_format in ("json", "csv"):
				frappe.local.response = frappe._dict()
				with mock_patch.object(frappe.db, "sql", side_effect=spy):
					download_outcome_export(self.year, self.net.affiliate, file_format)
				self.assertEqual(frappe.response["type"], "download")
				self.assertEqual(
					frappe.response["filename"], f"outcome-export-test-affiliate-2013-2014.{file_format}"
				)
				files[file_format] = validate_export(parse_export(frappe.response["filecontent"]), THRESHOLD)
		finally:
			frappe.local.response = frappe._dict()
			frappe.set_user("Administrator")
		# two downloads: only the time they were generated may differ
		self.assertEqual({**files["json"], "generated_at": None}, {**files["csv"], "generated_at": None})
		self.assertTrue(statements)
		writes = {"insert", "update", "delete", "replace", "create", "alter", "drop", "truncate", "rename"}
		self.assertEqual(set(statements) & writes, set(), statements)
		self.assertIn("select", statements)

	def test_the_outcome_export_is_refused_to_everyone_else(self):
		from cis_app.cis_network.outcome_export import OutcomeExportError, download_outcome_export

		refused = [
			self.net.coordinator_a,  # staff of the affiliate, but not its administrator
			self.net.coordinator_b,
			self.net.program_manager,
			self.net.partner_manager,
			self.net.evaluator,
		]
		for user in refused:
			with self.assertRaises(frappe.PermissionError, msg=user):
				self.export_as(user)
		# a CIS Administrator of another affiliate, and this one's administrator asking for another's
		other_admin = make_user("cis-outcomes-other-admin@example.com", "CIS Administrator")
		make_affiliate(OTHER_AFFILIATE, staff=[(other_admin, "CIS Administrator")])
		with self.assertRaises(frappe.PermissionError):
			self.export_as(other_admin, affiliate=self.net.affiliate)
		with self.assertRaises(frappe.PermissionError):
			self.export_as(self.net.admin, affiliate=OTHER_AFFILIATE)
		# a System Manager who serves no affiliate
		system_manager = make_user("cis-outcomes-sysmanager@example.com", "System Manager")
		with self.assertRaises(frappe.PermissionError):
			self.export_as(system_manager)
		# bad input: a clear refusal
		with self.assertRaises(OutcomeExportError):
			self.export_as(self.net.admin, school_year=self.empty_year)
		with self.assertRaises(frappe.DoesNotExistError):
			self.export_as(self.net.admin, school_year="1999-2000")
		frappe.set_user(self.net.admin)
		try:
			with self.assertRaises(OutcomeExportError):
				download_outcome_export(self.year, self.net.affiliate, "xlsx")
		finally:
			frappe.set_user("Administrator")
