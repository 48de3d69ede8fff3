"""Year-end statuses of case-managed students and the outcome metrics computed from them.

Statuses (DOMAIN.md): Promoted, Retained, Graduated, GED, Dropped Out, Transferred, Moved, Deceased.
"Remained in school" is derived: every status but Dropped Out. Transferred, Moved and Deceased are
unknown outcomes, left out of every outcome denominator and counted separately.

The outcome metrics (``outcome_metrics``), exactly as computed; stable keys in ``METRICS``:

- ``cohort`` (count): distinct students in the cohort frame (a student with several plans in the
  year, so several rows, counts once).
- ``status_missing`` (count): cohort students without a year-end status (empty, or not one of
  ``STATUSES``). They are left out of every outcome denominator below.
- ``unknown_outcome`` (count): cohort students whose status is Transferred, Moved or Deceased. They
  are left out of every outcome denominator below.
- The *outcome students* are the rest: cohort students whose status is Promoted, Retained, Graduated,
  GED or Dropped Out. cohort = status_missing + unknown_outcome + outcome students.
- ``remained_in_school``: numerator = outcome students not Dropped Out; denominator = outcome students.
- ``promoted``: outcome students in grades K-11; numerator = Promoted; denominator = Promoted +
  Retained + Dropped Out (a GED before grade 12 is in neither; so is a status that does not fit the
  grade, such as Graduated in grade 10, which entry refuses but old data may hold).
- ``graduated``: outcome students in grade 12; numerator = Graduated + GED; denominator = all of them
  (Retained, Dropped Out and any other status included).
- ``attendance_goals``, ``academic_goals``, ``behavior_goals``: per area, each outcome student counts
  once (the goals of students with a missing status or an unknown outcome are not counted);
  denominator = outcome students with at least one goal in that area whose progress is known (Met,
  Progressing, No Progress Positive/Negative, Decline: a goal with no progress yet or Exited Before
  Progress Known is left out); numerator = those with at least one goal Met or Progressing.

A student whose grade is PK, missing or not a grade level stays in every metric but ``promoted`` and
``graduated`` (PK has no promotion outcome; the others cannot be placed). Percent: 100 x numerator /
denominator, rounded half up to one decimal (66.666... -> 66.7, 6.25 -> 6.3), None when the
denominator is 0.
"""

from __future__ import annotations

import math
from fractions import Fraction

import pandas as pd

from .goals import EXITED, MET_OR_PROGRESSING, PROGRESS_VALUES
from .grades import grade_rank, normalize_grade
from .suppression import DEFAULT_THRESHOLD, suppress

PROMOTED = "Promoted"
RETAINED = "Retained"
GRADUATED = "Graduated"
GED = "GED"
DROPPED_OUT = "Dropped Out"
TRANSFERRED = "Transferred"
MOVED = "Moved"
DECEASED = "Deceased"
STATUSES = (PROMOTED, RETAINED, GRADUATED, GED, DROPPED_OUT, TRANSFERRED, MOVED, DECEASED)
UNKNOWN_OUTCOME = frozenset({TRANSFERRED, MOVED, DECEASED})


def remained_in_school(status: str) -> bool:
	return status != DROPPED_OUT


def is_unknown_outcome(status: str) -> bool:
	return status in UNKNOWN_OUTCOME


def status_problem(status: str, grade: str) -> str | None:
	"""Why ``status`` cannot be a year-end status at ``grade`` (None when it can).

	- Graduated needs grade 12 (``graduation_needs_grade_12``);
	- a grade 12 student is not Promoted: they graduate, or stay enrolled as Retained
	  (``grade_12_cannot_be_promoted``);
	- GED needs grade 9 or above (``ged_needs_grade_9``);
	- PK has no outcome (``pk_has_no_outcome``).
	"""
	normalized = normalize_grade(grade)
	if normalized is None:
		return None  # the grade itself is reported by its own check
	rank = grade_rank(normalized)
	if rank < 0:
		return "pk_has_no_outcome"
	if status == GRADUATED and rank != 12:
		return "graduation_needs_grade_12"
	if status == PROMOTED and rank == 12:
		return "grade_12_cannot_be_promoted"
	if status == GED and rank < 9:
		return "ged_needs_grade_9"
	return None


