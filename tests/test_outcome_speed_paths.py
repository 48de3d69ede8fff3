"""The fast paths taken for a large network give exactly what the plain
definitions give: grouped outcome metrics, counted plan rows in the annual summary, and its
suppression decided component by component."""

import random

import pandas as pd
import pytest

from cis_app.core.annual_summary import (
	COMPONENTS,
	FOLLOWERS,
	SHARE,
	STUDENT_COUNTS,
	SUPPRESSIBLE,
	_cells,
	annual_summary,
	suppress_summary,
)
from cis_app.core.grades import normalize_grade
from cis_app.core.outcome_report import in_grade_range
from cis_app.core.outcomes import (
	COUNTED_COLUMNS,
	GOAL_FLAGS,
	METRICS,
	WEIGHT,
	cohort_students,
	counted_outcome_metrics,
	goal_flags,
	outcome_metrics,
	student_goal_flags,
)
from cis_app.core.suppression import suppress

GRADES = ["PK", "K", "1", "5", "8", "9", "11", "12", "", None, "13", " 7 "]
STATUSES = [
	"Promoted",
	"Retained",
	"Graduated",
	"GED",
	"Dropped Out",
	"Moved",
	"Transferred",
	"",
	None,
	"Bogus",
]
PROGRESS = [
	"Met",
	"Progressing",
	"Decline",
	"No Progress, Positive",
	"Exited Before Progress Known",
	"",
	None,
]


def random_cohort(seed: int, students: int = 400) -> tuple[pd.DataFrame, pd.DataFrame]:
	rng = random.Random(seed)
	cohort, goals = [], []
	for number in range(students):
		student = f"S{number}" if number % 37 else f" S{number} "
		for _plan in range(1 if number % 9 else 2):  # some students have two plans
			cohort.append(
				{
					"student": student if number % 53 else None,
					"site": rng.choice(["A", "B", "C", "", None]),
					"grade_level": rng.choice(GRADES),
					"year_end_status": rng.choice(STATUSES),
				}
			)
		for _goal in range(rng.randint(0, 4)):
			goals.append(
				{
					"student": student,
					"area": rng.choice(["Attendance", "Academic", "Behavior", "Other", " Academic"]),
					"progress_status": rng.choice(PROGRESS),
				}
			)
	goals.append({"student": None, "area": "Attendance", "progress_status": "Met"})
	return pd.DataFrame(cohort), pd.DataFrame(goals)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("group_by", ["site", "grade_level"])
def test_each_group_has_the_figures_of_its_students_alone(seed, group_by):
	cohort, goals = random_cohort(seed)
	grouped = outcome_metrics(cohort, goals, group_by=group_by)
	totals = grouped[grouped["is_total"]].drop(columns="group").reset_index(drop=True)
	assert totals.to_dict("records") == outcome_metrics(cohort, goals).drop(columns="group").to_dict(
		"records"
	)
	# each student in the group of the row the grouped view keeps (their first row with a status)
	students = cohort_students(cohort)
	keys = students[group_by].where(students[group_by].notna(), "").astype(str).str.strip()
	if group_by == "grade_level":
		keys = keys.map(lambda value: normalize_grade(value) or value)
	groups = grouped[~grouped["is_total"]]
	assert set(groups["group"]) == set(keys)
	for value in set(keys):
		alone = outcome_metrics(students[keys == value], goals)
		rows = groups[groups["group"] == value]
		assert rows.drop(columns=["group", "is_total"]).to_dict("records") == alone.drop(
			columns=["group", "is_total"]
		).to_dict("records")


def test_grouped_sums_match_the_totals_for_every_count():
	cohort, goals = random_cohort(11, students=2000)
	grouped = outcome_metrics(cohort, goals, group_by="site")
	for metric in METRICS:
		rows = grouped[grouped["metric"] == metric]
		total = rows[rows["is_total"]].iloc[0]
		groups = rows[~rows["is_total"]]
		assert groups["numerator"].sum() == total["numerator"]
		if total["denominator"] is not None:
			assert groups["denominator"].sum() == total["denominator"]


def test_a_grade_range_keeps_exactly_the_rows_inside_it():
	cohort, _goals = random_cohort(3)
	kept = in_grade_range(cohort, "K", "9")
	assert set(kept["grade_level"]) == {"K", "1", "5", "8", "9", " 7 "}
	assert len(kept) == cohort["grade_level"].isin(["K", "1", "5", "8", "9", " 7 "]).sum()


