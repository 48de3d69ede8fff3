"""Synthetic district files to try the imports with: OneRoster 1.1 / 1.2 zips, an ABC CSV, a year-end CSV.

Framework-free: the caller passes the district as plain dicts (its sites with their school ids, its
students as the app holds them) and gets file names and bytes back. The Frappe command
``cis_app.demo.sample_files.make_sample_files`` loads the demo affiliate's districts and writes the files.

The roster carries the district's students as they are (same district student ids, names, grades,
birth dates) plus a few changes, so a dry run on a demo site shows every kind of decision:

- three new students at served schools, each with a guardian;
- one student moved to another served school of the district (updated: site);
- one student left out of the bulk file (withdrawn), when the district has at least 20 students;
- two students of a school the affiliate does not serve (skipped, the school is listed);
- one new student with a grade the app does not serve (``TK``: a row error in the log).

Everything is made up and the same for the same inputs and seed (no real person's data).
"""

from __future__ import annotations

import csv
import io
import itertools
import random
import zipfile
from dataclasses import dataclass, field
from datetime import date, timedelta

from cis_app.demo import data as demo
SEED = 2026
# Grades the app stores -> CEDS Entry Grade Level codes, as a district's SIS writes them.
CEDS_GRADES = {"PK": "PK", "K": "KG", **{str(n): f"{n:02d}" for n in range(1, 13)}}
HIGH_SCHOOL = ("9", "10", "11", "12")
# OneRoster 1.1 demographics know male and female only; 1.2 adds other and unspecified.
SEX_1_1 = {"Female": "female", "Male": "male"}
SEX_1_2 = {**SEX_1_1, "Non-binary": "other", "Not Reported": "unspecified"}
# A guardian's OneRoster role from their relationship; the last two are what a roster guardian's
# relationship reads after an import ("parent" leaves it blank, "relative" gives Other).
GUARDIAN_ROLE = {
	"Mother": "parent",
	"Father": "parent",
	"Grandparent": "relative",
	"Legal Guardian": "guardian",
	"Foster Parent": "guardian",
	"": "parent",
	"Other": "relative",
}

# Headers as an SIS export spells them (the ABC import matches them by its aliases). Incidents are
# major and minor: a lone "Incidents" column does not say which.
ABC_COLUMNS = (
	"District Student ID",
	"As Of Date",
	"Days Enrolled",
	"Days Absent",
	"Suspensions",
	"Major Incidents",
	"Minor Incidents",
	"Failing Math",
	"Failing ELA",
	"GPA",
	"Failed Courses",
)
YEAR_END_COLUMNS = ("District Student ID", "School Year", "Year-End Status")
YES_NO = ("N", "Y")

_COMMON = ["sourcedId", "status", "dateLastModified"]
HEADERS = {
	"1.1": {
		"orgs": [*_COMMON, "name", "type", "identifier", "parentSourcedId"],
		"academicSessions": [
			*_COMMON,
			"title",
			"type",
			"startDate",
			"endDate",
			"parentSourcedId",
			"schoolYear",
		],
		"courses": [
			*_COMMON,
			"schoolYearSourcedId",
			"title",
			"courseCode",
			"grades",
			"orgSourcedId",
			"subjects",
			"subjectCodes",
		],
		"classes": [
			*_COMMON,
			"title",
			"grades",
			"courseSourcedId",
			"classCode",
			"classType",
			"location",
			"schoolSourcedId",
			"termSourcedIds",
			"subjects",
			"subjectCodes",
			"periods",
		],
		"users": [
			*_COMMON,
			"enabledUser",
			"orgSourcedIds",
			"role",
			"username",
			"userIds",
			"givenName",
			"familyName",
			"middleName",
			"identifier",
			"email",
			"sms",
			"phone",
			"agentSourcedIds",
			"grades",
			"password",
		],
		"enrollments": [
			*_COMMON,
			"classSourcedId",
			"schoolSourcedId",
			"userSourcedId",
			"role",
			"primary",
			"beginDate",
			"endDate",
		],
		"demographics": [
			*_COMMON,
			"birthDate",
			"sex",
			"americanIndianOrAlaskaNative",
			"asian",
			"blackOrAfricanAmerican",
			"nativeHawaiianOrOtherPacificIslander",
			"white",
			"demographicRaceTwoOrMoreRaces",
			"hispanicOrLatinoEthnicity",
		],
	},
}
HEADERS["1.2"] = {
	**HEADERS["1.1"],
	"users": [
		*_COMMON,
		"enabledUser",
		"username",
		"userIds",
		"givenName",
		"familyName",
		"middleName",
		"identifier",
		"email",
		"sms",
		"phone",
		"agentSourcedIds",
		"grades",
		"password",
		"userMasterIdentifier",
		"resourceSourcedIds",
		"preferredGivenName",
		"preferredMiddleName",
		"preferredFamilyName",
		"primaryOrgSourcedId",
		"pronouns",
	],
	"roles": [
		*_COMMON,
		"userSourcedId",
		"roleType",
		"role",
		"beginDate",
		"endDate",
		"orgSourcedId",
		"userProfileSourcedId",
	],
}
FILES = {
	"1.1": ("orgs", "academicSessions", "courses", "classes", "users", "enrollments", "demographics"),
	"1.2": (
		"orgs",
		"academicSessions",
		"courses",
		"classes",
		"users",
		"roles",
		"enrollments",
		"demographics",
	),
}
ALL_FILES = (
	"academicSessions",
	"categories",
	"classes",
	"classResources",
	"courses",
	"courseResources",
	"demographics",
	"enrollments",
	"lineItems",
	"orgs",
	"resources",
	"results",
	"users",
)
ALL_FILES_1_2 = (*ALL_FILES, "roles", "userProfiles", "userResources", "scoreScales")


