"""The rules of a de-identified evaluation extract (cis_app.core.evaluation), on synthetic rows."""

import datetime
import random
from collections import Counter

import pytest

from cis_app.core import evaluation as ev

DAY = datetime.date(2026, 12, 7)


def synthetic(n: int, seed: int, schools: int = 6) -> list[dict]:
	rng = random.Random(seed)
	return [
		{
			"student_code": f"S{i}",
			"school": f"School {rng.randrange(schools)}",
			"grade_band": rng.choice(["K-2", "3-5", "6-8", "9-12"]),
			"gender": rng.choice(["Female", "Male", "Non-binary"]),
			"birth_year": rng.randrange(2008, 2021),
		}
		for i in range(n)
	]


# ------------------------------------------------------------------ the agreement


def test_an_agreement_is_in_force_between_its_signing_and_its_end():
	signed, end, destroy = datetime.date(2026, 1, 1), datetime.date(2027, 6, 30), datetime.date(2027, 12, 31)
	assert ev.agreement_problem(signed, end, destroy, DAY) is None
	assert "ended on 2026-06-30" in ev.agreement_problem(signed, datetime.date(2026, 6, 30), None, DAY)
	assert "not signed" in ev.agreement_problem(None, end, destroy, DAY)
	assert "after this day" in ev.agreement_problem(datetime.date(2027, 1, 1), end, destroy, DAY)
	assert "destroyed by" in ev.agreement_problem(signed, end, datetime.date(2026, 12, 1), DAY)
	assert "no end date" in ev.agreement_problem(signed, None, destroy, DAY)


def test_fields_outside_the_agreement_or_that_identify_a_student_are_refused():
	agreed = ["student_code", "school", "grade_band", "case_managed"]
	assert ev.field_problem(["student_code", "school"], agreed) is None
	assert ev.field_problem(["tier"], agreed) == "outside the agreement: tier"
	assert ev.field_problem(["student_name", "school"], agreed + ["student_name"]) == "never in an extract: student_name"
	assert ev.field_problem(["date_of_birth"], ["date_of_birth"]).startswith("never in an extract")
	assert ev.field_problem(["favourite_colour"], ["favourite_colour"]).startswith("not fields an extract can carry")
	assert ev.field_problem([], agreed) == "no field asked for"
	assert not set(ev.EXTRACT_FIELDS) & ev.NEVER


# ------------------------------------------------------------------ codes and bands


def test_a_students_code_is_stable_for_an_agreement_and_unrelated_across_agreements():
	one, other = b"key of agreement one", b"key of agreement two"
	code = ev.student_code(one, "STU-0000042")
	assert code == ev.student_code(one, "STU-0000042")  # the same in next year's extract
	assert code != ev.student_code(other, "STU-0000042")
	assert code != ev.student_code(one, "STU-0000043")
	assert "0000042" not in code and len(code) == 21
	with pytest.raises(ev.EvaluationRuleError):
		ev.student_code(b"", "STU-0000042")


def test_codes_do_not_collide_on_many_students():
	codes = {ev.student_code("k", f"STU-{n:07d}") for n in range(20_000)}
	assert len(codes) == 20_000


@pytest.mark.parametrize(
	"grade, band", [("PK", "K-2"), ("K", "K-2"), ("2", "K-2"), ("3", "3-5"), ("8", "6-8"), ("12", "9-12"), ("", None)]
)
def test_grades_are_shown_only_as_bands(grade, band):
	assert ev.grade_band(grade) == band


def test_birth_years_group_in_spans():
	assert ev.birth_year_span(2013, 1) == "2013"
	assert ev.birth_year_span(2013, 2) == "2012-2013"
	assert ev.birth_year_span(2013, 5) == "2010-2014"
	assert ev.birth_year_span(None, 5) is None


# ------------------------------------------------------------------ k-anonymity


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("n", [12, 60, 400, 3000])
def test_every_combination_of_the_extract_holds_at_least_k_students(seed, n):
	rows, done = ev.coarsen(synthetic(n, seed), k=5)
	counts = Counter(tuple(row[f] for f in ev.QUASI_IDENTIFIERS) for row in rows)
	assert not counts or min(counts.values()) >= 5
	assert len(rows) + done["left_out"] == n  # every row is kept or counted as left out
	assert {row["student_code"] for row in rows} <= {f"S{i}" for i in range(n)}


def test_a_large_uniform_file_keeps_exact_birth_years():
	rows = [
		{"student_code": f"S{i}", "school": "A", "grade_band": "3-5", "gender": "Female", "birth_year": 2016}
		for i in range(10)
	]
	kept, done = ev.coarsen(rows)
	assert done == {"birth_year_span": 1, "blanked": {}, "left_out": 0}
	assert {row["birth_year"] for row in kept} == {"2016"}


def test_a_rare_student_has_their_rare_values_blanked_not_the_others():
	rows = [
		{"student_code": f"S{i}", "school": "A", "grade_band": "3-5", "gender": "Female", "birth_year": 2016}
		for i in range(10)
	] + [
		{"student_code": f"T{i}", "school": "A", "grade_band": "3-5", "gender": "Male", "birth_year": 2016}
		for i in range(6)
	] + [{"student_code": "R", "school": "A", "grade_band": "3-5", "gender": "Non-binary", "birth_year": 2016}]
	kept, done = ev.coarsen(rows)
	by_code = {row["student_code"]: row for row in kept}
	# the one non-binary student cannot be shown apart: their gender is blanked, then they share
	# a combination only if enough others do; here nobody else does, so they are left out
	assert "R" not in by_code and done["left_out"] == 1
	assert by_code["S0"]["gender"] == "Female" and by_code["T0"]["gender"] == "Male"
	# and one rare student does not cost everyone their exact birth year
	assert done["birth_year_span"] == 1 and by_code["S0"]["birth_year"] == "2016"


def test_k_below_two_is_refused():
	with pytest.raises(ev.EvaluationRuleError):
		ev.coarsen(synthetic(10, 1), k=1)
