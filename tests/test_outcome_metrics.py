"""The outcome metrics and small-cell suppression (cis_app.core.outcomes, cis_app.core.suppression).

Framework-free: synthetic students only. Each case says which rule of docs/developer.md ("Outcome metrics") it checks.
"""

import pandas as pd
import pytest

from cis_app.core import outcomes, suppression
from cis_app.core.goals import DECLINE, EXITED, MET, NO_PROGRESS_NEGATIVE, NO_PROGRESS_POSITIVE, PROGRESSING
from cis_app.core.outcomes import (
	counted_outcomes,
	outcome_metrics,
	percent,
	student_goal_flags,
	suppress_outcomes,
)
from cis_app.core.suppression import rate_suppressed, suppress


def cohort_frame(*rows):
	"""Rows (student, site, grade, status)."""
	return pd.DataFrame(rows, columns=["student", "site", "grade_level", "year_end_status"])


def goals_frame(*rows):
	"""Rows (student, area, progress)."""
	return pd.DataFrame(rows, columns=["student", "area", "progress_status"])


def figures(metrics, group=None):
	"""{metric: (numerator, denominator, percent)} of the total (or of ``group``)."""
	rows = metrics[metrics["is_total"]] if group is None else metrics[metrics["group"] == group]
	return {row.metric: (row.numerator, row.denominator, row.percent) for row in rows.itertuples()}


def test_stable_metric_keys():
	assert outcomes.METRICS == (
		"cohort",
		"status_missing",
		"unknown_outcome",
		"remained_in_school",
		"promoted",
		"graduated",
		"attendance_goals",
		"academic_goals",
		"behavior_goals",
	)
	metrics = outcome_metrics(cohort_frame(("S1", "A", "7", "Promoted")))
	assert list(metrics.columns) == ["metric", "group", "is_total", "numerator", "denominator", "percent"]
	assert list(metrics["metric"]) == list(outcomes.METRICS)


def test_a_small_cohort_computed_by_hand():
	cohort = cohort_frame(
		("S01", "A", "7", "Promoted"),
		("S02", "A", "7", "Promoted"),
		("S03", "A", "8", "Retained"),
		("S04", "A", "8", "Dropped Out"),
		("S05", "A", "10", "GED"),  # a GED before grade 12: neither promoted nor graduated
		("S06", "B", "12", "Graduated"),
		("S07", "B", "12", "GED"),
		("S08", "B", "12", "Retained"),
		("S09", "B", "12", "Dropped Out"),
		("S10", "B", "9", "Transferred"),
		("S11", "B", "9", None),
	)
	goals = goals_frame(
		("S01", "Attendance", MET),
		("S02", "Attendance", DECLINE),
		("S03", "Attendance", PROGRESSING),
		("S04", "Academic", NO_PROGRESS_POSITIVE),
		("S05", "Academic", MET),
		("S06", "Behavior", NO_PROGRESS_NEGATIVE),
		("S10", "Attendance", MET),  # unknown outcome: left out
		("S11", "Attendance", MET),  # no year-end status: left out
	)
	assert figures(outcome_metrics(cohort, goals)) == {
		"cohort": (11, None, None),
		"status_missing": (1, None, None),
		"unknown_outcome": (1, None, None),
		"remained_in_school": (7, 9, 77.8),  # S01-S09 but S04 and S09
		"promoted": (2, 4, 50.0),  # S01, S02 of S01-S04
		"graduated": (2, 4, 50.0),  # S06, S07 of S06-S09
		"attendance_goals": (2, 3, 66.7),
		"academic_goals": (1, 2, 50.0),
		"behavior_goals": (0, 1, 0.0),
	}


def test_a_student_with_several_plans_counts_once():
	cohort = cohort_frame(
		("S1", "A", "7", "Promoted"),
		("S1", "A", "7", "Promoted"),
		("S1", "A", "7", "Promoted"),
		("S2", "A", "7", "Retained"),
	)
	goals = goals_frame(("S1", "Attendance", MET), ("S1", "Attendance", MET), ("S2", "Attendance", DECLINE))
	result = figures(outcome_metrics(cohort, goals))
	assert result["cohort"] == (2, None, None)
	assert result["promoted"] == (1, 2, 50.0)
	assert result["attendance_goals"] == (1, 2, 50.0)


def test_a_student_on_several_rows_keeps_the_row_with_a_status():
	cohort = cohort_frame(("S1", "A", "7", None), ("S1", "A", "7", "Dropped Out"))
	result = figures(outcome_metrics(cohort))
	assert result["status_missing"] == (0, None, None)
	assert result["remained_in_school"] == (0, 1, 0.0)


