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
from frappe.utils import now_datetime

from cis_app.core.data_points import FIGURES, FLAGS, latest_known, latest_per_student
from cis_app.core.early_warning import NOTHING_KNOWN, score_frame
from cis_app.core.goals import goal_problems, plan_summary, progress_frame, resolve_data_fed
from cis_app.core.metrics import DATA_METRICS, data_as_of, metric_values
from cis_app.core.plans import OPEN_STATUSES, is_case_managed
from cis_app.cis_network.settings import get_goal_tolerance, get_thresholds

CHUNK = 2000
PENDING_KEY = "cis_app:recompute_pending"


def recompute_all() -> dict:
	"""Background job: every student, and every open goal fed by data."""
	return recompute(None)


def recompute(students: Sequence[str] | None) -> dict:
	"""Recompute risk (on Student) and data-fed goal progress (on Support Plan Goal).

	``students``: names, or None for everyone. Risk uses what each student's most recent school year
	of data points knows, each indicator group from the latest data point that carries it; a goal uses
	the data of its plan's school year. A student with no data point left gets unknown risk, and a goal
	whose value came from a data point that is gone becomes unknown. Returns counts of what was updated
	and the goals skipped as invalid.
	"""
	by_year = load_latest_data_points(students)
	risk_updated = update_risk(latest_per_student(by_year), students)
	goals_updated, skipped = update_goals(by_year, students)
	if skipped:
		frappe.log_error(
			title="cis_app: goals skipped by the recompute",
			message="\n".join(f"{goal}: {problem}" for goal, problem in skipped),
		)
	return {"students": risk_updated, "goals": goals_updated, "skipped_goals": skipped}


def queue_recompute(students: Iterable[str]) -> None:
	"""Remember students whose data changed during a bulk import and queue one recompute for them.

	The import skips the per-save recompute. The students go into a Redis set; once per transaction,
	after it commits, a job is queued (deduplicated while it waits) that takes every student remembered
	so far: an import of thousands of rows in one transaction costs one job, not one per row, and one
	that commits row by row (Frappe's Data Import) never has more than one waiting."""
	students = [student for student in students if student]
	if not students:
		return
	frappe.cache.sadd(PENDING_KEY, *students)
	if frappe.flags.cis_recompute_after_commit:
		return
	frappe.flags.cis_recompute_after_commit = True

	def enqueue_once():
		frappe.flags.cis_recompute_after_commit = False
		frappe.enqueue(
			"cis_app.cis_case_management.recompute.recompute_pending",
			queue="long",
			job_id="cis_app_recompute_pending",
			deduplicate=True,
		)

	def forget():
		frappe.flags.cis_recompute_after_commit = False

	frappe.db.after_commit.add(enqueue_once)
	frappe.db.after_rollback.add(forget)


def recompute_pending() -> dict:
	"""Job: recompute the students remembered by ``queue_recompute``."""
	students = [
		student.decode() if isinstance(student, bytes) else student
		for student in (frappe.cache.smembers(PENDING_KEY) or ())
	]
	if not students:
		return {"students": 0, "goals": 0, "skipped_goals": []}
	frappe.cache.srem(PENDING_KEY, *students)
	return recompute(students)


def load_data_points(students: Sequence[str] | None) -> pd.DataFrame:
	"""Data points as the database holds them (zeros and flags), reduced in SQL to the candidates:
	for each student, school year and group, the latest data point carrying that group."""
	columns = ["student", "school_year", "as_of_date", "creation", *FIGURES, *FLAGS]
	if students is not None and not students:
		return pd.DataFrame(columns=columns)
	where = "where dp.student in %(students)s" if students is not None else ""
	selected = ", ".join(f"dp.`{column}`" for column in columns)
	positions = ", ".join(
		f"row_number() over (partition by dp.student, dp.school_year, dp.`{flag}` "
		f"order by dp.as_of_date desc, dp.creation desc) as `{flag}_position`"
		for flag in FLAGS
	)
	latest = " or ".join(f"(candidate.`{flag}` = 1 and candidate.`{flag}_position` = 1)" for flag in FLAGS)
	rows = frappe.db.sql(
		f"""
		select {", ".join(f"candidate.`{column}`" for column in columns)}
		from (select {selected}, {positions} from `tabStudent Data Point` dp {where}) candidate
		where {latest}
		""",
		{"students": tuple(students or ())},
		as_list=True,
	)
	return pd.DataFrame.from_records(rows, columns=columns)


