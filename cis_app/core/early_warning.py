"""Early-warning indicators, the ABCs: Attendance, Behavior, Course performance.

Each indicator scores 0 to 2 points from thresholds that live in CIS Settings (districts differ);
``Thresholds()`` holds the defaults (docs/developer.md, "Early-warning thresholds"). The total (0 to 6) suggests a tier:
0-2 Tier 1, 3-4 Tier 2, 5-6 Tier 3 (the cut points are settings too).

Attendance (absence rate = days absent / days enrolled):
  - fewer enrolled days than ``min_enrolled_days``: not scored (too early to tell);
  - absence rate >= ``chronic_absence_rate`` (10%): 2 points, *chronic* (>= ``severe_absence_rate``,
    20%, is *severe*, still 2 points);
  - absence rate >= ``at_risk_absence_rate`` (5%): 1 point, *at risk*;
  - else 0, *satisfactory*. Exactly at a threshold counts as reaching it.
Behavior (in the period):
  - suspensions >= ``suspension_flag`` (1), or major incidents >= ``major_incident_flag`` (2), or
    minor incidents >= ``minor_incident_flag`` (6): 2 points;
  - any other incident (at least one major or minor): 1 point; none: 0.
Course performance:
  - failing both math and ELA, or GPA <= ``gpa_flag`` (2.0), or (grade 9) failed semester courses
    >= ``ninth_grade_failed_courses_flag`` (1) together with a math or ELA failure: 2 points;
  - failing math or ELA, or (grade 9) a failed semester course: 1 point; else 0.
An indicator with no data is *unknown*: it adds no points and the result says which are unknown,
so a student with missing data is never shown as low-risk without saying so. Rows may come as the
database holds them (zeros for empty figures, with the ``has_<group>`` flags of
``cis_app.core.data_points``): the figures of a group a data point does not carry are unknown, never 0.
A GPA is a figure like any other: a recorded GPA of 0 is a failing GPA.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from .data_points import FIGURES, FLAGS, mask_unrecorded


@dataclass(frozen=True)
class Thresholds:
	min_enrolled_days: int = 10
	at_risk_absence_rate: float = 0.05
	chronic_absence_rate: float = 0.10
	severe_absence_rate: float = 0.20
	suspension_flag: int = 1
	major_incident_flag: int = 2
	minor_incident_flag: int = 6
	gpa_flag: float = 2.0
	ninth_grade_failed_courses_flag: int = 1
	tier_2_min_score: int = 3
	tier_3_min_score: int = 5

	@classmethod
	def from_settings(cls, values: dict) -> Thresholds:
		"""Thresholds from a settings dict; missing or empty values keep their defaults."""
		defaults = asdict(cls())
		kwargs = {}
		for key, default in defaults.items():
			value = values.get(key)
			if value is None or value == "":
				kwargs[key] = default
			else:
				kwargs[key] = type(default)(value)
		return cls(**kwargs)

	def problems(self) -> list[str]:
		"""Codes of inconsistent settings (empty when fine)."""
		found = []
		if not 0 < self.at_risk_absence_rate < self.chronic_absence_rate <= self.severe_absence_rate <= 1:
			found.append("absence_rates_out_of_order")
		if not 0 < self.tier_2_min_score < self.tier_3_min_score <= 6:
			found.append("tier_scores_out_of_order")
		if min(self.suspension_flag, self.major_incident_flag, self.minor_incident_flag) < 1:
			found.append("behavior_flags_below_one")
		if self.min_enrolled_days < 0:
			found.append("negative_min_enrolled_days")
		return found


ATTENDANCE_BANDS = ("Satisfactory", "At Risk", "Chronic", "Severe")
INDICATORS = ("attendance", "behavior", "course")
# a student no data point tells anything about yet
NOTHING_KNOWN = ",".join(INDICATORS)

# The ABC figures a data point carries, and (for the grade 9 rule) the grade.
DATA_POINT_FIELDS = FIGURES
COLUMNS = (*DATA_POINT_FIELDS, "grade_level")
MAX_GPA = 5.0


def data_point_problems(point: dict) -> list[str]:
	"""Codes of what is wrong with one data point's figures (empty when fine).

	``absent_exceeds_enrolled``: more days absent than enrolled; ``absent_without_enrolled``: days
	absent given without days enrolled; ``gpa_out_of_range``: a GPA outside 0 to 5; ``nothing_recorded``:
	the data point carries no group at all (when its ``has_<group>`` flags are given).
	"""
	problems = []
	if all(flag in point for flag in FLAGS) and not any(point.get(flag) for flag in FLAGS):
		problems.append("nothing_recorded")
	enrolled, absent, gpa = point.get("days_enrolled"), point.get("days_absent"), point.get("gpa")
	if absent is not None and enrolled is not None and absent > enrolled:
		problems.append("absent_exceeds_enrolled")
	if absent and not enrolled:
		problems.append("absent_without_enrolled")
	if gpa is not None and not 0 <= gpa <= MAX_GPA:
		problems.append("gpa_out_of_range")
	return problems


def _num(frame: pd.DataFrame, column: str) -> np.ndarray:
	if column not in frame:
		return np.full(len(frame), np.nan)
	return pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float)


def score_frame(indicators: pd.DataFrame, thresholds: Thresholds | None = None) -> pd.DataFrame:
	"""Score many students at once. ``indicators`` has any of ``COLUMNS`` (missing ones are unknown).

	Returns a DataFrame on the same index with: ``absence_rate``, ``attendance_band``,
	``attendance_points``, ``behavior_points``, ``course_points`` (NaN when unknown), ``risk_score``
	(0-6, unknowns count 0), ``suggested_tier`` (1-3), ``unknown_indicators`` (comma list),
	``flags`` (comma list of the indicators scoring 2).
	"""
	t = thresholds or Thresholds()
	indicators = mask_unrecorded(indicators)
	n = len(indicators)
	enrolled, absent = _num(indicators, "days_enrolled"), _num(indicators, "days_absent")
	with np.errstate(divide="ignore", invalid="ignore"):
		rate = np.where(enrolled > 0, absent / enrolled, np.nan)
	known_attendance = ~np.isnan(rate) & (enrolled >= t.min_enrolled_days)
	attendance_points = np.select(
		[rate >= t.chronic_absence_rate, rate >= t.at_risk_absence_rate], [2.0, 1.0], default=0.0
	)
	attendance_points[~known_attendance] = np.nan
	band = np.select(
		[rate >= t.severe_absence_rate, rate >= t.chronic_absence_rate, rate >= t.at_risk_absence_rate],
		["Severe", "Chronic", "At Risk"],
		default="Satisfactory",
	).astype(object)
	band[~known_attendance] = None

	suspensions, major, minor = (
		_num(indicators, c) for c in ("suspensions", "major_incidents", "minor_incidents")
	)
	known_behavior = ~(np.isnan(suspensions) & np.isnan(major) & np.isnan(minor))
	s, ma, mi = (np.nan_to_num(x) for x in (suspensions, major, minor))
	behavior_points = np.select(
		[
			(s >= t.suspension_flag) | (ma >= t.major_incident_flag) | (mi >= t.minor_incident_flag),
			(ma + mi + s) >= 1,
		],
		[2.0, 1.0],
		default=0.0,
	)
	behavior_points[~known_behavior] = np.nan

	math_fail, ela_fail, gpa, failed = (
		_num(indicators, c) for c in ("failing_math", "failing_ela", "gpa", "failed_courses")
	)
	grade = (
		indicators["grade_level"].astype(str).to_numpy() if "grade_level" in indicators else np.full(n, "")
	)
	ninth = grade == "9"
	known_course = ~(np.isnan(math_fail) & np.isnan(ela_fail) & np.isnan(gpa) & (np.isnan(failed) | ~ninth))
	m, e = np.nan_to_num(math_fail) > 0, np.nan_to_num(ela_fail) > 0
	ninth_failed = ninth & (np.nan_to_num(failed) >= t.ninth_grade_failed_courses_flag)
	low_gpa = ~np.isnan(gpa) & (np.nan_to_num(gpa, nan=99.0) <= t.gpa_flag)
	course_points = np.select(
		[(m & e) | low_gpa | (ninth_failed & (m | e)), m | e | ninth_failed], [2.0, 1.0], default=0.0
	)
	course_points[~known_course] = np.nan

	points = np.vstack([attendance_points, behavior_points, course_points])
	score = np.nansum(points, axis=0).astype(int)
	tier = np.select([score >= t.tier_3_min_score, score >= t.tier_2_min_score], [3, 2], default=1)
	names = np.array(INDICATORS)
	unknown = [",".join(names[np.isnan(points[:, i])]) for i in range(n)]
	flagged = [",".join(names[points[:, i] == 2]) for i in range(n)]
	return pd.DataFrame(
		{
			"absence_rate": rate,
			"attendance_band": band,
			"attendance_points": attendance_points,
			"behavior_points": behavior_points,
			"course_points": course_points,
			"risk_score": score,
			"suggested_tier": tier,
			"unknown_indicators": unknown,
			"flags": flagged,
		},
		index=indicators.index,
	)


def score_student(thresholds: Thresholds | None = None, **indicators) -> dict:
	"""Score one student (keyword arguments from ``COLUMNS``); a dict of ``score_frame``'s columns."""
	frame = pd.DataFrame([{key: indicators.get(key) for key in COLUMNS}])
	return score_frame(frame, thresholds).iloc[0].to_dict()
