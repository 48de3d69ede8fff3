"""The streamed roster plan (``core.oneroster.stream``), guardian adoption, the fingerprint, the
Student rules shared with the bulk path (``core.students``) and the benchmark's synthetic files."""

import io
from datetime import date

import pytest

from cis_app.core.oneroster import open_package
from cis_app.core.oneroster.plan import (
	expected_guardians,
	fingerprint,
	merge_guardian,
	student_changes,
)
from cis_app.core.oneroster.rules import name_key
from cis_app.core.oneroster.stream import ExistingStudents, RosterStream
from cis_app.demo.sample_data import bench_school, write_bench_roster
from cis_app.core.students import student_problems

from .test_oneroster import (
	DISTRICT,
	SITES,
	YEARS,
	apply_plan,
	by_sid,
	make_zip,
	plan_of,
	roster_files,
	student,
)

# ---------------------------------------------------------------- guardians entered by hand


@pytest.mark.parametrize(
	"name, key",
	[
		("Maria Reyes", "maria reyes"),
		("  MARÍA   Reyes ", "maria reyes"),
		("María José Reyes", "maria reyes"),
		("Ana O'Neil-Díaz", "ana oneildiaz"),
		("Cher", "cher"),
		("", ""),
		(None, ""),
	],
)
def test_name_key(name, key):
	assert name_key(name) == key


HAND = {
	"name": "row-1",
	"oneroster_sourced_id": "",
	"guardian_name": "María Reyes",
	"relationship": "Mother",
	"email": "",
	"phone": "555-0100",
}
FILE_GUARDIAN = {
	"oneroster_sourced_id": "p1",
	"guardian_name": "Maria Reyes",
	"relationship": "",
	"email": "maria@example.org",
	"phone": "",
}


def test_a_file_guardian_adopts_the_hand_entered_guardian_of_the_same_name():
	rows = expected_guardians([HAND], [FILE_GUARDIAN])
	# the file's values where it has them, the coordinator's where it says nothing
	assert rows == [
		{
			"oneroster_sourced_id": "p1",
			"guardian_name": "Maria Reyes",
			"relationship": "Mother",
			"email": "maria@example.org",
			"phone": "555-0100",
			"adopt": "row-1",
		}
	]
	changes = student_changes({"name": "S1", "guardians": [HAND]}, {"guardians": [FILE_GUARDIAN]})
	assert changes == {"guardians": rows}
	# once adopted (the row carries the sourcedId), the same file changes nothing
	adopted = {**HAND, **{k: v for k, v in rows[0].items() if k != "adopt"}}
	assert student_changes({"name": "S1", "guardians": [adopted]}, {"guardians": [FILE_GUARDIAN]}) == {}


def test_no_adoption_when_the_name_differs_or_two_rows_match():
	other = {**FILE_GUARDIAN, "guardian_name": "Mario Reyes"}
	assert "adopt" not in expected_guardians([HAND], [other])[0]
	twins = [HAND, {**HAND, "name": "row-2"}]
	assert "adopt" not in expected_guardians(twins, [FILE_GUARDIAN])[0]
	# a roster guardian (with a sourcedId) is never adopted by another sourcedId
	roster_row = {**HAND, "oneroster_sourced_id": "p9"}
	assert "adopt" not in expected_guardians([roster_row], [FILE_GUARDIAN])[0]


def test_merge_keeps_what_the_file_does_not_say():
	stored = {"oneroster_sourced_id": "p1", "guardian_name": "Ola Okafor", "relationship": "Grandparent",
			  "email": "ola@example.org", "phone": "555-0101"}  # fmt: skip
	incoming = {"oneroster_sourced_id": "p1", "guardian_name": "Ola Okafor", "relationship": "Other",
				"email": "", "phone": "555-0199"}  # fmt: skip
	assert merge_guardian(stored, incoming) == {**stored, "phone": "555-0199"}
	assert merge_guardian(stored, {**incoming, "relationship": "Legal Guardian"})["relationship"] == (
		"Legal Guardian"
	)


