"""Matching a OneRoster package against what the app holds, as a plan the Frappe layer applies.

The Frappe layer loads plain dicts (the district, its sites, the school years, the district's students
with their roster guardians) and calls ``build_roster_plan``. Nothing here writes: the plan says, per
student, new / updated (exactly the changed fields) / unchanged / withdrawn / skipped / error, with
reasons, plus the sites, district and school years matched or to create. Applying a plan and running
the same file again gives every student unchanged.

Dicts the caller passes (missing keys read as empty):
- district: name, oneroster_sourced_id, nces_district_id, affiliate
- sites: name, oneroster_sourced_id, school_id (NCES or state school id), school_district
- school_years: name, school_year_name, year_start_date, year_end_date
- students: name, oneroster_sourced_id, district_student_id, school_district, site, first_name,
  middle_name, last_name, grade_level, date_of_birth, gender, enrollment_status, affiliate,
  guardians (list of dicts: oneroster_sourced_id, guardian_name, relationship, email, phone)
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import BinaryIO

from .package import RosterPackage, RowError, open_package
from .rules import (
	GUARDIAN_ROLES,
	RuleError,
	escape_for_export,
	guardian_relationship,
	map_grades,
	map_sex,
	parse_date,
	parse_school_year,
	require_name,
	school_year_name,
	split_list,
)

ACTIONS = ("new", "updated", "unchanged", "withdrawn", "skipped", "error")
ACTIVE_STATUSES = ("Enrolled", "")
WITHDRAWN = "Withdrawn"
# A student whose school in the district is no longer one the affiliate serves.
TRANSFERRED = "Transferred"
DEFAULT_MAX_WITHDRAWAL_SHARE = 0.10

ORG_TYPES = ("department", "school", "district", "local", "state", "national")
SESSION_TYPES = ("gradingPeriod", "semester", "schoolYear", "term")

# The Student fields a roster sets; the rest (case management, risk) belong to the coordinators.
STUDENT_FIELDS = (
	"oneroster_sourced_id",
	"first_name",
	"middle_name",
	"last_name",
	"district_student_id",
	"grade_level",
	"site",
	"school_district",
	"affiliate",
	"date_of_birth",
	"gender",
	"enrollment_status",
	"guardians",
)
GUARDIAN_FIELDS = ("oneroster_sourced_id", "guardian_name", "relationship", "email", "phone")


@dataclass
class StudentDecision:
	action: str  # one of ACTIONS
	sourced_id: str
	student: str | None = None  # name of the matched Student
	changes: dict = field(default_factory=dict)  # new: every field; updated: only the changed ones
	reasons: list[str] = field(default_factory=list)
	file: str = "users.csv"
	line: int | None = None
	label: str = ""  # "Given Family (district id)", for samples


@dataclass
class SiteMatch:
	org_sourced_id: str
	org_name: str
	identifier: str
	site: str | None  # None: the school is skipped, never created
	matched_by: str = ""  # sourcedId / identifier
	reason: str = ""
	set_sourced_id: bool = False  # store the org's sourcedId on the Site (matched by identifier)
	line: int | None = None


@dataclass
class DistrictMatch:
	matched: bool
	org_sourced_id: str = ""
	matched_by: str = ""  # sourcedId / identifier / only district in file / no district org
	reason: str = ""
	set_sourced_id: bool = False


@dataclass
class SchoolYearDecision:
	action: str  # matched / create
	name: str  # the School Year's name (existing, or the one to create)
	start: date
	end: date  # last day (OneRoster's endDate is exclusive)
	sourced_id: str = ""
	line: int | None = None


@dataclass
class RosterPlan:
	version: str
	modes: dict[str, str]
	district: DistrictMatch
	sites: list[SiteMatch]
	school_years: list[SchoolYearDecision]
	students: list[StudentDecision]
	row_errors: list[RowError]
	active_students: int = 0
	refused: bool = False
	refusal_reason: str = ""
	warnings: list[str] = field(default_factory=list)

	def counts(self) -> dict[str, int]:
		counts = dict.fromkeys(ACTIONS, 0)
		for decision in self.students:
			counts[decision.action] += 1
		return counts


# ---------------------------------------------------------------- small helpers


def _text(value: object) -> str:
	return "" if value is None else str(value).strip()


def _norm(value: object) -> object:
	"""Values as compared between the database and the file: dates as ISO text, None as ''."""
	if value is None:
		return ""
	if isinstance(value, datetime):
		return value.date().isoformat()
	if isinstance(value, date):
		return value.isoformat()
	if isinstance(value, list):
		return [_norm_guardian(item) for item in value]
	return str(value)


def _norm_guardian(guardian: dict) -> dict:
	return {key: _text(guardian.get(key)) for key in GUARDIAN_FIELDS}


def roster_guardians(guardians: Iterable[dict] | None) -> list[dict]:
	"""The guardians a roster manages (those with a OneRoster sourcedId), normalised, by sourcedId.
	Guardians a coordinator entered by hand have none and are never touched by an import."""
	rows = [_norm_guardian(g) for g in guardians or () if _text(g.get("oneroster_sourced_id"))]
	return sorted(rows, key=lambda g: g["oneroster_sourced_id"])


def student_changes(existing: dict, incoming: dict) -> dict:
	"""The fields of ``incoming`` whose value differs from ``existing`` (only keys ``incoming`` has).

	``guardians`` compares the roster-managed guardians only (see ``roster_guardians``).
	"""
	changes = {}
	for key, value in incoming.items():
		if key == "guardians":
			if roster_guardians(existing.get("guardians")) != roster_guardians(value):
				changes[key] = value
		elif _norm(existing.get(key)) != _norm(value):
			changes[key] = value
	return changes


def _status(row: dict, mode: str, file: str, line: int, sid: str, errors: list[RowError]) -> str | None:
	"""active / tobedeleted, or None (row error) for a delta row without a valid status."""
	status = _text(row.get("status"))
	if status in ("active", "tobedeleted"):
		return status
	if mode == "bulk" and status == "":
		return "active"
	expected = "active or tobedeleted" if mode == "delta" else "empty in a bulk file"
	errors.append(
		RowError(file, line, sid, "status", f"status {status!r} is not valid: {expected}", "bad_status")
	)
	return None


_ROLES_READ = ("student", *GUARDIAN_ROLES)


def _role(row: dict, file: str, line: int, sid: str, errors: list[RowError]) -> str | None:
	"""The role of a users / roles row; a student or guardian role in the wrong case is a row error
	(values are case-sensitive: skipping a "Student" silently would withdraw them from a bulk file)."""
	role = _text(row["role"])
	if role not in _ROLES_READ and role.lower() in _ROLES_READ:
		message = f"role {role!r} must be written {role.lower()!r} (values are case-sensitive)"
		errors.append(RowError(file, line, sid, "role", message, "bad_role"))
		return None
	return role


class _Unique:
	"""Tracks sourcedIds of one file: a repeated one is a row error on each of its lines."""

	def __init__(self, file: str):
		self.file = file
		self.first_line: dict[str, int] = {}
		self.duplicated: set[str] = set()

	def add(self, sid: str, line: int, errors: list[RowError]) -> bool:
		if not sid:
			errors.append(RowError(self.file, line, "", "sourcedId", "sourcedId is empty", "missing"))
			return False
		first = self.first_line.get(sid)
		if first is None:
			self.first_line[sid] = line
			return True
		if sid not in self.duplicated:
			self.duplicated.add(sid)
			errors.append(self._error(sid, first, "later"))
		errors.append(self._error(sid, line, f"line {first}"))
		return False

	def _error(self, sid: str, line: int, other: str) -> RowError:
		message = f"sourcedId {sid!r} appears more than once in {self.file} (also {other}): fix the export"
		return RowError(self.file, line, sid, "sourcedId", message, "duplicate")


# ---------------------------------------------------------------- matching rules


def match_district(district_orgs: list[dict], district: dict) -> DistrictMatch:
	"""The file's district org against the School District: by stored sourcedId, else NCES id
	(``identifier``). A district with neither stored takes the file's only district org."""
	if not district_orgs:
		return DistrictMatch(True, matched_by="no district org", reason="the file has no district org")
	stored_sid = _text(district.get("oneroster_sourced_id"))
	nces = _text(district.get("nces_district_id"))
	for org in district_orgs:
		if stored_sid and org["sourcedId"] == stored_sid:
			return DistrictMatch(True, stored_sid, "sourcedId")
	for org in district_orgs:
		if nces and org["identifier"] == nces:
			return DistrictMatch(True, org["sourcedId"], "identifier", set_sourced_id=not stored_sid)
	if not stored_sid and not nces and len(district_orgs) == 1:
		return DistrictMatch(
			True, district_orgs[0]["sourcedId"], "only district in file", set_sourced_id=True
		)
	found = ", ".join(f"{o['name']} ({o['sourcedId']}, id {o['identifier'] or '-'})" for o in district_orgs)
	return DistrictMatch(
		False,
		reason=(
			f"the file is for {found}, not for School District {district.get('name')} "
			f"(sourcedId {stored_sid or '-'}, NCES id {nces or '-'})"
		),
	)