@dataclass
class RosterStudent:
	"""One student as the district's files carry them."""

	sourced_id: str
	identifier: str  # the district student id
	given_name: str
	family_name: str
	grade: str  # the app's grade level (PK, K, 1-12); written as its CEDS code
	school: str  # the school's sourcedId
	birth_date: date | None
	gender: str
	guardians: list[dict] = field(default_factory=list)
	kind: str = "existing"  # existing / moved / new / not served / bad grade
	ceds_grade: str = ""  # overrides the CEDS code of ``grade`` (the bad-grade row)


@dataclass
class SampleDistrict:
	name: str
	sourced_id: str
	identifier: str
	schools: list[dict]  # sourcedId, name, identifier, site (None: a school not served)
	students: list[RosterStudent]
	withdrawn: list[str]  # district student ids left out of the bulk file


def demo_school_id(site_index: int) -> str:
	"""A made-up 12-digit NCES-style school id for the demo's site ``site_index`` (state 48, LEA 999xx)."""
	district_index = demo.SITES[site_index][1]
	return f"48999{district_index + 1:02d}{site_index + 1:05d}"


def demo_district_id(district_index: int) -> str:
	"""A made-up 7-digit NCES-style district id for the demo's district ``district_index``."""
	return f"48999{district_index + 1:02d}"


def _text(value: object) -> str:
	return "" if value is None else str(value).strip()


def _as_date(value: object) -> date | None:
	if value in (None, ""):
		return None
	if isinstance(value, date):
		return value
	return date.fromisoformat(str(value)[:10])


def _sid(prefix: str, value: str) -> str:
	"""A OneRoster GUID from an id: only [0-9a-zA-Z.-_/@] (spaces and the rest become -)."""
	clean = "".join(c if c.isalnum() or c in ".-_/@" else "-" for c in value)
	return f"{prefix}-{clean}"


def school_year_bounds(today: date) -> tuple[date, date, int]:
	"""The current school year around ``today``: first day, last day, OneRoster schoolYear (end year)."""
	year = demo.school_years(today)[-1]
	return year.start, year.end, year.end.year


