from datetime import date

from cis_app.demo import data as demo
from cis_app.core.grades import normalize_grade


def test_demo_is_deterministic():
	a = demo.students(300, date(2026, 11, 28))
	b = demo.students(300, date(2026, 11, 28))
	assert a == b


def test_demo_students_are_valid_and_ids_unique_per_district():
	students = demo.students(2000, date(2026, 11, 28))
	assert len(students) == 2000
	ids = {(demo.SITES[s.site_index][1], s.district_student_id) for s in students}
	assert len(ids) == 2000
	for s in students:
		assert normalize_grade(s.grade_level) == s.grade_level
		assert s.grade_level in demo.SITES[s.site_index][3]
		assert s.guardians and s.guardians[0]["is_primary"] == 1
		for consent in s.consents:
			assert consent["signed_date"] <= date(2026, 11, 28)
			assert consent.get("revoked_date") is None or consent["revoked_date"] >= consent["signed_date"]
	case_managed = sum(s.is_case_managed for s in students)
	assert 100 < case_managed < 250
	assert all(
		any(c["scope"] == "Case Management" for c in s.consents) for s in students if s.is_case_managed
	)


def test_demo_sites_spread_students_evenly():
	students = demo.students(800, date(2026, 11, 28))
	counts = [sum(1 for s in students if s.site_index == i) for i in range(len(demo.SITES))]
	assert counts == [100] * len(demo.SITES)


def test_school_years_around_today():
	years = demo.school_years(date(2026, 11, 28))
	assert [y.name for y in years] == ["2025-2026", "2026-2027"]
	assert years[-1].start <= date(2026, 11, 28) <= years[-1].end
	assert [y.name for y in demo.school_years(date(2026, 3, 1))] == ["2024-2025", "2025-2026"]


def test_partnership_demo_is_deterministic_and_valid():
	from cis_app.core.volunteering import MAX_HOURS_PER_DAY, hours_problem

	today = date(2026, 11, 28)
	assert demo.contributions(today) == demo.contributions(today)
	agreements = demo.agreements(today)
	assert len(agreements) == len(demo.PARTNERS)
	assert all(a["agreement_renewal_date"] >= a["agreement_signed_date"] for a in agreements)
	volunteers = demo.volunteers()
	entries = demo.hours_entries(len(volunteers), [v["site_indexes"] for v in volunteers], today)
	assert entries and all(hours_problem(e["hours"]) is None and e["date"] <= today for e in entries)
	per_day = {}
	for e in entries:
		per_day[(e["volunteer_index"], e["date"])] = (
			per_day.get((e["volunteer_index"], e["date"]), 0) + e["hours"]
		)
		assert e["site_index"] in volunteers[e["volunteer_index"]]["site_indexes"]
	assert max(per_day.values()) <= MAX_HOURS_PER_DAY
	assert {e["outcome"] for e in entries} == {"Submitted", "Approved", "Rejected"}


def test_demo_data_points_are_valid_for_bulk_insert():
	import random

	today = date(2026, 11, 28)
	rng = random.Random(1)
	for year in demo.school_years(today):
		for as_of in demo.data_point_dates(year, today):
			assert year.start <= as_of <= min(year.end, today)
			for grade in ("K", "5", "9", "12"):
				for risk in (0.0, 0.5, 1.0):
					point = demo.data_point(rng, risk, year, as_of, grade)
					assert 0 <= point["days_absent"] <= point["days_enrolled"]
					assert point.get("gpa") is None or 0 < point["gpa"] <= 4.0
	assert demo.data_point_dates(demo.school_years(today)[-1], today) == [date(2026, 10, 31)]