def test_several_goals_in_one_area_count_once():
	cohort = cohort_frame(("S1", "A", "7", "Promoted"), ("S2", "A", "7", "Promoted"))
	goals = goals_frame(
		("S1", "Academic", MET),
		("S1", "Academic", PROGRESSING),
		("S1", "Academic", DECLINE),
		("S2", "Academic", DECLINE),
		("S2", "Academic", NO_PROGRESS_NEGATIVE),
	)
	assert figures(outcome_metrics(cohort, goals))["academic_goals"] == (1, 2, 50.0)


@pytest.mark.parametrize("progress", ["", None, float("nan"), EXITED, "  ", "Not A Progress Value"])
def test_goals_without_known_progress_leave_the_denominator(progress):
	cohort = cohort_frame(("S1", "A", "7", "Promoted"), ("S2", "A", "7", "Promoted"))
	goals = goals_frame(("S1", "Behavior", progress), ("S2", "Behavior", MET))
	assert figures(outcome_metrics(cohort, goals))["behavior_goals"] == (1, 1, 100.0)


def test_a_known_goal_keeps_the_student_in_the_denominator_beside_an_exited_one():
	cohort = cohort_frame(("S1", "A", "7", "Promoted"))
	goals = goals_frame(("S1", "Behavior", EXITED), ("S1", "Behavior", DECLINE), ("S1", "Behavior", ""))
	assert figures(outcome_metrics(cohort, goals))["behavior_goals"] == (0, 1, 0.0)


def test_met_or_progressing_is_the_numerator_other_areas_are_ignored():
	cohort = cohort_frame(("S1", "A", "7", "Promoted"), ("S2", "A", "7", "Promoted"))
	goals = goals_frame(
		("S1", "Attendance", PROGRESSING),
		("S2", "Attendance", NO_PROGRESS_POSITIVE),
		("S1", "Other", MET),
		("S3", "Attendance", MET),  # not in the cohort
	)
	result = figures(outcome_metrics(cohort, goals))
	assert result["attendance_goals"] == (1, 2, 50.0)
	assert result["academic_goals"] == (0, 0, None)
	assert result["behavior_goals"] == (0, 0, None)


@pytest.mark.parametrize("status", ["Transferred", "Moved", "Deceased"])
def test_unknown_outcomes_leave_every_denominator_and_have_their_own_line(status):
	cohort = cohort_frame(
		("S1", "A", "12", status),
		("S2", "A", "5", status),
		("S3", "A", "5", "Promoted"),
		("S4", "A", "12", "Graduated"),
	)
	goals = goals_frame(
		("S1", "Attendance", MET),
		("S2", "Academic", MET),
		("S2", "Behavior", DECLINE),
		("S3", "Attendance", DECLINE),
	)
	result = figures(outcome_metrics(cohort, goals))
	assert result["cohort"] == (4, None, None)
	assert result["unknown_outcome"] == (2, None, None)
	assert result["status_missing"] == (0, None, None)
	assert result["remained_in_school"] == (2, 2, 100.0)
	assert result["promoted"] == (1, 1, 100.0)
	assert result["graduated"] == (1, 1, 100.0)
	assert result["attendance_goals"] == (0, 1, 0.0)
	assert result["academic_goals"] == (0, 0, None)
	assert result["behavior_goals"] == (0, 0, None)


@pytest.mark.parametrize("missing", [None, "", float("nan"), "Not A Status"])
def test_a_student_without_a_year_end_status_is_counted_and_left_out(missing):
	cohort = cohort_frame(("S1", "A", "12", missing), ("S2", "A", "7", "Retained"))
	goals = goals_frame(("S1", "Attendance", MET), ("S2", "Attendance", MET))
	result = figures(outcome_metrics(cohort, goals))
	assert result["cohort"] == (2, None, None)
	assert result["status_missing"] == (1, None, None)
	assert result["unknown_outcome"] == (0, None, None)
	assert result["remained_in_school"] == (1, 1, 100.0)
	assert result["promoted"] == (0, 1, 0.0)
	assert result["graduated"] == (0, 0, None)
	assert result["attendance_goals"] == (1, 1, 100.0)


