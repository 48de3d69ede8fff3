"""Matching a OneRoster package against what the app holds, as a plan the Frappe layer applies.

The Frappe layer loads plain dicts (the district, its sites, the school years, the district's students
with their roster guardians) and calls ``build_roster_plan`` (``stream.py``, which reads the files a chunk
at a time and decides with the rules here). Nothing here writes: the plan says, per
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
import hashlib
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
	name_key,
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
	# a streamed plan (``stream.RosterStream.tally``) counts and samples its decisions instead of
	# holding them in ``students``
	tally: dict[str, int] | None = None
	samples: dict[str, list[StudentDecision]] | None = None

	def counts(self) -> dict[str, int]:
		if self.tally is not None:
			return dict(self.tally)
		counts = dict.fromkeys(ACTIONS, 0)
		for decision in self.students:
			counts[decision.action] += 1
		return counts


# ---------------------------------------------------------------- small helpers


def cell_text(value: object) -> str:
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
	return {key: cell_text(guardian.get(key)) for key in GUARDIAN_FIELDS}


def roster_guardians(guardians: Iterable[dict] | None) -> list[dict]:
	"""The guardians a roster manages (those with a OneRoster sourcedId), normalised, by sourcedId.
	Guardians a coordinator entered by hand have none and are never touched by an import."""
	rows = [_norm_guardian(g) for g in guardians or () if cell_text(g.get("oneroster_sourced_id"))]
	return sorted(rows, key=lambda g: g["oneroster_sourced_id"])


def merge_guardian(stored: dict | None, incoming: dict) -> dict:
	"""The guardian row a roster guardian should read after an import: the file's values, except where
	the file says nothing. An empty cell keeps the stored value, and a relationship of ``Other`` (the
	OneRoster role ``relative``) keeps a more precise one entered in the app (``Grandparent``): the
	file's role ``parent`` does not say mother or father."""
	row = _norm_guardian(incoming)
	if not stored:
		return row
	stored = _norm_guardian(stored)
	for key in GUARDIAN_FIELDS:
		if not row[key] or (key == "relationship" and row[key] == "Other" and stored[key]):
			row[key] = stored[key]
	return row


def expected_guardians(existing: Iterable[dict] | None, incoming: Iterable[dict]) -> list[dict]:
	"""The roster guardians a student should have after the import (see ``merge_guardian``), by
	sourcedId. A file guardian the student does not have yet, whose name matches (``name_key``) exactly
	one guardian entered by hand (no sourcedId) on that student, adopts that row instead of being added
	next to it: the row gets ``adopt`` = the hand-entered row's ``name`` (its position in ``existing``
	when it has none) and keeps what the coordinator entered where the file says nothing."""
	existing = list(existing or ())
	stored = {
		cell_text(g.get("oneroster_sourced_id")): g
		for g in existing
		if cell_text(g.get("oneroster_sourced_id"))
	}
	by_hand: dict[str, list[int]] = {}
	for index, guardian in enumerate(existing):
		if not cell_text(guardian.get("oneroster_sourced_id")) and (
			key := name_key(guardian.get("guardian_name"))
		):
			by_hand.setdefault(key, []).append(index)
	rows = []
	for guardian in incoming:
		sid = cell_text(guardian.get("oneroster_sourced_id"))
		if sid in stored:
			rows.append(merge_guardian(stored[sid], guardian))
			continue
		matches = by_hand.get(name_key(guardian.get("guardian_name")), [])
		if len(matches) == 1:
			index = matches.pop()
			row = merge_guardian({**existing[index], "oneroster_sourced_id": sid}, guardian)
			row["adopt"] = existing[index].get("name") or index
			rows.append(row)
		else:
			rows.append(_norm_guardian(guardian))
	return sorted(rows, key=lambda g: g["oneroster_sourced_id"])