def load_latest_data_points(students: Sequence[str] | None) -> pd.DataFrame:
	"""One row per student and school year with what their data points know (the core's
	``latest_known``), with the student's grade level."""
	known = latest_known(load_data_points(students))
	if known.empty:
		known["grade_level"] = pd.Series(dtype=object)
		return known
	grades = dict(
		frappe.get_all(
			"Student",
			filters={"name": ["in", known["student"].unique().tolist()]},
			fields=["name", "grade_level"],
			as_list=True,
		)
	)
	known["grade_level"] = known["student"].map(grades)
	return known


def update_risk(latest: pd.DataFrame, students: Sequence[str] | None) -> int:
	"""Write each student's risk; students with nothing known get unknown risk (score 0, no tier)."""
	stamp = now_datetime()
	updated = 0
	if not latest.empty:
		scores = score_frame(latest, get_thresholds())
		values = {
			"risk_score": scores["risk_score"].astype(int).tolist(),
			"suggested_tier": [f"Tier {tier}" for tier in scores["suggested_tier"]],
			"attendance_band": [band or "" for band in scores["attendance_band"]],
			"risk_flags": scores["flags"].tolist(),
			"risk_unknown": scores["unknown_indicators"].tolist(),
			"risk_updated_on": [stamp] * len(scores),
		}
		bulk_update("Student", latest["student"].tolist(), values)
		updated = len(latest)
	known = set(latest["student"]) if not latest.empty else set()
	if students is None:
		# students whose data points are all gone still carry a score from them
		candidates = frappe.get_all("Student", filters={"risk_updated_on": ["is", "set"]}, pluck="name")
	else:
		candidates = list(students)
	without_data = [student for student in candidates if student not in known]
	if without_data:
		count = len(without_data)
		bulk_update(
			"Student",
			without_data,
			{
				"risk_score": [0] * count,
				"suggested_tier": [""] * count,
				"attendance_band": [""] * count,
				"risk_flags": [""] * count,
				"risk_unknown": [NOTHING_KNOWN] * count,
				"risk_updated_on": [stamp] * count,
			},
		)
		updated += count
	return updated


def load_data_fed_goals(students: Sequence[str] | None) -> pd.DataFrame:
	columns = [
		"name", "student", "school_year", "metric", "baseline", "target", "direction",
		"current_value", "value_as_of", "value_source", "progress_status",
	]  # fmt: skip
	goal = frappe.qb.DocType("Support Plan Goal")
	plan = frappe.qb.DocType("Support Plan")
	query = (
		frappe.qb.from_(goal)
		.join(plan)
		.on(goal.parent == plan.name)
		.select(
			goal.name,
			plan.student,
			plan.school_year,
			goal.metric,
			goal.baseline,
			goal.target,
			goal.direction,
			goal.current_value,
			goal.value_updated_on,
			goal.value_source,
			goal.progress_status,
		)
		.where(goal.parenttype == "Support Plan")
		.where(plan.status.isin(OPEN_STATUSES))
		.where(plan.student.isnotnull())
		.where(goal.metric.isin(DATA_METRICS))
	)
	if students is not None:
		if not students:
			return pd.DataFrame(columns=columns)
		query = query.where(plan.student.isin(list(students)))
	goals = pd.DataFrame.from_records(query.run(as_list=True), columns=columns)
	# a stored 0 with no "as of" date is no value at all (Float columns cannot hold "unknown")
	goals["current_value"] = pd.to_numeric(goals["current_value"], errors="coerce").astype(float)
	goals.loc[goals["value_as_of"].isna(), "current_value"] = float("nan")
	return goals