def test_nothing_disappears_silently():
	"""cohort = status missing + unknown outcome + the outcome students (remained's denominator)."""
	cohort = cohort_frame(
		*[(f"S{n}", "A", str(n % 13) if n % 13 else "K", outcomes.STATUSES[n % 8]) for n in range(40)],
		("M1", "A", "3", None),
		("M2", "A", "3", ""),
	)
	result = figures(outcome_metrics(cohort))
	assert result["cohort"][0] == (
		result["status_missing"][0] + result["unknown_outcome"][0] + result["remained_in_school"][1]
	)
	assert result["status_missing"][0] == 2


def test_promotion_counts_grades_k_to_11_only():
	cohort = cohort_frame(
		("S1", "A", "K", "Promoted"),
		("S2", "A", "KG", "Retained"),  # a district's spelling of K
		("S3", "A", "11", "Dropped Out"),
		("S4", "A", "12", "Retained"),  # grade 12: graduation, not promotion
		("S5", "A", "PK", "Promoted"),  # PK has no outcome (refused at entry; old data)
		("S6", "A", "10", "GED"),  # neither promoted nor retained
		("S7", "A", "10", "Graduated"),  # does not fit the grade (old data): no crash, left out
		("S8", "A", "", "Promoted"),  # no grade: cannot be placed
		("S9", "A", "13", "Promoted"),  # not a grade level
	)
	result = figures(outcome_metrics(cohort))
	assert result["promoted"] == (1, 3, 33.3)
	assert result["graduated"] == (0, 1, 0.0)
	assert result["remained_in_school"] == (8, 9, 88.9)


def test_graduation_counts_the_whole_grade_12_cohort():
	cohort = cohort_frame(
		("S1", "A", "12", "Graduated"),
		("S2", "A", "12", "GED"),
		("S3", "A", "12", "Retained"),
		("S4", "A", "12", "Dropped Out"),
		("S5", "A", "12", "Promoted"),  # does not fit grade 12 (old data): in the denominator only
		("S6", "A", "12", "Moved"),
		("S7", "A", 12, None),
	)
	result = figures(outcome_metrics(cohort))
	assert result["graduated"] == (2, 5, 40.0)
	assert result["promoted"] == (0, 0, None)


def test_an_empty_cohort_gives_zeros_not_an_error():
	for cohort in (cohort_frame(), pd.DataFrame()):
		metrics = outcome_metrics(cohort, None, group_by=None)
		result = figures(metrics)
		assert result["cohort"] == (0, None, None)
		assert result["remained_in_school"] == (0, 0, None)
		assert result["attendance_goals"] == (0, 0, None)
	grouped = outcome_metrics(cohort_frame(), goals_frame(), group_by="site")
	assert len(grouped) == len(outcomes.METRICS)


@pytest.mark.parametrize(
	"numerator, denominator, expected",
	[(2, 3, 66.7), (1, 3, 33.3), (1, 16, 6.3), (3, 16, 18.8), (1, 8, 12.5), (0, 5, 0.0), (7, 7, 100.0)],
)
def test_percent_is_rounded_half_up_to_one_decimal(numerator, denominator, expected):
	assert percent(numerator, denominator) == expected


def test_percent_without_a_denominator_is_none():
	assert percent(0, 0) is None
	assert percent(0, None) is None


def test_grouped_figures_add_up_to_the_total():
	cohort = cohort_frame(
		("S1", "A", "7", "Promoted"),
		("S2", "A", "7", "Dropped Out"),
		("S3", "B", "8", "Retained"),
		("S4", "B", "12", "Graduated"),
		("S5", "C", "12", None),
		("S5", "A", "12", None),  # a second plan: still one student, in the group of its first row
	)
	metrics = outcome_metrics(cohort, None, group_by="site")
	assert list(metrics.loc[metrics["metric"] == "cohort", "group"]) == [None, "A", "B", "C"]
	assert figures(metrics, "A")["cohort"] == (2, None, None)
	assert figures(metrics, "C")["status_missing"] == (1, None, None)
	assert figures(metrics, "B")["promoted"] == (0, 1, 0.0)
	groups = metrics[~metrics["is_total"]]
	for metric in outcomes.METRICS:
		total = metrics[metrics["is_total"] & (metrics["metric"] == metric)].iloc[0]
		rows = groups[groups["metric"] == metric]
		assert total.numerator == rows["numerator"].sum()
		if total.denominator is not None:
			assert total.denominator == rows["denominator"].sum()


