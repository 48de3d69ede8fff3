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