def student_changes(existing: dict, incoming: dict) -> dict:
	"""The fields of ``incoming`` whose value differs from ``existing`` (only keys ``incoming`` has).

	``guardians`` compares the roster-managed guardians only (see ``roster_guardians``), as the file
	would leave them (``expected_guardians``: adopting a matching guardian entered by hand is a change).
	"""
	changes = {}
	for key, value in incoming.items():
		if key == "guardians":
			expected = expected_guardians(existing.get("guardians"), value)
			if roster_guardians(existing.get("guardians")) != roster_guardians(expected) or any(
				"adopt" in row for row in expected
			):
				changes[key] = expected
		elif _norm(existing.get(key)) != _norm(value):
			changes[key] = value
	return changes


# What a bulk file sets on every student it carries, in the order ``fingerprint`` joins them.
FINGERPRINT_FIELDS = (
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
)


def fingerprint_text(values: dict) -> str | None:
	"""The roster fields and roster guardians of a student as one text (fields joined by U+001F,
	guardians by U+001E, ordered by sourcedId), or None when ``values`` lacks one of them.

	The Frappe layer asks the database for the MD5 of the same text per stored student (one query a
	chunk): a student whose text is the file's is unchanged without loading their record; any other
	is compared field by field (``student_changes``), so a mismatch only costs time, never a change."""
	if "guardians" not in values or any(key not in values for key in FINGERPRINT_FIELDS):
		return None
	guardians = "\x1e".join(
		"\x1f".join(guardian[key] for key in GUARDIAN_FIELDS)
		for guardian in roster_guardians(values["guardians"])
	)
	return "\x1f".join([*(str(_norm(values[key])) for key in FINGERPRINT_FIELDS), guardians])


def fingerprint(values: dict) -> str | None:
	"""MD5 (hex) of ``fingerprint_text``, or None."""
	text = fingerprint_text(values)
	return None if text is None else hashlib.md5(text.encode("utf-8"), usedforsecurity=False).hexdigest()


def _status(row: dict, mode: str, file: str, line: int, sid: str, errors: list[RowError]) -> str | None:
	"""active / tobedeleted, or None (row error) for a delta row without a valid status."""
	status = cell_text(row.get("status"))
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
	role = cell_text(row["role"])
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
	stored_sid = cell_text(district.get("oneroster_sourced_id"))
	nces = cell_text(district.get("nces_district_id"))
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
	sid, identifier = org["sourcedId"], cell_text(org.get("identifier"))
	result = SiteMatch(sid, cell_text(org.get("name")), identifier, None, line=org.get("line"))
	for site in sites:
		if cell_text(site.get("oneroster_sourced_id")) == sid:
			result.site, result.matched_by = site["name"], "sourcedId"
			return result
	candidates = [site for site in sites if identifier and cell_text(site.get("school_id")) == identifier]
	if len(candidates) > 1:
		names = ", ".join(site["name"] for site in candidates)
		result.reason = f"school id {identifier} belongs to several sites ({names}): fix the sites"
	elif candidates:
		site = candidates[0]
		other = cell_text(site.get("oneroster_sourced_id"))
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
		if cell_text(year.get("school_year_name") or year.get("name")) == name:
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


def read_orgs(package: RosterPackage, errors: list[RowError]) -> dict[str, dict]:
	orgs: dict[str, dict] = {}
	mode, unique = package.mode("orgs"), _Unique("orgs.csv")
	for line, row in package.rows("orgs", errors):
		sid = cell_text(row["sourcedId"])
		if not unique.add(sid, line, errors):
			orgs.pop(sid, None)
			continue
		status = _status(row, mode, "orgs.csv", line, sid, errors)
		org_type = cell_text(row["type"])
		if org_type not in ORG_TYPES:
			message = f"type {org_type!r} is not one of {', '.join(ORG_TYPES)}"
			errors.append(RowError("orgs.csv", line, sid, "type", message, "bad_type"))
			continue
		if status is None:
			continue
		orgs[sid] = {
			"sourcedId": sid,
			"name": cell_text(row["name"]),
			"type": org_type,
			"identifier": cell_text(row["identifier"]),
			"status": status,
			"line": line,
		}
	for sid in unique.duplicated:
		orgs.pop(sid, None)
	return orgs