def demo_impact_frame(count: int, today: date):
	"""The frame CIS Impact reads, built from the demo's rules as the demo loader applies them
	(``cis_app.demo.load.make_cycle``): each student's last data point of each year, the referred
	(case-managed) students served this year."""
	import random

	import pandas as pd

	years = demo.school_years(today)
	rng = random.Random(11)
	rows = []
	for student in demo.students(count, today):
		profile = demo.risk_profile(student.district_student_id)
		figures = {}
		for year in years:
			current = year is years[-1]
			risk, effect = demo.year_risk(profile, current, student.is_case_managed)
			dates = demo.data_point_dates(year, today)
			points = [demo.data_point(rng, risk, year, as_of, student.grade_level, effect) for as_of in dates]
			last = points[-1]
			figures[current] = 100 * (1 - last["days_absent"] / last["days_enrolled"])
		site, district = demo.SITES[student.site_index][:2]
		rows.append(
			{
				"student": student.district_student_id,
				"school": site,
				"district": district,
				"grade": student.grade_level,
				"served": student.is_case_managed,
				"base_attendance_rate": figures[False],
				"base_chronic_absence": float(figures[False] < 90),
				"base_suspensions": float("nan"),
				"base_failed_courses": float("nan"),
				"outcome": figures[True],
			}
		)
	return pd.DataFrame(rows)


def test_the_demo_builds_in_an_effect_the_matched_comparison_recovers():
	"""The demo refers the students with the worse year before (selection on the baseline, so served
	students would improve anyway: regression to the mean) and lowers their absences this year by
	TRUE_ATTENDANCE_EFFECT points: the matched estimate's interval holds the true effect, the naive one
	overstates it."""
	from cis_app.core import impact

	frame = demo_impact_frame(2000, date(2027, 3, 1))
	served = int(frame["served"].sum())
	assert 100 < served < 250
	matched = impact.estimate(frame, "attendance_rate", "matched", suppress_small_cells=False)
	naive = impact.estimate(frame, "attendance_rate", "naive", suppress_small_cells=False)
	assert matched.ci_low <= demo.TRUE_ATTENDANCE_EFFECT <= matched.ci_high
	assert naive.ci_low > demo.TRUE_ATTENDANCE_EFFECT
	# the served had the worse year before
	assert frame.loc[frame["served"], "base_attendance_rate"].mean() < frame.loc[~frame["served"], "base_attendance_rate"].mean() - 3


def test_without_the_effect_the_matched_comparison_finds_none():
	"""The same demo with no effect: the matched interval holds zero (the selection is on what the
	report measures), the naive one does not (it credits the service with regression to the mean)."""
	from unittest import mock

	from cis_app.core import impact

	with mock.patch.object(demo, "TRUE_ATTENDANCE_EFFECT", 0.0):
		frame = demo_impact_frame(2000, date(2027, 3, 1))
	matched = impact.estimate(frame, "attendance_rate", "matched", suppress_small_cells=False)
	naive = impact.estimate(frame, "attendance_rate", "naive", suppress_small_cells=False)
	assert matched.ci_low <= 0 <= matched.ci_high
	assert naive.ci_low > 0


# ---------------------------------------------------------------- the load test's scaled demo


def test_the_scaled_demo_keeps_the_eight_sites_and_adds_named_ones_with_a_coordinator_each():
	sites = demo.scaled_sites(20)
	assert sites[:8] == demo.BASE_SITES
	names = [site[0] for site in sites]
	assert len(names) == len(set(names)) == 20
	assert {site[1] for site in sites[8:]} == {0, 1}  # both districts
	assert all(grade in site[3] for site in sites[8:] for grade in site[3][:1])
	coordinators = demo.site_coordinators(sites)
	covered = {index for *_, rows in demo.BASE_USERS + coordinators for index, role in rows if role == "Site Coordinator"}
	assert covered == set(range(20))
	assert len({row[0] for row in coordinators}) == len(coordinators) == 18


def test_use_sites_scales_the_lists_the_loader_reads_and_eight_restores_the_demo():
	try:
		demo.use_sites(20)
		assert len(demo.SITES) == 20 and len(demo.USERS) == len(demo.BASE_USERS) + 18
		assert {s.site_index for s in demo.students(200, date(2026, 12, 7))} == set(range(20))
	finally:
		demo.use_sites(8)
	assert demo.SITES == demo.BASE_SITES and demo.USERS == demo.BASE_USERS


def test_the_demo_refuses_a_site_count_it_cannot_name():
	import pytest

	with pytest.raises(ValueError):
		demo.scaled_sites(7)
	with pytest.raises(ValueError):
		demo.scaled_sites(8 + 37)
