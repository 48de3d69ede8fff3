"""The synthetic sample files: they open and plan without file or unexpected row errors, match the demo."""

import csv
import io
import zipfile
from datetime import date

import pytest

from cis_app.demo import data as demo
from cis_app.core.oneroster import build_roster_plan, open_package
from cis_app.demo.sample_data import (
	ABC_COLUMNS,
	YEAR_END_COLUMNS,
	abc_as_of,
	demo_school_id,
	district_files,
	expected_counts,
	file_stem,
	plan_district,
)

TODAY = date(2026, 11, 29)


def demo_district(district_index: int, count: int = 120) -> tuple[dict, list[dict], list[dict]]:
	"""The demo district as the app holds it after ``make_demo`` (sites with the sample school ids)."""
	name = demo.DISTRICTS[district_index]
	sites = [
		{"name": site[0], "school_id": demo_school_id(index), "school_district": name}
		for index, site in enumerate(demo.SITES)
		if site[1] == district_index
	]
	students = []
	for number, spec in enumerate(demo.students(count, TODAY)):
		site_name, index, _level, _grades = demo.SITES[spec.site_index]
		if index != district_index:
			continue
		students.append(
			{
				"name": f"STU-{number:07d}",
				"district_student_id": spec.district_student_id,
				"first_name": spec.first_name,
				"last_name": spec.last_name,
				"middle_name": None,
				"grade_level": spec.grade_level,
				"date_of_birth": spec.date_of_birth,
				"gender": spec.gender,
				"site": site_name,
				"school_district": name,
				"affiliate": demo.AFFILIATE,
				"enrollment_status": "Enrolled",
				"oneroster_sourced_id": None,
				"guardians": [
					{k: g[k] for k in ("guardian_name", "relationship", "email", "phone")}
					for g in spec.guardians
				],
			}
		)
	return {"name": name, "affiliate": demo.AFFILIATE}, sites, students


def plan(content: bytes, district: dict, sites: list[dict], students: list[dict]):
	return build_roster_plan(
		open_package(content),
		district=district,
		sites=sites,
		school_years=[{"name": y.name, "school_year_name": y.name} for y in demo.school_years(TODAY)],
		students=students,
	)


def after_apply(result, students: list[dict]) -> list[dict]:
	"""The students as the import leaves them (the plan's changes applied), for a second run."""
	by_name = {s["name"]: dict(s) for s in students}
	for decision in result.students:
		if decision.action == "new":
			by_name[f"new-{decision.sourced_id}"] = {"name": f"new-{decision.sourced_id}", **decision.changes}
		elif decision.action in ("updated", "withdrawn"):
			by_name[decision.student].update(decision.changes)
	return list(by_name.values())


@pytest.mark.parametrize("version", ["1.1", "1.2"])
@pytest.mark.parametrize("district_index", [0, 1])
def test_zips_open_and_plan_as_the_demo_expects(version, district_index):
	district, sites, students = demo_district(district_index)
	sample = plan_district(district, sites, students, today=TODAY)
	files = district_files(sample, TODAY)
	stem = file_stem(district["name"])
	package = open_package(io.BytesIO(files[f"{stem}-oneroster-{version}.zip"]))
	assert package.version == version
	assert package.warnings == []

	result = plan(files[f"{stem}-oneroster-{version}.zip"], district, sites, students)
	expected = expected_counts(sample)
	counts = result.counts()
	assert not result.refused, result.refusal_reason
	assert result.district.matched
	assert sorted(m.site for m in result.sites if m.site) == sorted(s["name"] for s in sites)
	assert [m.org_name for m in result.sites if m.site is None] == ["Juniper Elementary (not served)"]
	assert [m.identifier for m in result.sites if m.site is None] == ["489999999999"]
	assert counts["new"] == expected["new"] == 3
	assert counts["skipped"] == expected["skipped"] == 2
	assert counts["withdrawn"] == expected["withdrawn"] == 1
	assert counts["error"] == expected["error"] == 1
	# the only row error is the grade the app does not serve, put there on purpose
	assert [(e.field, e.code) for e in result.row_errors] == [("grades", "grade_not_served")]
	# every demo student still in the file is found by district student id: linked (updated), never new
	assert counts["updated"] == len(students) - 1
	assert counts["unchanged"] == 0
	moved = [s for s in sample.students if s.kind == "moved"]
	assert len(moved) == 1
	decision = next(d for d in result.students if d.sourced_id == moved[0].sourced_id)
	assert decision.changes["site"] != next(
		s["site"] for s in students if s["district_student_id"] == moved[0].identifier
	)
	# names, grades, birth dates are the demo's: linking changes only the sourcedId, guardians, site
	for decision in result.students:
		if decision.action == "updated":
			assert set(decision.changes) <= {"oneroster_sourced_id", "guardians", "site", "gender"}

	# the same file again, once applied: nothing changes
	again = plan(files[f"{stem}-oneroster-{version}.zip"], district, sites, after_apply(result, students))
	counts = again.counts()
	assert (counts["new"], counts["updated"], counts["withdrawn"]) == (0, 0, 0)
	assert counts["unchanged"] == len(students) - 1 + 3


