"""Year-end statuses of case-managed students and the outcome metrics computed from them.

Statuses (docs/developer.md, "Outcome metrics"): Promoted, Retained, Graduated, GED, Dropped Out, Transferred, Moved, Deceased.
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

Two entries, the same figures: ``outcome_metrics`` from the cohort's rows and their goals, student by
student; ``counted_outcome_metrics`` from a counted frame, where a row stands for ``weight`` students
alike in grade, status, goal flags (``GOAL_FLAGS``) and group (what a report counts in SQL).
``outcome_metrics`` is ``counted_outcome_metrics`` over ``student_goal_flags`` (each student a row of
weight 1), so every rule below is written once.

A student whose grade is PK, missing or not a grade level stays in every metric but ``promoted`` and
``graduated`` (PK has no promotion outcome; the others cannot be placed). Percent: 100 x numerator /
denominator, rounded half up to one decimal (66.666... -> 66.7, 6.25 -> 6.3), None when the
denominator is 0.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
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
# so any one of these four suppressed alone could be recomputed from the other three (core.suppression,
# rule 4): a cohort hidden across groups while its three parts are shown would be their sum.
LINKED_CELLS = ((COHORT, STATUS_MISSING, UNKNOWN_OUTCOME_METRIC, REMAINED_IN_SCHOOL),)

COHORT_COLUMNS = ("student", "site", "grade_level", "year_end_status")
GOAL_COLUMNS = ("student", "area", "progress_status")
OUTPUT_COLUMNS = ("metric", "group", "is_total", "numerator", "denominator", "percent")


def percent(numerator: int, denominator: int | None) -> float | None:
	"""100 x numerator / denominator rounded half up to one decimal; None without a denominator."""
	if not denominator:
		return None
	tenths = math.floor(Fraction(1000 * int(numerator), int(denominator)) + Fraction(1, 2))
	return tenths / 10


def _per_value(series: pd.Series, function) -> pd.Series:
	"""``series.map(function)`` (``function(None)`` for a missing value), calling ``function`` once per
	distinct value: a cohort has a handful of grades and statuses, and can have 170,000 rows."""
	codes, distinct = pd.factorize(series.astype(object))  # a missing value gets code -1
	results = [function(value) for value in distinct] + [function(None)]
	mapped = np.empty(len(results), dtype=object)
	mapped[:] = results
	return pd.Series(mapped[codes], index=series.index, dtype=object)


def _text(series: pd.Series) -> pd.Series:
	"""Each value as stripped text ('' for a missing one)."""
	return _per_value(series, lambda value: "" if value is None else str(value).strip())


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


GOAL_FLAGS = {
	metric: (f"has_known_{area.lower()}_goal", f"has_met_or_progressing_{area.lower()}_goal")
	for metric, area in GOAL_METRIC_AREAS.items()
}
WEIGHT = "weight"
# a counted frame (``counted_outcome_metrics``): one row per set of students alike in every column
COUNTED_COLUMNS = (
	"grade_level",
	"year_end_status",
	*(column for pair in GOAL_FLAGS.values() for column in pair),
	WEIGHT,
)


def goal_flags(goals: pd.DataFrame) -> pd.DataFrame:
	"""Per goal, the flags of ``GOAL_FLAGS``: the goal is in the area and its progress is known (Met,
	Progressing, No Progress Positive/Negative, Decline), or Met or Progressing. A student (or a plan)
	has a flag when at least one of their goals has it."""
	area = _text(goals["area"]).to_numpy()
	progress = _text(goals["progress_status"])
	known = progress.isin(KNOWN_PROGRESS).to_numpy(dtype=bool)
	good = progress.isin(MET_OR_PROGRESSING).to_numpy(dtype=bool)
	flags = {}
	for metric, area_name in GOAL_METRIC_AREAS.items():
		in_area = area == area_name
		known_column, good_column = GOAL_FLAGS[metric]
		flags[known_column] = in_area & known
		flags[good_column] = in_area & good
	return pd.DataFrame(flags, index=goals.index)


def student_goal_flags(cohort: pd.DataFrame, goals: pd.DataFrame | None = None) -> pd.DataFrame:
	"""Each cohort student once (``cohort_students``) with the flags of ``GOAL_FLAGS`` (at least one of
	their goals, of any of their plans, has it) and ``weight`` 1: the counted frame of
	``counted_outcome_metrics`` at its finest."""
	students = cohort_students(cohort)
	goals = (goals if goals is not None else pd.DataFrame()).reindex(columns=list(GOAL_COLUMNS))
	# students and goals numbered once (the same student, the same number), so each "has a goal ..."
	# below is an array lookup rather than a set of names per area
	codes, names = pd.factorize(pd.concat([students["student"], goals["student"]], ignore_index=True))
	student_codes, goal_codes = codes[: len(students)], codes[len(students) :]
	slots = len(names) + 1  # a goal without a student (code -1) lands on the last slot: no student's
	per_goal = goal_flags(goals)
	for column in per_goal.columns:
		marked = np.zeros(slots, dtype=bool)
		marked[goal_codes[per_goal[column].to_numpy(dtype=bool)]] = True
		students[column] = marked[student_codes]
	students[WEIGHT] = 1
	return students


def counted_outcomes(counted: pd.DataFrame) -> pd.DataFrame:
	"""``counted`` (columns ``COUNTED_COLUMNS``; each row stands for ``weight`` students) with two flags
	per metric: ``<metric>_numerator`` (counted in the numerator; for a count: counted) and
	``<metric>_denominator`` (in the denominator; False for a count). The module's docstring states
	each rule; a student's goal flags count only when their outcome is known."""
	students = counted.copy()
	status = _status(students["year_end_status"])
	has_status = status.notna()
	unknown = status.isin(UNKNOWN_OUTCOME)
	outcome = status.isin(OUTCOME_STATUSES)
	rank = pd.to_numeric(_per_value(students["grade_level"], _rank), errors="coerce")  # NaN: no grade
	promotion_grade = rank.between(0, 11).astype(bool)
	senior = (rank == 12).astype(bool)
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
	for metric, (known_column, good_column) in GOAL_FLAGS.items():
		known = students[known_column].fillna(False).astype(bool)
		good = students[good_column].fillna(False).astype(bool)
		flags[metric] = (outcome & good, outcome & known)

	for metric in METRICS:
		numerator, denominator = flags[metric]
		students[f"{metric}_numerator"] = numerator.astype(bool)
		students[f"{metric}_denominator"] = denominator.astype(bool)
	return students