def match_school(org: dict, sites: list[dict]) -> SiteMatch:
	"""A school org against the district's sites: by stored OneRoster sourcedId, else by its NCES or
	state school id (``identifier`` = Site ``school_id``). No match: skipped with a reason."""
	sid, identifier = org["sourcedId"], _text(org.get("identifier"))
	result = SiteMatch(sid, _text(org.get("name")), identifier, None, line=org.get("line"))
	for site in sites:
		if _text(site.get("oneroster_sourced_id")) == sid:
			result.site, result.matched_by = site["name"], "sourcedId"
			return result
	candidates = [site for site in sites if identifier and _text(site.get("school_id")) == identifier]
	if len(candidates) > 1:
		names = ", ".join(site["name"] for site in candidates)
		result.reason = f"school id {identifier} belongs to several sites ({names}): fix the sites"
	elif candidates:
		site = candidates[0]
		other = _text(site.get("oneroster_sourced_id"))
		if other:
			result.reason = f"site {site['name']} has school id {identifier} but is linked to org {other}"
		else:
			result.site, result.matched_by, result.set_sourced_id = site["name"], "identifier", True
	else:
		result.reason = "no site has this sourcedId or school id: skipped (sites are never created)"
	return result


def match_school_year(session: dict, school_years: list[dict]) -> SchoolYearDecision:
	"""A ``schoolYear`` academic session (dates already parsed) against the School Years: by name
	(``2025-2026`` for schoolYear 2026), else the only year ending in that calendar year; else create."""
	end_year, name = session["schoolYear"], school_year_name(session["schoolYear"])
	start, end = session["startDate"], session["endDate"]
	for year in school_years:
		if _text(year.get("school_year_name") or year.get("name")) == name:
			return SchoolYearDecision(
				"matched", year["name"], start, end, session["sourcedId"], session["line"]
			)
	ending = [
		y for y in school_years if y.get("year_end_date") and _as_date(y["year_end_date"]).year == end_year
	]
	if len(ending) == 1:
		return SchoolYearDecision(
			"matched", ending[0]["name"], start, end, session["sourcedId"], session["line"]
		)
	return SchoolYearDecision("create", name, start, end, session["sourcedId"], session["line"])