def plan_district(
	district: dict,
	sites: list[dict],
	students: list[dict],
	*,
	today: date,
	seed: int = SEED,
	id_prefix: str = "",
	district_id: str = "4899999",
) -> SampleDistrict:
	"""What the district's files say, from the app's view of it.

	``district``: name, nces_district_id (else ``district_id`` is the file's), oneroster_sourced_id. ``sites``: name, school_id (required:
	the file's school identifier), oneroster_sourced_id. ``students``: name, district_student_id,
	first_name, last_name, grade_level, date_of_birth, gender, site, enrollment_status,
	oneroster_sourced_id, guardians (guardian_name, relationship, email, phone, oneroster_sourced_id).
	"""
	rng = random.Random(f"{seed}-{district['name']}")
	nces = _text(district.get("nces_district_id")) or district_id
	district_sid = _text(district.get("oneroster_sourced_id")) or _sid("dist", nces)
	schools, school_of_site = [], {}
	for site in sorted(sites, key=lambda s: s["name"]):
		school_id = _text(site.get("school_id"))
		if not school_id:
			raise ValueError(f"site {site['name']} has no school id: the files could not match it")
		sid = _text(site.get("oneroster_sourced_id")) or _sid("sch", school_id)
		schools.append(
			{"sourcedId": sid, "name": site["name"], "identifier": school_id, "site": site["name"]}
		)
		school_of_site[site["name"]] = sid
	unserved_id = f"{nces}99999"
	unserved = {
		"sourcedId": _sid("sch", unserved_id),
		"name": "Juniper Elementary (not served)",
		"identifier": unserved_id,
		"site": None,
	}
	schools.append(unserved)

	active = [
		s
		for s in sorted(students, key=lambda s: _text(s.get("district_student_id")))
		if _text(s.get("enrollment_status")) in ("", "Enrolled") and s.get("site") in school_of_site
	]
	grades_of_site: dict[str, list[str]] = {}
	for student in active:
		grades_of_site.setdefault(student["site"], []).append(student["grade_level"])

	withdrawn = [active[-1]["district_student_id"]] if len(active) >= 20 else []
	moved_id = ""
	for student in active[:-1]:
		others = [
			site
			for site, grades in sorted(grades_of_site.items())
			if site != student["site"] and student["grade_level"] in grades
		]
		if others:
			moved_id, moved_to = student["district_student_id"], others[0]
			break

	roster: list[RosterStudent] = []
	for student in active:
		identifier = student["district_student_id"]
		if identifier in withdrawn:
			continue
		sid = _text(student.get("oneroster_sourced_id")) or _sid("stu", identifier)
		school = school_of_site[student["site"]]
		kind = "existing"
		if identifier == moved_id:
			school, kind = school_of_site[moved_to], "moved"
		guardians = _file_guardians(identifier, student.get("guardians") or [])
		roster.append(
			RosterStudent(
				sid,
				identifier,
				_text(student["first_name"]),
				_text(student["last_name"]),
				student["grade_level"],
				school,
				_as_date(student.get("date_of_birth")),
				_text(student.get("gender")),
				guardians,
				kind,
			)
		)

	prefix = id_prefix or (active[0]["district_student_id"].split("-")[0] if active else "N")
	start, _end, _year = school_year_bounds(today)
	served = [s for s in schools if s["site"]]

	# new district student ids: never one the district already has (a file made after an import)
	used = {_text(s.get("district_student_id")) for s in students}
	free_ids = (f"{prefix}-9{n:05d}" for n in itertools.count(1) if f"{prefix}-9{n:05d}" not in used)

	def new_student(school: dict, grade: str, kind: str) -> RosterStudent:
		identifier = next(free_ids)
		given, family = rng.choice(demo.FIRST_NAMES), rng.choice(demo.LAST_NAMES)
		age = {"PK": 4, "K": 5}.get(grade) or (int(grade) + 5 if grade.isdigit() else 4)
		born = date(start.year - age, 9, 1) - timedelta(days=rng.randint(1, 364))
		relationship = rng.choice(demo.RELATIONSHIPS)
		guardian = {
			"oneroster_sourced_id": _sid("par", f"{identifier}-1"),
			"guardian_name": f"{rng.choice(demo.FIRST_NAMES)} {family}",
			"relationship": relationship,
			"email": f"guardian.{identifier.lower()}@family.example",
			"phone": f"555-01{rng.randint(0, 99):02d}",
		}
		return RosterStudent(
			_sid("stu", identifier),
			identifier,
			given,
			family,
			grade,
			school["sourcedId"],
			born,
			rng.choice(("Female", "Male")),
			[guardian],
			kind,
		)

	for index in range(3):
		school = served[index % len(served)] if served else unserved
		grades = grades_of_site.get(school["site"]) or ["9"]
		roster.append(new_student(school, rng.choice(grades), "new"))
	for _ in range(2):
		roster.append(new_student(unserved, "3", "not served"))
	if served:
		bad = new_student(served[0], "K", "bad grade")
		bad.ceds_grade = "TK"
		roster.append(bad)
	return SampleDistrict(district["name"], district_sid, nces, schools, roster, withdrawn)


