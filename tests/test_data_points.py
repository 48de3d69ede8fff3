"""Blank is not zero: data points carry indicator groups; rows come as the database returns them."""

import math

import pandas as pd
import pytest

from cis_app.core.data_points import latest_known, latest_per_student, mask_unrecorded, recorded_groups
from cis_app.core.early_warning import data_point_problems, score_frame
from cis_app.core.goals import (
	FROM_CHECK_IN,
	FROM_DATA,
	MET,
	check_in_updates,
	goal_problems,
	plan_summary,
	progress_frame,
	resolve_data_fed,
)
from cis_app.core.metrics import INCIDENTS, SUSPENSIONS, data_as_of, metric_values
from cis_app.core.plans import is_case_managed

# A data point as MariaDB returns it when only days enrolled and days absent were entered: every
# other figure is 0, because Frappe's numeric columns are NOT NULL.
ATTENDANCE_ONLY = {
	"student": "S1",
	"school_year": "2026-27",
	"as_of_date": "2026-10-01",
	"creation": "2026-10-01 10:00:00",
	"days_enrolled": 40,
	"days_absent": 2,
	"suspensions": 0,
	"major_incidents": 0,
	"minor_incidents": 0,
	"failing_math": 0,
	"failing_ela": 0,
	"gpa": 0.0,
	"failed_courses": 0,
	"has_attendance": 1,
	"has_behavior": 0,
	"has_course": 0,
	"has_gpa": 0,
	"grade_level": "9",
}


def db_row(**changes):
	return {**ATTENDANCE_ONLY, **changes}


def test_recorded_groups_of_a_new_data_point_follow_what_was_sent():
	sent = {"days_enrolled": 40, "days_absent": 2, "suspensions": None, "gpa": None}
	assert recorded_groups(sent) == {"attendance": True, "behavior": False, "course": False, "gpa": False}
	# a typed zero is entered; an untouched yes/no box is not, a ticked one is
	assert recorded_groups({"suspensions": 0})["behavior"] is True
	assert recorded_groups({"failing_math": 0})["course"] is False
	assert recorded_groups({"failing_math": 1})["course"] is True
	assert recorded_groups({"gpa": 0.0})["gpa"] is True
	# a ticked flag records the group with all its figures at zero
	assert recorded_groups({"has_behavior": 1})["behavior"] is True


def test_recorded_groups_of_an_edit_follow_changes_and_flags():
	stored = db_row()
	# editing the period label (same stored zeros) records nothing new
	assert recorded_groups(dict(stored, period_label="Q1"), stored)["behavior"] is False
	# changing a behavior figure records the group
	assert recorded_groups(dict(stored, suspensions=1), stored)["behavior"] is True
	# unticking a recorded group's flag makes it unknown again
	assert recorded_groups(dict(stored, has_attendance=0), stored)["attendance"] is False
	assert recorded_groups(dict(stored), stored)["attendance"] is True


def test_risk_from_a_database_row_lists_unentered_groups_as_unknown():
	scores = score_frame(pd.DataFrame([db_row()])).iloc[0]
	assert scores["attendance_points"] == 1
	assert math.isnan(scores["behavior_points"]) and math.isnan(scores["course_points"])
	assert scores["unknown_indicators"] == "behavior,course"
	assert scores["risk_score"] == 1


def test_a_recorded_gpa_of_zero_is_a_failing_gpa():
	scores = score_frame(pd.DataFrame([db_row(has_gpa=1)])).iloc[0]
	assert scores["course_points"] == 2
	assert "course" not in scores["unknown_indicators"]


def test_recorded_zeros_are_clean_and_known():
	scores = score_frame(pd.DataFrame([db_row(has_behavior=1, has_course=1)])).iloc[0]
	assert (scores["behavior_points"], scores["course_points"]) == (0, 0)
	assert scores["unknown_indicators"] == ""


