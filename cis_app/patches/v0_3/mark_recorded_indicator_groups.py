"""Blank is not zero: mark which indicator groups existing data points carry, then recompute.

Data points saved before the flags existed hold 0 wherever nothing was entered, so a stored 0 cannot
be told from an entered one. The rule chosen: a group counts as recorded when any of its figures is
not zero; a group of zeros only is unknown (a coordinator can tick its flag where the zeros were
real). Goal values that came from data are marked so, then risk, goal progress and case management
are recomputed from the plans and the data.
"""

import frappe

from cis_app.core.metrics import DATA_METRICS
from cis_app.cis_case_management.recompute import recompute_all, refresh_case_management


def execute():
	frappe.db.sql(
		"""
		update `tabStudent Data Point` set
			has_attendance = (days_enrolled > 0 or days_absent > 0),
			has_behavior = (suspensions > 0 or major_incidents > 0 or minor_incidents > 0),
			has_course = (failing_math > 0 or failing_ela > 0 or failed_courses > 0),
			has_gpa = (gpa > 0)
		"""
	)
	goal = frappe.qb.DocType("Support Plan Goal")
	(
		frappe.qb.update(goal)
		.set(goal.value_source, "Data Point")
		.where(goal.metric.isin(DATA_METRICS))
		.where(goal.value_updated_on.isnotnull())
		.where((goal.value_source.isnull()) | (goal.value_source == ""))
	).run()

	refresh_case_management()
	recompute_all()
