# Copyright (c) 2026, cis_app contributors and contributors
# For license information, please see license.txt
"""The outcome cohort loaded from plans, statuses and goals, and scoped to the user's sites."""

import frappe
from frappe.tests.utils import FrappeTestCase

from cis_app.permissions.scope import clear_scope_cache
from cis_app.tests.factories import (
	TwoSites,
	make_active_plan,
	make_consent,
	make_school_year,
	make_student,
	make_support_plan,
)

YEAR = ("2011-2012", "2011-08-01", "2012-07-31")
OTHER_YEAR = ("2012-2013", "2012-08-01", "2013-07-31")


def goal(area: str, current: float | None = None) -> dict:
	row = {"area": area, "metric": "Other", "baseline": 90, "target": 95, "direction": "Up"}
	if current is not None:
		row["current_value"] = current
	return row


class TestOutcomesData(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.net = TwoSites.build()
		cls.year = make_school_year(*YEAR)
		cls.other_year = make_school_year(*OTHER_YEAR)
		a, b = cls.net.site_a, cls.net.site_b
		cls.students = {
			key: make_student(site, grade_level=grade).name
			for key, site, grade in [
				("promoted", a, "7"),
				("retained", a, "7"),
				("graduated", b, "12"),
				("moved", b, "9"),
				("missing", a, "8"),
				("draft_only", a, "7"),
				("other_year", a, "7"),
			]
		}
		s = cls.students
		for student in s.values():
			make_consent(student, school_year=cls.year, signed_date="2011-09-01")
		make_consent(s["other_year"], school_year=cls.other_year, signed_date="2012-09-01")
		make_active_plan(s["promoted"], [goal("Attendance", 96)], cls.year)
		make_active_plan(s["retained"], [goal("Attendance", 89)], cls.year)
		make_active_plan(s["retained"], [goal("Attendance")], cls.year)  # a second plan: counted once
		make_active_plan(s["graduated"], [goal("Academic", 93)], cls.year)
		make_active_plan(s["moved"], [goal("Behavior", 96)], cls.year)
		make_active_plan(s["missing"], [goal("Behavior", 96)], cls.year)
		make_support_plan(s["draft_only"], [goal("Attendance", 96)], cls.year)
		make_active_plan(s["other_year"], [goal("Attendance", 96)], cls.other_year)
		for key, status, grade in [
			("promoted", "Promoted", "7"),
			("retained", "Retained", "7"),
			("graduated", "Graduated", "12"),
			("moved", "Moved", "9"),
			("draft_only", "Promoted", "7"),
		]:
			frappe.get_doc(
				{
					"doctype": "Student Year-End Status",
					"student": s[key],
					"school_year": cls.year,
					"grade_level": grade,
					"year_end_status": status,
				}
			).insert(ignore_permissions=True)

	def tearDown(self):
		frappe.set_user("Administrator")
		clear_scope_cache()

	def test_rows_sent_packed_are_the_rows_read_plainly(self):
		from unittest.mock import patch

		from cis_app.cis_case_management import outcomes_data
		sites = [self.net.site_a, self.net.site_b]
		packed = (outcomes_data.load_cohort(self.year, sites), outcomes_data.load_goals(self.year, sites))
		with patch.object(outcomes_data, "_packed_columns", return_value=None):
			plain = (outcomes_data.load_cohort(self.year, sites), outcomes_data.load_goals(self.year, sites))
		self.assertEqual(packed[0].to_dict("records"), plain[0].to_dict("records"))
		self.assertEqual(
			sorted(map(tuple, packed[1].to_numpy().tolist()), key=str),
			sorted(map(tuple, plain[1].to_numpy().tolist()), key=str),
		)
		# six activated plans (the draft and the other year's are not in the cohort), earliest first
		self.assertEqual(len(packed[0]), 6)
		self.assertEqual(list(packed[0]["activated_on"]), sorted(packed[0]["activated_on"]))
		self.assertEqual(len(packed[1]), 6)
		self.assertEqual(
			set(packed[0]["affiliate"]), {frappe.db.get_value("Site", self.net.site_a, "affiliate")}
		)

	def test_the_outcome_indexes_are_there(self):
		from cis_app.cis_case_management.outcomes_data import GOAL_INDEX, PLAN_INDEX, STATUS_INDEX, STUDENT_GRADE_INDEX

		for doctype, index in (
			("Support Plan", PLAN_INDEX),
			("Support Plan Goal", GOAL_INDEX),
			("Student Year-End Status", STATUS_INDEX),
			("Student", STUDENT_GRADE_INDEX),
		):
			self.assertTrue(frappe.db.has_index(f"tab{doctype}", index), f"{doctype}: {index}")
