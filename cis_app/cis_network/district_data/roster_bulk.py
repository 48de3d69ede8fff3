"""Writing a roster plan's student decisions in bulk, a chunk at a time.

``cis_app.cis_network.district_data.roster_job`` hands each chunk of new / updated / withdrawn decisions to
``StudentWriter.write``. Every student is first checked with the rules of the Student controller
(``cis_app.core.students.student_problems``, the same function its ``validate`` calls, and the site
rules against the sites loaded once); a student that breaks one is a row error with the form's message.
The rest are written with a few set-based statements per chunk:

- new students and their guardians: multi-row ``INSERT`` (names reserved from the naming series in one
  step), the columns as a document insert stores them (defaults from ``frappe.new_doc``);
- changed students: ``UPDATE ... CASE`` of the changed fields only (plus the name and scope fields the
  controller derives from them), guardians added, changed, adopted or removed as the plan says, the
  site carried to the records that hang off a moved student (``Student.propagate_site``), and one
  Version row per student with the same diff a document save records, so the version history shows
  each change;
- withdrawals: the enrolment status, with its Version.

Values the bulk checks cannot vouch for (a guardian's e-mail or phone in a form Frappe might refuse)
go through the document instead (``apply_decision``), and so does a whole chunk the database refuses
(the caller rolls it back and saves its students one by one), so each bad row gets its own error.
"""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Callable

import frappe
from frappe.utils import EMAIL_MATCH_PATTERN, getdate, now_datetime, nowdate

from cis_app.utils.bulk import insert_values, reserve_series_names, update_by_name
from cis_app.cis_case_management.doctype.student.student import student_problem_message
from cis_app.core.early_warning import NOTHING_KNOWN
from cis_app.core.grades import normalize_grade
from cis_app.core.oneroster.plan import GUARDIAN_FIELDS, StudentDecision
from cis_app.core.retention import left_on_for
from cis_app.core.students import StudentProblem, student_problems
from cis_app.permissions.scope import move_student_records

SERIES_PREFIX, SERIES_DIGITS = "STU-", 7
# Student fields a roster writes (besides guardians) and the ones the controller derives from them.
NAME_PARTS = ("first_name", "middle_name", "last_name")


def _text(value) -> str:
	return "" if value is None else str(value).strip()


def student_name_of(values: dict) -> str:
	"""As ``Student.set_student_name``."""
	return " ".join(_text(values.get(part)) for part in NAME_PARTS if _text(values.get(part)))


# An address of this plain shape reads the same through Frappe's parsing (``extract_email_id``), so
# Frappe's own pattern decides it here; any other goes through the document, which decides exactly.
_PLAIN_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(\.[A-Za-z0-9\-]+)+")


def _email_ok(email: str) -> bool:
	return not email or bool(_PLAIN_EMAIL.fullmatch(email) and EMAIL_MATCH_PATTERN.match(email))


def _phone_ok(phone: str) -> bool:
	return not phone or bool(frappe.utils.validate_phone_number(phone, throw=False))