def _file_guardians(identifier: str, guardians: list[dict]) -> list[dict]:
	"""The guardians the SIS lists for a student: once a roster has been imported, its guardians (those
	with a sourcedId); before, the guardians entered in the app, given sourcedIds."""
	linked = [g for g in guardians if _text(g.get("oneroster_sourced_id"))]
	if linked:
		return linked
	return [
		{**g, "oneroster_sourced_id": _sid("par", f"{identifier}-{n}")}
		for n, g in enumerate(guardians, start=1)
	]


# ---------------------------------------------------------------- writing the files


def _csv(columns: list[str] | tuple[str, ...], rows: list[dict]) -> bytes:
	buffer = io.StringIO()
	writer = csv.writer(buffer, lineterminator="\r\n")
	writer.writerow(columns)
	for row in rows:
		writer.writerow(["" if row.get(column) is None else row.get(column) for column in columns])
	return buffer.getvalue().encode("utf-8")


def _guardian_name(guardian: dict) -> tuple[str, str]:
	given, _, family = _text(guardian.get("guardian_name")).partition(" ")
	return given, family or given


def oneroster_zip(sample: SampleDistrict, version: str, today: date) -> bytes:
	"""The district's bulk OneRoster ``version`` (1.1 or 1.2) CSV zip, files at the root."""
	if version not in FILES:
		raise ValueError(f"OneRoster version {version!r}: expected 1.1 or 1.2")
	start, end, school_year = school_year_bounds(today)
	year_sid = f"ay-{school_year}"
	rows: dict[str, list[dict]] = {name: [] for name in FILES[version]}
	rows["orgs"].append(
		{
			"sourcedId": sample.sourced_id,
			"name": sample.name,
			"type": "district",
			"identifier": sample.identifier,
		}
	)
	rows["academicSessions"].append(
		{
			"sourcedId": year_sid,
			"title": f"{school_year - 1}-{school_year}",
			"type": "schoolYear",
			"startDate": start.isoformat(),
			# OneRoster's endDate is exclusive: the day after the last school day
			"endDate": (end + timedelta(days=1)).isoformat(),
			"schoolYear": str(school_year),
		}
	)
	teachers = {}
	for number, school in enumerate(sample.schools, start=1):
		sid = school["sourcedId"]
		rows["orgs"].append(
			{
				"sourcedId": sid,
				"name": school["name"],
				"type": "school",
				"identifier": school["identifier"],
				"parentSourcedId": sample.sourced_id,
			}
		)
		rows["courses"].append(
			{
				"sourcedId": f"crs-{sid}",
				"schoolYearSourcedId": year_sid,
				"title": "Homeroom",
				"courseCode": "HR",
				"orgSourcedId": sid,
			}
		)
		rows["classes"].append(
			{
				"sourcedId": f"cls-{sid}",
				"title": "Homeroom",
				"courseSourcedId": f"crs-{sid}",
				"classCode": "HR",
				"classType": "homeroom",
				"schoolSourcedId": sid,
				"termSourcedIds": year_sid,
			}
		)
		teacher = {
			"sourcedId": f"tch-{sid}",
			"enabledUser": "true",
			"username": f"teacher{number}",
			"givenName": "Terry",
			"familyName": f"Teacher{number}",
			"email": f"teacher{number}@school.example",
		}
		teachers[sid] = teacher
		_add_user(rows, version, teacher, "teacher", sid)
		rows["enrollments"].append(
			{
				"sourcedId": f"enr-{teacher['sourcedId']}",
				"classSourcedId": f"cls-{sid}",
				"schoolSourcedId": sid,
				"userSourcedId": teacher["sourcedId"],
				"role": "teacher",
				"primary": "true",
			}
		)
	sex = SEX_1_2 if version == "1.2" else SEX_1_1
	guardians_done: set[str] = set()
	for student in sample.students:
		guardian_sids = [g["oneroster_sourced_id"] for g in student.guardians]
		user = {
			"sourcedId": student.sourced_id,
			"enabledUser": "true",
			"username": student.identifier.lower(),
			"givenName": student.given_name,
			"familyName": student.family_name,
			"identifier": student.identifier,
			"agentSourcedIds": ",".join(guardian_sids),
			"grades": student.ceds_grade or CEDS_GRADES.get(student.grade, student.grade),
		}
		_add_user(rows, version, user, "student", student.school)
		rows["enrollments"].append(
			{
				"sourcedId": f"enr-{student.sourced_id}",
				"classSourcedId": f"cls-{student.school}",
				"schoolSourcedId": student.school,
				"userSourcedId": student.sourced_id,
				"role": "student",
				"primary": "false",
				"beginDate": start.isoformat(),
			}
		)
		rows["demographics"].append(
			{
				"sourcedId": student.sourced_id,
				"birthDate": student.birth_date.isoformat() if student.birth_date else "",
				"sex": sex.get(student.gender, ""),
			}
		)
		for guardian in student.guardians:
			gsid = guardian["oneroster_sourced_id"]
			if gsid in guardians_done:
				continue
			guardians_done.add(gsid)
			given, family = _guardian_name(guardian)
			role = GUARDIAN_ROLE.get(_text(guardian.get("relationship")), "guardian")
			_add_user(
				rows,
				version,
				{
					"sourcedId": gsid,
					"enabledUser": "false",
					"username": gsid,
					"givenName": given,
					"familyName": family,
					"email": _text(guardian.get("email")),
					"phone": _text(guardian.get("phone")),
					"agentSourcedIds": student.sourced_id,
				},
				role,
				student.school,
			)
	manifest = [
		("manifest.version", "1.0"),
		("oneroster.version", version),
		*[
			(f"file.{name}", "bulk" if name in FILES[version] else "absent")
			for name in (ALL_FILES_1_2 if version == "1.2" else ALL_FILES)
		],
		("source.systemName", "Synthetic SIS (cis_app sample files)"),
		("source.systemCode", "cis-sample"),
	]
	buffer = io.BytesIO()
	with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
		archive.writestr(
			_zip_info("manifest.csv"),
			_csv(
				["propertyName", "value"], [{"propertyName": key, "value": value} for key, value in manifest]
			),
		)
		for name in FILES[version]:
			archive.writestr(_zip_info(f"{name}.csv"), _csv(HEADERS[version][name], rows[name]))
	return buffer.getvalue()


