"""OneRoster roster import core: reading the zip, row rules, matching, withdrawals, guard, dry run.

Every package is built in memory from synthetic rows; nothing here imports frappe.
"""

import csv
import io
import zipfile
from datetime import date

import pytest

from cis_app.core.oneroster import (
	OneRosterError,
	RuleError,
	build_roster_plan,
	detect_encoding,
	escape_for_export,
	is_formula_like,
	map_grade,
	map_grades,
	map_sex,
	match_district,
	match_school,
	match_school_year,
	open_package,
	parse_date,
	plan_roster_import,
	require_name,
	resolve_school,
	row_log_csv,
	student_changes,
	summarize_plan,
)

H = {
	"orgs": "sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId",
	"academicSessions": "sourcedId,status,dateLastModified,title,type,startDate,endDate,parentSourcedId,schoolYear",
	"classes": "sourcedId,status,dateLastModified,title,grades,courseSourcedId,classCode,classType,location,"
	"schoolSourcedId,termSourcedIds,subjects,subjectCodes,periods",
	"users11": "sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,userIds,givenName,"
	"familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password",
	"users12": "sourcedId,status,dateLastModified,enabledUser,username,userIds,givenName,familyName,middleName,"
	"identifier,email,sms,phone,agentSourcedIds,grades,password,userMasterIdentifier,resourceSourcedIds,"
	"preferredGivenName,preferredMiddleName,preferredFamilyName,primaryOrgSourcedId,pronouns",
	"roles": "sourcedId,status,dateLastModified,userSourcedId,roleType,role,beginDate,endDate,orgSourcedId,"
	"userProfileSourcedId",
	"enrollments": "sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,role,primary,"
	"beginDate,endDate",
	"demographics": "sourcedId,status,dateLastModified,birthDate,sex,americanIndianOrAlaskaNative,asian,"
	"blackOrAfricanAmerican,nativeHawaiianOrOtherPacificIslander,white,demographicRaceTwoOrMoreRaces,"
	"hispanicOrLatinoEthnicity,countryOfBirthCode,stateOfBirthAbbreviation,cityOfBirth,"
	"publicSchoolResidenceStatus",
}

DISTRICT = {"name": "Demo ISD", "nces_district_id": "4800001", "affiliate": "CIS Demo"}
SITES = [
	{
		"name": "Lincoln High",
		"oneroster_sourced_id": "org-s1",
		"school_id": "",
		"school_district": "Demo ISD",
	},
	{
		"name": "Oak Elementary",
		"oneroster_sourced_id": "",
		"school_id": "480000100002",
		"school_district": "Demo ISD",
	},
]
YEARS = [
	{
		"name": "2024-2025",
		"school_year_name": "2024-2025",
		"year_start_date": "2024-08-12",
		"year_end_date": "2025-05-30",
	}
]


def csv_text(header: str, rows: list[dict]) -> str:
	columns = header.split(",")
	buffer = io.StringIO()
	writer = csv.writer(buffer, lineterminator="\r\n")
	writer.writerow(columns)
	for row in rows:
		writer.writerow([row.get(column, "") for column in columns])
	return buffer.getvalue()


def make_zip(
	files: dict, version: str = "1.1", modes: dict | None = None, manifest: str | None = None
) -> bytes:
	"""A OneRoster zip: ``files`` maps a file name (no .csv) to its text or bytes."""
	modes = {**{name: "bulk" for name in files}, **(modes or {})}
	if manifest is None:
		lines = ["propertyName,value", "manifest.version,1.0", f"oneroster.version,{version}"]
		lines += [f"file.{name},{mode}" for name, mode in modes.items()]
		manifest = "\r\n".join(lines) + "\r\n"
	buffer = io.BytesIO()
	with zipfile.ZipFile(buffer, "w") as archive:
		if manifest != "":
			archive.writestr("manifest.csv", manifest)
		for name, content in files.items():
			archive.writestr(f"{name}.csv", content)
	return buffer.getvalue()


def student(sid, given, family, identifier, grades, orgs, agents="", status="", **extra):
	return {
		"sourcedId": sid,
		"status": status,
		"enabledUser": "true",
		"orgSourcedIds": orgs,
		"role": "student",
		"username": sid,
		"givenName": given,
		"familyName": family,
		"identifier": identifier,
		"agentSourcedIds": agents,
		"grades": grades,
		**extra,
	}


