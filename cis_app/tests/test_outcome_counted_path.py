# Copyright (c) 2026, cis_app contributors and contributors
# For license information, please see license.txt
"""The CIS Outcomes report's counted path (``cis_app.cis_case_management.outcomes_data.load_counted``: MariaDB sends each
plan's grade, status and goals as a key, numpy counts the keys) gives exactly the figures of the
students read one by one (``load_cohort``, ``load_goals``, ``core.outcomes.outcome_metrics``), old and
odd data included: several plans, several year-end statuses, goal values that are not options, a
student without a status, an empty grade."""

from unittest.mock import patch

import frappe
from frappe.tests.utils import FrappeTestCase

from cis_app.cis_case_management import outcomes_data
from cis_app.core.outcome_report import in_grade_range
from cis_app.core.outcomes import GOAL_FLAGS, WEIGHT, counted_outcome_metrics, outcome_metrics
from cis_app.cis_case_management.outcomes_data import load_cohort, load_counted, load_goals
from cis_app.tests.factories import TwoSites, make_active_plan, make_consent, make_school_year, make_student

YEAR = ("2009-2010", "2009-08-01", "2010-07-31")
GROUPS = (None, "site", "grade_level", "school_district", "affiliate", "school_level")
BY_SITE = ("site", "affiliate", "school_district", "school_level")


def goal(area: str) -> dict:
	return {"area": area, "metric": "Other", "baseline": 90, "target": 95, "direction": "Up"}