def _zip_info(name: str) -> zipfile.ZipInfo:
	"""A zip entry with a fixed timestamp, so the same inputs give the same bytes."""
	info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
	info.compress_type = zipfile.ZIP_DEFLATED
	return info


def _add_user(rows: dict, version: str, user: dict, role: str, school: str) -> None:
	if version == "1.1":
		rows["users"].append({**user, "orgSourcedIds": school, "role": role})
		return
	rows["users"].append({**user, "primaryOrgSourcedId": school})
	rows["roles"].append(
		{
			"sourcedId": f"role-{user['sourcedId']}",
			"userSourcedId": user["sourcedId"],
			"roleType": "primary",
			"role": role,
			"orgSourcedId": school,
		}
	)


def abc_as_of(today: date) -> date:
	"""The as-of date of the sample ABC file: the last day of the previous month, inside the school year."""
	start, end, _ = school_year_bounds(today)
	as_of = today.replace(day=1) - timedelta(days=1)
	return min(max(as_of, start + timedelta(days=14)), end)


def abc_csv(sample: SampleDistrict, today: date, seed: int = SEED) -> bytes:
	"""The ABCs of the district's students (served schools) as of ``abc_as_of(today)``.

	Some cells are empty on purpose: blank is "not reported", not zero (a tenth of the rows have no
	behavior data, a fifth no course marks yet; GPA and failed courses only for high school)."""
	rng = random.Random(f"{seed}-abc-{sample.name}")
	start, _end, _ = school_year_bounds(today)
	as_of = abc_as_of(today)
	enrolled = max(1, int((as_of - start).days * 5 / 7 * 0.93))
	rows = []
	for student in sample.students:
		if student.kind in ("not served", "bad grade"):
			continue
		risk = rng.random() ** 3
		row = {
			"District Student ID": student.identifier,
			"As Of Date": as_of.isoformat(),
			"Days Enrolled": enrolled,
			"Days Absent": min(enrolled, int(enrolled * max(0.0, rng.gauss(0.03 + 0.12 * risk, 0.03)))),
		}
		if rng.random() >= 0.1:
			row["Suspensions"] = int(rng.random() < 0.05 + 0.35 * risk)
			row["Major Incidents"] = int(rng.random() < 0.08 + 0.4 * risk)
			row["Minor Incidents"] = int(rng.random() * (1 + 6 * risk))
		if rng.random() >= 0.2:
			row["Failing Math"] = YES_NO[rng.random() < 0.06 + 0.4 * risk]
			row["Failing ELA"] = YES_NO[rng.random() < 0.05 + 0.35 * risk]
			if student.grade in HIGH_SCHOOL:
				row["GPA"] = f"{min(4.0, max(0.8, rng.gauss(3.2 - 1.4 * risk, 0.4))):.2f}"
				row["Failed Courses"] = int(rng.random() < 0.1 + 0.4 * risk)
		rows.append(row)
	return _csv(ABC_COLUMNS, rows)