def counted_frame(cohort, goals, group_by, seed) -> pd.DataFrame:
	"""What the report asks MariaDB: the students alike (grade, status, goal flags, group) counted
	together; some counts split over two rows and the rows shuffled, as no order is promised."""
	students = student_goal_flags(cohort, goals)
	keys = [column for column in COUNTED_COLUMNS if column != WEIGHT]
	if group_by and group_by not in keys:
		keys.append(group_by)
	counted = students.groupby(keys, dropna=False, sort=False).size().rename(WEIGHT).reset_index()
	assert counted[WEIGHT].max() > 1  # alike students really are counted together
	rng = random.Random(seed)
	rows = []
	for row in counted.to_dict("records"):
		if row[WEIGHT] > 1 and rng.random() < 0.3:
			part = rng.randint(1, row[WEIGHT] - 1)
			rows += [dict(row, weight=part), dict(row, weight=row[WEIGHT] - part)]
		else:
			rows.append(row)
	rng.shuffle(rows)
	return pd.DataFrame(rows)


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("group_by", [None, "site", "grade_level"])
def test_counted_students_give_the_metrics_of_the_students_one_by_one(seed, group_by):
	cohort, goals = random_cohort(seed, students=600)
	expected = outcome_metrics(cohort, goals, group_by=group_by)
	result = counted_outcome_metrics(counted_frame(cohort, goals, group_by, seed), group_by=group_by)
	assert result.to_dict("records") == expected.to_dict("records")


@pytest.mark.parametrize("seed", range(4))
def test_counted_students_in_a_grade_range_match_the_students_one_by_one(seed):
	cohort, goals = random_cohort(seed, students=600)
	# students on one row each: one with several rows (several plans or statuses) is counted one by
	# one by the report (``cis_app.cis_case_management.outcomes_data.load_counted``), the range applied to their rows
	cohort = cohort.drop_duplicates("student", keep=False)
	expected = outcome_metrics(in_grade_range(cohort, "7", "12"), goals, group_by="site")
	counted = in_grade_range(counted_frame(cohort, goals, "site", seed), "7", "12")
	assert counted_outcome_metrics(counted, group_by="site").to_dict("records") == expected.to_dict("records")


def test_goal_flags_follow_area_and_progress_exactly():
	goals = pd.DataFrame(
		[
			("S1", "Attendance", "Met"),
			("S1", " Academic ", "No Progress, Negative"),
			("S1", "Behavior", "Exited Before Progress Known"),
			("S1", "attendance", "Met"),
			("S1", "Other", "Progressing"),
			("S1", "Behavior", None),
			("S1", "Academic", " Progressing "),
		],
		columns=["student", "area", "progress_status"],
	)
	flags = goal_flags(goals)
	known = {metric: flags[columns[0]].tolist() for metric, columns in GOAL_FLAGS.items()}
	good = {metric: flags[columns[1]].tolist() for metric, columns in GOAL_FLAGS.items()}
	assert known == {
		"attendance_goals": [True, False, False, False, False, False, False],
		"academic_goals": [False, True, False, False, False, False, True],
		"behavior_goals": [False, False, False, False, False, False, False],
	}
	assert good == {
		"attendance_goals": [True, False, False, False, False, False, False],
		"academic_goals": [False, False, False, False, False, False, True],
		"behavior_goals": [False, False, False, False, False, False, False],
	}


def test_a_counted_row_stands_for_its_weight_in_students():
	counted = pd.DataFrame(
		[
			{"grade_level": "5", "year_end_status": "Promoted", WEIGHT: 30},
			{"grade_level": "5", "year_end_status": "Retained", WEIGHT: 7},
			{"grade_level": "12", "year_end_status": "GED", WEIGHT: 4},
			{"grade_level": "12", "year_end_status": "Dropped Out", WEIGHT: 2},
			{"grade_level": "9", "year_end_status": "Moved", WEIGHT: 5},
			{"grade_level": "9", "year_end_status": None, WEIGHT: 3},
		]
	)
	attendance_known, attendance_good = GOAL_FLAGS["attendance_goals"]
	for column in (column for pair in GOAL_FLAGS.values() for column in pair):
		counted[column] = False
	counted.loc[[0, 1], attendance_known] = True
	counted.loc[[0], attendance_good] = True
	counted.loc[[4], [attendance_known, attendance_good]] = True  # unknown outcome: not counted
	figures = {
		row["metric"]: (row["numerator"], row["denominator"], row["percent"])
		for row in counted_outcome_metrics(counted).to_dict("records")
	}
	assert figures == {
		"cohort": (51, None, None),
		"status_missing": (3, None, None),
		"unknown_outcome": (5, None, None),
		"remained_in_school": (41, 43, 95.3),
		"promoted": (30, 37, 81.1),
		"graduated": (4, 6, 66.7),
		"attendance_goals": (30, 37, 81.1),
		"academic_goals": (0, 0, None),
		"behavior_goals": (0, 0, None),
	}