def test_the_other_version_changes_nothing_after_one_was_applied():
	district, sites, students = demo_district(0)
	sample = plan_district(district, sites, students, today=TODAY)
	files = district_files(sample, TODAY)
	stem = file_stem(district["name"])
	applied = after_apply(plan(files[f"{stem}-oneroster-1.2.zip"], district, sites, students), students)
	counts = plan(files[f"{stem}-oneroster-1.1.zip"], district, sites, applied).counts()
	# 1.1 knows male and female only: a blank sex leaves the gender as it is
	assert (counts["new"], counts["updated"], counts["withdrawn"]) == (0, 0, 0)


def test_deterministic_and_zips_have_the_files_at_the_root():
	district, sites, students = demo_district(1)
	first = district_files(plan_district(district, sites, students, today=TODAY), TODAY)
	second = district_files(plan_district(district, sites, students, today=TODAY), TODAY)
	assert first == second
	names = zipfile.ZipFile(io.BytesIO(first["cedar-valley-isd-demo-oneroster-1.2.zip"])).namelist()
	assert set(names) == {
		"manifest.csv",
		"orgs.csv",
		"academicSessions.csv",
		"courses.csv",
		"classes.csv",
		"users.csv",
		"roles.csv",
		"enrollments.csv",
		"demographics.csv",
	}


def test_abc_file_leaves_cells_blank_on_purpose():
	district, sites, students = demo_district(0, count=400)
	sample = plan_district(district, sites, students, today=TODAY)
	rows = list(
		csv.DictReader(io.StringIO(district_files(sample, TODAY)["riverbend-unified-demo-abc.csv"].decode()))
	)
	assert tuple(rows[0]) == ABC_COLUMNS
	served = [s for s in sample.students if s.kind not in ("not served", "bad grade")]
	assert [r["District Student ID"] for r in rows] == [s.identifier for s in served]
	assert {r["As Of Date"] for r in rows} == {abc_as_of(TODAY).isoformat()} == {"2026-10-31"}
	assert all(r["Days Enrolled"] and r["Days Absent"] != "" for r in rows)
	assert all(int(r["Days Enrolled"]) >= int(r["Days Absent"]) for r in rows)
	# blank is "not reported", not zero: some rows have no behavior, some no course marks
	assert any(
		r["Suspensions"] == "" and r["Major Incidents"] == "" and r["Minor Incidents"] == "" for r in rows
	)
	assert any(r["Suspensions"] == "0" for r in rows)
	assert any(r["Failing Math"] == "" for r in rows)
	grade = {s.identifier: s.grade for s in served}
	assert all(r["GPA"] == "" for r in rows if grade[r["District Student ID"]] not in ("9", "10", "11", "12"))
	assert any(r["GPA"] for r in rows)