def year_end_csv(sample: SampleDistrict, today: date, seed: int = SEED) -> bytes:
	"""Last school year's year-end status of the district's students who were there (K-12)."""
	rng = random.Random(f"{seed}-year-end-{sample.name}")
	previous = demo.school_years(today)[0]
	rows = []
	for student in sample.students:
		if student.kind not in ("existing", "moved") or student.grade == "PK":
			continue
		rows.append(
			{
				"District Student ID": student.identifier,
				"School Year": previous.name,
				"Year-End Status": demo.year_end_status(rng, student.grade),
			}
		)
	return _csv(YEAR_END_COLUMNS, rows)


def file_stem(district_name: str) -> str:
	"""A file-name-safe form of a district name: ``Cedar Valley ISD (Demo)`` -> ``cedar-valley-isd-demo``."""
	words = "".join(c.lower() if c.isalnum() else " " for c in district_name).split()
	return "-".join(words) or "district"


def district_files(sample: SampleDistrict, today: date, seed: int = SEED) -> dict[str, bytes]:
	"""File name -> bytes: the 1.1 and 1.2 roster zips, the ABC CSV and the year-end CSV."""
	stem = file_stem(sample.name)
	return {
		f"{stem}-oneroster-1.1.zip": oneroster_zip(sample, "1.1", today),
		f"{stem}-oneroster-1.2.zip": oneroster_zip(sample, "1.2", today),
		f"{stem}-abc.csv": abc_csv(sample, today, seed),
		f"{stem}-year-end.csv": year_end_csv(sample, today, seed),
	}


def expected_counts(sample: SampleDistrict) -> dict[str, int]:
	"""What a dry run of the roster should count on a site holding the district's students as given."""
	kinds = [s.kind for s in sample.students]
	return {
		"new": kinds.count("new"),
		"moved": kinds.count("moved"),
		"skipped": kinds.count("not served"),
		"error": kinds.count("bad grade"),
		"withdrawn": len(sample.withdrawn),
	}


# ---------------------------------------------------------------- a large synthetic district (benchmark)

BENCH_GRADES = ("K", *(str(n) for n in range(1, 13)))


def bench_school(number: int) -> dict:
	"""School ``number`` (0-based) of the benchmark district: sourcedId, name and a made-up school id."""
	return {
		"sourcedId": f"bsch-{number:03d}",
		"name": f"Benchmark School {number + 1:02d}",
		"identifier": f"4899900{number + 1:05d}",
	}