def read_sessions(package: RosterPackage, errors: list[RowError]) -> list[dict]:
	sessions, mode, unique = [], package.mode("academicSessions"), _Unique("academicSessions.csv")
	file = "academicSessions.csv"
	for line, row in package.rows("academicSessions", errors):
		sid = cell_text(row["sourcedId"])
		if not unique.add(sid, line, errors):
			continue
		status = _status(row, mode, file, line, sid, errors)
		if status != "active" or cell_text(row["type"]) != "schoolYear":
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


# ---------------------------------------------------------------- the plan


def guardian_row_values(guardian: dict, errors: list[RowError]) -> dict | None:
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


def student_error(
	decision: StudentDecision, errors: list[RowError], field_name: str, message: str, code: str
) -> None:
	decision.action = "error"
	decision.reasons.append(message)
	errors.append(RowError(decision.file, decision.line, decision.sourced_id, field_name, message, code))


def withdraw_decision(decision: StudentDecision, existing: dict | None, status: str, reason: str) -> None:
	"""Withdraw (set the enrolment status; never delete) an existing, active student."""
	decision.reasons.append(reason)
	if existing is None:
		decision.action = "skipped"
		decision.reasons.append("not in the app")
	elif cell_text(existing.get("enrollment_status")) not in ACTIVE_STATUSES:
		decision.action = "unchanged"
	else:
		decision.action, decision.changes = "withdrawn", {"enrollment_status": status}


def incoming_values(record: dict, existing: dict | None, errors: list[RowError]) -> tuple[dict, list[str]]:
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
		incoming["middle_name"] = cell_text(record["middleName"])
	if record["identifier"]:
		incoming["district_student_id"] = record["identifier"]
	elif existing is None:
		message = "identifier (the district student id) is empty"
		problems.append(message)
		errors.append(RowError("users.csv", line, sid, "identifier", message, "missing"))
	if cell_text(record["grades"]) or existing is None:
		incoming["grade_level"] = check("grades", map_grades, record["grades"])
	incoming["enrollment_status"] = "Enrolled"
	return incoming, problems


def linked_guardians(
	record: dict, guardians: dict, linked_back: list[str], errors: list[RowError]
) -> list[dict]:
	"""Active guardians linked to the student (student's agentSourcedIds, or guardian's), by sourcedId."""
	rows = []
	for gsid in dict.fromkeys([*record["agents"], *linked_back]):
		guardian = guardians.get(gsid)
		if guardian is None or guardian["status"] != "active":
			continue
		row = guardian_row_values(guardian, errors)
		if row is not None:
			rows.append(row)
	return sorted(rows, key=lambda g: g["oneroster_sourced_id"])


def merge_guardians(
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
		elif (row := guardian_row_values(guardian, errors)) is not None:
			current[gsid] = row
	return [current[key] for key in sorted(current)]


def new_or_update(decision: StudentDecision, existing: dict | None, incoming: dict) -> None:
	if existing is None:
		decision.action, decision.changes = "new", {k: v for k, v in incoming.items() if v is not None}
		return
	decision.student = existing["name"]
	decision.changes = student_changes(existing, incoming)
	decision.action = "updated" if decision.changes else "unchanged"


# ---------------------------------------------------------------- guard, summary, log


def apply_withdrawal_guard(
	plan: RosterPlan, max_share: float = DEFAULT_MAX_WITHDRAWAL_SHARE, withdrawn: int | None = None
) -> RosterPlan:
	"""Refuse the plan when it would withdraw more than ``max_share`` of the district's active
	students (a truncated bulk export must not empty a school). ``withdrawn``: the count, when the
	plan does not hold its decisions. Returns the plan."""
	if withdrawn is None:
		withdrawn = plan.counts()["withdrawn"]
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
	decisions = plan.students
	if plan.samples is not None:
		decisions = [d for action in ACTIONS for d in plan.samples.get(action, [])]
	for decision in decisions:
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