def roster_files(students=None, guardians=None, demographics=None, enrollments=None, orgs=None) -> dict:
	"""A 1.1 bulk roster: district D1, schools S1 (a site by sourcedId), S2 (by NCES id), S3 (unserved)."""
	if students is None:
		students = [
			student("u1", "Ana", "Reyes", "1001", "09", "org-s1", agents="p1"),
			student("u2", "Ben", "Okafor", "1002", "KG", "org-s2"),
			student("u3", "Cy", "Lund", "1003", "05", "org-s3"),
		]
	if guardians is None:
		guardians = [
			{
				"sourcedId": "p1",
				"role": "parent",
				"givenName": "Maria",
				"familyName": "Reyes",
				"username": "p1",
				"enabledUser": "true",
				"orgSourcedIds": "org-s1",
				"email": "maria@example.org",
				"phone": "555-0101",
				"agentSourcedIds": "u1",
			},
			{
				"sourcedId": "t1",
				"role": "teacher",
				"givenName": "Tess",
				"familyName": "Hart",
				"username": "t1",
				"enabledUser": "true",
				"orgSourcedIds": "org-s1",
			},
		]
	if orgs is None:
		orgs = [
			{"sourcedId": "org-d1", "name": "Demo ISD", "type": "district", "identifier": "4800001"},
			{
				"sourcedId": "org-s1",
				"name": "Lincoln High",
				"type": "school",
				"identifier": "480000100001",
				"parentSourcedId": "org-d1",
			},
			{
				"sourcedId": "org-s2",
				"name": "Oak Elementary",
				"type": "school",
				"identifier": "480000100002",
				"parentSourcedId": "org-d1",
			},
			{
				"sourcedId": "org-s3",
				"name": "Pine Middle",
				"type": "school",
				"identifier": "480000100003",
				"parentSourcedId": "org-d1",
			},
		]
	if demographics is None:
		demographics = [
			{"sourcedId": "u1", "birthDate": "2010-03-04", "sex": "female"},
			{"sourcedId": "u2", "birthDate": "2019-01-02", "sex": "male"},
		]
	if enrollments is None:
		enrollments = [
			{
				"sourcedId": "e1",
				"classSourcedId": "c1",
				"schoolSourcedId": "org-s1",
				"userSourcedId": "u1",
				"role": "student",
			},
			{
				"sourcedId": "e2",
				"classSourcedId": "c2",
				"schoolSourcedId": "org-s2",
				"userSourcedId": "u2",
				"role": "student",
			},
			{
				"sourcedId": "e3",
				"classSourcedId": "c3",
				"schoolSourcedId": "org-s3",
				"userSourcedId": "u3",
				"role": "student",
			},
			{
				"sourcedId": "e4",
				"classSourcedId": "c1",
				"schoolSourcedId": "org-s1",
				"userSourcedId": "t1",
				"role": "teacher",
			},
		]
	return {
		"orgs": csv_text(H["orgs"], orgs),
		"academicSessions": csv_text(
			H["academicSessions"],
			[
				{
					"sourcedId": "y26",
					"title": "2025-26",
					"type": "schoolYear",
					"startDate": "2025-08-11",
					"endDate": "2026-05-30",
					"schoolYear": "2026",
				}
			],
		),
		"classes": csv_text(
			H["classes"],
			[
				{"sourcedId": f"c{n}", "title": f"Class {n}", "schoolSourcedId": f"org-s{n}"}
				for n in (1, 2, 3)
			],
		),
		"users": csv_text(H["users11"], students + guardians),
		"enrollments": csv_text(H["enrollments"], enrollments),
		"demographics": csv_text(H["demographics"], demographics),
	}


def plan_of(files, students=(), version="1.1", modes=None, sites=SITES, **kwargs):
	return plan_roster_import(
		make_zip(files, version, modes),
		district=DISTRICT,
		sites=[dict(s) for s in sites],
		school_years=YEARS,
		students=[dict(s) for s in students],
		**kwargs,
	)


def apply_plan(plan, students):
	"""What the Frappe layer does with a plan, in memory: create, update, withdraw (never delete)."""
	by_name = {s["name"]: dict(s) for s in students}
	for decision in plan.students:
		changes = dict(decision.changes)
		if decision.action == "new":
			name = f"STU-{len(by_name) + 1:07d}"
			by_name[name] = {"name": name, **changes}
		elif decision.action in ("updated", "withdrawn"):
			record = by_name[decision.student]
			if "guardians" in changes:
				manual = [g for g in record.get("guardians", []) if not g.get("oneroster_sourced_id")]
				record["guardians"] = manual + changes.pop("guardians")
			record.update(changes)
	return list(by_name.values())


def apply_sites(plan, sites):
	linked = {m.site: m.org_sourced_id for m in plan.sites if m.set_sourced_id}
	return [{**s, "oneroster_sourced_id": linked.get(s["name"], s["oneroster_sourced_id"])} for s in sites]


def by_sid(plan):
	return {d.sourced_id: d for d in plan.students}


def error_codes(plan):
	return sorted((e.file, e.line, e.sourced_id, e.code) for e in plan.row_errors)


def raises(code, data):
	with pytest.raises(OneRosterError) as info:
		open_package(data)
	assert info.value.code == code
	return info.value


# ---------------------------------------------------------------- reading the package


def test_manifest_versions_and_modes():
	package = open_package(make_zip(roster_files(), modes={"demographics": "delta"}))
	assert package.version == "1.1"
	assert package.mode("users") == "bulk" and package.mode("demographics") == "delta"
	assert package.mode("roles") == "absent"
	files12 = {"users": csv_text(H["users12"], []), "roles": csv_text(H["roles"], [])}
	assert open_package(make_zip(files12, "1.2")).version == "1.2"
	assert open_package(make_zip(files12, "1.2.1")).version == "1.2"


def test_file_errors_come_before_any_row():
	assert raises("not_a_zip", b"sourcedId,status\n").code == "not_a_zip"
	raises("missing_manifest", make_zip(roster_files(), manifest=""))
	error = raises("manifest_version", make_zip(roster_files(), version="1.0"))
	assert error.file == "manifest.csv" and "1.0" in error.message
	raises(
		"manifest_version", make_zip(roster_files(), manifest="propertyName,value\nmanifest.version,1.0\n")
	)
	raises("bad_manifest", make_zip(roster_files(), modes={"users": "full"}))
	files = roster_files()
	del files["enrollments"]
	error = raises("missing_file", make_zip(files, modes={"enrollments": "bulk"}))
	assert error.file == "enrollments.csv" and "bulk" in error.message
	raises("missing_file", make_zip({"users": csv_text(H["users12"], [])}, "1.2"))


def test_manifest_in_a_folder_says_so():
	buffer = io.BytesIO()
	with zipfile.ZipFile(buffer, "w") as archive:
		archive.writestr("export/manifest.csv", "propertyName,value\noneroster.version,1.1\n")
	error = raises("missing_manifest", buffer.getvalue())
	assert "export/manifest.csv" in error.message


def test_a_file_the_manifest_calls_absent_is_not_read():
	package = open_package(make_zip(roster_files(), modes={"demographics": "absent"}))
	assert not package.has("demographics")
	assert any("demographics.csv" in w for w in package.warnings)


