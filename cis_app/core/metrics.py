"""Goal metrics that are read from a student's data points (the ABCs).

A goal whose metric is one of ``DATA_METRICS`` takes its current value from the student's latest
data point; "Other" goals are updated by hand (at a check-in).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .data_points import mask_unrecorded

ATTENDANCE_RATE = "Attendance Rate (%)"
DAYS_ABSENT = "Days Absent"
SUSPENSIONS = "Out-of-School Suspensions"
INCIDENTS = "Behavior Incidents"
GPA = "GPA"
COURSE_FAILURES = "Course Failures"
OTHER = "Other"
DATA_METRICS = (ATTENDANCE_RATE, DAYS_ABSENT, SUSPENSIONS, INCIDENTS, GPA, COURSE_FAILURES)
METRICS = (*DATA_METRICS, OTHER)

# The area each metric belongs to, and the direction that is better.
METRIC_AREA = {
	ATTENDANCE_RATE: ("Attendance", "Up"),
	DAYS_ABSENT: ("Attendance", "Down"),
	SUSPENSIONS: ("Behavior", "Down"),
	INCIDENTS: ("Behavior", "Down"),
	GPA: ("Academic", "Up"),
	COURSE_FAILURES: ("Academic", "Down"),
}


# The data point group (``cis_app.core.data_points``) each data-fed metric is read from.
METRIC_GROUP = {
	ATTENDANCE_RATE: "attendance",
	DAYS_ABSENT: "attendance",
	SUSPENSIONS: "behavior",
	INCIDENTS: "behavior",
	GPA: "gpa",
	COURSE_FAILURES: "course",
}


def fixed_area_and_direction(metric: str) -> tuple[str, str] | None:
	"""(area, better direction) of a data-fed metric; None for Other, whose area and direction the
	coordinator chooses. The server sets them on save and serves this table to the form."""
	return METRIC_AREA.get(metric)


def data_as_of(metrics: pd.Series, known: pd.DataFrame) -> pd.Series:
	"""The date each row's metric describes: its group's ``<group>_as_of`` in ``known`` (a row of
	``data_points.latest_known`` on the same index); NaT for Other or unknown."""
	result = pd.Series(pd.NaT, index=metrics.index, dtype="datetime64[ns]")
	for metric, group in METRIC_GROUP.items():
		column = f"{group}_as_of"
		if column in known:
			mask = metrics == metric
			result[mask] = pd.to_datetime(known.loc[mask, column])
	return result


def _num(frame: pd.DataFrame, column: str) -> np.ndarray:
	if column not in frame:
		return np.full(len(frame), np.nan)
	return pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float)


def metric_values(metrics: pd.Series, data_points: pd.DataFrame) -> np.ndarray:
	"""The value of each row's metric from the data point on the same row (NaN when unknown).

	- Attendance Rate (%): (days enrolled - days absent) / days enrolled x 100, when enrolled > 0;
	- Days Absent, Out-of-School Suspensions, GPA: the field itself;
	- Behavior Incidents: major + minor incidents (either known; the other counts 0);
	- Course Failures: failed semester courses when known, else failing math + failing ELA;
	- Other: NaN (updated by hand).
	Rows may come as the database holds them, with the ``has_<group>`` flags: a group the data point
	does not carry gives NaN (``cis_app.core.data_points``).
	"""
	data_points = mask_unrecorded(data_points)
	enrolled, absent = _num(data_points, "days_enrolled"), _num(data_points, "days_absent")
	with np.errstate(divide="ignore", invalid="ignore"):
		rate = np.where(enrolled > 0, (enrolled - absent) / enrolled * 100, np.nan)
	major, minor = _num(data_points, "major_incidents"), _num(data_points, "minor_incidents")
	incidents = np.where(
		np.isnan(major) & np.isnan(minor), np.nan, np.nan_to_num(major) + np.nan_to_num(minor)
	)
	failed = _num(data_points, "failed_courses")
	math_fail, ela_fail = _num(data_points, "failing_math"), _num(data_points, "failing_ela")
	core_fail = np.where(
		np.isnan(math_fail) & np.isnan(ela_fail), np.nan, np.nan_to_num(math_fail) + np.nan_to_num(ela_fail)
	)
	failures = np.where(np.isnan(failed), core_fail, failed)
	by_metric = {
		ATTENDANCE_RATE: np.round(rate, 2),
		DAYS_ABSENT: absent,
		SUSPENSIONS: _num(data_points, "suspensions"),
		INCIDENTS: incidents,
		GPA: _num(data_points, "gpa"),
		COURSE_FAILURES: failures,
	}
	metric_array = metrics.to_numpy()
	result = np.full(len(metric_array), np.nan)
	for metric, values in by_metric.items():
		mask = metric_array == metric
		result[mask] = values[mask]
	return result


def metric_value(metric: str, data_point: dict) -> float | None:
	"""One goal's value from one data point (dict); None when unknown or the metric is Other."""
	value = metric_values(pd.Series([metric]), pd.DataFrame([data_point]))[0]
	return None if math.isnan(value) else float(value)
