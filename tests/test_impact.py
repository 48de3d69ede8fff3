"""The impact rules (cis_app/core/impact.py) on synthetic students whose true effect is known."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from cis_app.core import impact

TRUE_EFFECT = 2.0  # attendance points added by case management, by construction


def population(n: int = 6000, effect: float = TRUE_EFFECT, seed: int = 7, schools: int = 6) -> pd.DataFrame:
	"""Students of a few schools. The worse last year's attendance, the likelier a student is served
	(selection on the baseline); this year's attendance drifts back towards the school's mean
	(regression to the mean) and case management adds ``effect`` points."""
	rng = np.random.default_rng(seed)
	school = rng.integers(0, schools, n)
	grade = rng.choice(["K", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12"], n)
	ability = rng.normal(0, 1, n)  # what the baseline measures, with noise
	base_att = np.clip(91 + 4 * ability + rng.normal(0, 3, n), 40, 100)
	susp = rng.poisson(np.exp(-1.2 - 0.5 * ability))
	failed = rng.poisson(np.exp(-1.0 - 0.4 * ability))
	p_served = 1 / (1 + np.exp(-(-2.6 + 0.35 * (88 - base_att) + 0.3 * susp)))
	served = rng.random(n) < p_served
	end_att = np.clip(91 + 4 * ability + rng.normal(0, 3, n) + effect * served, 0, 100)
	return pd.DataFrame(
		{
			"student": [f"S{i:06d}" for i in range(n)],
			"school": [f"School {s}" for s in school],
			"district": ["District A" if s < schools // 2 else "District B" for s in school],
			"grade": grade,
			"served": served,
			"base_attendance_rate": base_att,
			"base_chronic_absence": (base_att < 90).astype(float),
			"base_suspensions": susp.astype(float),
			"base_failed_courses": failed.astype(float),
			"outcome": end_att,
		}
	)


@pytest.fixture(scope="module")
def students():
	return population()


def test_the_matched_estimate_recovers_the_true_effect_and_the_naive_one_does_not(students):
	matched = impact.estimate(students, "attendance_rate", "matched")
	naive = impact.estimate(students, "attendance_rate", "naive")
	assert matched.ci_low <= TRUE_EFFECT <= matched.ci_high, matched
	assert abs(matched.effect - TRUE_EFFECT) < 1.0
	# served students were picked after a bad year: they improve anyway, which naive credits to the service
	assert not (naive.ci_low <= TRUE_EFFECT <= naive.ci_high), naive
	assert naive.effect > TRUE_EFFECT + 1.5


def test_no_effect_is_found_where_there_is_none():
	result = impact.estimate(population(effect=0.0, seed=11), "attendance_rate", "matched")
	assert result.ci_low <= 0.0 <= result.ci_high, result


def test_the_same_data_give_the_same_interval(students):
	first = impact.estimate(students, "attendance_rate", "matched")
	again = impact.estimate(students.sample(frac=1, random_state=3), "attendance_rate", "matched")
	assert (first.effect, first.served, first.matched) == pytest.approx((again.effect, again.served, again.matched))
	twice = impact.estimate(students, "attendance_rate", "matched")
	assert (first.ci_low, first.ci_high) == (twice.ci_low, twice.ci_high)


def test_matching_balances_the_baseline(students):
	result = impact.estimate(students, "attendance_rate", "matched")
	balance = {row["indicator"]: row for row in result.balance}
	assert balance["attendance_rate"]["smd_before"] < -0.5  # served had far worse attendance
	assert abs(balance["attendance_rate"]["smd_after"]) < impact.SMD_FLAG
	assert not balance["attendance_rate"]["flagged"]


def test_an_imbalance_left_after_matching_is_flagged():
	served = np.array([True, True, False, False, False])
	covariates = {
		"attendance_rate": np.array([80.0, 82.0, 82.0, 80.0, 95.0]),
		"suspensions": np.array([3.0, 4.0, 0.0, 1.0, 0.0]),
	}
	# served rows 0 and 1 matched to 2 and 3: alike on attendance, not on suspensions
	rows = {r["indicator"]: r for r in impact.balance(covariates, served, np.array([0, 1]), np.array([2, 3]))}
	assert abs(rows["attendance_rate"]["smd_after"]) < impact.SMD_FLAG and not rows["attendance_rate"]["flagged"]
	assert rows["suspensions"]["smd_after"] > 1 and rows["suspensions"]["flagged"] == 1
	assert rows["attendance_rate"]["smd_before"] < 0  # before: against all three comparison students


def test_a_served_group_nobody_resembles_finds_no_match():
	students = population(n=800, seed=5)
	students.loc[students["served"], "base_suspensions"] += 6  # no comparison student comes near
	students.loc[~students["served"], "base_suspensions"] = 0
	result = impact.estimate(students, "attendance_rate", "matched", suppress_small_cells=False)
	assert result.left_out["no_match"] > 0.5 * result.served
	assert result.matched + result.left_out["no_match"] == result.served


def test_blank_is_unknown_not_zero_and_left_out_students_are_counted(students):
	data = students.copy()
	served_rows = data.index[data["served"]]
	data.loc[served_rows[:7], "base_attendance_rate"] = np.nan
	data.loc[served_rows[7:12], "outcome"] = np.nan
	full = impact.estimate(students, "attendance_rate", "matched")
	result = impact.estimate(data, "attendance_rate", "matched")
	assert result.left_out["no_baseline"] == 7
	assert result.left_out["no_outcome"] == 5
	assert result.served == full.served - 12
	zeroes = students.copy()
	zeroes.loc[served_rows[:7], "base_attendance_rate"] = 0.0  # a zero is a figure: kept
	assert impact.estimate(zeroes, "attendance_rate", "matched").left_out["no_baseline"] == 0


def test_an_unknown_other_indicator_does_not_leave_a_student_out(students):
	data = students.copy()
	data.loc[data.index[:300], "base_suspensions"] = np.nan
	result = impact.estimate(data, "attendance_rate", "matched")
	assert result.left_out["no_baseline"] == 0
	assert result.ci_low <= TRUE_EFFECT <= result.ci_high


def test_matches_stay_in_the_school_and_band_else_the_district():
	data = pd.DataFrame(
		{
			"student": ["a", "b", "c", "d", "e"],
			"school": ["North", "North", "North", "South", "East"],
			"district": ["D1", "D1", "D1", "D1", "D2"],
			"grade": ["3", "4", "7", "3", "3"],
			"served": [True, False, True, False, False],
			"base_attendance_rate": [80.0, 81.0, 80.0, 80.0, 80.0],
			"base_chronic_absence": [1.0, 1.0, 1.0, 1.0, 1.0],
			"base_suspensions": [0.0] * 5,
			"base_failed_courses": [0.0] * 5,
			"outcome": [85.0, 82.0, 85.0, 81.0, 90.0],
		}
	)
	usable, _ = impact.prepare(data, "attendance_rate")
	logit = np.zeros(len(usable))
	matches = impact.match(usable, logit, caliper=1.0)
	by_student = dict(zip(usable["student"], matches, strict=True))
	assert usable["student"][by_student["a"]] == "b"  # same school, same band (3 and 4 are PK-5)
	# c (grade 7) has no grade 6-8 comparison in North nor in D1: no match, and never East of D2
	assert by_student["c"] == -1


def test_no_match_beyond_the_caliper():
	pool = np.array([0.0, 5.0])
	chosen = impact._nearest(np.array([0.1, 2.6, 9.0]), pool, np.array([10, 11]), caliper=0.5)
	assert list(chosen) == [10, -1, -1]


def test_chronic_absence_is_in_percentage_points():
	data = population(n=3000, seed=9)
	data["base_chronic_absence"] = (data["base_attendance_rate"] < 90).astype(float)
	data["outcome"] = (data["outcome"] < 90).astype(float)
	result = impact.estimate(data, "chronic_absence", "matched")
	assert 0 <= result.served_baseline <= 100 and result.served_baseline > 50
	assert result.effect < 0  # fewer chronically absent thanks to the effect
	assert impact.display(12.345, "chronic_absence") == 12.3
	assert impact.display(0.456, "suspensions") == 0.46


def test_small_groups_show_no_figure():
	small = population(n=60, seed=1)
	result = impact.estimate(small, "attendance_rate", "matched", threshold=10)
	assert result.served is None or result.served >= 10
	if result.suppressed:
		assert result.effect is None and result.ci_low is None and result.balance == []
	tiny = small[~small["served"] | (small.index.isin(small.index[small["served"]][:3]))]
	hidden = impact.estimate(tiny, "attendance_rate", "matched", threshold=10)
	assert hidden.suppressed == 1 and hidden.effect is None and hidden.served is None
	shown = impact.estimate(tiny, "attendance_rate", "matched", threshold=10, suppress_small_cells=False)
	assert shown.suppressed == 0 and shown.served == 3


def test_nothing_to_estimate_says_why():
	data = population(n=500, seed=2)
	data["base_attendance_rate"] = np.nan
	result = impact.estimate(data, "attendance_rate", "matched", suppress_small_cells=False)
	assert result.effect is None and "year before" in result.reason
	with pytest.raises(impact.ImpactInputError, match="choose one of"):
		impact.estimate(data, "gpa")
	with pytest.raises(impact.ImpactInputError, match="matched or naive"):
		impact.estimate(data, "attendance_rate", "guess")


def test_grade_bands():
	assert [impact.grade_band(g) for g in ("PK", "K", "5", "6", "8", "9", "12", "", None, "13")] == [
		"PK-5", "PK-5", "PK-5", "6-8", "6-8", "9-12", "9-12", None, None, None
	]