def test_goal_values_from_a_database_row_are_unknown_for_unentered_groups():
	frame = pd.DataFrame([db_row(), db_row()])
	values = metric_values(pd.Series([SUSPENSIONS, INCIDENTS]), frame)
	assert all(math.isnan(v) for v in values)
	values = metric_values(pd.Series([SUSPENSIONS, INCIDENTS]), pd.DataFrame([db_row(has_behavior=1)] * 2))
	assert list(values) == [0, 0]


def test_mask_leaves_frames_without_flags_alone():
	frame = pd.DataFrame([{"suspensions": 2, "days_enrolled": None}])
	masked = mask_unrecorded(frame)
	assert masked.loc[0, "suspensions"] == 2 and math.isnan(masked.loc[0, "days_enrolled"])


def test_latest_known_takes_each_group_from_its_own_latest_data_point():
	rows = pd.DataFrame(
		[
			db_row(as_of_date="2026-09-15", suspensions=2, has_behavior=1, days_enrolled=20, days_absent=5),
			db_row(as_of_date="2026-10-01"),  # attendance only
			db_row(student="S2", has_attendance=0),  # carries nothing
		]
	)
	known = latest_known(rows)
	assert list(known["student"]) == ["S1"]
	row = known.iloc[0]
	assert (row["days_enrolled"], row["days_absent"], row["suspensions"]) == (40, 2, 2)
	assert row["attendance_as_of"] == pd.Timestamp("2026-10-01")
	assert row["behavior_as_of"] == pd.Timestamp("2026-09-15")
	assert pd.isna(row["course_as_of"]) and math.isnan(row["gpa"])
	assert row["as_of_date"] == pd.Timestamp("2026-10-01")


def test_latest_known_breaks_same_day_ties_by_creation():
	rows = pd.DataFrame(
		[
			db_row(creation="2026-10-01 11:00:00", days_absent=7),
			db_row(creation="2026-10-01 09:00:00", days_absent=1),
		]
	)
	assert latest_known(rows).iloc[0]["days_absent"] == 7


def test_latest_per_student_keeps_the_newest_school_year():
	rows = pd.DataFrame(
		[
			db_row(school_year="2025-26", as_of_date="2026-05-01", has_behavior=1, suspensions=3),
			db_row(school_year="2026-27", as_of_date="2026-10-01"),
		]
	)
	now = latest_per_student(latest_known(rows)).iloc[0]
	assert now["school_year"] == "2026-27"
	assert math.isnan(now["suspensions"])  # last year's behavior does not stand in for this year's


def test_a_data_point_that_carries_nothing_is_a_problem():
	assert "nothing_recorded" in data_point_problems(db_row(has_attendance=0))
	assert "nothing_recorded" not in data_point_problems(db_row())
	assert "nothing_recorded" not in data_point_problems({"days_enrolled": 10})


def test_data_as_of_follows_the_metric_group():
	known = latest_known(
		pd.DataFrame([db_row(as_of_date="2026-09-15", has_behavior=1), db_row(as_of_date="2026-10-01")])
	)
	both = pd.concat([known, known], ignore_index=True)
	dates = data_as_of(pd.Series(["Days Absent", "Out-of-School Suspensions"]), both)
	assert list(dates) == [pd.Timestamp("2026-10-01"), pd.Timestamp("2026-09-15")]


def resolve(**row):
	base = {
		"current_value": None,
		"value_as_of": None,
		"value_source": "",
		"data_value": float("nan"),
		"data_as_of": None,
	}
	return resolve_data_fed(pd.DataFrame([{**base, **row}])).iloc[0]


def test_resolve_takes_data_for_a_goal_fed_by_data():
	out = resolve(
		current_value=3,
		value_as_of="2026-09-01",
		value_source=FROM_DATA,
		data_value=1,
		data_as_of="2026-10-01",
	)
	assert (out["current_value"], out["value_source"], bool(out["changed"])) == (1, FROM_DATA, True)
	assert out["value_as_of"] == pd.Timestamp("2026-10-01")