def _as_date(value: object) -> date:
	if isinstance(value, datetime):
		return value.date()
	if isinstance(value, date):
		return value
	return date.fromisoformat(str(value)[:10])


def resolve_school(
	candidates: list[str], primary: str | None, site_by_org: dict[str, str], org_names: dict[str, str]
) -> tuple[str | None, str]:
	"""The site of a student from the orgs the file links them to (orgSourcedIds, enrolments, roles).

	Returns (site, "") when the served orgs name one site (or several and the primary one is served),
	(None, reason) otherwise; the reason starts with "not served" when no linked school is served.
	"""
	sites = []
	for org in candidates:
		site = site_by_org.get(org)
		if site and site not in sites:
			sites.append(site)
	if len(sites) == 1:
		return sites[0], ""
	if len(sites) > 1:
		if primary and primary in site_by_org:
			return site_by_org[primary], ""
		return None, f"enrolled at several served schools ({', '.join(sites)}) and none is primary"
	schools = [org_names.get(org, org) for org in candidates]
	if schools:
		return None, f"not served: school {', '.join(schools)} matches no site"
	return None, "no school: the student has no enrolment or org at a school"


# ---------------------------------------------------------------- reading the files


def _read_orgs(package: RosterPackage, errors: list[RowError]) -> dict[str, dict]:
	orgs: dict[str, dict] = {}
	mode, unique = package.mode("orgs"), _Unique("orgs.csv")
	for line, row in package.rows("orgs", errors):
		sid = _text(row["sourcedId"])
		if not unique.add(sid, line, errors):
			orgs.pop(sid, None)
			continue
		status = _status(row, mode, "orgs.csv", line, sid, errors)
		org_type = _text(row["type"])
		if org_type not in ORG_TYPES:
			message = f"type {org_type!r} is not one of {', '.join(ORG_TYPES)}"
			errors.append(RowError("orgs.csv", line, sid, "type", message, "bad_type"))
			continue
		if status is None:
			continue
		orgs[sid] = {
			"sourcedId": sid,
			"name": _text(row["name"]),
			"type": org_type,
			"identifier": _text(row["identifier"]),
			"status": status,
			"line": line,
		}
	for sid in unique.duplicated:
		orgs.pop(sid, None)
	return orgs