@pytest.mark.parametrize(
	"header, needle",
	[
		(H["users11"].replace("givenName", "givenname"), "case-sensitive"),
		(H["users11"].replace(",familyName", ""), "familyName"),
		(H["users11"] + ",grades", "twice"),
		("", "missing"),
		("u1,,,true,org-s1,student,u1,,Ana,Reyes,,1001,,,,,09,", "sourcedId"),
	],
)
def test_wrong_or_missing_header_is_a_file_error(header, needle):
	files = roster_files()
	files["users"] = header + "\r\n" + files["users"].split("\r\n", 1)[1] if header else ""
	error = raises("bad_header", make_zip(files))
	assert (error.file, error.line) == ("users.csv", 1)
	assert needle in error.message


def test_extension_and_unknown_columns_are_allowed():
	files = roster_files()
	files["orgs"] = csv_text(
		H["orgs"] + ",metadata.region",
		[{"sourcedId": "org-s1", "name": "L", "type": "school", "metadata.region": "N"}],
	)
	assert open_package(make_zip(files)).headers["orgs"][-1] == "metadata.region"


def test_encodings_bom_utf8_and_windows_1252():
	files = roster_files(students=[student("u1", "José", "Muñoz", "1001", "09", "org-s1")], guardians=[])
	assert detect_encoding(io.BytesIO(files["users"].encode("utf-8"))) == "utf-8"
	assert detect_encoding(io.BytesIO(files["users"].encode("cp1252"))) == "cp1252"
	assert detect_encoding(io.BytesIO(b"\xef\xbb\xbf" + files["users"].encode())) == "utf-8-sig"
	for encoded in (
		files["users"].encode("utf-8"),
		b"\xef\xbb\xbf" + files["users"].encode("utf-8"),
		files["users"].encode("cp1252"),
	):
		plan = plan_of({**files, "users": encoded})
		assert by_sid(plan)["u1"].changes["first_name"] == "José"
		assert by_sid(plan)["u1"].changes["last_name"] == "Muñoz"


def test_cp1252_file_with_multibyte_chunks_is_detected_across_chunks():
	data = ("a" * 10 + "é").encode("utf-8") * 3 + "ü".encode("cp1252")
	assert detect_encoding(io.BytesIO(data), chunk_size=7) == "cp1252"
	assert detect_encoding(io.BytesIO(("é" * 20).encode("utf-8")), chunk_size=3) == "utf-8"


def test_rows_stream_and_a_row_with_wrong_cell_count_is_a_row_error():
	files = roster_files()
	lines = files["users"].split("\r\n")
	lines.insert(2, "bad1,,,true")  # fewer cells
	lines.insert(3, lines[1].replace("u1,", "u9,", 1) + ",extra")  # more cells
	files["users"] = "\r\n".join(lines)
	package = open_package(make_zip(files))
	errors = []
	rows = package.rows("users", errors)
	assert iter(rows) is rows  # a generator: rows are read as they are used
	sids = [row["sourcedId"] for _, row in rows]
	assert sids == ["u1", "u2", "u3", "p1", "t1"]
	assert [(e.line, e.code) for e in errors] == [(3, "cell_count"), (4, "cell_count")]
	assert "fewer" not in errors[0].message and "4 cells" in errors[0].message


def test_line_numbers_count_multiline_cells():
	orgs = [
		{"sourcedId": "org-s1", "name": "Lincoln\nHigh", "type": "school"},
		{"sourcedId": "org-s1", "name": "Again", "type": "school"},
	]
	plan = plan_of(roster_files(orgs=orgs))
	assert [(e.file, e.line, e.code) for e in plan.row_errors if e.file == "orgs.csv"] == [
		("orgs.csv", 2, "duplicate"),
		("orgs.csv", 4, "duplicate"),
	]


def test_formula_like_cells_are_kept_as_text_and_escaped_in_the_log():
	students = [
		student("u1", '=HYPERLINK("x")', "+Reyes", "1001", "09", "org-s1"),
		student("u2", "@Ben", "", "1002", "KG", "org-s2"),
	]
	plan = plan_of(roster_files(students=students, guardians=[], enrollments=[]))
	assert by_sid(plan)["u1"].changes["first_name"] == '=HYPERLINK("x")'
	assert by_sid(plan)["u1"].changes["last_name"] == "+Reyes"
	log = row_log_csv(plan.row_errors)
	assert log.splitlines()[0] == "file,line,sourced_id,field,message"
	row = next(csv.reader(io.StringIO(log.splitlines()[1])))
	assert row[2] == "u2" and row[3] == "familyName"
	weird = row_log_csv([type(plan.row_errors[0])("users.csv", 2, "-1", "givenName", "=cmd|' /C calc'!A0")])
	assert next(csv.reader(io.StringIO(weird.splitlines()[1]))) == [
		"users.csv",
		"2",
		"'-1",
		"givenName",
		"'=cmd|' /C calc'!A0",
	]


@pytest.mark.parametrize("value", ["=1+2", "+1", "-1", "@SUM(A1)", "\tx"])
def test_escape_for_export(value):
	assert is_formula_like(value)
	assert escape_for_export(value) == "'" + value


@pytest.mark.parametrize("value", ["Ana", "", "1001", None, 5, "a=b"])
def test_escape_leaves_plain_values(value):
	assert not is_formula_like(value)
	assert escape_for_export(value) == value


# ---------------------------------------------------------------- rules


@pytest.mark.parametrize(
	"code, grade",
	[
		("PK", "PK"),
		("KG", "K"),
		("K", "K"),
		("kg", "K"),
		("01", "1"),
		("1", "1"),
		("09", "9"),
		("9", "9"),
		("12", "12"),
		(" 10 ", "10"),
	],
)
def test_ceds_grades_and_variants(code, grade):
	assert map_grade(code) == grade


@pytest.mark.parametrize("code", ["IT", "PR", "TK", "PS", "UG", "13", "Other", "other"])
def test_ceds_grades_the_app_does_not_serve(code):
	with pytest.raises(RuleError) as info:
		map_grade(code)
	assert info.value.code == "grade_not_served"
	assert "not served" in info.value.message


@pytest.mark.parametrize("code", ["", None, "ninth", "14", "-1", "G9"])
def test_unknown_grades(code):
	with pytest.raises(RuleError) as info:
		map_grade(code)
	assert info.value.code == "unknown_grade"


