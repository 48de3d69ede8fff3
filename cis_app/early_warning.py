"""Recompute risk scores and goal progress from students' latest data points.

The rules are the core's (``cis_app.core.early_warning``, ``.goals``, ``.metrics``); this module
loads the rows in a few set-based queries, calls the core on whole DataFrames and writes the results
back in chunked ``UPDATE ... CASE`` statements. The same function serves one student (after a data
point is saved) and all of them (a background job on the long queue), so the two cannot disagree.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import frappe
import pandas as pd
from frappe.utils import now_datetime, nowdate

from cis_app.core.early_warning import DATA_POINT_FIELDS, score_frame
from cis_app.core.goals import MET_OR_PROGRESSING, progress_frame
from cis_app.core.metrics import DATA_METRICS, metric_values
from cis_app.settings import get_goal_tolerance, get_thresholds

CHUNK = 2000
# plans whose goals follow the data
OPEN_PLAN_STATUSES = ("Draft", "Pending Approval", "Active", "Under Review")


def recompute_all() -> dict:
	"""Background job: every student with a data point, and every open goal fed by data."""
	return recompute(None)


def recompute(students: Sequence[str] | None) -> dict:
	"""Recompute risk (on Student) and data-fed goal progress (on Support Plan Goal).

	``students``: names, or None for everyone. Risk uses each student's latest data point; a goal
	uses the latest data point of its plan's school year. Returns counts of what was updated.
	"""
	by_year = load_latest_data_points(students)
	latest = by_year.sort_values("as_of_date").drop_duplicates("student", keep="last")
	risk_updated = update_risk(latest)
	goals_updated = update_goals(by_year, students)
	return {"students": risk_updated, "goals": goals_updated}


def load_latest_data_points(students: Sequence[str] | None) -> pd.DataFrame:
	"""One row per student and school year: their latest data point in it, with their grade level."""
	columns = ["student", "school_year", "as_of_date", *DATA_POINT_FIELDS, "grade_level"]
	if students is not None and not students:
		return pd.DataFrame(columns=columns)
	fields = ", ".join(f"dp.`{field}`" for field in DATA_POINT_FIELDS)
	where = "where dp.student in %(students)s" if students is not None else ""
	rows = frappe.db.sql(
		f"""
		select latest.student, latest.school_year, latest.as_of_date, {fields.replace("dp.", "latest.")}, s.grade_level
		from (
			select dp.student, dp.school_year, dp.as_of_date, {fields},
				row_number() over (
					partition by dp.student, dp.school_year order by dp.as_of_date desc, dp.creation desc
				) as position
			from `tabStudent Data Point` dp {where}
		) latest
		join `tabStudent` s on s.name = latest.student
		where latest.position = 1
		""",
		{"students": tuple(students or ())},
		as_list=True,
	)
	frame = pd.DataFrame.from_records(rows, columns=columns)
	# Frappe stores an empty Float as 0: a GPA of 0 means "not entered", not a failing GPA
	frame["gpa"] = pd.to_numeric(frame["gpa"], errors="coerce").astype(float).where(lambda gpa: gpa > 0)
	return frame


def update_risk(latest: pd.DataFrame) -> int:
	if latest.empty:
		return 0
	scores = score_frame(latest, get_thresholds())
	stamp = now_datetime()
	values = {
		"risk_score": scores["risk_score"].astype(int).tolist(),
		"suggested_tier": [f"Tier {tier}" for tier in scores["suggested_tier"]],
		"attendance_band": [band or "" for band in scores["attendance_band"]],
		"risk_flags": scores["flags"].tolist(),
		"risk_unknown": scores["unknown_indicators"].tolist(),
		"risk_updated_on": [stamp] * len(scores),
	}
	bulk_update("Student", latest["student"].tolist(), values)
	return len(latest)


def update_goals(by_year: pd.DataFrame, students: Sequence[str] | None) -> int:
	"""Goals whose metric comes from data points, on open plans of these students."""
	goal = frappe.qb.DocType("Support Plan Goal")
	plan = frappe.qb.DocType("Support Plan")
	query = (
		frappe.qb.from_(goal)
		.join(plan)
		.on(goal.parent == plan.name)
		.select(
			goal.name, plan.student, plan.school_year, goal.metric, goal.baseline, goal.target, goal.direction
		)
		.where(goal.parenttype == "Support Plan")
		.where(plan.status.isin(OPEN_PLAN_STATUSES))
		.where(plan.student.isnotnull())
		.where(goal.metric.isin(DATA_METRICS))
	)
	if students is not None:
		if not students:
			return 0
		query = query.where(plan.student.isin(list(students)))
	rows = query.run(as_list=True)
	if not rows:
		return 0
	goals = pd.DataFrame.from_records(
		rows, columns=["name", "student", "school_year", "metric", "baseline", "target", "direction"]
	)
	goals = goals.merge(by_year.drop(columns=["grade_level"]), on=["student", "school_year"], how="inner")
	if goals.empty:
		return 0
	goals["current"] = metric_values(goals["metric"], goals)
	goals = goals[goals["current"].notna()]
	if goals.empty:
		return 0
	goals["status"] = progress_frame(
		goals[["baseline", "target", "direction", "current"]], get_goal_tolerance()
	)
	today = nowdate()
	bulk_update(
		"Support Plan Goal",
		goals["name"].tolist(),
		{
			"current_value": goals["current"].tolist(),
			"progress_status": [status or "" for status in goals["status"]],
			"value_updated_on": [today] * len(goals),
		},
	)
	refresh_plan_summaries(goals["name"].tolist())
	return len(goals)


def refresh_plan_summaries(goal_names: Iterable[str]) -> None:
	"""Keep each plan's goals_total / goals_on_track in step with its goals (one grouped query)."""
	goal = frappe.qb.DocType("Support Plan Goal")
	plans = (
		frappe.qb.from_(goal).select(goal.parent).distinct().where(goal.name.isin(list(goal_names)))
	).run(pluck=True)
	if not plans:
		return
	from frappe.query_builder.functions import Count, Sum
	from pypika.terms import Case

	on_track = Case().when(goal.progress_status.isin(sorted(MET_OR_PROGRESSING)), 1).else_(0)
	summaries = (
		frappe.qb.from_(goal)
		.select(goal.parent, Count("*"), Sum(on_track))
		.where(goal.parent.isin(plans))
		.where(goal.parenttype == "Support Plan")
		.groupby(goal.parent)
	).run(as_list=True)
	bulk_update(
		"Support Plan",
		[row[0] for row in summaries],
		{
			"goals_total": [int(row[1]) for row in summaries],
			"goals_on_track": [int(row[2] or 0) for row in summaries],
		},
	)


def bulk_update(doctype: str, names: list[str], values: dict[str, list]) -> None:
	"""Set ``values[field][i]`` on row ``names[i]``, in chunked ``UPDATE ... CASE`` statements.

	Derived values only: ``modified`` is left alone so lists keep their order.
	"""
	table = f"`tab{doctype}`"
	for start in range(0, len(names), CHUNK):
		chunk = names[start : start + CHUNK]
		params: list = []
		assignments = []
		for field, column in values.items():
			cases = []
			for offset, name in enumerate(chunk):
				value = column[start + offset]
				if isinstance(value, float) and math.isnan(value):
					value = None
				cases.append("when %s then %s")
				params.extend([name, value])
			assignments.append(f"`{field}` = case `name` {' '.join(cases)} else `{field}` end")
		params.extend(chunk)
		placeholders = ", ".join(["%s"] * len(chunk))
		frappe.db.sql(
			f"update {table} set {', '.join(assignments)} where `name` in ({placeholders})", tuple(params)
		)