def test_the_plan_adopts_a_hand_entered_guardian_instead_of_adding_a_copy():
	students = apply_plan(plan_of(roster_files(guardians=[])), [])
	ana = next(s for s in students if s["oneroster_sourced_id"] == "u1")
	ana["guardians"] = [{**HAND, "name": "g-ana"}]
	decision = by_sid(plan_of(roster_files(), students))["u1"]
	assert decision.action == "updated"
	assert [
		(g["oneroster_sourced_id"], g["guardian_name"], g.get("adopt")) for g in decision.changes["guardians"]
	] == [("p1", "Maria Reyes", "g-ana")]


# ---------------------------------------------------------------- the fingerprint


def test_fingerprint_of_a_stored_student_and_its_unchanged_file_row_agree():
	stored = {
		"name": "STU-1", "oneroster_sourced_id": "u1", "first_name": "Ana", "middle_name": None, "last_name": "Reyes",
		"district_student_id": "1001", "grade_level": "9", "site": "Lincoln High", "school_district": "Demo ISD",
		"affiliate": "CIS Demo", "date_of_birth": date(2010, 3, 4), "gender": "Female", "enrollment_status": "Enrolled",
		"guardians": [HAND, {**FILE_GUARDIAN, "relationship": "Mother"}],
	}  # fmt: skip
	incoming = {
		**{k: v for k, v in stored.items() if k != "name"},
		"middle_name": "",
		"date_of_birth": "2010-03-04",
		"guardians": [{**FILE_GUARDIAN, "relationship": "Mother"}],
	}
	assert fingerprint(stored) == fingerprint(incoming) is not None
	assert fingerprint({**incoming, "grade_level": "10"}) != fingerprint(stored)
	phone = [{**FILE_GUARDIAN, "relationship": "Mother", "phone": "555-0111"}]
	assert fingerprint({**incoming, "guardians": phone}) != fingerprint(stored)
	del incoming["gender"]
	assert fingerprint(incoming) is None  # a field the file does not carry: compared in full


# ---------------------------------------------------------------- streaming


def chunked(files, students=(), chunk_size=1, **kwargs):
	"""The streamed plan decided one student at a time (every lookup a chunk of its own)."""
	package = open_package(make_zip(files, "1.1", None))
	with RosterStream(
		package,
		district=DISTRICT,
		sites=[dict(s) for s in SITES],
		school_years=YEARS,
		existing=ExistingStudents([dict(s) for s in students]),
		chunk_size=chunk_size,
		**kwargs,
	) as stream:
		plan = stream.read()
		for chunk in stream.decisions():
			plan.students.extend(chunk)
		return plan


def summary(plan):
	return [(d.sourced_id, d.action, d.student, d.changes, d.reasons) for d in plan.students]


def test_chunks_of_one_student_decide_as_the_whole_file():
	files = roster_files()
	assert summary(chunked(files)) == summary(plan_of(files))
	students = apply_plan(plan_of(files), [])
	without_ben = roster_files(students=[student("u1", "Ana", "Reyes", "1001", "09", "org-s1", agents="p1")])
	assert summary(chunked(without_ben, students)) == summary(
		plan_of(without_ben, students, max_withdrawal_share=1)
	)


def test_students_without_a_sourced_id_match_by_district_id_chunk_by_chunk():
	students = apply_plan(plan_of(roster_files()), [])
	for record in students:
		record["oneroster_sourced_id"] = ""  # entered by hand, before any roster
	plan = chunked(roster_files(), students)
	assert {d.sourced_id: (d.action, d.changes.get("oneroster_sourced_id")) for d in plan.students} == {
		"u1": ("updated", "u1"),
		"u2": ("updated", "u2"),
		"u3": ("skipped", None),
	}
	assert summary(plan) == summary(plan_of(roster_files(), students))