# The outcome metrics: stable keys, in the order a report shows them.
COHORT = "cohort"
STATUS_MISSING = "status_missing"
UNKNOWN_OUTCOME_METRIC = "unknown_outcome"
REMAINED_IN_SCHOOL = "remained_in_school"
PROMOTED_METRIC = "promoted"
GRADUATED_METRIC = "graduated"
ATTENDANCE_GOALS = "attendance_goals"
ACADEMIC_GOALS = "academic_goals"
BEHAVIOR_GOALS = "behavior_goals"
METRICS = (
	COHORT,
	STATUS_MISSING,
	UNKNOWN_OUTCOME_METRIC,
	REMAINED_IN_SCHOOL,
	PROMOTED_METRIC,
	GRADUATED_METRIC,
	ATTENDANCE_GOALS,
	ACADEMIC_GOALS,
	BEHAVIOR_GOALS,
)
COUNT_METRICS = frozenset({COHORT, STATUS_MISSING, UNKNOWN_OUTCOME_METRIC})
GOAL_METRIC_AREAS = {ATTENDANCE_GOALS: "Attendance", ACADEMIC_GOALS: "Academic", BEHAVIOR_GOALS: "Behavior"}

OUTCOME_STATUSES = frozenset(STATUSES) - UNKNOWN_OUTCOME
KNOWN_PROGRESS = frozenset(PROGRESS_VALUES) - {EXITED}
# Within one group: cohort = status_missing + unknown_outcome + the denominator of remained_in_school,
# so one of these three suppressed alone could be recomputed (core.suppression, rule 4).
LINKED_CELLS = ((STATUS_MISSING, UNKNOWN_OUTCOME_METRIC, REMAINED_IN_SCHOOL),)

COHORT_COLUMNS = ("student", "site", "grade_level", "year_end_status")
GOAL_COLUMNS = ("student", "area", "progress_status")
OUTPUT_COLUMNS = ("metric", "group", "is_total", "numerator", "denominator", "percent")


def percent(numerator: int, denominator: int | None) -> float | None:
	"""100 x numerator / denominator rounded half up to one decimal; None without a denominator."""
	if not denominator:
		return None
	tenths = math.floor(Fraction(1000 * int(numerator), int(denominator)) + Fraction(1, 2))
	return tenths / 10


def _text(series: pd.Series) -> pd.Series:
	return series.where(series.notna(), "").astype(str).str.strip()


def _status(series: pd.Series) -> pd.Series:
	"""The year-end status, or None where it is empty or not a known status."""
	text = _text(series)
	return text.where(text.isin(STATUSES), None)


def cohort_students(cohort: pd.DataFrame) -> pd.DataFrame:
	"""One row per cohort student (columns ``COHORT_COLUMNS`` and any other the frame has).

	A student on several rows (several plans in the year) keeps the first row that has a year-end status,
	else their first row. ``year_end_status`` becomes None where it is empty or not a known status."""
	students = cohort.copy()
	for column in COHORT_COLUMNS:
		if column not in students:
			students[column] = None
	students = students[students["student"].notna() & (_text(students["student"]) != "")]
	students["year_end_status"] = _status(students["year_end_status"])
	has_status = students["year_end_status"].notna()
	order = has_status.map({True: 0, False: 1}).sort_values(kind="stable").index
	students = students.loc[order].drop_duplicates("student", keep="first").sort_index()
	return students.reset_index(drop=True)


def _rank(grade) -> int | None:
	normalized = normalize_grade(grade)
	return None if normalized is None else grade_rank(normalized)


