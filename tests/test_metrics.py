import pandas as pd

from cis_app.core.metrics import (
	ATTENDANCE_RATE,
	COURSE_FAILURES,
	DAYS_ABSENT,
	GPA,
	INCIDENTS,
	METRIC_AREA,
	OTHER,
	SUSPENSIONS,
	metric_value,
	metric_values,
)


def test_attendance_rate():
	assert metric_value(ATTENDANCE_RATE, {"days_enrolled": 100, "days_absent": 8}) == 92.0
	assert metric_value(ATTENDANCE_RATE, {"days_enrolled": 3, "days_absent": 1}) == 66.67
	assert metric_value(ATTENDANCE_RATE, {"days_enrolled": 0, "days_absent": 0}) is None
	assert metric_value(ATTENDANCE_RATE, {"days_absent": 2}) is None


def test_plain_fields():
	point = {"days_absent": 4, "suspensions": 1, "gpa": 2.5}
	assert metric_value(DAYS_ABSENT, point) == 4
	assert metric_value(SUSPENSIONS, point) == 1
	assert metric_value(GPA, point) == 2.5
	assert metric_value(SUSPENSIONS, {}) is None


def test_incidents_add_major_and_minor():
	assert metric_value(INCIDENTS, {"major_incidents": 1, "minor_incidents": 2}) == 3
	assert metric_value(INCIDENTS, {"minor_incidents": 2}) == 2
	assert metric_value(INCIDENTS, {}) is None


def test_course_failures_prefer_failed_courses():
	assert metric_value(COURSE_FAILURES, {"failed_courses": 3, "failing_math": 1}) == 3
	assert metric_value(COURSE_FAILURES, {"failing_math": 1, "failing_ela": 1}) == 2
	assert metric_value(COURSE_FAILURES, {"failing_math": 0}) == 0
	assert metric_value(COURSE_FAILURES, {}) is None


def test_other_is_manual():
	assert metric_value(OTHER, {"days_enrolled": 100, "days_absent": 8}) is None


def test_vectorised_rows_use_their_own_metric():
	values = metric_values(
		pd.Series([ATTENDANCE_RATE, SUSPENSIONS, OTHER]),
		pd.DataFrame([{"days_enrolled": 50, "days_absent": 5}, {"suspensions": 2}, {"suspensions": 9}]),
	)
	assert values[0] == 90.0 and values[1] == 2
	assert values[2] != values[2]  # NaN


def test_every_data_metric_has_an_area_and_direction():
	for area, direction in METRIC_AREA.values():
		assert area in ("Attendance", "Academic", "Behavior") and direction in ("Up", "Down")
