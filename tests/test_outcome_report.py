"""The CIS Outcomes report's grade range and rows (cis_app.core.outcome_report)."""

import pandas as pd
import pytest

from cis_app.core.outcome_report import grade_range, in_grade_range, report_rows
from cis_app.core.outcomes import outcome_metrics, suppress_outcomes


def cohort(*rows):
	return pd.DataFrame(rows, columns=["student", "site", "grade_level", "year_end_status"])


def test_grade_range_ranks_and_open_ends():
	assert grade_range("7", "12") == (7, 12)
	assert grade_range("PK", "K") == (-1, 0)
	assert grade_range("", None) == (None, None)
	assert grade_range("09", "") == (9, None)
	with pytest.raises(ValueError):
		grade_range("12", "9")
	with pytest.raises(ValueError):
		grade_range("13", None)


def test_in_grade_range_keeps_both_ends_and_drops_unplaceable_grades():
	frame = cohort(
		("s1", "A", "6", "Promoted"),
		("s2", "A", "7", "Promoted"),
		("s3", "A", "12", "Graduated"),
		("s4", "A", None, None),
		("s5", "A", "KG", "Promoted"),
	)
	assert list(in_grade_range(frame, "7", "12")["student"]) == ["s2", "s3"]
	assert list(in_grade_range(frame, None, "K")["student"]) == ["s5"]
	assert len(in_grade_range(frame, None, None)) == 5  # no range: everyone, unplaceable grades too


def test_report_rows_blank_every_suppressed_figure_and_set_targets():
	frame = cohort(*[(f"s{n}", "A", "7", "Promoted") for n in range(12)], ("x", "A", "7", "Dropped Out"))
	metrics = suppress_outcomes(outcome_metrics(frame, None), 10)
	rows = {row["metric"]: row for row in report_rows(metrics, {"promoted": 85.0}, "Total", "Not set")}
	assert rows["cohort"] == {
		"metric": "cohort",
		"group": "Total",
		"is_total": 1,
		"numerator": 13,
		"denominator": None,
		"percent": None,
		"target": None,
		"suppressed": 0,
	}
	# 12 of 13 promoted: the complement (1) is below 10
	assert rows["promoted"]["suppressed"] == 1
	assert (rows["promoted"]["numerator"], rows["promoted"]["denominator"], rows["promoted"]["percent"]) == (
		None,
		None,
		None,
	)
	assert rows["promoted"]["target"] == 85.0
	assert rows["graduated"]["target"] is None  # no target given


def test_report_rows_unsuppressed_are_plain_python_values():
	frame = cohort(("s1", "A", "7", "Promoted"), ("s2", "", "8", "Retained"))
	rows = report_rows(outcome_metrics(frame, None, group_by="site"), {}, "Total", "Not set")
	promoted = [row for row in rows if row["metric"] == "promoted"]
	assert [(row["group"], row["numerator"], row["denominator"], row["percent"]) for row in promoted] == [
		("Total", 1, 2, 50.0),
		("Not set", 0, 1, 0.0),
		("A", 1, 1, 100.0),
	]
	assert all(type(row["numerator"]) is int and row["suppressed"] == 0 for row in rows)