def test_grades_list_must_name_one_grade():
	assert map_grades("09,9") == "9"
	with pytest.raises(RuleError) as info:
		map_grades("09,10")
	assert info.value.code == "several_grades"


def test_dates_are_iso_only():
	assert parse_date("2023-01-05") == date(2023, 1, 5)
	assert parse_date("") is None and parse_date(None) is None
	for bad in ("1/05/2023", "2023-13-01", "2023-02-30", "2023-1-5", "05-01-2023", "2023-01-05T00:00:00Z"):
		with pytest.raises(RuleError) as info:
			parse_date(bad)
		assert info.value.code == "bad_date"
		assert repr(bad) in info.value.message
	with pytest.raises(RuleError):
		parse_date(" ", required=True)


def test_names_and_sex():
	assert require_name(" Ana ", "givenName") == "Ana"
	for empty in ("", "   ", None):
		with pytest.raises(RuleError) as info:
			require_name(empty, "familyName")
		assert info.value.code == "missing_name" and "familyName" in info.value.message
	assert [map_sex(v) for v in ("male", "female", "Female", "other", "unspecified", "")] == [
		"Male",
		"Female",
		"Female",
		"Non-binary",
		"Not Reported",
		None,
	]
	with pytest.raises(RuleError):
		map_sex("x")


# ---------------------------------------------------------------- matching rules


def org(sid, identifier="", name="School"):
	return {"sourcedId": sid, "identifier": identifier, "name": name, "line": 2}


def test_school_matches_site_by_sourced_id_then_identifier():
	sites = [
		{"name": "A", "oneroster_sourced_id": "s-a", "school_id": "111"},
		{"name": "B", "oneroster_sourced_id": "", "school_id": "222"},
		{"name": "C", "oneroster_sourced_id": "s-c", "school_id": "333"},
		{"name": "D1", "oneroster_sourced_id": "", "school_id": "444"},
		{"name": "D2", "oneroster_sourced_id": "", "school_id": "444"},
	]
	match = match_school(org("s-a", "999"), sites)
	assert (match.site, match.matched_by, match.set_sourced_id) == ("A", "sourcedId", False)
	match = match_school(org("s-b", "222"), sites)
	assert (match.site, match.matched_by, match.set_sourced_id) == ("B", "identifier", True)
	match = match_school(org("s-x", "333"), sites)
	assert match.site is None and "linked to org s-c" in match.reason
	match = match_school(org("s-y", "444"), sites)
	assert match.site is None and "several sites" in match.reason
	match = match_school(org("s-z", "555"), sites)
	assert match.site is None and "never created" in match.reason
	assert match_school(org("s-z", ""), [{"name": "E", "school_id": ""}]).site is None


def test_district_matching():
	orgs = [{"sourcedId": "d1", "identifier": "4800001", "name": "Demo ISD"}]
	assert match_district(orgs, {"name": "X", "oneroster_sourced_id": "d1"}).matched_by == "sourcedId"
	match = match_district(orgs, {"name": "X", "nces_district_id": "4800001"})
	assert (match.matched, match.matched_by, match.set_sourced_id) == (True, "identifier", True)
	assert match_district(orgs, {"name": "X"}).matched_by == "only district in file"
	match = match_district(orgs, {"name": "Other ISD", "nces_district_id": "4899999"})
	assert not match.matched and "Other ISD" in match.reason
	assert match_district([], {"name": "X"}).matched


def test_school_year_matches_or_is_created():
	session = {
		"sourcedId": "y",
		"startDate": date(2025, 8, 11),
		"endDate": date(2026, 5, 30),
		"schoolYear": 2026,
		"line": 2,
	}
	assert (
		match_school_year(session, [{"name": "2025-2026", "school_year_name": "2025-2026"}]).action
		== "matched"
	)
	by_end = match_school_year(
		session, [{"name": "SY26", "school_year_name": "SY26", "year_end_date": "2026-05-29"}]
	)
	assert (by_end.action, by_end.name) == ("matched", "SY26")
	created = match_school_year(session, YEARS)
	assert (created.action, created.name) == ("create", "2025-2026")


def test_plan_creates_the_school_year_with_the_last_day():
	plan = plan_of(roster_files())
	[year] = plan.school_years
	assert (year.action, year.name, year.start, year.end) == (
		"create",
		"2025-2026",
		date(2025, 8, 11),
		date(2026, 5, 29),
	)


def test_session_dates_must_be_iso():
	files = roster_files()
	files["academicSessions"] = csv_text(
		H["academicSessions"],
		[
			{
				"sourcedId": "y26",
				"title": "t",
				"type": "schoolYear",
				"startDate": "8/11/2025",
				"endDate": "2026-05-30",
				"schoolYear": "2026",
			}
		],
	)
	plan = plan_of(files)
	assert plan.school_years == []
	assert [(e.file, e.field, e.code) for e in plan.row_errors] == [
		("academicSessions.csv", "startDate", "bad_date")
	]


def test_resolve_school():
	site_by_org = {"s1": "Lincoln", "s2": "Oak"}
	names = {"s3": "Pine Middle"}
	assert resolve_school(["d1", "s1"], None, site_by_org, names) == ("Lincoln", "")
	assert resolve_school(["s1", "s2"], "s2", site_by_org, names) == ("Oak", "")
	site, reason = resolve_school(["s1", "s2"], None, site_by_org, names)
	assert site is None and "several served schools" in reason
	site, reason = resolve_school(["s3"], None, site_by_org, names)
	assert site is None and reason.startswith("not served") and "Pine Middle" in reason
	assert resolve_school([], None, site_by_org, names)[1].startswith("no school")


