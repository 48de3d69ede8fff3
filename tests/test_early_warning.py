import math

import pandas as pd
import pytest

from cis_app.core.early_warning import Thresholds, score_frame, score_student


def nan(x):
	return isinstance(x, float) and math.isnan(x)


@pytest.mark.parametrize(
	"enrolled, absent, points, band",
	[
		(100, 0, 0, "Satisfactory"),
		(100, 4, 0, "Satisfactory"),
		(100, 5, 1, "At Risk"),
		(100, 9, 1, "At Risk"),
		(100, 10, 2, "Chronic"),
		(100, 19, 2, "Chronic"),
		(100, 20, 2, "Severe"),
		(100, 60, 2, "Severe"),
	],
)
def test_attendance_bands_at_their_edges(enrolled, absent, points, band):
	result = score_student(days_enrolled=enrolled, days_absent=absent)
	assert result["attendance_points"] == points
	assert result["attendance_band"] == band


def test_attendance_needs_enough_enrolled_days():
	result = score_student(days_enrolled=9, days_absent=9)
	assert nan(result["attendance_points"]) and result["attendance_band"] is None
	assert "attendance" in result["unknown_indicators"]
	assert score_student(days_enrolled=10, days_absent=1)["attendance_points"] == 2
	custom = Thresholds(min_enrolled_days=31)
	assert nan(score_student(custom, days_enrolled=30, days_absent=10)["attendance_points"])
	assert score_student(custom, days_enrolled=31, days_absent=10)["attendance_points"] == 2


@pytest.mark.parametrize(
	"suspensions, major, minor, points",
	[(0, 0, 0, 0), (1, 0, 0, 2), (0, 1, 0, 1), (0, 2, 0, 2), (0, 0, 5, 1), (0, 0, 6, 2), (None, None, 1, 1)],
)
def test_behavior(suspensions, major, minor, points):
	assert (
		score_student(suspensions=suspensions, major_incidents=major, minor_incidents=minor)[
			"behavior_points"
		]
		== points
	)


@pytest.mark.parametrize(
	"values, points",
	[
		({"failing_math": 0, "failing_ela": 0}, 0),
		({"failing_math": 1, "failing_ela": 0}, 1),
		({"failing_math": 1, "failing_ela": 1}, 2),
		({"gpa": 2.0}, 2),
		({"gpa": 2.01}, 0),
		({"grade_level": "9", "failed_courses": 1}, 1),
		({"grade_level": "9", "failed_courses": 1, "failing_math": 1}, 2),
		({"grade_level": "10", "failed_courses": 3}, None),
	],
)
def test_course_performance(values, points):
	result = score_student(**values)["course_points"]
	assert nan(result) if points is None else result == points


def test_total_score_and_tier_cut_points():
	# 2 + 2 + 2 = 6 -> Tier 3
	full = score_student(days_enrolled=100, days_absent=20, suspensions=1, failing_math=1, failing_ela=1)
	assert (full["risk_score"], full["suggested_tier"], full["flags"]) == (6, 3, "attendance,behavior,course")
	# 2 + 2 + 1 = 5 -> Tier 3 (exactly at the cut)
	assert (
		score_student(days_enrolled=100, days_absent=10, suspensions=1, failing_math=1)["suggested_tier"] == 3
	)
	# 2 + 1 + 1 = 4 -> Tier 2
	assert (
		score_student(days_enrolled=100, days_absent=10, minor_incidents=1, failing_math=1)["suggested_tier"]
		== 2
	)
	# 1 + 1 + 1 = 3 -> Tier 2 (exactly at the cut)
	assert (
		score_student(days_enrolled=100, days_absent=5, minor_incidents=1, failing_ela=1)["suggested_tier"]
		== 2
	)
	# 2 -> Tier 1
	assert (
		score_student(days_enrolled=100, days_absent=10, suspensions=0, failing_math=0)["suggested_tier"] == 1
	)


def test_no_data_at_all_is_tier_1_but_says_every_indicator_is_unknown():
	result = score_student()
	assert result["risk_score"] == 0 and result["suggested_tier"] == 1
	assert result["unknown_indicators"] == "attendance,behavior,course"


def test_thresholds_from_settings_and_their_checks():
	t = Thresholds.from_settings({"chronic_absence_rate": "0.15", "tier_3_min_score": 6, "gpa_flag": None})
	assert t.chronic_absence_rate == 0.15 and t.tier_3_min_score == 6 and t.gpa_flag == 2.0
	assert Thresholds().problems() == []
	assert "absence_rates_out_of_order" in Thresholds(at_risk_absence_rate=0.2).problems()
	assert "tier_scores_out_of_order" in Thresholds(tier_2_min_score=5, tier_3_min_score=5).problems()
	assert "behavior_flags_below_one" in Thresholds(suspension_flag=0).problems()


def test_frame_scores_many_students_like_one():
	rows = pd.DataFrame(
		[
			{"days_enrolled": 100, "days_absent": 12, "suspensions": 0, "failing_math": 1},
			{"days_enrolled": 100, "days_absent": 1, "suspensions": 2, "failing_math": 0, "failing_ela": 0},
		]
	)
	frame = score_frame(pd.concat([rows] * 50000, ignore_index=True))
	assert len(frame) == 100000
	assert list(frame["risk_score"][:2]) == [3, 2]
	assert list(frame["suggested_tier"][:2]) == [2, 1]


def test_data_point_problems():
	from cis_app.core.early_warning import data_point_problems

	assert data_point_problems({"days_enrolled": 10, "days_absent": 10, "gpa": 5}) == []
	assert data_point_problems({"days_enrolled": 10, "days_absent": 11}) == ["absent_exceeds_enrolled"]
	assert data_point_problems({"days_absent": 2}) == ["absent_without_enrolled"]
	assert data_point_problems({"days_enrolled": 0, "days_absent": 0}) == []
	assert data_point_problems({"gpa": 5.1}) == ["gpa_out_of_range"]
	assert data_point_problems({"gpa": -0.5}) == ["gpa_out_of_range"]