def _metric_rows(sums: dict, group, is_total: bool) -> list[dict]:
	"""The rows of one group from ``sums``: flag column -> how many students have it."""
	rows = []
	for metric in METRICS:
		numerator = int(sums[f"{metric}_numerator"])
		denominator = None if metric in COUNT_METRICS else int(sums[f"{metric}_denominator"])
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
	students = student_goal_flags(cohort, goals)
	if group_by and group_by not in students:
		raise ValueError(f"cannot group by {group_by!r}: no such column in the cohort")
	return counted_outcome_metrics(students, group_by=group_by)


def counted_outcome_metrics(counted: pd.DataFrame, group_by: str | None = None) -> pd.DataFrame:
	"""``outcome_metrics`` from a counted frame: columns ``COUNTED_COLUMNS`` (and ``group_by``), each
	row standing for ``weight`` distinct cohort students who share its grade, status, goal flags and
	group (``student_goal_flags`` gives it student by student; the report counts alike students in
	SQL). The figures are the sums of the weights instead of the number of rows."""
	if group_by and group_by not in counted:
		raise ValueError(f"cannot group by {group_by!r}: no such column in the cohort")
	students = counted_outcomes(counted)
	flags = students[[f"{metric}_{part}" for metric in METRICS for part in ("numerator", "denominator")]]
	weights = pd.to_numeric(students[WEIGHT]).fillna(0).astype("int64").to_numpy()
	flags = flags.astype("int64").mul(weights, axis=0)
	totals = _metric_rows(flags.sum().to_dict(), None, True)
	by_group = {}
	if group_by:
		keys = _text(students[group_by])
		if group_by in ("grade", "grade_level"):
			keys = _per_value(keys, lambda value: normalize_grade(value) or value)
		# one pass over the students for every group (not one per group: a network has 2,900 sites)
		sums = flags.groupby(keys.to_numpy(), sort=False).sum()
		for value in sorted(sums.index, key=lambda value: _group_order(group_by, value)):
			by_group[value] = _metric_rows(sums.loc[value].to_dict(), value, False)
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