def test_student_changes_are_exactly_the_changed_fields():
	existing = {
		"name": "S1",
		"first_name": "Ana",
		"date_of_birth": date(2010, 3, 4),
		"grade_level": "9",
		"middle_name": None,
		"guardians": [{"oneroster_sourced_id": "", "guardian_name": "Aunt by hand"}],
	}
	assert (
		student_changes(
			existing, {"first_name": "Ana", "date_of_birth": "2010-03-04", "middle_name": "", "guardians": []}
		)
		== {}
	)
	assert student_changes(existing, {"first_name": "Anna", "grade_level": "9"}) == {"first_name": "Anna"}
	guardian = {
		"oneroster_sourced_id": "p1",
		"guardian_name": "M R",
		"relationship": "",
		"email": "",
		"phone": "",
	}
	assert student_changes(existing, {"guardians": [guardian]}) == {"guardians": [guardian]}


# ---------------------------------------------------------------- the plan


def test_fresh_import():
	plan = plan_of(roster_files())
	assert not plan.refused
	decisions = by_sid(plan)
	assert set(decisions) == {"u1", "u2", "u3"}  # the teacher and the parent are not students
	assert decisions["u1"].action == "new"
	assert decisions["u1"].changes == {
		"oneroster_sourced_id": "u1",
		"first_name": "Ana",
		"last_name": "Reyes",
		"middle_name": "",
		"district_student_id": "1001",
		"grade_level": "9",
		"enrollment_status": "Enrolled",
		"school_district": "Demo ISD",
		"affiliate": "CIS Demo",
		"site": "Lincoln High",
		"date_of_birth": "2010-03-04",
		"gender": "Female",
		"guardians": [
			{
				"oneroster_sourced_id": "p1",
				"guardian_name": "Maria Reyes",
				"relationship": "",
				"email": "maria@example.org",
				"phone": "555-0101",
			}
		],
	}
	assert (
		decisions["u2"].changes["site"] == "Oak Elementary" and decisions["u2"].changes["grade_level"] == "K"
	)
	assert decisions["u3"].action == "skipped" and "Pine Middle" in decisions["u3"].reasons[0]
	assert plan.row_errors == []
	sites = {m.org_sourced_id: m for m in plan.sites}
	assert sites["org-s2"].set_sourced_id and sites["org-s3"].site is None
	assert plan.district.matched_by == "identifier"


def test_same_file_against_the_state_it_produced_is_all_unchanged():
	files = roster_files()
	first = plan_of(files)
	students, sites = apply_plan(first, []), apply_sites(first, SITES)
	again = plan_of(files, students, sites=sites)
	assert again.counts() == {
		"new": 0,
		"updated": 0,
		"unchanged": 2,
		"withdrawn": 0,
		"skipped": 1,
		"error": 0,
	}
	assert all(m.matched_by == "sourcedId" for m in again.sites if m.site)


def test_a_changed_row_updates_only_the_changed_fields_and_a_move_changes_site():
	first = plan_of(roster_files())
	students = apply_plan(first, [])
	changed = roster_files(
		students=[
			student("u1", "Ana", "Reyes", "1001", "10", "org-s1", agents="p1"),
			student("u2", "Ben", "Okafor", "1002", "KG", "org-s1"),
			student("u3", "Cy", "Lund", "1003", "05", "org-s3"),
		],
		enrollments=[],
	)
	decisions = by_sid(plan_of(changed, students))
	assert (decisions["u1"].action, decisions["u1"].changes) == ("updated", {"grade_level": "10"})
	assert (decisions["u2"].action, decisions["u2"].changes) == ("updated", {"site": "Lincoln High"})


def test_student_matches_by_district_id_when_no_sourced_id_is_stored():
	existing = [
		{
			"name": "STU-9",
			"district_student_id": "1001",
			"first_name": "Ana",
			"last_name": "Reyes",
			"enrollment_status": "Enrolled",
		}
	]
	decision = by_sid(plan_of(roster_files(), existing))["u1"]
	assert decision.action == "updated" and decision.student == "STU-9"
	assert decision.changes["oneroster_sourced_id"] == "u1"
	assert "first_name" not in decision.changes


def test_a_student_of_another_district_is_not_matched():
	existing = [
		{
			"name": "STU-9",
			"district_student_id": "1001",
			"school_district": "Other ISD",
			"enrollment_status": "Enrolled",
		}
	]
	assert by_sid(plan_of(roster_files(), existing))["u1"].action == "new"


def test_guardians_by_hand_are_kept_and_roster_guardians_follow_the_file():
	students = apply_plan(plan_of(roster_files()), [])
	ana = next(s for s in students if s["oneroster_sourced_id"] == "u1")
	ana["guardians"].append({"oneroster_sourced_id": "", "guardian_name": "Aunt Rosa"})
	assert by_sid(plan_of(roster_files(), students))["u1"].action == "unchanged"
	guardians = [
		{
			"sourcedId": "p2",
			"role": "guardian",
			"givenName": "Luis",
			"familyName": "Reyes",
			"username": "p2",
			"enabledUser": "true",
			"orgSourcedIds": "org-s1",
			"sms": "555-0199",
		},
	]
	files = roster_files(guardians=guardians)  # u1 still names p1, who is gone; p2 is linked from the student
	files["users"] = files["users"].replace("p1", "p2")
	decision = by_sid(plan_of(files, students))["u1"]
	assert decision.changes == {
		"guardians": [
			{
				"oneroster_sourced_id": "p2",
				"guardian_name": "Luis Reyes",
				"relationship": "Legal Guardian",
				"email": "",
				"phone": "555-0199",
			}
		]
	}


def test_bulk_absence_withdraws_and_a_return_reactivates():
	students = apply_plan(plan_of(roster_files()), [])
	without_ben = roster_files(students=[student("u1", "Ana", "Reyes", "1001", "09", "org-s1", agents="p1")])
	plan = plan_of(without_ben, students, max_withdrawal_share=0.5)
	ben = next(d for d in plan.students if d.action == "withdrawn")
	assert ben.changes == {"enrollment_status": "Withdrawn"} and "absent" in ben.reasons[0]
	students = apply_plan(plan, students)
	assert len(students) == 2  # never deleted
	assert by_sid(plan_of(without_ben, students)).get("u2") is None  # already withdrawn: nothing to do
	back = by_sid(plan_of(roster_files(), students))["u2"]
	assert (back.action, back.changes) == ("updated", {"enrollment_status": "Enrolled"})