class StudentWriter:
	"""Writes chunks of decisions (``load`` the chunk's students first); ``sites``: Site name ->
	affiliate, school_district, is_active."""

	def __init__(self, sites: dict[str, dict], load_existing: Callable[[list[str]], dict[str, dict]]):
		self.existing: dict[str, dict] = {}
		# how the caller reads students as its plan compares them (the roster job's ``load_students``)
		self.load_existing = load_existing
		self.name_prefix, self.counter = f"{int(time.time() * 1000):x}{secrets.token_hex(2)}", 0
		self.sites = sites
		self.user = frappe.session.user
		self.today = getdate(nowdate())
		student = frappe.new_doc("Student")
		student.naming_series = student.naming_series or f"{SERIES_PREFIX}.{'#' * SERIES_DIGITS}"
		self.student_template = student.get_valid_dict(convert_dates_to_str=True)
		self.student_columns = tuple(self.student_template)
		guardian = frappe.new_doc("Student Guardian")
		self.guardian_template = guardian.get_valid_dict(convert_dates_to_str=True)
		self.guardian_columns = tuple(self.guardian_template)
		self.guardian_meta = frappe.get_meta("Student Guardian")
		self.student_meta = frappe.get_meta("Student")

	def load(self, names: list[str]) -> None:
		"""The students a chunk changes, as they are now (the Version shows old and new values)."""
		self.existing = self.load_existing(names)

	# ------------------------------------------------ checking

	def check(self, decision: StudentDecision) -> tuple[str, str]:
		"""("ok" | "error" | "document", message): the rules of the controller on the values the
		student will have; "document" when only a document save can say (Frappe's own e-mail and phone
		checks)."""
		changes = decision.changes
		if decision.action != "new" and decision.student not in self.existing:
			return "document", ""  # gone since the plan was made: the document says so
		if decision.action == "new":
			values, check_birth_date = changes, True
		else:
			values = {**self.existing[decision.student], **changes}
			check_birth_date = "date_of_birth" in changes
		guardians = changes.get("guardians")
		problems = student_problems(
			{**values, "guardians": guardians or ()}, today=self.today, check_birth_date=check_birth_date
		)
		site = values.get("site")
		if site and (decision.action == "new" or "site" in changes):
			if not self.sites.get(site, {}).get("is_active", 0):
				problems.append(StudentProblem("inactive_site", "site", site))
		if problems:
			message, _error, _title = student_problem_message(problems[0])
			return "error", plain_message(message)
		for row in guardians or ():
			if not (_email_ok(row.get("email") or "") and _phone_ok(row.get("phone") or "")):
				return "document", ""
		return "ok", ""

	# ------------------------------------------------ writing

	def write(self, decisions: list[StudentDecision]) -> None:
		"""Write checked decisions (raises if the database refuses the chunk: the caller rolls back)."""
		# one timestamp for the chunk, as the text MariaDB reads (built once, not per value)
		now = str(now_datetime())
		new = [d for d in decisions if d.action == "new"]
		changed = [d for d in decisions if d.action != "new"]
		self.insert_students(new, now)
		self.update_students(changed, now)

	def insert_students(self, decisions: list[StudentDecision], now) -> None:
		if not decisions:
			return
		names = reserve_series_names(SERIES_PREFIX, SERIES_DIGITS, len(decisions))
		students, guardians = [], []
		for name, decision in zip(names, decisions, strict=True):
			changes = decision.changes
			site = self.sites[changes["site"]]
			row = dict(self.student_template)
			row.update({key: value for key, value in changes.items() if key != "guardians"})
			row.update(
				{
					"name": name,
					"owner": self.user,
					"modified_by": self.user,
					"creation": now,
					"modified": now,
					"student_name": student_name_of(changes),
					"affiliate": site["affiliate"],
					"school_district": site["school_district"],
					"district_student_id": _text(changes.get("district_student_id")),
					"grade_level": normalize_grade(changes.get("grade_level")),
					"is_case_managed": 0,
					"risk_unknown": NOTHING_KNOWN,
				}
			)
			students.append(tuple(row[column] for column in self.student_columns))
			for idx, values in enumerate(changes.get("guardians") or (), start=1):
				guardians.append(self.guardian_row(name, idx, values, is_primary=int(idx == 1), now=now))
			decision.student = name
		insert_values("Student", self.student_columns, students)
		insert_values("Student Guardian", self.guardian_columns, guardians)

	def new_name(self) -> str:
		"""A name for a new guardian row or Version: the run's start in milliseconds (hex) and four
		random characters, then a counter. Frappe's are random; these are unique as well, and rising,
		so the rows go in at the end of the table's primary key instead of all over it."""
		self.counter += 1
		return f"{self.name_prefix}{self.counter:06x}"

	def guardian_row(self, parent: str, idx: int, values: dict, is_primary: int, now) -> tuple:
		row = dict(self.guardian_template)
		row.update({field: values.get(field) for field in GUARDIAN_FIELDS})
		row.update(
			{
				"name": self.new_name(),
				"owner": self.user,
				"modified_by": self.user,
				"creation": now,
				"modified": now,
				"parent": parent,
				"parenttype": "Student",
				"parentfield": "guardians",
				"idx": idx,
				"is_primary": is_primary,
			}
		)
		return tuple(row[column] for column in self.guardian_columns)

	def update_students(self, decisions: list[StudentDecision], now) -> None:
		if not decisions:
			return
		student_updates: dict[str, dict] = {}
		guardian_updates: dict[str, dict] = {}
		guardian_inserts: list[tuple] = []
		guardian_deletes: list[str] = []
		moved: dict[str, str] = {}
		versions: list[tuple] = []
		for decision in decisions:
			name, old = decision.student, self.existing[decision.student]
			values = {key: value for key, value in decision.changes.items() if key != "guardians"}
			if "site" in values:
				site = self.sites[values["site"]]
				values["affiliate"], values["school_district"] = site["affiliate"], site["school_district"]
				moved[name] = values["site"]
			if "enrollment_status" in values and "left_on" in old:
				values["left_on"] = self.left_on(values["enrollment_status"], old["left_on"])
			if "grade_level" in values:
				values["grade_level"] = normalize_grade(values["grade_level"])
			if "district_student_id" in values:
				values["district_student_id"] = _text(values["district_student_id"])
			if any(part in values for part in NAME_PARTS):
				values["student_name"] = student_name_of({**old, **values})
			changed = [
				[field, self.formatted(field, old.get(field)), self.formatted(field, value)]
				for field, value in values.items()
				if _norm(old.get(field)) != _norm(value)
			]
			values = {change[0]: values[change[0]] for change in changed}
			added, removed, row_changed = [], [], []
			if "guardians" in decision.changes:
				added, removed, row_changed = self.sync_guardians(
					name, old.get("guardians") or [], decision.changes["guardians"], now,
					guardian_updates, guardian_inserts, guardian_deletes,
				)  # fmt: skip
			student_updates[name] = {**values, "modified": now, "modified_by": self.user}
			diff = {
				"changed": changed,
				"added": added,
				"removed": removed,
				"row_changed": row_changed,
				"data_import": None,
				"updater_reference": None,
			}
			versions.append(
				(
					self.new_name(),
					self.user,
					self.user,
					now,
					now,
					0,
					0,
					"Student",
					name,
					frappe.as_json(diff, indent=None, separators=(",", ":")),
				)
			)
		update_by_name("Student", student_updates)
		if guardian_deletes:
			frappe.db.sql(
				f"delete from `tabStudent Guardian` where `name` in ({', '.join(['%s'] * len(guardian_deletes))})",
				guardian_deletes,
			)
		update_by_name("Student Guardian", guardian_updates)
		insert_values("Student Guardian", self.guardian_columns, guardian_inserts)
		move_student_records(moved)
		insert_values("Version", VERSION_COLUMNS, versions)

	def sync_guardians(
		self,
		parent: str,
		rows: list[dict],
		wanted: list[dict],
		now,
		updates: dict[str, dict],
		inserts: list[tuple],
		deletes: list[str],
	) -> tuple[list, list, list]:
		"""The student's guardian rows made those of the plan: roster rows (with a sourcedId) updated,
		added or removed, a hand-entered row adopted, hand-entered rows otherwise kept; idx and the
		primary contact as a document save leaves them. Returns the Version's added, removed and
		row_changed lists."""
		wanted_by_sid = {row["oneroster_sourced_id"]: row for row in wanted}
		adopted = {row["adopt"]: row for row in wanted if "adopt" in row}
		kept, removed = [], []
		for row in sorted(rows, key=lambda r: r.get("idx") or 0):
			sid = _text(row.get("oneroster_sourced_id"))
			if row.get("name") in adopted:
				target = adopted[row["name"]]
				wanted_by_sid.pop(target["oneroster_sourced_id"], None)
				kept.append((row, target))
			elif not sid:
				kept.append((row, None))
			elif sid in wanted_by_sid:
				kept.append((row, wanted_by_sid.pop(sid)))
			else:
				removed.append(["guardians", self.guardian_dict(row)])
				deletes.append(row["name"])
		has_primary = any(row.get("is_primary") for row, _target in kept)
		row_changed, added = [], []
		for index, (row, target) in enumerate(kept):
			changes = {}
			if target is not None:
				for field in GUARDIAN_FIELDS:
					if _text(row.get(field)) != _text(target.get(field)):
						changes[field] = target.get(field)
			if row.get("idx") != index + 1:
				changes["idx"] = index + 1
			if not has_primary and index == 0:
				changes["is_primary"], has_primary = 1, True
			if changes:
				updates[row["name"]] = {**changes, "modified": now, "modified_by": self.user}
				shown = [
					[field, row.get(field), value]
					for field, value in changes.items()
					if field in GUARDIAN_FIELDS or field == "is_primary"
				]
				if shown:
					row_changed.append(["guardians", index, row["name"], shown])
		next_idx = len(kept) + 1
		for values in sorted(wanted_by_sid.values(), key=lambda r: r["oneroster_sourced_id"]):
			primary = int(not has_primary)
			has_primary = True
			row = self.guardian_row(parent, next_idx, values, primary, now)
			inserts.append(row)
			added.append(["guardians", dict(zip(self.guardian_columns, row, strict=True))])
			next_idx += 1
		return added, removed, row_changed

	def left_on(self, enrollment_status: str, left_on):
		"""As ``Student.set_left_on``: the leaving day follows the enrolment status."""
		day = left_on_for(enrollment_status, getdate(left_on) if left_on else None, self.today)
		return day.isoformat() if day else None

	def guardian_dict(self, row: dict) -> dict:
		return {key: row.get(key) for key in ("name", "idx", *GUARDIAN_FIELDS, "is_primary")}

	def formatted(self, field: str, value):
		"""As ``get_diff`` shows a value: dates formatted for the user, empty values as they are."""
		if not value:
			return value
		df = self.student_meta.get_field(field)
		if df and df.fieldtype == "Date":
			return frappe.format_value(getdate(value), df)
		return value


VERSION_COLUMNS = (
	"name",
	"owner",
	"modified_by",
	"creation",
	"modified",
	"docstatus",
	"idx",
	"ref_doctype",
	"docname",
	"data",
)


def _norm(value) -> str:
	if value is None:
		return ""
	if hasattr(value, "isoformat"):
		return value.isoformat()[:10] if not isinstance(value, str) else value
	return str(value)


def plain_message(message: str) -> str:
	"""An error message for the row log: the bold of ``frappe.bold`` removed, nothing else (a message
	may name ``<`` and ``>`` themselves, which ``strip_html`` would eat)."""
	return re.sub(r"</?(strong|b)>", "", message)