def bench_student(number: int, schools: int, changed: bool = False) -> dict:
	"""Student ``number`` of the benchmark district as the file says them, with one guardian (a second
	one for every fourth student). ``changed``: the same student in a later file (one of a family name,
	a grade, a school or a guardian's phone differs, by ``number``)."""
	grade = BENCH_GRADES[number % len(BENCH_GRADES)]
	family = demo.LAST_NAMES[(number // 7) % len(demo.LAST_NAMES)]
	school = number % schools
	age = 5 if grade == "K" else int(grade) + 5
	born = date(2026 - age - 1, 1 + number % 12, 1 + number % 28)
	phone = f"555-{number % 10000:04d}"
	kind = number % 4
	if changed:
		if kind == 0:
			family = f"{family}-Lee"
		elif kind == 1:
			grade = BENCH_GRADES[(number + 1) % len(BENCH_GRADES)]
		elif kind == 2:
			school = (school + 1) % schools
		else:
			phone = f"555-9{number % 1000:03d}"
	guardians = [
		{
			"sourcedId": f"bpar-{number:06d}",
			"role": ("parent", "guardian")[number % 2],
			"givenName": demo.FIRST_NAMES[(number + 3) % len(demo.FIRST_NAMES)],
			"familyName": family,
			"email": f"family{number}@family.example",
			"phone": phone,
		}
	]
	if kind == 3:
		guardians.append(
			{
				"sourcedId": f"brel-{number:06d}",
				"role": "relative",
				"givenName": demo.FIRST_NAMES[(number + 11) % len(demo.FIRST_NAMES)],
				"familyName": family,
				"email": "",
				"phone": f"555-7{number % 1000:03d}",
			}
		)
	return {
		"sourcedId": f"bstu-{number:06d}",
		"identifier": f"B{number:07d}",
		"givenName": demo.FIRST_NAMES[number % len(demo.FIRST_NAMES)],
		"familyName": family,
		"grades": CEDS_GRADES[grade],
		"grade": grade,
		"school": bench_school(school)["sourcedId"],
		"birthDate": born.isoformat(),
		"sex": ("female", "male")[number % 2],
		"guardians": guardians,
	}


def write_bench_roster(
	target,
	students: int,
	schools: int = 50,
	*,
	changed_every: int = 0,
	school_year: int = 2026,
	district_sourced_id: str = "bdist-1",
	district_identifier: str = "4899900",
) -> None:
	"""Write a OneRoster 1.2 bulk zip of ``students`` synthetic students across ``schools`` schools to
	``target`` (a path or a binary file), a row at a time (nothing is held whole): orgs, a school year,
	one homeroom course and class per school, users (students, guardians, a teacher per school), roles,
	enrollments and demographics. ``changed_every``: every n-th student is changed (``bench_student``),
	20 for 5%."""
	start = date(school_year - 1, 8, 1)
	with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
		manifest = [
			("manifest.version", "1.0"),
			("oneroster.version", "1.2"),
			*[(f"file.{name}", "bulk" if name in FILES["1.2"] else "absent") for name in ALL_FILES_1_2],
			("source.systemName", "Synthetic SIS (cis_app benchmark)"),
		]
		archive.writestr(
			_zip_info("manifest.csv"),
			_csv(["propertyName", "value"], [{"propertyName": k, "value": v} for k, v in manifest]),
		)

		def rows_of(name: str, rows) -> None:
			columns = HEADERS["1.2"][name]
			with archive.open(_zip_info(f"{name}.csv"), "w") as raw:
				text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
				writer = csv.writer(text, lineterminator="\r\n")
				writer.writerow(columns)
				for row in rows:
					writer.writerow(["" if row.get(c) is None else row.get(c) for c in columns])
				text.flush()
				text.detach()

		school_rows = [bench_school(n) for n in range(schools)]
		year_sid = f"ay-{school_year}"
		rows_of(
			"orgs",
			[
				{"sourcedId": district_sourced_id, "name": "Benchmark District", "type": "district",
				 "identifier": district_identifier},
				*({**s, "type": "school", "parentSourcedId": district_sourced_id} for s in school_rows),
			],
		)  # fmt: skip
		rows_of(
			"academicSessions",
			[
				{"sourcedId": year_sid, "title": f"{school_year - 1}-{school_year}", "type": "schoolYear",
				 "startDate": start.isoformat(), "endDate": f"{school_year}-07-01", "schoolYear": str(school_year)}
			],
		)  # fmt: skip
		rows_of(
			"courses",
			({"sourcedId": f"crs-{s['sourcedId']}", "schoolYearSourcedId": year_sid, "title": "Homeroom",
			  "orgSourcedId": s["sourcedId"]} for s in school_rows),
		)  # fmt: skip
		rows_of(
			"classes",
			({"sourcedId": f"cls-{s['sourcedId']}", "title": "Homeroom", "courseSourcedId": f"crs-{s['sourcedId']}",
			  "classType": "homeroom", "schoolSourcedId": s["sourcedId"], "termSourcedIds": year_sid}
			 for s in school_rows),
		)  # fmt: skip

		def student_of(number: int) -> dict:
			return bench_student(number, schools, bool(changed_every) and number % changed_every == 0)

		def users():
			for school in school_rows:
				yield {"sourcedId": f"tch-{school['sourcedId']}", "enabledUser": "true",
					   "username": f"tch-{school['sourcedId']}", "givenName": "Terry", "familyName": "Teacher",
					   "primaryOrgSourcedId": school["sourcedId"]}  # fmt: skip
			for number in range(students):
				student = student_of(number)
				yield {
					"sourcedId": student["sourcedId"], "enabledUser": "true", "username": student["identifier"],
					"givenName": student["givenName"], "familyName": student["familyName"],
					"identifier": student["identifier"], "grades": student["grades"],
					"agentSourcedIds": ",".join(g["sourcedId"] for g in student["guardians"]),
					"primaryOrgSourcedId": student["school"],
				}  # fmt: skip
				for guardian in student["guardians"]:
					yield {
						"sourcedId": guardian["sourcedId"], "enabledUser": "false", "username": guardian["sourcedId"],
						"givenName": guardian["givenName"], "familyName": guardian["familyName"],
						"email": guardian["email"], "phone": guardian["phone"],
						"agentSourcedIds": student["sourcedId"], "primaryOrgSourcedId": student["school"],
					}  # fmt: skip

		rows_of("users", users())

		def roles():
			for school in school_rows:
				yield {"sourcedId": f"role-tch-{school['sourcedId']}", "userSourcedId": f"tch-{school['sourcedId']}",
					   "roleType": "primary", "role": "teacher", "orgSourcedId": school["sourcedId"]}  # fmt: skip
			for number in range(students):
				student = student_of(number)
				yield {"sourcedId": f"role-{student['sourcedId']}", "userSourcedId": student["sourcedId"],
					   "roleType": "primary", "role": "student", "orgSourcedId": student["school"]}  # fmt: skip
				for guardian in student["guardians"]:
					yield {"sourcedId": f"role-{guardian['sourcedId']}", "userSourcedId": guardian["sourcedId"],
						   "roleType": "primary", "role": guardian["role"], "orgSourcedId": student["school"]}  # fmt: skip

		rows_of("roles", roles())
		rows_of(
			"enrollments",
			(
				{"sourcedId": f"enr-{s['sourcedId']}", "classSourcedId": f"cls-{s['school']}",
				 "schoolSourcedId": s["school"], "userSourcedId": s["sourcedId"], "role": "student",
				 "primary": "true", "beginDate": start.isoformat()}
				for s in map(student_of, range(students))
			),
		)  # fmt: skip
		rows_of(
			"demographics",
			(
				{"sourcedId": s["sourcedId"], "birthDate": s["birthDate"], "sex": s["sex"]}
				for s in map(student_of, range(students))
			),
		)  # fmt: skip


def bench_students_csv(target, first: int, count: int, schools: int, site_of_school) -> None:
	"""``count`` benchmark students from ``first`` as a plain CSV for Frappe's Data Import (fieldnames
	as headers, one guardian each; ``site_of_school``: school sourcedId -> Site name)."""
	columns = (
		"first_name", "last_name", "site", "district_student_id", "oneroster_sourced_id", "grade_level",
		"date_of_birth", "gender", "guardians.guardian_name", "guardians.email", "guardians.phone",
	)  # fmt: skip
	gender = {"female": "Female", "male": "Male"}
	with open(target, "w", encoding="utf-8", newline="") as handle:
		writer = csv.writer(handle, lineterminator="\n")
		writer.writerow(columns)
		for number in range(first, first + count):
			s = bench_student(number, schools)
			g = s["guardians"][0]
			writer.writerow(
				(s["givenName"], s["familyName"], site_of_school(s["school"]), s["identifier"], s["sourcedId"],
				 s["grade"], s["birthDate"], gender[s["sex"]], f"{g['givenName']} {g['familyName']}", g["email"],
				 g["phone"])
			)  # fmt: skip


def write_bench_abc(target, students: int, as_of: date) -> None:
	"""The ABCs of ``students`` benchmark students (district ids ``B0000000``...) as of ``as_of``, as a
	CSV written a row at a time to the path ``target``."""
	with open(target, "w", encoding="utf-8", newline="") as handle:
		writer = csv.writer(handle, lineterminator="\r\n")
		writer.writerow(ABC_COLUMNS)
		for number in range(students):
			grade = BENCH_GRADES[number % len(BENCH_GRADES)]
			high_school = grade in HIGH_SCHOOL
			writer.writerow(
				(
					f"B{number:07d}", as_of.isoformat(), 100, number % 17, int(number % 13 == 0),
					int(number % 11 == 0), number % 5, YES_NO[number % 9 == 0], YES_NO[number % 10 == 0],
					f"{2.0 + (number % 20) / 10:.2f}" if high_school else "", number % 3 if high_school else "",
				)
			)  # fmt: skip