def _read_sessions(package: RosterPackage, errors: list[RowError]) -> list[dict]:
	sessions, mode, unique = [], package.mode("academicSessions"), _Unique("academicSessions.csv")
	file = "academicSessions.csv"
	for line, row in package.rows("academicSessions", errors):
		sid = _text(row["sourcedId"])
		if not unique.add(sid, line, errors):
			continue
		status = _status(row, mode, file, line, sid, errors)
		if status != "active" or _text(row["type"]) != "schoolYear":
			continue
		try:
			start = parse_date(row["startDate"], required=True)
		except RuleError as exc:
			errors.append(RowError(file, line, sid, "startDate", exc.message, exc.code))
			continue
		try:
			end = parse_date(row["endDate"], required=True)
		except RuleError as exc:
			errors.append(RowError(file, line, sid, "endDate", exc.message, exc.code))
			continue
		try:
			end_year = parse_school_year(row["schoolYear"])
		except RuleError as exc:
			errors.append(RowError(file, line, sid, "schoolYear", exc.message, exc.code))
			continue
		if end <= start:
			message = f"endDate {end} is not after startDate {start}"
			errors.append(RowError(file, line, sid, "endDate", message, "bad_range"))
			continue
		sessions.append(
			{"sourcedId": sid, "startDate": start, "endDate": end, "schoolYear": end_year, "line": line}
		)
	return [s for s in sessions if s["sourcedId"] not in unique.duplicated]


def _read_roles(package: RosterPackage, errors: list[RowError]) -> dict[str, dict]:
	"""1.2 roles, per user: {"roles": set, "orgs": [org], "primary": org}. Staff roles are dropped."""
	by_user: dict[str, dict] = {}
	mode, unique = package.mode("roles"), _Unique("roles.csv")
	for line, row in package.rows("roles", errors):
		sid = _text(row["sourcedId"])
		if not unique.add(sid, line, errors):
			continue
		if _status(row, mode, "roles.csv", line, sid, errors) != "active":
			continue
		role, user = _role(row, "roles.csv", line, sid, errors), _text(row["userSourcedId"])
		if role not in _ROLES_READ:
			continue
		entry = by_user.setdefault(user, {"roles": set(), "orgs": [], "primary": None})
		entry["roles"].add(role)
		org = _text(row["orgSourcedId"])
		if role == "student" and org:
			entry["orgs"].append(org)
			if _text(row["roleType"]) == "primary":
				entry["primary"] = org
	return by_user


# ---------------------------------------------------------------- the plan


def build_roster_plan(
	package: RosterPackage,
	*,
	district: dict,
	sites: list[dict],
	school_years: list[dict],
	students: list[dict],
	max_withdrawal_share: float = DEFAULT_MAX_WITHDRAWAL_SHARE,
	allow_mass_withdrawal: bool = False,
) -> RosterPlan:
	"""The plan of a roster import of ``package`` into ``district`` (see the module docstring)."""
	errors: list[RowError] = []
	district_name = _text(district.get("name"))
	sites = [s for s in sites if _text(s.get("school_district")) in ("", district_name)]
	students = [s for s in students if _text(s.get("school_district")) in ("", district_name)]

	orgs = _read_orgs(package, errors)
	district_match = match_district([o for o in orgs.values() if o["type"] == "district"], district)
	site_matches = [
		match_school(org, sites)
		for org in orgs.values()
		if org["type"] == "school" and org["status"] == "active"
	]
	site_by_org = {
		_text(s.get("oneroster_sourced_id")): s["name"] for s in sites if s.get("oneroster_sourced_id")
	}
	site_by_org.update({m.org_sourced_id: m.site for m in site_matches if m.site})

	school_year_decisions: dict[str, SchoolYearDecision] = {}
	for session in _read_sessions(package, errors):
		decision = match_school_year(session, school_years)
		known = school_year_decisions.get(decision.name)
		if known is None:
			school_year_decisions[decision.name] = decision
		elif known.action == "create":  # one year listed by several schools: the widest span
			known.start, known.end = min(known.start, decision.start), max(known.end, decision.end)
	for decision in school_year_decisions.values():
		decision.end = decision.end - timedelta(days=1)

	roles = _read_roles(package, errors) if package.version == "1.2" else {}
	file_students, guardians, user_ids, users_unique = _read_users(package, roles, errors)
	_read_enrollments(package, file_students, user_ids, orgs, errors)
	demographics = _read_demographics(package, errors)

	plan = RosterPlan(
		package.version,
		{name: package.mode(name) for name in package.headers},
		district_match,
		site_matches,
		list(school_year_decisions.values()),
		[],
		errors,
		warnings=list(package.warnings),
	)
	active = [s for s in students if _text(s.get("enrollment_status")) in ACTIVE_STATUSES]
	plan.active_students = len(active)
	_decide_students(
		plan,
		package,
		district,
		students,
		file_students,
		guardians,
		users_unique,
		site_by_org,
		orgs,
		demographics,
	)

	if not district_match.matched:
		plan.refused, plan.refusal_reason = True, district_match.reason
	elif package.mode("users") == "bulk" and not allow_mass_withdrawal:
		apply_withdrawal_guard(plan, max_withdrawal_share)
	return plan


