import math

import pandas as pd
import pytest

from cis_app.core import goals
from cis_app.core.goals import (
	DECLINE,
	DOWN,
	EXITED,
	MET,
	NO_PROGRESS_NEGATIVE,
	NO_PROGRESS_POSITIVE,
	PROGRESSING,
	UP,
	goal_problem,
	goal_progress,
	progress_frame,
)


@pytest.mark.parametrize(
	"current, expected",
	[
		(92, MET),
		(95, MET),
		(91, PROGRESSING),
		(90.21, PROGRESSING),
		(90.2, NO_PROGRESS_POSITIVE),
		(90, NO_PROGRESS_POSITIVE),
		(89.9, NO_PROGRESS_NEGATIVE),
		(89.8, NO_PROGRESS_NEGATIVE),
		(89.79, DECLINE),
		(80, DECLINE),
	],
)
def test_attendance_up_90_to_92(current, expected):
	# needed change 2 points; tolerance 10% of it = 0.2
	assert goal_progress(90, 92, UP, current) == expected


@pytest.mark.parametrize(
	"current, expected",
	[
		(3, MET),
		(0, MET),
		(3.5, PROGRESSING),
		(4, NO_PROGRESS_POSITIVE),
		(4.1, NO_PROGRESS_NEGATIVE),
		(5, DECLINE),
	],
)
def test_suspensions_down_4_to_3(current, expected):
	assert goal_progress(4, 3, DOWN, current) == expected


def test_missing_current_value_has_no_status_until_exit():
	assert goal_progress(90, 92, UP, None) is None
	assert goal_progress(90, 92, UP, "") is None
	assert goal_progress(90, 92, UP, float("nan")) is None
	assert goal_progress(90, 92, UP, None, exited=True) == EXITED
	# at exit with a value, the value decides
	assert goal_progress(90, 92, UP, 92, exited=True) == MET


def test_zero_tolerance_makes_any_loss_a_decline():
	assert goal_progress(90, 92, UP, 89.99, tolerance=0) == DECLINE
	assert goal_progress(90, 92, UP, 90, tolerance=0) == NO_PROGRESS_POSITIVE
	assert goal_progress(90, 92, UP, 90.01, tolerance=0) == PROGRESSING


def test_float_noise_at_the_target_counts_as_met():
	assert goal_progress(0.1, 0.3, UP, 0.1 + 0.2) == MET


@pytest.mark.parametrize(
	"baseline, target, direction, problem",
	[
		(90, 90, UP, "target_equals_baseline"),
		(4, 4, DOWN, "target_equals_baseline"),
		(90, 85, UP, "direction_contradicts"),
		(4, 5, DOWN, "direction_contradicts"),
		(None, 5, UP, "missing_values"),
		(4, "", DOWN, "missing_values"),
		(4, 3, "Sideways", "unknown_direction"),
	],
)
def test_invalid_goals(baseline, target, direction, problem):
	assert goal_problem(baseline, target, direction) == problem
	with pytest.raises(ValueError):
		goal_progress(baseline, target, direction, 1)


def test_valid_goals_have_no_problem():
	assert goal_problem(90, 92, UP) is None
	assert goal_problem("4", "3", DOWN) is None


def test_frame_matches_scalar_rule_and_handles_many_rows():
	frame = pd.DataFrame(
		{
			"baseline": [90, 4, 90, 1.0],
			"target": [92, 3, 92, 3.0],
			"direction": [UP, DOWN, UP, UP],
			"current": [91, 5, None, 3.0],
			"exited": [False, False, True, False],
		}
	)
	assert progress_frame(frame) == [PROGRESSING, DECLINE, EXITED, MET]
	assert progress_frame(frame.iloc[0:0]) == []
	big = pd.concat([frame] * 25000, ignore_index=True)
	assert len(progress_frame(big)) == 100000


def test_frame_names_the_invalid_row():
	frame = pd.DataFrame({"baseline": [1, 2], "target": [2, 2], "direction": [UP, UP], "current": [1, 1]})
	with pytest.raises(ValueError, match="row 1: target_equals_baseline"):
		progress_frame(frame)


def test_met_or_progressing():
	assert set(goals.PROGRESS_VALUES) == {
		MET,
		PROGRESSING,
		NO_PROGRESS_POSITIVE,
		NO_PROGRESS_NEGATIVE,
		DECLINE,
		EXITED,
	}
	assert not math.isnan(goals.DEFAULT_TOLERANCE)
