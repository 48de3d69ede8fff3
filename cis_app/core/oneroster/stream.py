"""The roster plan, streamed: memory that does not grow with the size of the district.

A district's users, roles, enrolments and demographics are joined by user sourcedId, across files in
no particular order. Instead of holding them as dicts, ``RosterStream`` reads each file once, a batch
of rows at a time, and spools the columns the plan needs into a SQLite file in a temporary folder
(deleted at the end). The students are then decided a chunk at a time: for each chunk it reads their
roles, enrolments, demographics and guardians back from the spool and asks ``existing`` (the app's
students, see ``ExistingStudents``) for the chunk's matches, one lookup per chunk. Decisions come out
chunk by chunk, in the order of ``build_roster_plan`` (the file's students, then a delta's
demographics of students it does not list, then the active students a bulk file leaves out).

What stays in memory: the orgs, school years and sites (a few hundred rows), the row errors, and one
chunk. ``build_roster_plan`` (framework-free, tested in ``tests/test_oneroster.py``) collects every
decision into a ``RosterPlan``; the Roster Import job counts them, keeps a sample, and spools the
decisions to write, so a dry run and an apply never hold 100,000 decisions.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Callable, Iterable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import BinaryIO

from .package import RosterPackage, RowError, open_package
from .plan import (
	ACTIONS,
	ACTIVE_STATUSES,
	DEFAULT_MAX_WITHDRAWAL_SHARE,
	TRANSFERRED,
	WITHDRAWN,
	RosterPlan,
	SchoolYearDecision,
	StudentDecision,
	apply_withdrawal_guard,
	cell_text,
	fingerprint,
	incoming_values,
	linked_guardians,
	match_district,
	match_school,
	match_school_year,
	merge_guardians,
	new_or_update,
	read_orgs,
	read_sessions,
	resolve_school,
	student_error,
	withdraw_decision,
)
from .rules import GUARDIAN_ROLES, RuleError, map_sex, parse_date, split_list

READ_BATCH = 5000
DECIDE_CHUNK = 2000
_SQL_VARS = 900  # parameters per statement (old SQLite builds allow 999)
_ROLES_READ = ("student", *GUARDIAN_ROLES)


class ExistingStudents:
	"""The app's students of the district, as the plan compares them (see ``plan`` module docstring).

	The Frappe layer answers from the database a chunk at a time; this default answers from a list."""

	def __init__(self, students: Iterable[dict] = ()):
		self.students = list(students)
		self.by_sid = {
			cell_text(s.get("oneroster_sourced_id")): s
			for s in self.students
			if cell_text(s.get("oneroster_sourced_id"))
		}
		self.by_district_id = {
			cell_text(s.get("district_student_id")): s
			for s in self.students
			if cell_text(s.get("district_student_id"))
		}

	def lookup(
		self, sourced_ids: list[str], district_ids: list[str], light: bool = False
	) -> tuple[dict, dict]:
		"""(sourcedId -> student, district student id -> student) for the ids of one chunk. ``light``:
		a source may answer with name, oneroster_sourced_id, district_student_id, enrollment_status and
		``fingerprint`` (``plan.fingerprint`` of the stored student) only; ``full`` gives the rest."""
		return (
			{sid: self.by_sid[sid] for sid in sourced_ids if sid in self.by_sid},
			{i: self.by_district_id[i] for i in district_ids if i in self.by_district_id},
		)

	def full(self, names: list[str]) -> dict[str, dict]:
		"""Students by name, every field the plan compares (for light lookups)."""
		by_name = {s["name"]: s for s in self.students}
		return {name: by_name[name] for name in names if name in by_name}

	def active_count(self) -> int:
		return sum(1 for s in self.students if cell_text(s.get("enrollment_status")) in ACTIVE_STATUSES)

	def active(self) -> Iterator[list[dict]]:
		"""The active students, in batches (name, oneroster_sourced_id, district_student_id,
		first_name, last_name, enrollment_status)."""
		batch = [s for s in self.students if cell_text(s.get("enrollment_status")) in ACTIVE_STATUSES]
		if batch:
			yield batch


def _chunks(items: list, size: int = _SQL_VARS) -> Iterator[list]:
	for start in range(0, len(items), size):
		yield items[start : start + size]


class _Spool:
	"""A SQLite file in a temporary folder, written without a journal (it lives for one run)."""

	def __init__(self):
		self.folder = tempfile.mkdtemp(prefix="oneroster-")
		self.db = sqlite3.connect(os.path.join(self.folder, "spool.sqlite"), isolation_level=None)
		for pragma in ("journal_mode=OFF", "synchronous=OFF", "temp_store=FILE", "cache_size=-8000"):
			self.db.execute(f"pragma {pragma}")
		self.db.executescript(
			"""
			create table seen (file text, sid text, line int, primary key (file, sid)) without rowid;
			create table users (seq integer primary key, sid text, line int, status text, given text,
				family text, middle text, identifier text, grades text, agents text, email text, phone text,
				primary_org text, role text, orgs text, kind text, dup int default 0);
			create table roles (seq integer primary key, user text, role text, org text, role_type text);
			create table enrollments (seq integer primary key, user text, school text);
			create table demographics (sid text primary key, line int, birth text, gender text, known int);
			create table links (guardian text, student text, seq int);
			create table claimed (name text primary key, sid text) without rowid;
			create table decisions (seq integer primary key, payload text);
			"""
		)
		self.db.execute("begin")

	def query(self, sql: str, values: list, prefix: tuple = ()) -> list[tuple]:
		"""Run ``sql`` (with one ``{in}`` placeholder list) for ``values`` in chunks; rows joined."""
		rows: list[tuple] = []
		for part in _chunks(values):
			rows.extend(self.db.execute(sql.format(placeholders=",".join("?" * len(part))), (*prefix, *part)))
		return rows

	def close(self) -> None:
		try:
			self.db.close()
		finally:
			shutil.rmtree(self.folder, ignore_errors=True)


class _Seen:
	"""The sourcedIds of one file (as ``plan._Unique``, kept in the spool): a repeated one is a row
	error on each of its lines; the first row with it is the one read."""

	def __init__(self, spool: _Spool, file: str):
		self.spool, self.file = spool, file
		self.duplicated: set[str] = set()

	def new_rows(self, batch: list[tuple[int, list[str], str]], errors: list[RowError]) -> list:
		"""The rows of ``batch`` ((line, cells, sid)) whose sid was not seen before, in order."""
		db = self.spool.db
		if all(sid for _line, _cells, sid in batch) and len({sid for *_rest, sid in batch}) == len(batch):
			# the usual case, no sid repeated in the batch: one insert; a repeat of an earlier batch makes
			# the primary key refuse it, and the batch is checked row by row below
			db.execute("savepoint seen")
			try:
				db.executemany(
					"insert into seen (file, sid, line) values (?, ?, ?)",
					[(self.file, sid, line) for line, _cells, sid in batch],
				)
				db.execute("release seen")
				return batch
			except sqlite3.IntegrityError:
				db.execute("rollback to seen")
				db.execute("release seen")
		sids = sorted({sid for _line, _cells, sid in batch if sid})
		earlier = dict(
			self.spool.query(
				"select sid, line from seen where file = ? and sid in ({placeholders})", sids, (self.file,)
			)
		)
		first: dict[str, int] = {}
		rows = []
		for line, cells, sid in batch:
			if not sid:
				errors.append(RowError(self.file, line, "", "sourcedId", "sourcedId is empty", "missing"))
				continue
			previous = earlier.get(sid) or first.get(sid)
			if previous is None:
				first[sid] = line
				rows.append((line, cells, sid))
				continue
			if sid not in self.duplicated:
				self.duplicated.add(sid)
				errors.append(self._error(sid, previous, "later"))
			errors.append(self._error(sid, line, f"line {previous}"))
		self.spool.db.executemany(
			"insert into seen (file, sid, line) values (?, ?, ?)",
			[(self.file, sid, line) for sid, line in first.items()],
		)
		return rows

	def _error(self, sid: str, line: int, other: str) -> RowError:
		message = f"sourcedId {sid!r} appears more than once in {self.file} (also {other}): fix the export"
		return RowError(self.file, line, sid, "sourcedId", message, "duplicate")


def _status_of(value: str, mode: str, file: str, line: int, sid: str, errors: list[RowError]) -> str | None:
	"""As ``plan._status``."""
	status = value.strip()
	if status in ("active", "tobedeleted"):
		return status
	if mode == "bulk" and status == "":
		return "active"
	expected = "active or tobedeleted" if mode == "delta" else "empty in a bulk file"
	errors.append(
		RowError(file, line, sid, "status", f"status {status!r} is not valid: {expected}", "bad_status")
	)
	return None


def _role_of(value: str, file: str, line: int, sid: str, errors: list[RowError]) -> str | None:
	"""As ``plan._role``."""
	role = value.strip()
	if role not in _ROLES_READ and role.lower() in _ROLES_READ:
		message = f"role {role!r} must be written {role.lower()!r} (values are case-sensitive)"
		errors.append(RowError(file, line, sid, "role", message, "bad_role"))
		return None
	return role


class RosterStream:
	"""One roster import's plan, streamed (see the module docstring). Use as a context manager, or call
	``close`` (it deletes the spool)."""

	def __init__(
		self,
		package: RosterPackage,
		*,
		district: dict,
		sites: list[dict],
		school_years: list[dict],
		existing: ExistingStudents,
		max_withdrawal_share: float = DEFAULT_MAX_WITHDRAWAL_SHARE,
		allow_mass_withdrawal: bool = False,
		chunk_size: int = DECIDE_CHUNK,
	):
		self.package = package
		self.district = district
		self.district_name = cell_text(district.get("name"))
		self.sites = [s for s in sites if cell_text(s.get("school_district")) in ("", self.district_name)]
		self.school_years = school_years
		self.existing = existing
		self.max_withdrawal_share = max_withdrawal_share
		self.allow_mass_withdrawal = allow_mass_withdrawal
		self.chunk_size = chunk_size
		self.errors: list[RowError] = []
		self.spool = _Spool()
		self.bad_guardians: set[str] = set()  # guardians whose name error is logged (once)
		self.claimed_active = 0  # active students the file's students matched
		self.plan: RosterPlan | None = None

	def __enter__(self) -> RosterStream:
		return self

	def __exit__(self, *exc) -> None:
		self.close()

	def close(self) -> None:
		self.spool.close()

	# ------------------------------------------------ reading the files

	def read(self) -> RosterPlan:
		"""Read every file (row errors collected), match the district, schools and school years.
		Returns the plan without student decisions (see ``decisions``)."""
		package, errors = self.package, self.errors
		orgs = read_orgs(package, errors)
		district_match = match_district([o for o in orgs.values() if o["type"] == "district"], self.district)
		site_matches = [
			match_school(org, self.sites)
			for org in orgs.values()
			if org["type"] == "school" and org["status"] == "active"
		]
		self.site_by_org = {
			cell_text(s.get("oneroster_sourced_id")): s["name"]
			for s in self.sites
			if s.get("oneroster_sourced_id")
		}
		self.site_by_org.update({m.org_sourced_id: m.site for m in site_matches if m.site})
		self.orgs = orgs
		self.org_names = {sid: org["name"] for sid, org in orgs.items()}
		self.org_types = {sid: org["type"] for sid, org in orgs.items()}

		years: dict[str, SchoolYearDecision] = {}
		for session in read_sessions(package, errors):
			decision = match_school_year(session, self.school_years)
			known = years.get(decision.name)
			if known is None:
				years[decision.name] = decision
			elif known.action == "create":  # one year listed by several schools: the widest span
				known.start, known.end = min(known.start, decision.start), max(known.end, decision.end)
		for decision in years.values():
			decision.end = decision.end - timedelta(days=1)

		if package.version == "1.2":
			self._read_roles()
		self._read_users()
		self._read_enrollments()
		self._read_demographics()
		self.users_mode = package.mode("users")

		self.plan = RosterPlan(
			package.version,
			{name: package.mode(name) for name in package.headers},
			district_match,
			site_matches,
			list(years.values()),
			[],
			errors,
			warnings=list(package.warnings),
		)
		self.plan.active_students = self.existing.active_count()
		return self.plan

	def _batches(self, name: str) -> Iterator[list[tuple[int, list[str], str]]]:
		"""(line, cells, sourcedId) of ``name``'s rows, a batch at a time."""
		if not self.package.has(name):
			return
		batch = []
		for line, cells in self.package.raw_rows(name, self.errors):
			batch.append((line, cells, cells[0].strip()))
			if len(batch) >= READ_BATCH:
				yield batch
				batch = []
		if batch:
			yield batch

	def _column(self, name: str, column: str) -> int | None:
		header = self.package.headers.get(name, [])
		return header.index(column) if column in header else None

	def _read_roles(self) -> None:
		"""1.2 roles of students and guardians (staff roles are dropped as they stream by)."""
		file, mode, seen = "roles.csv", self.package.mode("roles"), _Seen(self.spool, "roles.csv")
		col = {
			c: self._column("roles", c)
			for c in ("status", "userSourcedId", "role", "orgSourcedId", "roleType")
		}
		for batch in self._batches("roles"):
			rows = []
			for line, cells, sid in seen.new_rows(batch, self.errors):
				if _status_of(cells[col["status"]], mode, file, line, sid, self.errors) != "active":
					continue
				role = _role_of(cells[col["role"]], file, line, sid, self.errors)
				if role not in _ROLES_READ:
					continue
				org = cells[col["orgSourcedId"]].strip()
				rows.append((cells[col["userSourcedId"]].strip(), role, org, cells[col["roleType"]].strip()))
			self.spool.db.executemany(
				"insert into roles (user, role, org, role_type) values (?, ?, ?, ?)", rows
			)
		self.spool.db.execute("create index roles_user on roles (user, role)")

	def _read_users(self) -> None:
		"""Students and guardians of users.csv (1.1: staff are dropped as they stream by; 1.2: their
		kind comes from roles.csv, joined once read)."""
		package, file = self.package, "users.csv"
		mode, seen, version = package.mode("users"), _Seen(self.spool, file), package.version
		self.users_seen = seen
		names = (
			"status", "givenName", "familyName", "middleName", "identifier", "grades", "agentSourcedIds",
			"email", "phone", "sms", "primaryOrgSourcedId", "role", "orgSourcedIds",
		)  # fmt: skip
		col = {c: self._column("users", c) for c in names}

		def cell(cells: list[str], column: str) -> str | None:
			index = col[column]
			return None if index is None else cells[index]

		for batch in self._batches("users"):
			rows, links = [], []
			new_rows = seen.new_rows(batch, self.errors)
			if version == "1.2":
				# a student role wins; else the first guardian role in GUARDIAN_ROLES order; staff: none
				roles: dict[str, set[str]] = {}
				for user, role in self.spool.query(
					"select user, role from roles where user in ({placeholders})",
					sorted({sid for _line, _cells, sid in new_rows}),
				):
					roles.setdefault(user, set()).add(role)
			for line, cells, sid in new_rows:
				status = _status_of(cells[col["status"]], mode, file, line, sid, self.errors)
				if status is None:
					continue
				if version == "1.2":
					user_roles = roles.get(sid, ())
					kind = next((r for r in ("student", *GUARDIAN_ROLES) if r in user_roles), None)
					if kind is None:
						continue  # staff, or a user without a student or guardian role
					role, orgs = None, None
					primary = cell_text(cell(cells, "primaryOrgSourcedId")) or None
				else:
					role = _role_of(cells[col["role"]], file, line, sid, self.errors)
					if role is None:
						continue
					if role == "student":
						kind = "student"
					elif role in GUARDIAN_ROLES:
						kind = role
					else:
						continue  # staff
					orgs, primary = cells[col["orgSourcedIds"]], None
				agents = split_list(cells[col["agentSourcedIds"]])
				rows.append(
					(
						sid, line, status, cells[col["givenName"]], cells[col["familyName"]], cell(cells, "middleName"),
						cell_text(cells[col["identifier"]]), cells[col["grades"]], ",".join(agents),
						cell_text(cell(cells, "email")), cell_text(cell(cells, "phone")) or cell_text(cell(cells, "sms")),
						primary, role, orgs, kind,
					)
				)  # fmt: skip
				if kind != "student":  # a guardian's agents are the students they are linked to
					links.extend((sid, agent, line) for agent in agents)
			db = self.spool.db
			db.executemany(
				"insert into users (sid, line, status, given, family, middle, identifier, grades, agents, "
				"email, phone, primary_org, role, orgs, kind) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
				rows,
			)
			db.executemany("insert into links (guardian, student, seq) values (?, ?, ?)", links)
		db = self.spool.db
		db.execute("create index users_sid on users (sid)")
		self.spool.query("update users set dup = 1 where sid in ({placeholders})", sorted(seen.duplicated))
		db.execute("create index users_kind on users (kind, seq)")
		db.execute("create index users_identifier on users (identifier)")
		db.execute("create index links_student on links (student)")
		self.duplicated_ids = {
			identifier
			for (identifier,) in db.execute(
				"select identifier from users where kind = 'student' and identifier != '' "
				"group by identifier having count(*) > 1"
			)
		}

	def _read_enrollments(self) -> None:
		"""Schools of students from enrollments.csv; unknown users, classes, schools are row errors
		(checked against bulk files only: a delta may name records the app already has)."""
		package, file = self.package, "enrollments.csv"
		if not package.has("enrollments"):
			return
		classes: set[str] | None = None
		if package.mode("classes") == "bulk":
			classes = {cells[0].strip() for _line, cells in package.raw_rows("classes", self.errors)}
		users_bulk, orgs_bulk = package.mode("users") == "bulk", package.mode("orgs") == "bulk"
		mode, seen = package.mode("enrollments"), _Seen(self.spool, file)
		col = {
			c: self._column("enrollments", c)
			for c in ("status", "userSourcedId", "schoolSourcedId", "classSourcedId", "role")
		}
		for batch in self._batches("enrollments"):
			rows = seen.new_rows(batch, self.errors)
			users = sorted({cells[col["userSourcedId"]].strip() for _line, cells, _sid in rows})
			known_users = {
				sid
				for (sid,) in self.spool.query(
					"select sid from seen where file = 'users.csv' and sid in ({placeholders})", users
				)
			}
			spooled = []
			for line, cells, sid in rows:
				if _status_of(cells[col["status"]], mode, file, line, sid, self.errors) != "active":
					continue
				user, school, klass = (
					cells[col["userSourcedId"]].strip(),
					cells[col["schoolSourcedId"]].strip(),
					cells[col["classSourcedId"]].strip(),
				)
				if users_bulk and user not in known_users:
					self.errors.append(
						RowError(file, line, sid, "userSourcedId", f"unknown user {user!r}", "unknown_user")
					)
					continue
				if classes is not None and klass not in classes:
					self.errors.append(
						RowError(
							file, line, sid, "classSourcedId", f"unknown class {klass!r}", "unknown_class"
						)
					)
					continue
				if orgs_bulk and school not in self.orgs:
					self.errors.append(
						RowError(
							file, line, sid, "schoolSourcedId", f"unknown school {school!r}", "unknown_org"
						)
					)
					continue
				if cells[col["role"]].strip() == "student":
					spooled.append((user, school))
			self.spool.db.executemany("insert into enrollments (user, school) values (?, ?)", spooled)
		self.spool.db.execute("create index enrollments_user on enrollments (user)")

	def _read_demographics(self) -> None:
		"""Birth date and gender per user sourcedId (only the values present and valid)."""
		package, file = self.package, "demographics.csv"
		mode, seen = package.mode("demographics"), _Seen(self.spool, file)
		col = {c: self._column("demographics", c) for c in ("status", "birthDate", "sex")}
		for batch in self._batches("demographics"):
			rows = []
			for line, cells, sid in seen.new_rows(batch, self.errors):
				if _status_of(cells[col["status"]], mode, file, line, sid, self.errors) != "active":
					continue
				birth = gender = None
				try:
					born = parse_date(cells[col["birthDate"]])
					birth = born.isoformat() if born is not None else None
				except RuleError as exc:
					self.errors.append(RowError(file, line, sid, "birthDate", exc.message, exc.code))
				try:
					gender = map_sex(cells[col["sex"]])
				except RuleError as exc:
					self.errors.append(RowError(file, line, sid, "sex", exc.message, exc.code))
				rows.append((sid, line, birth, gender, int(birth is not None or gender is not None)))
			self.spool.db.executemany(
				"insert into demographics (sid, line, birth, gender, known) values (?, ?, ?, ?, ?)", rows
			)
		self.spool.query("delete from demographics where sid in ({placeholders})", sorted(seen.duplicated))

	# ------------------------------------------------ deciding

	def decisions(self) -> Iterator[list[StudentDecision]]:
		"""The student decisions, a chunk at a time (see the module docstring)."""
		db = self.spool.db
		last = 0
		while True:
			rows = db.execute(
				"select seq, sid, line, status, given, family, middle, identifier, grades, agents, primary_org, "
				"orgs, dup from users where kind = 'student' and seq > ? order by seq limit ?",
				(last, self.chunk_size),
			).fetchall()
			if not rows:
				break
			last = rows[-1][0]
			yield self._decide_chunk(rows)
		if self.users_mode != "bulk":
			yield from self._delta_demographics()
		# none left out when the file's students matched every active student counted as the files were
		# read (a district with none: the students a write-as-decided run inserts are the file's own)
		if self.users_mode == "bulk" and (
			self.plan is None or self.plan.active_students > self.claimed_active
		):
			yield from self._absent()

	def _student_records(self, rows: list[tuple]) -> list[dict]:
		"""The chunk's students as the plan's compact records (orgs from roles and enrolments)."""
		version = self.package.version
		records = []
		for (
			seq,
			sid,
			line,
			status,
			given,
			family,
			middle,
			identifier,
			grades,
			agents,
			primary,
			orgs,
			dup,
		) in rows:
			records.append(
				{
					"seq": seq, "sourcedId": sid, "line": line, "status": status, "givenName": given,
					"familyName": family, "middleName": middle, "identifier": identifier, "grades": grades,
					"agents": agents.split(",") if agents else [],
					"orgs": [] if version == "1.2" else split_list(orgs), "primary": None,
					"file_primary": primary, "duplicate": bool(dup),
				}
			)  # fmt: skip
		by_sid = {record["sourcedId"]: record for record in records}
		sids = list(by_sid)
		if version == "1.2":
			for user, org, role_type in self.spool.query(
				"select user, org, role_type from roles where role = 'student' and org != '' "
				"and user in ({placeholders}) order by seq",
				sids,
			):
				record = by_sid[user]
				record["orgs"].append(org)
				if role_type == "primary":
					record["primary"] = org
			for record in records:
				record["primary"] = record["primary"] or record["file_primary"]
		for user, school in self.spool.query(
			"select user, school from enrollments where user in ({placeholders}) order by seq", sids
		):
			record = by_sid[user]
			if school not in record["orgs"]:
				record["orgs"].append(school)
		return records

	def _guardians_of(self, records: list[dict]) -> tuple[dict[str, dict], dict[str, list[str]]]:
		"""The guardians the chunk's students name or are named by: (sid -> guardian record, student
		sid -> guardian sids naming that student, in file order)."""
		sids = [record["sourcedId"] for record in records]
		linked_back: dict[str, list[str]] = {}
		guardian_kinds = ",".join(f"'{role}'" for role in GUARDIAN_ROLES)
		for guardian, student in self.spool.query(
			f"select l.guardian, l.student from links l join users g on g.sid = l.guardian "
			f"where g.kind in ({guardian_kinds}) and g.dup = 0 and l.student in ({{placeholders}}) "
			f"order by g.seq, l.seq",
			sids,
		):
			linked_back.setdefault(student, []).append(guardian)
		wanted = sorted(
			{g for record in records for g in record["agents"]}
			| {g for gs in linked_back.values() for g in gs}
		)
		guardians = {}
		for sid, line, status, given, family, kind, email, phone in self.spool.query(
			f"select sid, line, status, given, family, kind, email, phone from users indexed by users_sid "
			f"where kind in ({guardian_kinds}) and dup = 0 and sid in ({{placeholders}})",
			wanted,
		):
			guardians[sid] = {
				"sourcedId": sid, "line": line, "status": status, "givenName": given, "familyName": family,
				"role": kind, "email": email, "phone": phone,
			}  # fmt: skip
			if sid in self.bad_guardians:
				guardians[sid]["checked"] = None
		return guardians, linked_back

	def _decide_chunk(self, rows: list[tuple]) -> list[StudentDecision]:
		errors, decisions = self.errors, []
		records = self._student_records(rows)
		guardians, guardians_of = self._guardians_of(records)
		sids = [record["sourcedId"] for record in records]
		users_mode, light = self.users_mode, self.users_mode == "bulk"
		by_sid, _ = self.existing.lookup(sids, [], light=light)
		# by district id only the students whose sourcedId matched none (a re-import matches by sourcedId)
		unmatched = sorted(
			{r["identifier"] for r in records if r["identifier"] and r["sourcedId"] not in by_sid}
		)
		_, by_district_id = self.existing.lookup([], unmatched, light=light) if unmatched else ({}, {})
		compare_later: list[tuple[StudentDecision, dict]] = []
		# a student matched by district id whose stored sourcedId is another student of the file
		other_sids = sorted(
			{
				cell_text(candidate.get("oneroster_sourced_id"))
				for candidate in by_district_id.values()
				if cell_text(candidate.get("oneroster_sourced_id"))
			}
		)
		in_file = {
			sid
			for (sid,) in self.spool.query(
				"select sid from users indexed by users_sid where kind = 'student' and sid in ({placeholders})",
				other_sids,
			)
		}
		names = sorted({s["name"] for s in (*by_sid.values(), *by_district_id.values())})
		claimed = dict(
			self.spool.query("select name, sid from claimed where name in ({placeholders})", names)
		)
		new_claims: dict[str, str] = {}
		demographics = self._demographics(sids)
		base = {"school_district": self.district_name}
		if cell_text(self.district.get("affiliate")):
			base["affiliate"] = cell_text(self.district["affiliate"])

		for record in records:
			sid = record["sourcedId"]
			label = f"{cell_text(record['givenName'])} {cell_text(record['familyName'])} ({record['identifier'] or sid})"
			decision = StudentDecision("error", sid, line=record["line"], label=label)
			decisions.append(decision)
			if record["duplicate"]:
				decision.reasons.append("the sourcedId appears more than once in users.csv")
				continue
			existing = by_sid.get(sid)
			if existing is None and record["identifier"]:
				candidate = by_district_id.get(record["identifier"])
				other_sid = cell_text(candidate.get("oneroster_sourced_id")) if candidate else ""
				if candidate is not None and (not other_sid or other_sid not in in_file):
					existing = candidate
			if existing is not None:
				decision.student = existing["name"]
				if existing["name"] in claimed:
					student_error(
						decision,
						errors,
						"identifier",
						f"matches student {existing['name']}, already matched by sourcedId {claimed[existing['name']]}",
						"duplicate",
					)
					continue
				claimed[existing["name"]] = new_claims[existing["name"]] = sid
				if cell_text(existing.get("enrollment_status")) in ACTIVE_STATUSES:
					self.claimed_active += 1

			if record["status"] == "tobedeleted":
				withdraw_decision(decision, existing, WITHDRAWN, "tobedeleted in the delta file")
				continue

			schools = [o for o in record["orgs"] if self.org_types.get(o, "school") == "school"]
			site, reason = resolve_school(schools, record["primary"], self.site_by_org, self.org_names)
			if site is None and reason.startswith("not served"):
				if existing is None:
					decision.action, decision.reasons = "skipped", [reason]
				else:
					withdraw_decision(
						decision, existing, TRANSFERRED, f"moved to a school not served ({reason})"
					)
				continue
			if site is None and not (
				existing is not None and reason.startswith("no school") and users_mode == "delta"
			):
				student_error(decision, errors, "orgSourcedIds", reason, "no_school")
				continue

			incoming, problems = incoming_values(record, existing, errors)
			if problems:
				decision.reasons = problems
				continue
			if record["identifier"] and record["identifier"] in self.duplicated_ids:
				student_error(
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
			linked = linked_guardians(record, guardians, guardians_of.get(sid, []), errors)
			if users_mode == "bulk":
				incoming["guardians"] = linked
			elif linked or any(
				guardians[g]["status"] == "tobedeleted" for g in guardians_of.get(sid, []) if g in guardians
			):
				incoming["guardians"] = merge_guardians(
					existing, record, guardians, guardians_of.get(sid, []), errors
				)
			if existing is not None and "fingerprint" in existing:
				decision.student = existing["name"]
				if existing["fingerprint"] and existing["fingerprint"] == fingerprint(incoming):
					decision.action = "unchanged"
				else:
					compare_later.append((decision, incoming))
				continue
			new_or_update(decision, existing, incoming)

		if compare_later:
			full = self.existing.full([decision.student for decision, _incoming_values in compare_later])
			for decision, incoming in compare_later:
				new_or_update(decision, full[decision.student], incoming)
		self.bad_guardians.update(
			sid for sid, g in guardians.items() if "checked" in g and g["checked"] is None
		)
		self.spool.db.executemany("insert into claimed (name, sid) values (?, ?)", list(new_claims.items()))
		return decisions

	def _demographics(self, sids: list[str]) -> dict[str, dict]:
		found = {}
		for sid, birth, gender in self.spool.query(
			"select sid, birth, gender from demographics where sid in ({placeholders})", sids
		):
			values = {}
			if birth:
				values["date_of_birth"] = birth
			if gender:
				values["gender"] = gender
			found[sid] = values
		return found

	def _delta_demographics(self) -> Iterator[list[StudentDecision]]:
		"""Delta demographics of students a delta (or absent) users file does not carry."""
		last = ""
		while True:
			rows = self.spool.db.execute(
				"select d.sid, d.birth, d.gender, d.line from demographics d where d.known = 1 and d.sid > ? "
				"and not exists (select 1 from users u where u.sid = d.sid and u.kind = 'student') "
				"order by d.sid limit ?",
				(last, self.chunk_size),
			).fetchall()
			if not rows:
				return
			last = rows[-1][0]
			by_sid, _ = self.existing.lookup([row[0] for row in rows], [])
			decisions = []
			for sid, birth, gender, _line in sorted(rows, key=lambda row: row[3]):
				existing = by_sid.get(sid)
				if existing is None:
					continue
				values = {}
				if birth:
					values["date_of_birth"] = birth
				if gender:
					values["gender"] = gender
				decision = StudentDecision(
					"error", sid, existing["name"], file="demographics.csv", label=existing["name"]
				)
				new_or_update(decision, existing, values)
				decisions.append(decision)
			yield decisions

	def _absent(self) -> Iterator[list[StudentDecision]]:
		"""Active students of the district a bulk users file leaves out: withdrawn."""
		for batch in self.existing.active():
			names = [s["name"] for s in batch]
			claimed = {
				n
				for (n,) in self.spool.query("select name from claimed where name in ({placeholders})", names)
			}
			sids = sorted({cell_text(s.get("oneroster_sourced_id")) for s in batch} - {""})
			in_users = {
				sid
				for (sid,) in self.spool.query(
					"select sid from seen where file = 'users.csv' and sid in ({placeholders})", sids
				)
			}
			ids = sorted({cell_text(s.get("district_student_id")) for s in batch} - {""})
			in_file_ids = {
				i
				for (i,) in self.spool.query(
					"select identifier from users indexed by users_identifier where kind = 'student' "
					"and identifier in ({placeholders})",
					ids,
				)
			}
			decisions = []
			for student in batch:
				if (
					student["name"] in claimed
					or cell_text(student.get("enrollment_status")) not in ACTIVE_STATUSES
				):
					continue
				if cell_text(student.get("oneroster_sourced_id")) in in_users:
					continue  # in the file (an error, or no longer a student): not absent
				if cell_text(student.get("district_student_id")) in in_file_ids:
					continue
				decision = StudentDecision(
					"error",
					cell_text(student.get("oneroster_sourced_id")),
					student["name"],
					label=f"{cell_text(student.get('first_name'))} {cell_text(student.get('last_name'))} "
					f"({cell_text(student.get('district_student_id')) or student['name']})",
					line=None,
				)
				withdraw_decision(decision, student, WITHDRAWN, "absent from the bulk users file")
				decisions.append(decision)
			if decisions:
				yield decisions

	# ------------------------------------------------ the whole run

	def refuse_if_needed(self, withdrawn: int) -> None:
		"""Another district's file, or the mass-withdrawal guard (``apply_withdrawal_guard``)."""
		plan = self.plan
		if not plan.district.matched:
			plan.refused, plan.refusal_reason = True, plan.district.reason
		elif self.package.mode("users") == "bulk" and not self.allow_mass_withdrawal:
			apply_withdrawal_guard(plan, self.max_withdrawal_share, withdrawn=withdrawn)

	def tally(
		self,
		sample_size: int = 5,
		spool_actions: tuple[str, ...] = (),
		write: Callable[[list[StudentDecision], bool], None] | None = None,
	) -> RosterPlan:
		"""Decide every student, counting and sampling them; the decisions of ``spool_actions`` are kept
		in the spool for ``spooled`` (nothing else is held), or, with ``write``, handed to it chunk by
		chunk as they are decided (``write(decisions, more_may_follow)``: for a run the guard cannot
		refuse, a district with no active student). Applies the guard. Returns the plan."""
		plan = self.plan or self.read()
		counts = dict.fromkeys(ACTIONS, 0)
		samples: dict[str, list[StudentDecision]] = {action: [] for action in ACTIONS}
		db = self.spool.db
		for chunk in self.decisions():
			keep = []
			for decision in chunk:
				counts[decision.action] += 1
				if len(samples[decision.action]) < sample_size:
					samples[decision.action].append(decision)
				if decision.action in spool_actions:
					keep.append(decision)
			if write is not None:
				write(keep, len(chunk) >= self.chunk_size)
			else:
				db.executemany(
					"insert into decisions (payload) values (?)",
					[(json.dumps(_as_payload(d), separators=(",", ":")),) for d in keep],
				)
		plan.tally, plan.samples = counts, samples
		self.refuse_if_needed(counts["withdrawn"])
		return plan

	def student_count(self) -> int:
		"""Students in users.csv (after ``read``)."""
		return self.spool.db.execute("select count(*) from users where kind = 'student'").fetchone()[0]

	def spooled(self, size: int) -> Iterator[list[StudentDecision]]:
		"""The decisions ``tally`` kept, ``size`` at a time, in order."""
		last = 0
		while True:
			rows = self.spool.db.execute(
				"select seq, payload from decisions where seq > ? order by seq limit ?", (last, size)
			).fetchall()
			if not rows:
				return
			last = rows[-1][0]
			yield [StudentDecision(**json.loads(payload)) for _seq, payload in rows]


def _as_payload(decision: StudentDecision) -> dict:
	return {
		"action": decision.action,
		"sourced_id": decision.sourced_id,
		"student": decision.student,
		"changes": decision.changes,
		"reasons": decision.reasons,
		"file": decision.file,
		"line": decision.line,
		"label": decision.label,
	}


def stream_plan(package: RosterPackage, *, students: list[dict], **kwargs) -> RosterPlan:
	"""The whole plan with every decision (``build_roster_plan``)."""
	with RosterStream(package, existing=ExistingStudents(students), **kwargs) as stream:
		plan = stream.read()
		for chunk in stream.decisions():
			plan.students.extend(chunk)
		stream.refuse_if_needed(sum(1 for d in plan.students if d.action == "withdrawn"))
		return plan


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
	"""The plan of a roster import of ``package`` into ``district`` (see the module docstring), with
	every decision. Streamed (``stream.RosterStream``): the files' rows are spooled, not held."""
	district_name = cell_text(district.get("name"))
	return stream_plan(
		package,
		district=district,
		sites=sites,
		school_years=school_years,
		students=[s for s in students if cell_text(s.get("school_district")) in ("", district_name)],
		max_withdrawal_share=max_withdrawal_share,
		allow_mass_withdrawal=allow_mass_withdrawal,
	)


def plan_roster_import(source: str | Path | bytes | BinaryIO, **kwargs) -> RosterPlan:
	"""``open_package`` then ``build_roster_plan``: file errors raise OneRosterError before any plan."""
	return build_roster_plan(open_package(source), **kwargs)