def _read_users(package: RosterPackage, roles: dict[str, dict], errors: list[RowError]):
	"""Students and guardians of users.csv as compact dicts (staff are dropped as they stream by)."""
	file_students: dict[str, dict] = {}
	guardians: dict[str, dict] = {}
	mode, unique = package.mode("users"), _Unique("users.csv")
	has = set(package.headers.get("users", ()))
	for line, row in package.rows("users", errors):
		sid = _text(row["sourcedId"])
		if not unique.add(sid, line, errors):
			continue
		status = _status(row, mode, "users.csv", line, sid, errors)
		if status is None:
			continue
		if package.version == "1.2":
			entry = roles.get(sid, {"roles": set(), "orgs": [], "primary": None})
			user_roles, orgs, primary = entry["roles"], list(entry["orgs"]), entry["primary"]
			if "primaryOrgSourcedId" in has and _text(row["primaryOrgSourcedId"]):
				primary = primary or _text(row["primaryOrgSourcedId"])
		else:
			role = _role(row, "users.csv", line, sid, errors)
			if role is None:
				continue
			user_roles, orgs, primary = {role}, split_list(row["orgSourcedIds"]), None
		common = {
			"sourcedId": sid,
			"line": line,
			"status": status,
			"givenName": row["givenName"],
			"familyName": row["familyName"],
			"agents": split_list(row["agentSourcedIds"]),
		}
		if "student" in user_roles:
			file_students[sid] = {
				**common,
				"middleName": row["middleName"] if "middleName" in has else None,
				"identifier": _text(row["identifier"]),
				"grades": row["grades"],
				"orgs": orgs,
				"primary": primary,
			}
		elif user_roles & set(GUARDIAN_ROLES):
			role = next(r for r in GUARDIAN_ROLES if r in user_roles)
			guardians[sid] = {
				**common,
				"role": role,
				"email": _text(row.get("email")),
				"phone": _text(row.get("phone")) or _text(row.get("sms")),
			}
	for sid in unique.duplicated:
		guardians.pop(sid, None)
		if sid in file_students:
			file_students[sid]["duplicate"] = True
	return file_students, guardians, set(unique.first_line), unique


def _read_enrollments(
	package: RosterPackage, file_students: dict, user_ids: set[str], orgs: dict, errors: list[RowError]
) -> None:
	"""Adds each student's enrolled schools to their ``orgs``; unknown users, classes, schools are
	row errors (checked against bulk files only: a delta may name records the app already has)."""
	if not package.has("enrollments"):
		return
	classes: set[str] | None = None
	if package.mode("classes") == "bulk":
		classes = {_text(row["sourcedId"]) for _, row in package.rows("classes", errors)}
	users_bulk, orgs_bulk = package.mode("users") == "bulk", package.mode("orgs") == "bulk"
	mode, unique, file = package.mode("enrollments"), _Unique("enrollments.csv"), "enrollments.csv"
	for line, row in package.rows("enrollments", errors):
		sid = _text(row["sourcedId"])
		if not unique.add(sid, line, errors):
			continue
		if _status(row, mode, file, line, sid, errors) != "active":
			continue
		user, school, klass = (
			_text(row["userSourcedId"]),
			_text(row["schoolSourcedId"]),
			_text(row["classSourcedId"]),
		)
		if users_bulk and user not in user_ids:
			errors.append(
				RowError(file, line, sid, "userSourcedId", f"unknown user {user!r}", "unknown_user")
			)
			continue
		if classes is not None and klass not in classes:
			errors.append(
				RowError(file, line, sid, "classSourcedId", f"unknown class {klass!r}", "unknown_class")
			)
			continue
		if orgs_bulk and school not in orgs:
			errors.append(
				RowError(file, line, sid, "schoolSourcedId", f"unknown school {school!r}", "unknown_org")
			)
			continue
		student = file_students.get(user)
		if _text(row["role"]) == "student" and student is not None and school not in student["orgs"]:
			student["orgs"].append(school)