def test_group_by_grade_orders_grades_and_groups_blank_values():
	cohort = cohort_frame(
		("S1", "A", "10", "Promoted"),
		("S2", "A", "9", "Promoted"),
		("S3", "A", "K", "Promoted"),
		("S4", "A", "KG", "Promoted"),
		("S5", "A", None, "Promoted"),
	)
	metrics = outcome_metrics(cohort, None, group_by="grade_level")
	assert list(metrics.loc[metrics["metric"] == "cohort", "group"]) == [None, "K", "9", "10", ""]
	assert figures(metrics, "K")["cohort"] == (2, None, None)
	other = outcome_metrics(cohort.assign(site=[None, "", "B", "B", "A"]), None, group_by="site")
	assert list(other.loc[other["metric"] == "cohort", "group"]) == [None, "", "A", "B"]


def test_group_by_an_unknown_column_is_refused():
	with pytest.raises(ValueError):
		outcome_metrics(cohort_frame(("S1", "A", "7", "Promoted")), None, group_by="district")


def test_student_outcomes_show_each_students_flags():
	students = counted_outcomes(
		student_goal_flags(
			cohort_frame(("S1", "A", "12", "GED"), ("S2", "A", "4", "Moved")),
			goals_frame(("S1", "Academic", PROGRESSING)),
		)
	).set_index("student")
	assert students.loc["S1", "graduated_numerator"]
	assert students.loc["S1", "academic_goals_denominator"]
	assert not students.loc["S2", "remained_in_school_denominator"]
	assert students.loc["S2", "unknown_outcome_numerator"]


# Small-cell suppression


def metric_frame(*rows):
	"""Rows (metric, group, numerator, denominator); group None is the total."""
	return pd.DataFrame(
		[
			{
				"metric": metric,
				"group": group,
				"is_total": group is None,
				"numerator": numerator,
				"denominator": denominator,
				"percent": percent(numerator, denominator),
			}
			for metric, group, numerator, denominator in rows
		],
		columns=list(outcomes.OUTPUT_COLUMNS),
		dtype=object,
	)


def hidden(result):
	return {(row.metric, row.group) for row in result.itertuples() if row.suppressed}


@pytest.mark.parametrize("count, suppressed", [(0, True), (1, True), (9, True), (10, False), (250, False)])
def test_a_count_below_the_threshold_is_suppressed_zero_included(count, suppressed):
	assert suppression.count_suppressed(count) is suppressed


@pytest.mark.parametrize(
	"numerator, denominator, suppressed",
	[
		(20, 40, False),
		(9, 40, True),  # numerator
		(10, 40, False),
		(8, 8, True),  # denominator (and complement)
		(37, 38, True),  # complement: 37 of 38 reveals the one
		(30, 40, False),  # complement exactly 10
		(31, 40, True),  # complement 9
		(0, 50, True),  # a numerator of 0 is a count below the threshold
		(0, 0, True),
	],
)
def test_a_rate_is_suppressed_by_its_numerator_denominator_or_complement(numerator, denominator, suppressed):
	assert rate_suppressed(numerator, denominator) is suppressed


def test_the_threshold_is_a_parameter():
	assert not suppression.count_suppressed(5, threshold=5)
	assert suppression.count_suppressed(4, threshold=5)
	assert not rate_suppressed(15, 20, threshold=5)
	assert not suppression.count_suppressed(0, threshold=0)
	for bad in (-1, 2.5, "10", None, True):
		with pytest.raises(ValueError):
			suppress(metric_frame(("cohort", None, 40, None)), threshold=bad)


def test_a_suppressed_value_is_absent_not_just_flagged():
	result = suppress(
		metric_frame(("cohort", None, 4, None), ("promoted", None, 37, 38), ("graduated", None, 20, 40))
	)
	assert list(result["suppressed"]) == [1, 1, 0]
	for column in ("numerator", "denominator", "percent"):
		assert result.loc[0, column] is None
		assert result.loc[1, column] is None
	assert (result.loc[2, "numerator"], result.loc[2, "denominator"], result.loc[2, "percent"]) == (
		20,
		40,
		50.0,
	)


def test_one_suppressed_group_takes_the_next_smallest_with_it():
	result = suppress(
		metric_frame(
			("cohort", None, 83, None),
			("cohort", "A", 40, None),
			("cohort", "B", 5, None),
			("cohort", "C", 12, None),
			("cohort", "D", 26, None),
		)
	)
	assert hidden(result) == {("cohort", "B"), ("cohort", "C")}