def student_outcomes(cohort: pd.DataFrame, goals: pd.DataFrame | None = None) -> pd.DataFrame:
	"""Each cohort student once, with two flags per metric: ``<metric>_numerator`` (counted in the
	numerator; for a count: counted) and ``<metric>_denominator`` (in the denominator; False for a
	count). The module's docstring states each rule."""
	students = cohort_students(cohort)
	status = students["year_end_status"]
	has_status = status.notna()
	unknown = status.isin(UNKNOWN_OUTCOME)
	outcome = status.isin(OUTCOME_STATUSES)
	rank = students["grade_level"].map(_rank)
	promotion_grade = rank.map(lambda r: r is not None and 0 <= r <= 11).astype(bool)
	senior = rank.map(lambda r: r == 12).astype(bool)
	none = pd.Series(False, index=students.index)

	flags = {
		COHORT: (pd.Series(True, index=students.index), none),
		STATUS_MISSING: (~has_status, none),
		UNKNOWN_OUTCOME_METRIC: (unknown, none),
		REMAINED_IN_SCHOOL: (outcome & (status != DROPPED_OUT), outcome),
		PROMOTED_METRIC: (
			outcome & promotion_grade & (status == PROMOTED),
			outcome & promotion_grade & status.isin([PROMOTED, RETAINED, DROPPED_OUT]),
		),
		GRADUATED_METRIC: (outcome & senior & status.isin([GRADUATED, GED]), outcome & senior),
	}

	goals = (goals if goals is not None else pd.DataFrame()).reindex(columns=list(GOAL_COLUMNS))
	goals = goals[goals["student"].isin(set(students.loc[outcome, "student"]))]
	area = _text(goals["area"])
	progress = _text(goals["progress_status"])
	known = progress.isin(KNOWN_PROGRESS)
	good = progress.isin(MET_OR_PROGRESSING)
	for metric, area_name in GOAL_METRIC_AREAS.items():
		in_area = area == area_name
		flags[metric] = (
			students["student"].isin(set(goals.loc[in_area & good, "student"])),
			students["student"].isin(set(goals.loc[in_area & known, "student"])),
		)

	for metric in METRICS:
		numerator, denominator = flags[metric]
		students[f"{metric}_numerator"] = numerator.astype(bool)
		students[f"{metric}_denominator"] = denominator.astype(bool)
	return students


def _metric_rows(students: pd.DataFrame, group, is_total: bool) -> list[dict]:
	rows = []
	for metric in METRICS:
		numerator = int(students[f"{metric}_numerator"].sum())
		denominator = None if metric in COUNT_METRICS else int(students[f"{metric}_denominator"].sum())
		rows.append(
			{
				"metric": metric,
				"group": group,
				"is_total": is_total,
				"numerator": numerator,
				"denominator": denominator,
				"percent": None if denominator is None else percent(numerator, denominator),
			}
		)
	return rows


def _group_order(group_by: str, value: str):
	if group_by in ("grade", "grade_level"):
		rank = _rank(value)
		return (0, rank, "") if rank is not None else (1, 0, value)
	return (0, 0, value)


def outcome_metrics(
	cohort: pd.DataFrame, goals: pd.DataFrame | None = None, group_by: str | None = None
) -> pd.DataFrame:
	"""Every metric of ``METRICS`` (the module's docstring defines each) as rows with the columns
	``OUTPUT_COLUMNS``: per metric the total (``is_total`` True, ``group`` None), then, when ``group_by``
	names a column of ``cohort``, one row per value of that column (empty values grouped as "").
	Counts have no denominator or percent. An empty cohort gives zeros, not an error."""
	students = student_outcomes(cohort, goals)
	if group_by and group_by not in students:
		raise ValueError(f"cannot group by {group_by!r}: no such column in the cohort")
	totals = _metric_rows(students, None, True)
	by_group = {}
	if group_by:
		keys = _text(students[group_by])
		if group_by in ("grade", "grade_level"):
			keys = keys.map(lambda value: normalize_grade(value) or value)
		for value in sorted(keys.unique(), key=lambda value: _group_order(group_by, value)):
			by_group[value] = _metric_rows(students[keys == value], value, False)
	rows = []
	for position, total in enumerate(totals):
		rows.append(total)
		rows.extend(group_rows[position] for group_rows in by_group.values())
	metrics = pd.DataFrame(rows, columns=list(OUTPUT_COLUMNS), dtype=object)
	metrics["is_total"] = metrics["is_total"].astype(bool)
	return metrics


def suppress_outcomes(metrics: pd.DataFrame, threshold: int = DEFAULT_THRESHOLD) -> pd.DataFrame:
	"""``outcome_metrics`` with small-cell suppression (``core.suppression``: every rule, with the
	cohort's own cells linked)."""
	return suppress(metrics, threshold, linked=LINKED_CELLS)


def cohort_of_plans(plans: pd.DataFrame) -> pd.DataFrame:
	"""The cohort of a school year from its Student plans (columns ``student``, ``activated_on`` and any
	other): the students with at least one plan whose ``activated_on`` is set, each once (first such
	plan's row)."""
	if plans.empty:
		return plans.iloc[0:0].copy()
	activated = plans[plans["activated_on"].notna() & (_text(plans["activated_on"]) != "")]
	return activated.drop_duplicates("student", keep="first").reset_index(drop=True)