def test_move_to_a_school_not_served_is_a_transfer():
	students = apply_plan(plan_of(roster_files()), [])
	moved = roster_files(
		students=[
			student("u1", "Ana", "Reyes", "1001", "09", "org-s3", agents="p1"),
			student("u2", "Ben", "Okafor", "1002", "KG", "org-s2"),
		],
		enrollments=[],
	)
	decision = by_sid(plan_of(moved, students, max_withdrawal_share=1))["u1"]
	assert (decision.action, decision.changes) == ("withdrawn", {"enrollment_status": "Transferred"})
	assert "not served" in decision.reasons[0]


def delta(users, **extra):
	files = {"users": csv_text(H["users11"], users), **extra}
	return files


def test_delta_tobedeleted_withdraws_and_leaves_others_alone():
	students = apply_plan(plan_of(roster_files()), [])
	files = delta(
		[
			student(
				"u2",
				"Ben",
				"Okafor",
				"1002",
				"KG",
				"org-s2",
				status="tobedeleted",
				dateLastModified="2026-01-05T00:00:00.000Z",
			),
			student(
				"u8",
				"New",
				"Gone",
				"1008",
				"KG",
				"org-s2",
				status="tobedeleted",
				dateLastModified="2026-01-05T00:00:00.000Z",
			),
		]
	)
	plan = plan_of(files, students, modes={"users": "delta"})
	decisions = by_sid(plan)
	assert not plan.refused  # the guard is for bulk files: a delta says who leaves
	assert (decisions["u2"].action, decisions["u2"].changes) == (
		"withdrawn",
		{"enrollment_status": "Withdrawn"},
	)
	assert decisions["u8"].action == "skipped"
	assert "u1" not in decisions


def test_delta_update_keeps_site_and_merges_guardians():
	students = apply_plan(plan_of(roster_files()), [])
	files = delta(
		[
			student("u1", "Ana", "Reyes-Diaz", "1001", "", "", agents="p1", status="active"),
			{
				"sourcedId": "p1",
				"status": "tobedeleted",
				"role": "parent",
				"givenName": "Maria",
				"familyName": "Reyes",
				"agentSourcedIds": "u1",
			},
		],
		demographics=csv_text(
			H["demographics"],
			[{"sourcedId": "u2", "status": "active", "birthDate": "2019-01-03", "sex": "male"}],
		),
	)
	plan = plan_of(files, students, modes={"users": "delta", "demographics": "delta"})
	decisions = by_sid(plan)
	assert decisions["u1"].changes == {"last_name": "Reyes-Diaz", "guardians": []}
	assert (decisions["u2"].action, decisions["u2"].changes) == ("updated", {"date_of_birth": "2019-01-03"})


def test_delta_rows_need_a_status():
	plan = plan_of(delta([student("u1", "Ana", "Reyes", "1001", "09", "org-s1")]), modes={"users": "delta"})
	assert [(e.line, e.field, e.code) for e in plan.row_errors] == [(2, "status", "bad_status")]


# ---------------------------------------------------------------- the mass-withdrawal guard


def ten_students():
	return [
		{
			"name": f"STU-{n}",
			"oneroster_sourced_id": f"u{n}",
			"district_student_id": f"10{n:02d}",
			"first_name": "A",
			"last_name": f"L{n}",
			"site": "Lincoln High",
			"enrollment_status": "Enrolled",
			"school_district": "Demo ISD",
		}
		for n in range(10, 20)
	]


def file_keeping(count):
	return roster_files(
		students=[
			student(f"u{n}", "A", f"L{n}", f"10{n:02d}", "09", "org-s1") for n in range(10, 10 + count)
		],
		guardians=[],
		enrollments=[],
		demographics=[],
	)


def test_guard_refuses_a_bulk_file_that_withdraws_too_many():
	plan = plan_of(file_keeping(8), ten_students())
	assert plan.refused and "2 of 10" in plan.refusal_reason
	assert plan.counts()["withdrawn"] == 2  # the dry run still shows what it would do
	assert summarize_plan(plan)["refused"]


def test_guard_allows_up_to_the_share():
	assert not plan_of(file_keeping(9), ten_students()).refused  # 10% is not more than 10%
	assert not plan_of(file_keeping(8), ten_students(), max_withdrawal_share=0.25).refused
	assert not plan_of(file_keeping(8), ten_students(), allow_mass_withdrawal=True).refused
	assert plan_of(file_keeping(0), ten_students(), max_withdrawal_share=0.9).refused


def test_withdrawn_students_do_not_count_as_active():
	students = ten_students()
	for s in students[8:]:
		s["enrollment_status"] = "Withdrawn"
	plan = plan_of(file_keeping(7), students)  # u17 leaves: 1 of 8 active (12%), not 1 of 10
	assert plan.active_students == 8 and plan.counts()["withdrawn"] == 1
	assert plan.refused and "1 of 8" in plan.refusal_reason


def test_a_file_of_another_district_is_refused():
	orgs = [
		{"sourcedId": "org-d9", "name": "Far ISD", "type": "district", "identifier": "4899999"},
		{"sourcedId": "org-s1", "name": "Lincoln High", "type": "school", "identifier": "480000100001"},
	]
	plan = plan_of(roster_files(orgs=orgs, enrollments=[]))
	assert plan.refused and "Far ISD" in plan.refusal_reason


# ---------------------------------------------------------------- row errors