def test_a_rate_takes_the_group_with_the_next_smallest_denominator():
	result = suppress(
		metric_frame(
			("promoted", None, 86, 105),
			("promoted", "A", 37, 38),  # complement 1
			("promoted", "B", 30, 45),
			("promoted", "C", 19, 22),  # complement 3: already suppressed
		)
	)
	# A and C together: complement 4, which total minus B would give away, so B goes too
	assert hidden(result) == {("promoted", "A"), ("promoted", "B"), ("promoted", "C")}
	result = suppress(
		metric_frame(
			("promoted", None, 86, 100),
			("promoted", "A", 37, 38),
			("promoted", "B", 30, 42),
			("promoted", "C", 19, 20 + 0),  # complement 1 too
		)
	)
	assert hidden(result) == {("promoted", "A"), ("promoted", "B"), ("promoted", "C")}
	result = suppress(
		metric_frame(
			("promoted", None, 97, 138),
			("promoted", "A", 37, 38),
			("promoted", "B", 30, 45),
			("promoted", "C", 30, 55),
		)
	)
	assert hidden(result) == {("promoted", "A"), ("promoted", "B")}


def test_hidden_groups_that_add_up_to_a_small_number_take_another_and_a_hidden_total_none():
	two = suppress(
		metric_frame(
			("cohort", None, 58, None),
			("cohort", "A", 40, None),
			("cohort", "B", 5, None),
			("cohort", "C", 3, None),
			("cohort", "D", 10, None),
		)
	)
	# B + C = 8 (the total minus A and D) would be readable: D, the next smallest, is hidden too
	assert hidden(two) == {("cohort", "B"), ("cohort", "C"), ("cohort", "D")}
	apart = suppress(
		metric_frame(
			("cohort", None, 70, None),
			("cohort", "A", 40, None),
			("cohort", "B", 6, None),
			("cohort", "C", 7, None),
			("cohort", "D", 17, None),
		)
	)
	assert hidden(apart) == {("cohort", "B"), ("cohort", "C")}  # together 13: nothing more to hide
	total_hidden = suppress(
		metric_frame(
			("promoted", None, 37, 38),
			("promoted", "A", 27, 28),
			("promoted", "B", 10, 10),
		)
	)
	assert hidden(total_hidden) == {("promoted", None), ("promoted", "A"), ("promoted", "B")}


def test_groups_of_other_metrics_are_untouched():
	result = suppress(
		metric_frame(
			("cohort", None, 60, None),
			("cohort", "A", 50, None),
			("cohort", "B", 10, None),
			("unknown_outcome", None, 25, None),
			("unknown_outcome", "A", 20, None),
			("unknown_outcome", "B", 5, None),
		)
	)
	assert hidden(result) == {("unknown_outcome", "A"), ("unknown_outcome", "B")}


def test_with_no_other_group_left_the_total_is_suppressed():
	result = suppress(
		metric_frame(("status_missing", None, 30, None), ("status_missing", "A", 30, None)),
		linked=(),
	)
	assert hidden(result) == set()
	# a group hidden by rule 4 (linked cells) while its total is shown: the total goes too
	linked = suppress(
		metric_frame(
			("status_missing", None, 3, None),
			("status_missing", "A", 3, None),
			("unknown_outcome", None, 30, None),
			("unknown_outcome", "A", 30, None),
			("remained_in_school", None, 60, 80),
			("remained_in_school", "A", 60, 80),
		),
		linked=outcomes.LINKED_CELLS,
	)
	assert hidden(linked) == {
		("status_missing", None),
		("status_missing", "A"),
		("unknown_outcome", None),
		("unknown_outcome", "A"),
	}


def test_linked_cells_of_one_group_protect_each_other():
	"""cohort = status missing + unknown outcome + remained's denominator: one hidden alone would be
	recomputable, so the smallest other is hidden too."""
	result = suppress_outcomes(
		metric_frame(
			("cohort", None, 120, None),
			("status_missing", None, 4, None),
			("unknown_outcome", None, 16, None),
			("remained_in_school", None, 80, 100),
		)
	)
	assert hidden(result) == {("status_missing", None), ("unknown_outcome", None)}
	both = suppress_outcomes(
		metric_frame(
			("cohort", None, 108, None),
			("status_missing", None, 4, None),
			("unknown_outcome", None, 4, None),
			("remained_in_school", None, 80, 100),
		)
	)
	# 4 + 4 = 8 = cohort minus remained's denominator: remained is hidden too
	assert hidden(both) == {("status_missing", None), ("unknown_outcome", None), ("remained_in_school", None)}
	# the demo's case: cohort 34, all 34 without a year-end status; 0 + 0 must not be readable
	demo = suppress_outcomes(
		metric_frame(
			("cohort", None, 34, None),
			("status_missing", None, 34, None),
			("unknown_outcome", None, 0, None),
			("remained_in_school", None, 0, 0),
		)
	)
	assert hidden(demo) == {("status_missing", None), ("unknown_outcome", None), ("remained_in_school", None)}
	rate = suppress_outcomes(
		metric_frame(
			("cohort", None, 90, None),
			("status_missing", None, 40, None),
			("unknown_outcome", None, 12, None),
			("remained_in_school", None, 37, 38),
		)
	)
	assert hidden(rate) == {("remained_in_school", None), ("unknown_outcome", None)}


