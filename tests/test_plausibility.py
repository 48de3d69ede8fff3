from datetime import date, datetime

import pytest

from cis_app.core import plausibility


@pytest.mark.parametrize(
	"value",
	[
		"2026-08-15",
		"2024-02-29",
		"2026-08-15 10:30:00",
		"2026-08-15 10:30",
		date(2026, 8, 15),
		datetime(2026, 8, 15),
	],
)
def test_is_date_accepts_iso_dates_and_date_objects(value):
	assert plausibility.is_date(value)


@pytest.mark.parametrize(
	"value",
	[
		"not-a-date",
		"31/12/2026",
		"2026-02-30",
		"2025-02-29",
		"2026-13-01",
		"20260815",
		"2026-08-15x",
		20260815,
	],
)
def test_is_date_refuses_what_the_database_would_refuse(value):
	assert not plausibility.is_date(value)


def test_age_counts_completed_years():
	assert plausibility.age_on(date(2010, 5, 10), date(2026, 5, 9)) == 15
	assert plausibility.age_on(date(2010, 5, 10), date(2026, 5, 10)) == 16


@pytest.mark.parametrize(
	"born, problem",
	[
		(date(2024, 6, 1), "too_young"),  # 1 year old
		(date(2024, 5, 31), None),  # 2 on the day: the youngest allowed
		(date(2001, 6, 1), None),  # 25: the oldest allowed
		(date(2000, 5, 31), "too_old"),  # 26
		(date(1900, 1, 1), "too_old"),
	],
)
def test_birth_date_gives_a_k12_age(born, problem):
	assert plausibility.birth_date_problem(born, date(2026, 5, 31)) == problem


def test_out_of_range_includes_both_limits():
	assert not plausibility.out_of_range(1, 1, plausibility.MAX_SESSION_MINUTES)
	assert not plausibility.out_of_range(1440, 1, plausibility.MAX_SESSION_MINUTES)
	assert plausibility.out_of_range(0, 1, plausibility.MAX_SESSION_MINUTES)
	assert plausibility.out_of_range(1441, 1, plausibility.MAX_SESSION_MINUTES)
	assert plausibility.out_of_range(-1, 0, plausibility.MAX_PEOPLE)


@pytest.mark.parametrize(
	"text, expected",
	[
		("<script>alert(1)</script>Ann", True),
		("Ann <b>", True),
		("a > b", True),
		("O'Neil-Smith", False),
		("José & María", False),
		("", False),
		(None, False),
	],
)
def test_markup_is_any_angle_bracket(text, expected):
	assert plausibility.has_markup(text) is expected


def test_period_days_counts_both_ends():
	assert plausibility.period_days(date(2026, 8, 1), date(2026, 8, 1)) == 1
	assert plausibility.period_days(date(2026, 8, 1), date(2027, 7, 31)) == 365
	assert plausibility.period_days(date(2027, 8, 1), date(2028, 7, 31)) == 366  # leap year: allowed
	assert plausibility.period_days(date(2026, 8, 1), date(2027, 8, 2)) > plausibility.MAX_SCHOOL_YEAR_DAYS