def _read_demographics(package: RosterPackage, errors: list[RowError]) -> dict[str, dict]:
	"""Birth date and gender per user sourcedId (only the values present and valid)."""
	found: dict[str, dict] = {}
	mode, unique, file = package.mode("demographics"), _Unique("demographics.csv"), "demographics.csv"
	for line, row in package.rows("demographics", errors):
		sid = _text(row["sourcedId"])
		if not unique.add(sid, line, errors):
			continue
		if _status(row, mode, file, line, sid, errors) != "active":
			continue
		values: dict[str, object] = {}
		try:
			birth = parse_date(row["birthDate"])
			if birth is not None:
				values["date_of_birth"] = birth.isoformat()
		except RuleError as exc:
			errors.append(RowError(file, line, sid, "birthDate", exc.message, exc.code))
		try:
			gender = map_sex(row["sex"])
			if gender is not None:
				values["gender"] = gender
		except RuleError as exc:
			errors.append(RowError(file, line, sid, "sex", exc.message, exc.code))
		found[sid] = values
	for sid in unique.duplicated:
		found.pop(sid, None)
	return found


def _guardian_row(guardian: dict, errors: list[RowError]) -> dict | None:
	"""The Student Guardian values of a guardian user; None (and one row error per empty name, logged
	once however many students the guardian has) if a name is empty."""
	if "checked" in guardian:
		return guardian["checked"]
	names = []
	for column in ("givenName", "familyName"):
		try:
			names.append(require_name(guardian[column], column))
		except RuleError as exc:
			errors.append(
				RowError("users.csv", guardian["line"], guardian["sourcedId"], column, exc.message, exc.code)
			)
	guardian["checked"] = None
	if len(names) == 2:
		guardian["checked"] = {
			"oneroster_sourced_id": guardian["sourcedId"],
			"guardian_name": " ".join(names),
			"relationship": guardian_relationship(guardian["role"]),
			"email": guardian["email"],
			"phone": guardian["phone"],
		}
	return guardian["checked"]


def _decide_students(
	plan: RosterPlan,
	package: RosterPackage,
	district: dict,
	students: list[dict],
	file_students: dict[str, dict],
	guardians: dict[str, dict],
	users_unique,
	site_by_org: dict[str, str],
	orgs: dict[str, dict],
	demographics: dict[str, dict],
) -> None:
	errors, decisions = plan.row_errors, plan.students
	org_names = {sid: org["name"] for sid, org in orgs.items()}
	org_types = {sid: org["type"] for sid, org in orgs.items()}
	users_mode = package.mode("users")
	by_sid = {
		_text(s.get("oneroster_sourced_id")): s for s in students if _text(s.get("oneroster_sourced_id"))
	}
	by_district_id = {
		_text(s.get("district_student_id")): s for s in students if _text(s.get("district_student_id"))
	}
	identifier_count: dict[str, int] = {}
	for record in file_students.values():
		if record["identifier"]:
			identifier_count[record["identifier"]] = identifier_count.get(record["identifier"], 0) + 1
	guardians_of: dict[str, list[str]] = {}
	for guardian in guardians.values():
		for student_sid in guardian["agents"]:
			guardians_of.setdefault(student_sid, []).append(guardian["sourcedId"])
	claimed: dict[str, str] = {}  # Student name -> sourcedId of the row that matched it
	base = {"school_district": _text(district.get("name"))}
	if _text(district.get("affiliate")):
		base["affiliate"] = _text(district["affiliate"])

	for sid, record in file_students.items():
		label = f"{_text(record['givenName'])} {_text(record['familyName'])} ({record['identifier'] or sid})"
		decision = StudentDecision("error", sid, line=record["line"], label=label)
		decisions.append(decision)
		if record.get("duplicate"):
			decision.reasons.append("the sourcedId appears more than once in users.csv")
			continue
		existing = by_sid.get(sid)
		if existing is None and record["identifier"]:
			candidate = by_district_id.get(record["identifier"])
			other_sid = _text(candidate.get("oneroster_sourced_id")) if candidate else ""
			if candidate is not None and (not other_sid or other_sid not in file_students):
				existing = candidate
		if existing is not None:
			decision.student = existing["name"]
			if existing["name"] in claimed:
				_student_error(
					decision,
					errors,
					"identifier",
					f"matches student {existing['name']}, already matched by sourcedId {claimed[existing['name']]}",
					"duplicate",
				)
				continue
			claimed[existing["name"]] = sid

		if record["status"] == "tobedeleted":
			_withdraw(decision, existing, WITHDRAWN, "tobedeleted in the delta file")
			continue

		schools = [o for o in record["orgs"] if org_types.get(o, "school") == "school"]
		site, reason = resolve_school(schools, record["primary"], site_by_org, org_names)
		if site is None and reason.startswith("not served"):
			if existing is None:
				decision.action, decision.reasons = "skipped", [reason]
			else:
				_withdraw(decision, existing, TRANSFERRED, f"moved to a school not served ({reason})")
			continue
		if site is None and not (
			existing is not None and reason.startswith("no school") and users_mode == "delta"
		):
			_student_error(decision, errors, "orgSourcedIds", reason, "no_school")
			continue

		incoming, problems = _incoming(record, existing, errors)
		if problems:
			decision.reasons = problems
			continue
		if record["identifier"] and identifier_count.get(record["identifier"], 0) > 1:
			_student_error(
				decision,
				errors,
				"identifier",
				f"district student id {record['identifier']!r} is used by several users",
				"duplicate",
			)
			continue
		incoming.update(base)
		if site is not None:
			incoming["site"] = site
		incoming.update(demographics.get(sid, {}))
		linked = _linked_guardians(record, guardians, guardians_of.get(sid, []), errors)
		if users_mode == "bulk":
			incoming["guardians"] = linked
		elif linked or any(
			guardians[g]["status"] == "tobedeleted" for g in guardians_of.get(sid, []) if g in guardians
		):
			incoming["guardians"] = _merge_guardians(
				existing, record, guardians, guardians_of.get(sid, []), errors
			)
		_new_or_update(decision, existing, incoming)

	# Delta demographics of students a delta users file does not carry (a bulk users file carries them all).
	for sid, values in demographics.items():
		if users_mode == "bulk" or sid in file_students or not values or sid not in by_sid:
			continue
		existing = by_sid[sid]
		decision = StudentDecision(
			"error", sid, existing["name"], file="demographics.csv", label=existing["name"]
		)
		decisions.append(decision)
		_new_or_update(decision, existing, dict(values))

	if users_mode == "bulk":
		file_ids = {r["identifier"] for r in file_students.values() if r["identifier"]}
		all_user_sids = set(users_unique.first_line)
		for student in students:
			if student["name"] in claimed or _text(student.get("enrollment_status")) not in ACTIVE_STATUSES:
				continue
			if _text(student.get("oneroster_sourced_id")) in all_user_sids:
				continue  # in the file (an error, or no longer a student): not absent
			if _text(student.get("district_student_id")) in file_ids:
				continue
			decision = StudentDecision(
				"error",
				_text(student.get("oneroster_sourced_id")),
				student["name"],
				label=f"{_text(student.get('first_name'))} {_text(student.get('last_name'))} "
				f"({_text(student.get('district_student_id')) or student['name']})",
				line=None,
			)
			decisions.append(decision)
			_withdraw(decision, student, WITHDRAWN, "absent from the bulk users file")