def test_the_rules_are_applied_until_nothing_changes():
	"""Rule 3 hides a second site's status_missing; rule 4 then hides that site's unknown outcome, and
	rule 3 again a second site's unknown outcome."""
	result = suppress_outcomes(
		metric_frame(
			("status_missing", None, 45, None),
			("status_missing", "A", 5, None),
			("status_missing", "B", 15, None),
			("status_missing", "C", 25, None),
			("unknown_outcome", None, 90, None),
			("unknown_outcome", "A", 20, None),
			("unknown_outcome", "B", 30, None),
			("unknown_outcome", "C", 40, None),
			("remained_in_school", None, 300, 400),
			("remained_in_school", "A", 100, 130),
			("remained_in_school", "B", 100, 135),
			("remained_in_school", "C", 100, 135),
		)
	)
	assert hidden(result) == {
		("status_missing", "A"),
		("status_missing", "B"),
		("unknown_outcome", "A"),
		("unknown_outcome", "B"),
	}


def test_suppressing_real_outcome_metrics():
	cohort = cohort_frame(
		*[(f"A{n}", "A", "7", "Promoted") for n in range(30)],
		*[(f"A{n}", "A", "7", "Retained") for n in range(30, 45)],
		*[(f"B{n}", "B", "7", "Promoted") for n in range(20)],
		*[(f"B{n}", "B", "7", "Dropped Out") for n in range(20, 23)],
		*[(f"C{n}", "C", "7", "Promoted") for n in range(25)],
		*[(f"C{n}", "C", "7", "Retained") for n in range(25, 40)],
	)
	result = suppress_outcomes(outcome_metrics(cohort, None, group_by="site"))
	promoted = result[result["metric"] == "promoted"].set_index(
		result[result["metric"] == "promoted"]["group"].fillna("total")
	)
	# B: complement 3 -> suppressed; C (40) is next smallest after B (23) among A (45) and C (40)
	assert list(promoted["suppressed"]) == [0, 0, 1, 1]
	assert (promoted.loc["total", "numerator"], promoted.loc["total", "denominator"]) == (75, 108)
	assert promoted.loc["total", "percent"] == 69.4
	assert promoted.loc["B", "numerator"] is None
	cohort_rows = result[result["metric"] == "cohort"]
	assert list(cohort_rows["suppressed"]) == [0, 0, 0, 0]


def test_suppressing_an_empty_frame():
	result = suppress(metric_frame())
	assert result.empty
	assert "suppressed" in result


def test_a_cohort_hidden_across_groups_takes_one_of_its_parts_with_it():
	"""Site A's cohort is small, so rule 3 hides site B's cohort too. For each of the three parts, rule 3
	hides another site's (C's or D's: smaller than B's), so B's parts all stay shown, and they add up to
	B's cohort: rule 4 must hide one of them (the smallest)."""
	result = suppress_outcomes(
		metric_frame(
			("cohort", None, 245, None),
			("cohort", "A", 5, None),
			("cohort", "B", 60, None),
			("cohort", "C", 80, None),
			("cohort", "D", 100, None),
			("status_missing", None, 63, None),
			("status_missing", "A", 1, None),
			("status_missing", "B", 12, None),
			("status_missing", "C", 10, None),
			("status_missing", "D", 40, None),
			("unknown_outcome", None, 66, None),
			("unknown_outcome", "A", 2, None),
			("unknown_outcome", "B", 13, None),
			("unknown_outcome", "C", 11, None),
			("unknown_outcome", "D", 40, None),
			("remained_in_school", None, 72, 116),
			("remained_in_school", "A", 2, 2),
			("remained_in_school", "B", 20, 35),
			("remained_in_school", "C", 40, 59),
			("remained_in_school", "D", 10, 20),
		)
	)
	hidden_b = {metric for metric, group in hidden(result) if group == "B"}
	assert hidden_b == {"cohort", "status_missing"}