def update_goals(by_year: pd.DataFrame, students: Sequence[str] | None) -> tuple[int, list]:
	"""Goals whose metric comes from data points, on open plans of these students: their value from
	the data of the plan's year (``resolve_data_fed``), then their progress. Invalid goals are skipped
	and reported, never fatal for the others."""
	goals = load_data_fed_goals(students)
	if goals.empty:
		return 0, []
	known = by_year.drop(columns=["grade_level"], errors="ignore")
	goals = goals.merge(known, on=["student", "school_year"], how="left")
	goals["data_value"] = metric_values(goals["metric"], goals)
	goals["data_as_of"] = data_as_of(goals["metric"], goals)
	resolved = resolve_data_fed(goals)
	goals[["current_value", "value_as_of", "value_source"]] = resolved[
		["current_value", "value_as_of", "value_source"]
	]
	problems = goal_problems(goals)
	invalid = pd.Series([problem is not None for problem in problems], index=goals.index)
	skipped = [(name, problem) for name, problem in zip(goals["name"], problems, strict=True) if problem]
	goals["current"] = goals["current_value"]
	status = progress_frame(
		goals[["baseline", "target", "direction", "current"]], get_goal_tolerance(), skip_invalid=True
	)
	goals["new_status"] = [value or "" for value in status]
	changed = (resolved["changed"] | (goals["new_status"] != goals["progress_status"].fillna(""))) & ~invalid
	goals = goals[changed]
	if goals.empty:
		return 0, skipped
	bulk_update(
		"Support Plan Goal",
		goals["name"].tolist(),
		{
			# an unknown value is stored as 0 with no "as of" date (Float columns are NOT NULL)
			"current_value": goals["current_value"].fillna(0).tolist(),
			"progress_status": goals["new_status"].tolist(),
			"value_updated_on": [
				None if pd.isna(day) else pd.Timestamp(day).date() for day in goals["value_as_of"]
			],
			"value_source": goals["value_source"].tolist(),
		},
	)
	refresh_plan_summaries(goals["name"].tolist())
	return len(goals), skipped


def refresh_plan_summaries(goal_names: Iterable[str]) -> None:
	"""Keep each plan's goals_total / goals_on_track in step with its goals (``core.goals.plan_summary``)."""
	goal = frappe.qb.DocType("Support Plan Goal")
	plans = (
		frappe.qb.from_(goal).select(goal.parent).distinct().where(goal.name.isin(list(goal_names)))
	).run(pluck=True)
	if not plans:
		return
	rows = (
		frappe.qb.from_(goal)
		.select(goal.parent, goal.progress_status)
		.where(goal.parent.isin(plans))
		.where(goal.parenttype == "Support Plan")
	).run(as_list=True)
	statuses: dict[str, list] = {plan: [] for plan in plans}
	for parent, status in rows:
		statuses[parent].append(status)
	summaries = {plan: plan_summary(values) for plan, values in statuses.items()}
	names = list(summaries)
	bulk_update(
		"Support Plan",
		names,
		{
			"goals_total": [summaries[name][0] for name in names],
			"goals_on_track": [summaries[name][1] for name in names],
		},
	)


def case_managed_among(students: Sequence[str] | None) -> set[str]:
	"""Which of ``students`` (None: all) are case-managed now (``core.plans.is_case_managed``)."""
	filters = {"plan_type": "Student", "student": ["is", "set"]}
	if students is not None:
		if not students:
			return set()
		filters["student"] = ["in", list(students)]
	statuses: dict[str, list[str]] = {}
	for student, status in frappe.get_all(
		"Support Plan", filters=filters, fields=["student", "status"], as_list=True
	):
		statuses.setdefault(student, []).append(status)
	return {student for student, values in statuses.items() if is_case_managed(values)}


def refresh_case_management(students: Sequence[str] | None = None) -> int:
	"""Set ``is_case_managed`` on ``students`` (None: all) from their plans; returns how many changed."""
	managed = case_managed_among(students)
	filters = {} if students is None else {"name": ["in", list(students)]}
	if students is not None and not students:
		return 0
	current = frappe.get_all("Student", filters=filters, fields=["name", "is_case_managed"], as_list=True)
	changed = [
		(name, int(name in managed)) for name, flag in current if int(flag or 0) != int(name in managed)
	]
	if changed:
		bulk_update(
			"Student",
			[name for name, _flag in changed],
			{"is_case_managed": [flag for _name, flag in changed]},
		)
	return len(changed)


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