def _student_error(
	decision: StudentDecision, errors: list[RowError], field_name: str, message: str, code: str
) -> None:
	decision.action = "error"
	decision.reasons.append(message)
	errors.append(RowError(decision.file, decision.line, decision.sourced_id, field_name, message, code))


def _withdraw(decision: StudentDecision, existing: dict | None, status: str, reason: str) -> None:
	"""Withdraw (set the enrolment status; never delete) an existing, active student."""
	decision.reasons.append(reason)
	if existing is None:
		decision.action = "skipped"
		decision.reasons.append("not in the app")
	elif _text(existing.get("enrollment_status")) not in ACTIVE_STATUSES:
		decision.action = "unchanged"
	else:
		decision.action, decision.changes = "withdrawn", {"enrollment_status": status}


def _incoming(record: dict, existing: dict | None, errors: list[RowError]) -> tuple[dict, list[str]]:
	"""The Student values of a users row; (values, problems), each problem also a row error."""
	line, sid, incoming, problems = record["line"], record["sourcedId"], {}, []

	def check(field_name: str, rule, *args):
		try:
			return rule(*args)
		except RuleError as exc:
			problems.append(exc.message)
			errors.append(RowError("users.csv", line, sid, field_name, exc.message, exc.code))
			return None

	incoming["oneroster_sourced_id"] = sid
	incoming["first_name"] = check("givenName", require_name, record["givenName"], "givenName")
	incoming["last_name"] = check("familyName", require_name, record["familyName"], "familyName")
	if record["middleName"] is not None:
		incoming["middle_name"] = _text(record["middleName"])
	if record["identifier"]:
		incoming["district_student_id"] = record["identifier"]
	elif existing is None:
		message = "identifier (the district student id) is empty"
		problems.append(message)
		errors.append(RowError("users.csv", line, sid, "identifier", message, "missing"))
	if _text(record["grades"]) or existing is None:
		incoming["grade_level"] = check("grades", map_grades, record["grades"])
	incoming["enrollment_status"] = "Enrolled"
	return incoming, problems