def test_row_errors_do_not_stop_the_run():
	students = [
		student("u1", "Ana", "Reyes", "1001", "09", "org-s1"),
		student("u2", "", "Okafor", "1002", "KG", "org-s2"),
		student("u4", "Dee", "", "1004", "TK", "org-s2"),
		student("u5", "Eve", "Sol", "1005", "ninth", "org-s2"),
		student("u6", "Fay", "Tam", "1006", "13", "org-s1"),
		student("u7", "Gus", "Ng", "", "03", "org-s1"),
	]
	demographics = [{"sourcedId": "u1", "birthDate": "1/05/2023", "sex": "female"}]
	plan = plan_of(roster_files(students=students, guardians=[], enrollments=[], demographics=demographics))
	decisions = by_sid(plan)
	assert decisions["u1"].action == "new" and "date_of_birth" not in decisions["u1"].changes
	assert decisions["u1"].changes["gender"] == "Female"
	assert {sid: d.action for sid, d in decisions.items() if sid != "u1"} == dict.fromkeys(
		["u2", "u4", "u5", "u6", "u7"], "error"
	)
	assert [(e.file, e.line, e.sourced_id, e.field, e.code) for e in plan.row_errors] == [
		("demographics.csv", 2, "u1", "birthDate", "bad_date"),
		("users.csv", 3, "u2", "givenName", "missing_name"),
		("users.csv", 4, "u4", "familyName", "missing_name"),
		("users.csv", 4, "u4", "grades", "grade_not_served"),
		("users.csv", 5, "u5", "grades", "unknown_grade"),
		("users.csv", 6, "u6", "grades", "grade_not_served"),
		("users.csv", 7, "u7", "identifier", "missing"),
	]
	assert "1/05/2023" in plan.row_errors[0].message


def test_duplicate_sourced_ids_are_row_errors_and_never_withdraw():
	students = apply_plan(plan_of(roster_files()), [])
	dup = [
		student("u1", "Ana", "Reyes", "1001", "09", "org-s1"),
		student("u2", "Ben", "Okafor", "1002", "KG", "org-s2"),
		student("u2", "Ben", "Okafor", "1002", "01", "org-s2"),
	]
	plan = plan_of(roster_files(students=dup, guardians=[], enrollments=[]), students)
	assert [(e.line, e.sourced_id, e.code) for e in plan.row_errors] == [
		(3, "u2", "duplicate"),
		(4, "u2", "duplicate"),
	]
	assert by_sid(plan)["u2"].action == "error"
	assert plan.counts()["withdrawn"] == 0


def test_duplicate_district_ids_are_row_errors():
	dup = [
		student("u1", "Ana", "Reyes", "1001", "09", "org-s1"),
		student("u2", "Ann", "Reyes", "1001", "09", "org-s1"),
	]
	plan = plan_of(roster_files(students=dup, guardians=[], enrollments=[]))
	assert [d.action for d in plan.students] == ["error", "error"]
	assert {e.field for e in plan.row_errors} == {"identifier"}


def test_enrolment_naming_an_unknown_user_class_or_school():
	enrollments = [
		{
			"sourcedId": "e1",
			"classSourcedId": "c1",
			"schoolSourcedId": "org-s1",
			"userSourcedId": "u1",
			"role": "student",
		},
		{
			"sourcedId": "e2",
			"classSourcedId": "c1",
			"schoolSourcedId": "org-s1",
			"userSourcedId": "ghost",
			"role": "student",
		},
		{
			"sourcedId": "e3",
			"classSourcedId": "c9",
			"schoolSourcedId": "org-s1",
			"userSourcedId": "u1",
			"role": "student",
		},
		{
			"sourcedId": "e4",
			"classSourcedId": "c1",
			"schoolSourcedId": "org-x",
			"userSourcedId": "u1",
			"role": "student",
		},
	]
	plan = plan_of(roster_files(enrollments=enrollments))
	assert [(e.line, e.code) for e in plan.row_errors] == [
		(3, "unknown_user"),
		(4, "unknown_class"),
		(5, "unknown_org"),
	]
	assert by_sid(plan)["u1"].changes["site"] == "Lincoln High"


def test_a_student_at_two_served_schools_without_a_primary_is_an_error():
	students = [student("u1", "Ana", "Reyes", "1001", "09", "org-s1,org-s2")]
	plan = plan_of(roster_files(students=students, guardians=[], enrollments=[]))
	assert by_sid(plan)["u1"].action == "error"
	assert "several served schools" in plan.row_errors[0].message


# ---------------------------------------------------------------- OneRoster 1.2


def files_12():
	users = [
		{
			"sourcedId": "u1",
			"enabledUser": "true",
			"username": "u1",
			"givenName": "Ana",
			"familyName": "Reyes",
			"identifier": "1001",
			"grades": "09",
			"agentSourcedIds": "",
			"primaryOrgSourcedId": "",
		},
		{
			"sourcedId": "g1",
			"enabledUser": "true",
			"username": "g1",
			"givenName": "Rita",
			"familyName": "Reyes",
			"email": "rita@example.org",
			"agentSourcedIds": "u1",
		},
		{
			"sourcedId": "t1",
			"enabledUser": "true",
			"username": "t1",
			"givenName": "Tess",
			"familyName": "Hart",
		},
	]
	roles = [
		{
			"sourcedId": "r1",
			"userSourcedId": "u1",
			"roleType": "secondary",
			"role": "student",
			"orgSourcedId": "org-s1",
		},
		{
			"sourcedId": "r2",
			"userSourcedId": "u1",
			"roleType": "primary",
			"role": "student",
			"orgSourcedId": "org-s2",
		},
		{
			"sourcedId": "r3",
			"userSourcedId": "g1",
			"roleType": "primary",
			"role": "relative",
			"orgSourcedId": "org-s2",
		},
		{
			"sourcedId": "r4",
			"userSourcedId": "t1",
			"roleType": "primary",
			"role": "teacher",
			"orgSourcedId": "org-s1",
		},
	]
	files = roster_files()
	return {
		"orgs": files["orgs"],
		"academicSessions": files["academicSessions"],
		"users": csv_text(H["users12"], users),
		"roles": csv_text(H["roles"], roles),
		"demographics": csv_text(
			H["demographics"], [{"sourcedId": "u1", "birthDate": "2010-03-04", "sex": "unspecified"}]
		),
	}


