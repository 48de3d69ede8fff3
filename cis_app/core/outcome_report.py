"""What the CIS Outcomes report adds to ``cis_app.core.outcomes``: the grade-range filter, and the
rows it shows (plain dicts), so the Frappe report only loads data and labels it.

A grade range keeps the cohort students whose year-end grade (or current grade, when no status is
recorded yet) lies between ``grade_from`` and ``grade_to``, both included. A student whose grade is
missing or not a grade level cannot be placed in a range, so a range leaves them out.
"""

from __future__ import annotations

import pandas as pd

from .grades import grade_rank, normalize_grade
from .outcomes import COUNT_METRICS


def grade_range(grade_from: str | None, grade_to: str | None) -> tuple[int | None, int | None]:
	"""Ranks (PK -1, K 0, 1..12) of the range's ends; None for an open end. Raises ValueError for a
	value that is not a grade level, or a range whose start is above its end."""
	ranks = []
	for value in (grade_from, grade_to):
		if value in (None, ""):
			ranks.append(None)
			continue
		normalized = normalize_grade(value)
		if normalized is None:
			raise ValueError(f"not a grade level: {value!r}")
		ranks.append(grade_rank(normalized))
	low, high = ranks
	if low is not None and high is not None and low > high:
		raise ValueError(f"grade range {grade_from!r} to {grade_to!r} is empty")
	return low, high


def in_grade_range(cohort: pd.DataFrame, grade_from: str | None, grade_to: str | None) -> pd.DataFrame:
	"""The rows of ``cohort`` (column ``grade_level``) inside the range; all rows without a range."""
	low, high = grade_range(grade_from, grade_to)
	if low is None and high is None:
		return cohort

	def inside(grade) -> bool:
		normalized = normalize_grade(grade)
		if normalized is None:
			return False
		rank = grade_rank(normalized)
		return (low is None or rank >= low) and (high is None or rank <= high)

	grades = cohort["grade_level"].astype(object).where(cohort["grade_level"].notna(), None)
	lookup = {grade: inside(grade) for grade in set(grades)}  # once per distinct grade
	return cohort[grades.map(lookup.__getitem__).astype(bool)].reset_index(drop=True)


def _value(value):
	"""A plain Python value (None for a missing one), so the report's JSON carries no NaN."""
	if value is None or (isinstance(value, float) and value != value):
		return None
	if hasattr(value, "item"):  # numpy scalars
		return value.item()
	return value


def report_rows(
	metrics: pd.DataFrame, targets: dict[str, float], total_label: str, empty_label: str
) -> list[dict]:
	"""One dict per row of ``metrics`` (``outcome_metrics``, suppressed or not) with the report's
	columns: metric, group, is_total, numerator, denominator, percent, target (rates only) and
	suppressed (0/1). A suppressed row keeps no figure; the total's group reads ``total_label``, an
	empty group value ``empty_label``."""
	rows = []
	for record in metrics.to_dict("records"):
		suppressed = int(_value(record.get("suppressed")) or 0)
		is_total = bool(record["is_total"])
		group = total_label if is_total else (_value(record["group"]) or empty_label)
		metric = record["metric"]
		rows.append(
			{
				"metric": metric,
				"group": group,
				"is_total": int(is_total),
				"numerator": None if suppressed else _value(record["numerator"]),
				"denominator": None if suppressed else _value(record["denominator"]),
				"percent": None if suppressed else _value(record["percent"]),
				"target": None if metric in COUNT_METRICS else targets.get(metric),
				"suppressed": suppressed,
			}
		)
	return rows
