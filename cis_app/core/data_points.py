"""What a data point actually carries: blank is not zero.

A Student Data Point holds the ABC figures of one date. Frappe stores an empty Int, Float or Check
as 0, so a stored 0 cannot say whether someone entered "0 suspensions" or left the field empty. Each
data point therefore records which *indicator groups* it carries:

- ``attendance``: days enrolled, days absent (flag ``has_attendance``);
- ``behavior``: suspensions, major and minor incidents (``has_behavior``);
- ``course``: failing math, failing ELA, failed semester courses (``has_course``);
- ``gpa``: the GPA, on its own because many extracts carry course marks without a GPA (``has_gpa``).

A group is recorded when someone (or an import) entered any of its figures, a zero included, or ticked
its flag. The figures of a group that is not recorded are *unknown* everywhere: in risk scoring (listed
as unknown, no points), in goal values (a goal keeps its last known value) and in every report.

Rows reach these functions as the database returns them: zeros, never None, plus the four flags.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

INDICATOR_GROUPS: dict[str, tuple[str, ...]] = {
	"attendance": ("days_enrolled", "days_absent"),
	"behavior": ("suspensions", "major_incidents", "minor_incidents"),
	"course": ("failing_math", "failing_ela", "failed_courses"),
	"gpa": ("gpa",),
}
GROUP_FLAGS: dict[str, str] = {group: f"has_{group}" for group in INDICATOR_GROUPS}
FIGURES: tuple[str, ...] = tuple(field for fields in INDICATOR_GROUPS.values() for field in fields)
FLAGS: tuple[str, ...] = tuple(GROUP_FLAGS.values())
GROUP_OF_FIELD: dict[str, str] = {
	field: group for group, fields in INDICATOR_GROUPS.items() for field in fields
}
# Yes/no figures: an untouched box is indistinguishable from "no", so on a new data point only a
# ticked box says the group was entered (a course group of "passing both" is recorded by its flag).
CHECK_FIELDS = frozenset({"failing_math", "failing_ela"})


def _entered(value, field: str = "") -> bool:
	if value is None or value == "" or (isinstance(value, float) and np.isnan(value)):
		return False
	return bool(value) if field in CHECK_FIELDS else True


def recorded_groups(values: Mapping, before: Mapping | None = None) -> dict[str, bool]:
	"""Which groups a data point carries after a save.

	``values``: the figures and flags as the form or import sent them (None where nothing was sent).
	``before``: the stored row for an existing data point (None for a new one).

	A group is recorded when its flag is ticked, or when any of its figures was entered: for a new data
	point any figure that is not None (a typed 0 counts; a yes/no box only when ticked), for an existing
	one any figure whose value changed. A recorded group stays recorded until its flag is unticked.
	"""
	result = {}
	for group, fields in INDICATOR_GROUPS.items():
		flag = GROUP_FLAGS[group]
		flagged = bool(values.get(flag))
		if before is None:
			entered = any(_entered(values.get(field), field) for field in fields)
		else:
			flag_cleared = bool(before.get(flag)) and not flagged and flag in values
			entered = not flag_cleared and any(
				_entered(values.get(field)) and float(values.get(field) or 0) != float(before.get(field) or 0)
				for field in fields
			)
		result[group] = flagged or entered
	return result


def mask_unrecorded(points: pd.DataFrame) -> pd.DataFrame:
	"""A copy of ``points`` (database-shaped rows) with the figures of unrecorded groups set to NaN.

	A frame without the flag columns is taken as already masked (figures given as None or NaN)."""
	masked = points.copy()
	for group, fields in INDICATOR_GROUPS.items():
		present = [field for field in fields if field in masked]
		if not present:
			continue
		for field in present:
			masked[field] = pd.to_numeric(masked[field], errors="coerce").astype(float)
		flag = GROUP_FLAGS[group]
		if flag not in masked:
			continue
		unrecorded = ~pd.to_numeric(masked[flag], errors="coerce").fillna(0).astype(bool)
		masked.loc[unrecorded, present] = np.nan
	return masked


def latest_known(points: pd.DataFrame, keys: tuple[str, ...] = ("student", "school_year")) -> pd.DataFrame:
	"""Per ``keys`` (a student and school year), each group's figures from the latest data point that
	carries that group.

	``points``: database-shaped rows with ``keys``, ``as_of_date``, optionally ``creation`` (breaks ties
	between data points of one date), the figures and the flags. Returns one row per key with every
	figure (NaN where no data point carries its group), ``<group>_as_of`` (the date the group's figures
	describe, NaT when unknown) and ``as_of_date`` (the latest of those dates). Keys whose data points
	carry no group at all are left out.
	"""
	columns = [*keys, "as_of_date", *FIGURES, *(f"{group}_as_of" for group in INDICATOR_GROUPS)]
	if points.empty:
		return pd.DataFrame(columns=columns)
	masked = mask_unrecorded(points)
	masked["as_of_date"] = pd.to_datetime(masked["as_of_date"])
	order = ["as_of_date", "creation"] if "creation" in masked else ["as_of_date"]
	masked = masked.sort_values(order, kind="stable")
	result = None
	for group, fields in INDICATOR_GROUPS.items():
		present = [field for field in fields if field in masked]
		carrying = masked[masked[present].notna().any(axis=1)] if present else masked.iloc[0:0]
		latest = carrying.drop_duplicates(list(keys), keep="last")[[*keys, "as_of_date", *present]]
		latest = latest.rename(columns={"as_of_date": f"{group}_as_of"})
		result = latest if result is None else result.merge(latest, on=list(keys), how="outer")
	for column in columns:
		if column not in result and column != "as_of_date":
			result[column] = np.nan
	dates = result[[f"{group}_as_of" for group in INDICATOR_GROUPS]]
	result["as_of_date"] = dates.max(axis=1)
	return result[columns].reset_index(drop=True)


def latest_per_student(by_year: pd.DataFrame) -> pd.DataFrame:
	"""Of ``latest_known`` rows (one per student and school year), each student's most recent year.

	Risk describes the student now: a new school year starts from what is known in it, so last year's
	behavior does not stand in for this year's."""
	if by_year.empty:
		return by_year
	return by_year.sort_values("as_of_date", kind="stable").drop_duplicates("student", keep="last")