def summary_sites(seed: int) -> list[dict]:
	rng = random.Random(seed)
	return [
		{
			"name": f"Site {number:02d}",
			"affiliate": f"Aff {number % 3}",
			"site_type": "School" if number % 7 else "Community Site",
			"enrollment_count": rng.choice([0, 12, 40, 95, 300, 1000]),
			"is_active": int(number % 5 != 0),
		}
		for number in range(30)
	]


def summary_plans(seed: int, sites: list[dict]) -> list[dict]:
	rng = random.Random(seed)
	plans = []
	for number in range(rng.randint(50, 400)):
		for _plan in range(1 if number % 6 else 2):
			plans.append(
				{
					"student": f"ST{number}",
					"site": rng.choice(sites)["name"],
					"activated_on": f"2024-09-{rng.randint(1, 28):02d}",
					"name": f"SP-{len(plans):05d}",
				}
			)
	return sorted(plans, key=lambda plan: (plan["activated_on"], plan["name"]))


def counted(plans: list[dict]) -> list[dict]:
	"""What ``case_managed_by_site`` asks MariaDB: each student at the site of their first plan."""
	first = {}
	for plan in plans:
		first.setdefault(plan["student"], plan["site"])
	counts: dict[str, int] = {}
	for site in first.values():
		counts[site] = counts.get(site, 0) + 1
	return [{"site": site, "count": count} for site, count in counts.items()]


@pytest.mark.parametrize("seed", range(8))
def test_counted_plan_rows_give_the_same_summary_as_plan_rows(seed):
	sites = summary_sites(seed)
	plans = summary_plans(seed, sites)
	assert annual_summary(sites, plans=counted(plans)) == annual_summary(sites, plans=plans)


def suppress_summary_affiliate_by_affiliate(rows: list[dict], threshold: int) -> list[dict]:
	"""The reference: the plain form of ``suppress_summary``, every cell of an affiliate through
	``suppress`` in one call."""
	result = [dict(row, suppressed=[]) for row in rows]
	for affiliate in dict.fromkeys(row["affiliate"] for row in result):
		members = [row for row in result if row["affiliate"] == affiliate]
		frame = pd.DataFrame.from_records(
			_cells(members), columns=["position", "metric", "group", "is_total", "numerator", "denominator"]
		)
		frame["percent"] = None
		flags = suppress(frame, threshold, linked=(("case_managed", SHARE),))
		for cell in flags[flags["suppressed"] == 1].itertuples(index=False):
			row = members[cell.position]
			for metric in (cell.metric, *FOLLOWERS.get(cell.metric, ())):
				row[metric] = None
				row["suppressed"].append(metric)
		for row in members:
			if row["case_managed"] is None and SHARE not in row["suppressed"]:
				row[SHARE] = row["case_managed_band"] = None
				row["suppressed"] += [SHARE, "case_managed_band"]
			if row["is_total"] and row["case_managed"] is None:
				row["case_managed_in_enrolled_schools"] = None
			elif row["is_total"] and SHARE in row["suppressed"]:
				row["case_managed_in_enrolled_schools"] = None
			row["suppressed"] = [metric for metric in SUPPRESSIBLE if metric in row["suppressed"]]
	return result


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("threshold", [3, 5, 10])
def test_suppression_component_by_component_equals_the_whole(seed, threshold):
	rng = random.Random(seed)
	sites = summary_sites(seed)
	plans = summary_plans(seed, sites)
	check_ins = [
		{
			"student": f"ST{rng.randint(0, 60)}",
			"site": rng.choice(sites)["name"],
			"contact_with": rng.choice(["Student", "Family"]),
			"minutes": 15,
		}
		for _ in range(rng.randint(0, 300))
	]
	rows = annual_summary(sites, plans=plans, check_ins=check_ins)
	result = suppress_summary(rows, threshold)
	assert result == suppress_summary_affiliate_by_affiliate(rows, threshold)
	# the data hides some figures and shows others
	assert any(row["suppressed"] for row in result)
	assert any(row[metric] is not None for row in result for metric in STUDENT_COUNTS)


def test_the_components_cover_every_student_figure_once():
	covered = [metric for component in COMPONENTS for metric in component]
	assert sorted(covered) == sorted([*STUDENT_COUNTS, SHARE])