def test_tally_counts_samples_and_spools_what_apply_writes():
	files = roster_files()
	package = open_package(make_zip(files, "1.1", None))
	with RosterStream(
		package,
		district=DISTRICT,
		sites=[dict(s) for s in SITES],
		school_years=YEARS,
		existing=ExistingStudents(),
	) as stream:
		plan = stream.tally(sample_size=1, spool_actions=("new",))
		spooled = [d for chunk in stream.spooled(1) for d in chunk]
	assert plan.counts() == {"new": 2, "updated": 0, "unchanged": 0, "withdrawn": 0, "skipped": 1, "error": 0}
	assert plan.students == [] and [d.sourced_id for d in plan.samples["new"]] == ["u1"]
	full = plan_of(files)
	assert [(d.sourced_id, d.changes) for d in spooled] == [
		(d.sourced_id, d.changes) for d in full.students if d.action == "new"
	]


def test_the_spool_is_deleted_at_the_end():
	import os

	package = open_package(make_zip(roster_files(), "1.1", None))
	stream = RosterStream(
		package,
		district=DISTRICT,
		sites=[dict(s) for s in SITES],
		school_years=YEARS,
		existing=ExistingStudents(),
	)
	folder = stream.spool.folder
	with stream:
		stream.tally()
		assert os.path.isdir(folder)
	assert not os.path.exists(folder)


# ---------------------------------------------------------------- the benchmark's files


def bench_sites(count):
	return [
		{"name": f"Site {n}", "school_id": bench_school(n)["identifier"], "school_district": "Bench District"}
		for n in range(count)
	]


def bench_plan(content, students=()):
	return plan_of_package(open_package(content), students)


def plan_of_package(package, students):
	from cis_app.core.oneroster import build_roster_plan

	return build_roster_plan(
		package,
		district={"name": "Bench District", "nces_district_id": "4899900", "affiliate": "A"},
		sites=bench_sites(5),
		school_years=[],
		students=students,
	)


def test_the_benchmark_roster_and_its_changed_copy():
	buffer = io.BytesIO()
	write_bench_roster(buffer, 40, 5)
	plan = bench_plan(buffer.getvalue())
	assert plan.counts()["new"] == 40 and plan.row_errors == []
	new = [d for d in plan.students if d.action == "new"]
	assert sum(len(d.changes["guardians"]) for d in new) == 50  # every fourth has a second guardian
	assert {d.changes["site"] for d in new} == {f"Site {n}" for n in range(5)}

	state = []
	for number, decision in enumerate(new):
		state.append({"name": f"STU-{number}", **decision.changes})
	changed = io.BytesIO()
	write_bench_roster(changed, 40, 5, changed_every=20)
	again = bench_plan(changed.getvalue(), state)
	assert again.counts()["updated"] == 2 and again.counts()["unchanged"] == 38
	updated = {d.sourced_id: d.changes for d in again.students if d.action == "updated"}
	# student 0: family name (and the guardian's), student 20: family name too (0 and 20 are both kind 0)
	assert set(updated) == {"bstu-000000", "bstu-000020"}
	assert set(updated["bstu-000000"]) == {"last_name", "guardians"}


# ---------------------------------------------------------------- the Student rules


TODAY = date(2026, 11, 1)


def test_student_problems_are_the_forms_rules():
	good = {"first_name": "Ana", "last_name": "Reyes", "grade_level": "9", "date_of_birth": "2011-03-04"}
	assert student_problems(good, today=TODAY) == []
	codes = [
		p.code
		for p in student_problems(
			{**good, "first_name": "<b>Ana</b>", "grade_level": "13", "date_of_birth": "2027-01-01",
			 "guardians": [{"guardian_name": "M <i>", "is_primary": 1}, {"guardian_name": "X", "is_primary": 1}]},
			today=TODAY,
		)
	]  # fmt: skip
	assert codes == ["markup", "markup", "future_birth_date", "grade_level", "several_primaries"]
	old = student_problems({**good, "date_of_birth": "1990-01-01"}, today=TODAY)
	assert [(p.code, p.age) for p in old] == [("implausible_birth_date", 36)]
	# a birth date not entered or changed now is not checked again (a former student ages)
	assert (
		student_problems({**good, "date_of_birth": "1990-01-01"}, today=TODAY, check_birth_date=False) == []
	)