class TestOutcomeCountedPath(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.net = TwoSites.build()
		cls.year = make_school_year(*YEAR)
		a, b = cls.net.site_a, cls.net.site_b
		cls.students = {}
		progress = [
			"Met",
			"Progressing",
			"Decline",
			"No Progress, Positive",
			"Exited Before Progress Known",
			"",
		]
		statuses = ["Promoted", "Retained", "Dropped Out", "Moved", "Graduated", "GED", "Promoted"]
		grades = ["3", "7", "9", "11", "12", "12", "K"]
		for number, (status, grade) in enumerate(zip(statuses * 3, grades * 3, strict=True)):
			key = f"plain{number}"
			site = a if number % 2 else b
			cls.students[key] = make_student(site, grade_level=grade).name
			plan = cls.plan(key, ["Attendance", "Academic", "Behavior"][: 1 + number % 3])
			cls.set_progress(plan, [progress[(number + position) % len(progress)] for position in range(3)])
			cls.status(key, grade, status)
		# five students alike in everything the figures see: one counted row of weight 5
		for number in range(5):
			key = f"alike{number}"
			cls.students[key] = make_student(a, grade_level="6").name
			cls.set_progress(cls.plan(key, ["Attendance"]), ["Met"])
			cls.status(key, "6", "Promoted")
		# several plans, at two sites: counted once, at the first
		cls.students["two_plans"] = make_student(a, grade_level="8").name
		cls.set_progress(cls.plan("two_plans", ["Attendance"]), ["Decline"])
		cls.set_progress(cls.plan("two_plans", ["Attendance"], site=b), ["Met"])
		cls.status("two_plans", "8", "Promoted")
		# two year-end statuses of the year (entry refuses it; old data may hold it)
		cls.students["two_statuses"] = make_student(a, grade_level="10").name
		cls.set_progress(cls.plan("two_statuses", ["Behavior"]), ["Met"])
		cls.status("two_statuses", "10", "Promoted", bypass=True)
		cls.status("two_statuses", "6", "Retained", bypass=True)
		# goal values that are not options: the core strips them, MariaDB compares otherwise
		cls.students["odd_area"] = make_student(b, grade_level="5").name
		cls.set_progress(cls.plan("odd_area", ["Attendance"]), ["Met"], area="attendance")
		cls.status("odd_area", "5", "Promoted")
		cls.students["odd_progress"] = make_student(b, grade_level="5").name
		cls.set_progress(cls.plan("odd_progress", ["Academic"]), ["Met "])
		cls.status("odd_progress", "5", "Retained")
		# no status: placed by the current grade, counted as status missing
		cls.students["no_status"] = make_student(a, grade_level="9").name
		cls.set_progress(cls.plan("no_status", ["Attendance"]), ["Met"])
		# a status with an empty grade
		cls.students["no_grade"] = make_student(b, grade_level="4").name
		cls.set_progress(cls.plan("no_grade", ["Behavior"]), ["Progressing"])
		cls.status("no_grade", "", "Promoted", bypass=True)
		cls.by_name = {cls.students[key] for key in ("two_plans", "two_statuses", "odd_area", "odd_progress")}

	@classmethod
	def plan(cls, key: str, areas: list[str], site: str | None = None) -> str:
		student = cls.students[key]
		if not frappe.db.exists("Student Consent", {"student": student, "school_year": cls.year}):
			make_consent(student, school_year=cls.year, signed_date="2009-09-01")
		plan = make_active_plan(student, [goal(area) for area in areas], cls.year)
		name = plan if isinstance(plan, str) else plan.name
		if site:
			frappe.db.set_value("Support Plan", name, "site", site, update_modified=False)
		return name

	@staticmethod
	def set_progress(plan: str, progress: list[str], area: str | None = None) -> None:
		goals = frappe.get_all(
			"Support Plan Goal",
			filters={"parent": plan, "parenttype": "Support Plan"},
			pluck="name",
			order_by="idx",
		)
		for name, value in zip(goals, progress, strict=False):
			values = {"progress_status": value}
			if area:
				values["area"] = area
			frappe.db.set_value("Support Plan Goal", name, values, update_modified=False)

	@classmethod
	def status(cls, key: str, grade: str, status: str, bypass: bool = False) -> None:
		doc = frappe.get_doc(
			{
				"doctype": "Student Year-End Status",
				"student": cls.students[key],
				"school_year": cls.year,
				"grade_level": grade,
				"year_end_status": status,
			}
		)
		if bypass:  # as old data: no validation
			doc.set_new_name()
			doc.db_insert()
		else:
			doc.insert(ignore_permissions=True)

	def counted(self, sites, group_by, grade_from=None, grade_to=None):
		asked = []
		original = outcomes_data._counted_by_student

		def recording(school_year, sites_, students, *args):
			asked.append(students)
			return original(school_year, sites_, students, *args)

		with patch.object(outcomes_data, "_counted_by_student", recording):
			counted, plan_rows = load_counted(
				self.year,
				sites,
				by_site=group_by in BY_SITE,
				cohort_filter=lambda frame: in_grade_range(frame, grade_from, grade_to),
			)
		return counted, plan_rows, asked

	def test_the_counted_path_gives_the_figures_of_the_students_one_by_one(self):
		sites = [self.net.site_a, self.net.site_b]
		for scope in (sites, [self.net.site_a]):
			cohort, goals = load_cohort(self.year, scope), load_goals(self.year, scope)
			for grade_from, grade_to in ((None, None), ("7", "12"), ("K", "5")):
				kept = in_grade_range(cohort, grade_from, grade_to)
				for group_by in GROUPS:
					with self.subTest(sites=scope, group_by=group_by, grades=(grade_from, grade_to)):
						counted, plan_rows, _asked = self.counted(scope, group_by, grade_from, grade_to)
						self.assertEqual(plan_rows, len(kept))
						expected = outcome_metrics(kept, goals, group_by=group_by)
						result = counted_outcome_metrics(counted, group_by=group_by)
						self.assertEqual(result.to_dict("records"), expected.to_dict("records"))

	def test_students_alike_are_counted_together_and_the_odd_ones_by_name(self):
		counted, plan_rows, asked = self.counted([self.net.site_a, self.net.site_b], None)
		self.assertEqual(asked, [sorted(self.by_name)])
		# 26 plain plans; two plans of one student; two rows of the student with two statuses; one
		# plan each for the four others
		self.assertEqual(plan_rows, 26 + 2 + 2 + 4)
		self.assertEqual(int(counted[WEIGHT].sum()), 26 + 2 + len(self.by_name))
		self.assertEqual(int(counted[WEIGHT].max()), 5)
		total = {
			row["metric"]: (row["numerator"], row["denominator"])
			for row in counted_outcome_metrics(counted).to_dict("records")
		}
		self.assertEqual(total["cohort"], (32, None))
		self.assertEqual(total["status_missing"], (1, None))
		self.assertEqual(total["unknown_outcome"], (3, None))

	def test_an_empty_scope_or_year_has_no_cohort(self):
		counted, plan_rows = load_counted(self.year, [])
		self.assertEqual((len(counted), plan_rows), (0, 0))
		counted, plan_rows = load_counted("No Such Year", None)
		self.assertEqual((len(counted), plan_rows), (0, 0))
		self.assertEqual(
			set(counted.columns) >= {column for pair in GOAL_FLAGS.values() for column in pair}, True
		)