def test_year_end_file_lists_last_years_students():
	district, sites, students = demo_district(1)
	sample = plan_district(district, sites, students, today=TODAY)
	rows = list(
		csv.DictReader(
			io.StringIO(district_files(sample, TODAY)["cedar-valley-isd-demo-year-end.csv"].decode())
		)
	)
	assert tuple(rows[0]) == YEAR_END_COLUMNS
	assert {r["School Year"] for r in rows} == {"2025-2026"}
	known = {s["district_student_id"] for s in students}
	assert {r["District Student ID"] for r in rows} <= known
	statuses = {"Promoted", "Retained", "Graduated", "GED", "Dropped Out", "Transferred", "Moved"}
	assert {r["Year-End Status"] for r in rows} <= statuses


def test_a_site_without_school_id_is_refused():
	district, sites, students = demo_district(0)
	sites[0]["school_id"] = ""
	with pytest.raises(ValueError, match="no school id"):
		plan_district(district, sites, students, today=TODAY)


def test_abc_and_year_end_files_read_without_errors_by_the_district_file_readers():
	abc_import = pytest.importorskip("cis_app.core.abc_import")
	district, sites, students = demo_district(1, count=400)
	files = district_files(plan_district(district, sites, students, today=TODAY), TODAY)
	parsed = abc_import.parse_abc_file(files["cedar-valley-isd-demo-abc.csv"])
	assert (parsed.errors, parsed.warnings) == ([], [])
	assert len(parsed.rows) == len(students) - 1 + 3
	# a row without behavior data carries no behavior group: unknown, not zero
	assert any("behavior" not in row.groups for row in parsed.rows)
	assert any("behavior" in row.groups for row in parsed.rows)
	year_end = abc_import.parse_year_end_file(files["cedar-valley-isd-demo-year-end.csv"])
	assert (year_end.errors, year_end.warnings) == ([], [])
	assert len(year_end.rows) > 0


def test_after_an_import_the_files_carry_the_roster_guardians_not_a_second_copy():
	district, sites, students = demo_district(0)
	students[0]["guardians"] = [{"guardian_name": "Hand Entered", "relationship": "Mother"}]
	students[1]["guardians"] = [
		{"guardian_name": "Hand Entered", "relationship": "Mother"},
		{"guardian_name": "Roster Parent", "relationship": "", "oneroster_sourced_id": "par-x"},
	]
	sample = plan_district(district, sites, students, today=TODAY)
	by_id = {s.identifier: s for s in sample.students}
	first, second = by_id[students[0]["district_student_id"]], by_id[students[1]["district_student_id"]]
	assert [g["oneroster_sourced_id"] for g in first.guardians] == [f"par-{first.identifier}-1"]
	assert [g["oneroster_sourced_id"] for g in second.guardians] == ["par-x"]


def test_a_file_made_after_an_import_is_the_next_file():
	"""Made again from the students an import left: the new students of the first file are known, the
	next file's new students get other ids, and it plans without errors other than the TK row."""
	district, sites, students = demo_district(0)
	sample = plan_district(district, sites, students, today=TODAY)
	files = district_files(sample, TODAY)
	applied = after_apply(
		plan(files["riverbend-unified-demo-oneroster-1.2.zip"], district, sites, students), students
	)
	for student in applied:
		student.setdefault("school_district", district["name"])
	following = plan_district(district, sites, applied, today=TODAY)
	result = plan(
		district_files(following, TODAY)["riverbend-unified-demo-oneroster-1.2.zip"], district, sites, applied
	)
	counts = result.counts()
	# only the next file's changes: 3 new, 1 moved, 1 left out (roster guardians read back unchanged)
	assert (counts["new"], counts["updated"], counts["withdrawn"], counts["error"], counts["skipped"]) == (
		3,
		1,
		1,
		1,
		2,
	)
	assert [(e.field, e.code) for e in result.row_errors] == [("grades", "grade_not_served")]
	first_new = {s.identifier for s in sample.students if s.kind == "new"}
	assert first_new.isdisjoint(s.identifier for s in following.students if s.kind == "new")