def test_resolve_keeps_a_later_check_in_value():
	out = resolve(
		current_value=2,
		value_as_of="2026-10-10",
		value_source=FROM_CHECK_IN,
		data_value=4,
		data_as_of="2026-10-01",
	)
	assert (out["current_value"], out["value_source"], bool(out["changed"])) == (2, FROM_CHECK_IN, False)
	newer = resolve(
		current_value=2,
		value_as_of="2026-10-10",
		value_source=FROM_CHECK_IN,
		data_value=4,
		data_as_of="2026-10-20",
	)
	assert (newer["current_value"], newer["value_source"]) == (4, FROM_DATA)


def test_resolve_forgets_a_value_whose_data_is_gone_but_keeps_the_last_known_otherwise():
	gone = resolve(current_value=0, value_as_of="2026-10-01", value_source=FROM_DATA)
	assert math.isnan(gone["current_value"]) and gone["value_source"] == "" and bool(gone["changed"])
	kept = resolve(current_value=3, value_as_of="2026-10-01", value_source=FROM_CHECK_IN)
	assert kept["current_value"] == 3 and not bool(kept["changed"])
	# a data point that does not carry the goal's group leaves the data-fed value as it was
	unchanged = resolve(
		current_value=3,
		value_as_of="2026-10-01",
		value_source=FROM_DATA,
		data_value=3,
		data_as_of="2026-10-01",
	)
	assert not bool(unchanged["changed"])


def test_blank_behavior_never_makes_a_behavior_goal_met():
	"""The reported defect: goals 'Suspensions 3 -> 0' jumped to Met at value 0 from an attendance-only point."""
	known = latest_known(pd.DataFrame([db_row()]))
	goals = pd.DataFrame([{"metric": SUSPENSIONS, "baseline": 3, "target": 0, "direction": "Down"}])
	joined = pd.concat([goals, known], axis=1)
	joined["current"] = metric_values(joined["metric"], joined)
	assert progress_frame(joined[["baseline", "target", "direction", "current"]]) == [None]
	recorded = latest_known(pd.DataFrame([db_row(has_behavior=1)]))
	joined = pd.concat([goals, recorded], axis=1)
	joined["current"] = metric_values(joined["metric"], joined)
	assert progress_frame(joined[["baseline", "target", "direction", "current"]]) == [MET]


def test_one_bad_goal_is_skipped_not_fatal():
	goals = pd.DataFrame(
		[
			{"baseline": 3, "target": 3, "direction": "Down", "current": 1},
			{"baseline": 3, "target": 1, "direction": "Down", "current": 1},
		]
	)
	with pytest.raises(ValueError):
		progress_frame(goals)
	assert progress_frame(goals, skip_invalid=True) == [None, MET]
	assert goal_problems(goals) == ["target_equals_baseline", None]


def test_check_in_updates_apply_once_and_never_over_newer_values():
	rows = [
		{"goal": "G1", "previous_value": 5, "new_value": 3},
		{"goal": "G2", "previous_value": 1, "new_value": 1},
	]
	assert check_in_updates(rows, None, {}, "2026-10-01") == {"G1": 3}
	# an edit that touches only the notes: the same rows as stored, nothing applies
	assert check_in_updates(rows, rows, {"G1": "2026-10-20"}, "2026-10-01") == {}
	# an edit that changes a value, but the goal has a newer value already: nothing applies
	changed = [{"goal": "G1", "previous_value": 5, "new_value": 2}]
	assert check_in_updates(changed, rows, {"G1": "2026-10-20"}, "2026-10-01") == {}
	# the same edit while the goal's value is no newer than the check-in: applies
	assert check_in_updates(changed, rows, {"G1": "2026-10-01"}, "2026-10-01") == {"G1": 2}


def test_plan_summary_and_case_management():
	assert plan_summary(["Met", "Progressing", "Decline", None]) == (4, 2)
	assert is_case_managed(["Closed", "Under Review"]) is True
	assert is_case_managed(["Closed", "Draft", "Pending Approval"]) is False
	assert is_case_managed([]) is False