def _linked_guardians(
	record: dict, guardians: dict, linked_back: list[str], errors: list[RowError]
) -> list[dict]:
	"""Active guardians linked to the student (student's agentSourcedIds, or guardian's), by sourcedId."""
	rows = []
	for gsid in dict.fromkeys([*record["agents"], *linked_back]):
		guardian = guardians.get(gsid)
		if guardian is None or guardian["status"] != "active":
			continue
		row = _guardian_row(guardian, errors)
		if row is not None:
			rows.append(row)
	return sorted(rows, key=lambda g: g["oneroster_sourced_id"])


def _merge_guardians(
	existing: dict | None, record: dict, guardians: dict, linked_back: list[str], errors
) -> list[dict]:
	"""A delta's guardians applied to the student's roster guardians (added, changed or removed)."""
	current = {g["oneroster_sourced_id"]: g for g in roster_guardians((existing or {}).get("guardians"))}
	for gsid in dict.fromkeys([*record["agents"], *linked_back]):
		guardian = guardians.get(gsid)
		if guardian is None:
			continue
		if guardian["status"] == "tobedeleted":
			current.pop(gsid, None)
		elif (row := _guardian_row(guardian, errors)) is not None:
			current[gsid] = row
	return [current[key] for key in sorted(current)]


def _new_or_update(decision: StudentDecision, existing: dict | None, incoming: dict) -> None:
	if existing is None:
		decision.action, decision.changes = "new", {k: v for k, v in incoming.items() if v is not None}
		return
	decision.student = existing["name"]
	decision.changes = student_changes(existing, incoming)
	decision.action = "updated" if decision.changes else "unchanged"


# ---------------------------------------------------------------- guard, summary, log


def apply_withdrawal_guard(plan: RosterPlan, max_share: float = DEFAULT_MAX_WITHDRAWAL_SHARE) -> RosterPlan:
	"""Refuse the plan when it would withdraw more than ``max_share`` of the district's active
	students (a truncated bulk export must not empty a school). Returns the plan."""
	withdrawn = sum(1 for d in plan.students if d.action == "withdrawn")
	if plan.active_students and withdrawn / plan.active_students > max_share:
		plan.refused = True
		plan.refusal_reason = (
			f"the file would withdraw {withdrawn} of {plan.active_students} active students "
			f"({withdrawn / plan.active_students:.0%}, more than the {max_share:.0%} allowed): "
			"check that the export is complete, or raise the limit in CIS Settings"
		)
	return plan


def summarize_plan(plan: RosterPlan, sample_size: int = 5) -> dict:
	"""What a dry run shows: counts per action and row errors, a sample of each, sites skipped."""
	samples: dict[str, list[dict]] = {action: [] for action in ACTIONS}
	for decision in plan.students:
		bucket = samples[decision.action]
		if len(bucket) < sample_size:
			bucket.append(
				{
					"sourced_id": decision.sourced_id,
					"student": decision.student,
					"label": decision.label,
					"changes": decision.changes,
					"reasons": decision.reasons,
					"line": decision.line,
				}
			)
	counts = plan.counts()
	counts["row_errors"] = len(plan.row_errors)
	return {
		"refused": plan.refused,
		"refusal_reason": plan.refusal_reason,
		"counts": counts,
		"samples": samples,
		"row_error_sample": [e.as_dict() for e in plan.row_errors[:sample_size]],
		"sites_skipped": [
			{
				"org_sourced_id": m.org_sourced_id,
				"name": m.org_name,
				"identifier": m.identifier,
				"reason": m.reason,
			}
			for m in plan.sites
			if m.site is None
		],
		"school_years_to_create": [y.name for y in plan.school_years if y.action == "create"],
	}


LOG_COLUMNS = ("file", "line", "sourced_id", "field", "message")


def row_log_csv(errors: Iterable[RowError]) -> str:
	"""The row log as CSV for download; formula-like cells are escaped (see ``escape_for_export``)."""
	buffer = io.StringIO()
	writer = csv.writer(buffer, lineterminator="\n")
	writer.writerow(LOG_COLUMNS)
	for error in errors:
		writer.writerow([escape_for_export(getattr(error, column)) for column in LOG_COLUMNS])
	return buffer.getvalue()


def plan_roster_import(source: str | Path | bytes | BinaryIO, **kwargs) -> RosterPlan:
	"""``open_package`` then ``build_roster_plan``: file errors raise OneRosterError before any plan."""
	return build_roster_plan(open_package(source), **kwargs)