def test_oneroster_12_roles_give_students_schools_and_guardians():
	plan = plan_of(files_12(), version="1.2")
	assert plan.version == "1.2"
	[decision] = plan.students
	assert decision.action == "new"
	assert decision.changes["site"] == "Oak Elementary"  # the primary role's school
	assert decision.changes["gender"] == "Not Reported"
	assert decision.changes["guardians"] == [
		{
			"oneroster_sourced_id": "g1",
			"guardian_name": "Rita Reyes",
			"relationship": "Other",
			"email": "rita@example.org",
			"phone": "",
		}
	]
	students = apply_plan(plan, [])
	assert plan_of(files_12(), students, version="1.2").counts()["unchanged"] == 1


def test_oneroster_12_header_is_checked_against_12():
	files = files_12()
	files["users"] = csv_text(H["users11"], [])  # a 1.1 users file says role and orgs, but is accepted
	assert open_package(make_zip(files, "1.2")).version == "1.2"
	files["roles"] = csv_text(H["roles"].replace("roleType", "roletype"), [])
	assert raises("bad_header", make_zip(files, "1.2")).file == "roles.csv"


# ---------------------------------------------------------------- dry-run summary, size


def test_summary_counts_and_samples():
	students = ten_students()
	plan = plan_of(file_keeping(3), students, max_withdrawal_share=1)
	summary = summarize_plan(plan, sample_size=2)
	assert summary["counts"] == {
		"new": 0,
		"updated": 3,
		"unchanged": 0,
		"withdrawn": 7,
		"skipped": 0,
		"error": 0,
		"row_errors": 0,
	}
	assert len(summary["samples"]["withdrawn"]) == 2 and summary["samples"]["new"] == []
	assert summary["samples"]["updated"][0]["changes"]["grade_level"] == "9"
	summary = summarize_plan(plan_of(roster_files()))
	assert [s["org_sourced_id"] for s in summary["sites_skipped"]] == ["org-s3"]
	assert summary["school_years_to_create"] == ["2025-2026"]
	assert summary["counts"]["skipped"] == 1 and summary["samples"]["skipped"][0]["sourced_id"] == "u3"


def test_a_large_users_file_plans_every_student():
	count = 20_000
	students = [student(f"u{n}", "Stu", f"Dent{n}", f"{n}", "05", "org-s1") for n in range(count)]
	plan = plan_of(roster_files(students=students, guardians=[], enrollments=[], demographics=[]))
	assert plan.counts()["new"] == count and plan.row_errors == []


def test_a_role_in_the_wrong_case_is_a_row_error_not_a_silent_drop():
	students = apply_plan(plan_of(roster_files()), [])
	users = [
		student("u1", "Ana", "Reyes", "1001", "09", "org-s1"),
		{**student("u2", "Ben", "Okafor", "1002", "KG", "org-s2"), "role": "Student"},
	]
	plan = plan_of(roster_files(students=users, guardians=[], enrollments=[]), students)
	assert [(e.line, e.field, e.code) for e in plan.row_errors] == [(3, "role", "bad_role")]
	assert plan.counts()["withdrawn"] == 0  # in the file, though unreadable: not absent


def test_a_guardian_without_a_name_is_a_row_error_once():
	guardians = [
		{
			"sourcedId": "p1",
			"role": "guardian",
			"givenName": "",
			"familyName": "Reyes",
			"agentSourcedIds": "u1,u2",
		},
	]
	users = [
		student("u1", "Ana", "Reyes", "1001", "09", "org-s1"),
		student("u2", "Ben", "Reyes", "1002", "KG", "org-s2"),
	]
	plan = plan_of(roster_files(students=users, guardians=guardians, enrollments=[]))
	assert [(e.sourced_id, e.field, e.code) for e in plan.row_errors] == [("p1", "givenName", "missing_name")]
	assert [d.changes["guardians"] for d in plan.students] == [[], []]
	assert [d.action for d in plan.students] == ["new", "new"]


def test_undecodable_bytes_are_a_file_error():
	files = roster_files()
	files["users"] = files["users"].encode("cp1252").replace(b"Ana", b"A\x81a")
	with pytest.raises(OneRosterError) as info:
		plan_of(files)
	assert (info.value.code, info.value.file) == ("bad_encoding", "users.csv")


def test_a_student_linked_only_to_the_district_has_no_school():
	users = [student("u1", "Ana", "Reyes", "1001", "09", "org-d1")]
	plan = plan_of(roster_files(students=users, guardians=[], enrollments=[]))
	assert by_sid(plan)["u1"].action == "error"
	assert plan.row_errors[0].message.startswith("no school")


def test_new_sourced_ids_for_known_district_ids_rematch_the_students():
	students = apply_plan(plan_of(roster_files()), [])
	for s in students:
		s["oneroster_sourced_id"] = "old-" + s["oneroster_sourced_id"]
	plan = plan_of(roster_files(), students)
	assert {d.sourced_id: d.changes for d in plan.students if d.action == "updated"} == {
		"u1": {"oneroster_sourced_id": "u1"},
		"u2": {"oneroster_sourced_id": "u2"},
	}
	assert plan.counts()["new"] == 0 and plan.counts()["withdrawn"] == 0


def test_sites_and_students_of_another_district_are_left_out():
	sites = [
		*SITES,
		{
			"name": "Far High",
			"oneroster_sourced_id": "",
			"school_id": "480000100003",
			"school_district": "Far ISD",
		},
	]
	far = [
		{
			"name": "STU-F",
			"oneroster_sourced_id": "",
			"district_student_id": "9",
			"school_district": "Far ISD",
			"enrollment_status": "Enrolled",
		}
	]
	plan = plan_of(roster_files(), far, sites=sites)
	assert by_sid(plan)["u3"].action == "skipped"
	assert plan.active_students == 0 and plan.counts()["withdrawn"] == 0
