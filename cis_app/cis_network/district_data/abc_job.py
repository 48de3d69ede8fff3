"""The district data imports of a Roster Import: ABC data (Student Data Points) and year-end statuses.

Same shape as the roster job (``cis_app.cis_network.district_data.roster_job``): the core reads and checks the file
(``cis_app.core.abc_import``), this module loads what it compares against in a few set-based queries,
decides per row (new / updated / unchanged / error), and in Apply mode writes, committing in chunks:
new data points in bulk (checked by the same core rules as their controller), updated ones and
year-end statuses through the documents (their controllers validate), one savepoint per row. A dry
run decides the same way and writes nothing but the import's counts and log.

- ABC: students match by district student id within the import's district (the state student id
  when the district id cell is empty). One data point per student and as-of date with source Import:
  a re-import of the same period updates it (or leaves it unchanged), never duplicates it. Only the
  indicator groups the file carries are set; the others stay as they were (unknown on a new one).
  Risk and goal progress are recomputed once, for the affected students, at the end.
- Year-end: one Student Year-End Status per student and school year, created or updated through its
  controller (the same grade checks as the form).
"""

from __future__ import annotations

from collections import Counter
from datetime import date

import frappe
from frappe import _
from frappe.model.naming import make_autoname
from frappe.utils import getdate, now_datetime, nowdate

from cis_app.cis_case_management import recompute as recompute_module
from cis_app.utils.bulk import insert_values
from cis_app.cis_case_management.doctype.student_year_end_status.student_year_end_status import (
	STATUS_MESSAGES,
)
from cis_app.cis_network.doctype.roster_import.import_run import (
	CHUNK_SIZE,
	COUNT_FIELDS,
	PROGRESS_EVERY,
	ImportRun,
	file_error_message,
	import_file_path,
	save_in_savepoint,
)
from cis_app.core.abc_import import (
	AbcRow,
	DistrictFileError,
	ParsedFile,
	YearEndRow,
	data_point_unchanged,
	parse_year_end_file,
	read_abc_file,
)
from cis_app.core.data_points import FIGURES, FLAGS, GROUP_FLAGS, INDICATOR_GROUPS, recorded_groups
from cis_app.core.early_warning import data_point_problems
from cis_app.core.oneroster import OneRosterError, RowError
from cis_app.core.outcomes import status_problem

ABC_DATA = "ABC Data"
YEAR_END_STATUS = "Year-End Status"
IMPORT_TYPES = (ABC_DATA, YEAR_END_STATUS)
SAMPLE_SIZE = 5
RECOMPUTE_CHUNK = 5000  # students recomputed at a time after an ABC import


class Decision(frappe._dict):
	"""One row's outcome: action (new / updated / unchanged), the row, the student, the record."""


def run_district_data_import(roster_import: str) -> None:
	"""Job (long queue): run an ABC or year-end Roster Import. Row errors never stop it."""
	try:
		DistrictDataRun(roster_import).execute_logged()
	finally:
		frappe.flags.in_import = False


class DistrictDataRun(ImportRun):
	def __init__(self, roster_import: str):
		self.doc = frappe.get_doc("Roster Import", roster_import)
		self.errors: list[RowError] = []
		self.warnings: list[str] = []
		self.failed: Counter = Counter()
		self.saved = 0
		self.total = 0
		self.recomputed: list[str] = []

	@property
	def is_abc(self) -> bool:
		return self.doc.import_type == ABC_DATA

	# ------------------------------------------------ steps

	def execute(self) -> None:
		doc = self.doc
		self.start()
		try:
			path = import_file_path(doc.import_file)
			if self.is_abc:
				self.execute_abc(path)
				return
			parsed = parse_year_end_file(path)
		except (DistrictFileError, OneRosterError) as exc:
			self.finish("Error", file_error_message(exc), [])
			return
		self.errors = list(parsed.errors)
		self.warnings = list(parsed.warnings)
		decisions = self.decide_abc(parsed) if self.is_abc else self.decide_year_end(parsed)
		if doc.mode != "Apply":
			self.finish(
				None,
				_("Dry run: nothing was changed. Apply would make the changes counted here."),
				decisions,
			)
			return
		self.apply([d for d in decisions if d.action in ("new", "updated")])
		self.finish(None, _("Applied."), decisions)

	def execute_abc(self, path: str) -> None:
		"""An ABC file, streamed: read once to raise any file error before anything is written, then
		``CHUNK_SIZE`` rows at a time matched, decided and (Apply) written and committed, so memory does
		not grow with the file (only the counts, a sample, the row errors and the names of the students
		to recompute are kept)."""
		apply = self.doc.mode == "Apply"
		parsed, items = read_abc_file(path)
		rows = sum(1 for item in items if not isinstance(item, RowError))
		self.warnings = list(parsed.warnings)
		self.total = rows
		tallied: tuple[Counter, dict] = (Counter(), {})
		years, today = school_years(), getdate(nowdate())
		saved_students: set[str] = set()
		# the data point controller then skips its per-row recompute (see ``recompute_students``)
		frappe.flags.in_import = apply
		done, chunk = 0, []
		_parsed, items = read_abc_file(path)
		for item in _with_end(items):
			if item is not None:
				if isinstance(item, RowError):
					self.errors.append(item)
				else:
					chunk.append(item)
				if len(chunk) < CHUNK_SIZE:
					continue
			elif not chunk:
				break
			decisions = self.decide_abc_rows(chunk, years, today, self.match_students(chunk, by_id=True))
			tally(decisions, *tallied)
			done += len(chunk)
			chunk = []
			if apply:
				saved_students.update(self.write_abc_chunk(decisions))
				if done < rows:
					# whole chunks: a failure midway keeps what was saved; a re-run finishes the job
					frappe.db.commit()
					self.saved = done
				self.progress(int(done * 100 / (rows or 1)), _("{0} of {1} rows saved").format(done, rows))
		frappe.flags.in_import = False
		if not apply:
			self.finish(
				None,
				_("Dry run: nothing was changed. Apply would make the changes counted here."),
				[],
				tallied,
			)
			return
		self.saved = rows
		self.recompute_students(sorted(saved_students))
		self.finish(None, _("Applied."), [], tallied)

	def write_abc_chunk(self, decisions: list[Decision]) -> set[str]:
		"""New data points in bulk, updated ones through the document (see ``apply``); the students saved."""
		saved = self.insert_new_data_points([d for d in decisions if d.action == "new"], progress=False)
		for decision in decisions:
			if decision.action != "updated":
				continue
			error = save_in_savepoint(lambda decision=decision: self.save_data_point(decision))
			if error:
				self.failed[decision.action] += 1
				self.row_error(decision.row, "", _("not saved: {0}").format(error), "not_saved")
			else:
				saved.add(decision.student)
		return saved

	# ------------------------------------------------ matching

	def match_students(self, rows: list, by_id: bool = False) -> dict[tuple[str, str], dict]:
		"""(id kind, id) -> the district's student; rows naming no student, or an id two students
		share, become row errors. ``by_id``: only the students with the rows' ids are read (a chunk of
		a streamed file), else the whole district."""
		fields = ["name", "district_student_id", "state_student_id", "grade_level", "site", "student_name"]
		if by_id:
			students = students_with_ids(self.doc.school_district, rows, fields)
		else:
			students = frappe.get_all(
				"Student",
				filters={"school_district": self.doc.school_district},
				fields=fields,
				limit_page_length=0,
			)
		by_id: dict[tuple[str, str], list[dict]] = {}
		for student in students:
			for kind, column in (("district", "district_student_id"), ("state", "state_student_id")):
				if student.get(column):
					by_id.setdefault((kind, student[column].strip()), []).append(student)
		matched = {}
		for row in rows:
			found = by_id.get((row.id_kind, row.student_id), [])
			label = _("district student id") if row.id_kind == "district" else _("state student id")
			if len(found) == 1:
				matched[(row.id_kind, row.student_id)] = found[0]
				continue
			message = (
				_("no student of {0} has the {1} {2}: import the roster first or correct the id")
				if not found
				else _("several students of {0} have the {1} {2}: correct the students' ids")
			).format(self.doc.school_district, label, row.student_id)
			self.errors.append(
				RowError(self.file_name, row.line, row.student_id, "student_id", message, "unknown_student")
			)
		return matched

	@property
	def file_name(self) -> str:
		return "abc.csv" if self.is_abc else "year_end.csv"

	def row_error(self, row, field: str, message: str, code: str) -> None:
		self.errors.append(RowError(self.file_name, row.line, row.student_id, field, message, code))

	# ------------------------------------------------ ABC data

	def decide_abc(self, parsed: ParsedFile) -> list[Decision]:
		rows: list[AbcRow] = parsed.rows
		return self.decide_abc_rows(rows, school_years(), getdate(nowdate()), self.match_students(rows))

	def decide_abc_rows(self, rows: list[AbcRow], years: list, today: date, students: dict) -> list[Decision]:
		existing = existing_data_points(
			self.doc.school_district,
			{row.as_of_date for row in rows},
			sorted({student.name for student in students.values()}),
		)
		decisions = []
		for row in rows:
			student = students.get((row.id_kind, row.student_id))
			if student is None:
				continue
			if row.as_of_date > today:
				self.row_error(
					row,
					"as_of_date",
					_("the as-of date is in the future: import figures once known"),
					"future",
				)
				continue
			school_year = next(
				(y.name for y in years if y.year_start_date <= row.as_of_date <= y.year_end_date), None
			)
			if school_year is None:
				self.row_error(
					row,
					"as_of_date",
					_("{0} is not inside any school year: create the School Year first").format(
						row.as_of_date
					),
					"outside_school_year",
				)
				continue
			stored = existing.get((student.name, row.as_of_date))
			if stored is None:
				action = "new"
			else:
				action = "unchanged" if data_point_unchanged(row, stored) else "updated"
			decisions.append(
				Decision(
					action=action,
					row=row,
					student=student.name,
					site=student.site,
					student_name=student.student_name,
					school_year=school_year,
					record=stored.name if stored else None,
					changes=row.data_point_values(),
					label=f"{row.student_id} {row.as_of_date.isoformat()}",
				)
			)
		return decisions

	def save_data_point(self, decision: Decision) -> None:
		if decision.action == "new":
			frappe.get_doc(
				{
					"doctype": "Student Data Point",
					"student": decision.student,
					"as_of_date": decision.row.as_of_date,
					"source": "Import",
					**decision.changes,
				}
			).insert(ignore_permissions=True)
			return
		data_point = frappe.get_doc("Student Data Point", decision.record)
		data_point.update(decision.changes)
		data_point.save(ignore_permissions=True)

	# ------------------------------------------------ year-end statuses

	def decide_year_end(self, parsed: ParsedFile) -> list[Decision]:
		rows: list[YearEndRow] = parsed.rows
		students = self.match_students(rows)
		years = {year.name: year for year in school_years()}
		today = getdate(nowdate())
		existing = existing_statuses(self.doc.school_district, {row.school_year for row in rows})
		decisions = []
		for row in rows:
			student = students.get((row.id_kind, row.student_id))
			if student is None:
				continue
			year = years.get(row.school_year)
			if year is None:
				self.row_error(
					row,
					"school_year",
					_("there is no School Year {0}: create it first").format(row.school_year),
					"unknown_school_year",
				)
				continue
			if year.year_start_date > today:
				self.row_error(
					row,
					"school_year",
					_("{0} has not started: record a year-end status once its year has started").format(
						row.school_year
					),
					"future",
				)
				continue
			stored = existing.get((student.name, row.school_year))
			# the file's grade; else the grade the stored status was recorded with; else the student's
			# grade now (right at year end, before the roster moves students up)
			grade = row.grade_level or (stored.grade_level if stored else None) or student.grade_level
			problem = status_problem(row.status, grade)
			if problem:
				self.row_error(
					row,
					"status",
					_("{0} in grade {1}: {2}").format(row.status, grade, str(STATUS_MESSAGES[problem])),
					problem,
				)
				continue
			changes = {"year_end_status": row.status, "grade_level": grade}
			if stored is None:
				action = "new"
			elif all((stored.get(key) or "") == value for key, value in changes.items()):
				action = "unchanged"
			else:
				action = "updated"
			decisions.append(
				Decision(
					action=action,
					row=row,
					student=student.name,
					record=stored.name if stored else None,
					changes=changes,
					label=f"{row.student_id} {row.school_year}",
				)
			)
		return decisions

	def save_year_end_status(self, decision: Decision) -> None:
		if decision.action == "new":
			frappe.get_doc(
				{
					"doctype": "Student Year-End Status",
					"student": decision.student,
					"school_year": decision.row.school_year,
					**decision.changes,
				}
			).insert(ignore_permissions=True)
			return
		status = frappe.get_doc("Student Year-End Status", decision.record)
		status.update(decision.changes)
		status.save(ignore_permissions=True)

	# ------------------------------------------------ applying

	def apply(self, decisions: list[Decision]) -> None:
		"""Save each decision in its own savepoint (a refused row is logged, the others go on), commit
		in chunks, then recompute the ABC students once. New data points go in bulk (see
		``insert_new_data_points``); updates go through the document, so its Version shows them."""
		save = self.save_data_point if self.is_abc else self.save_year_end_status
		# the data point controller then skips its per-row recompute (see ``recompute_students``)
		frappe.flags.in_import = self.is_abc
		self.total = len(decisions)
		saved_students: set[str] = set()
		if self.is_abc:
			new = [decision for decision in decisions if decision.action == "new"]
			saved_students.update(self.insert_new_data_points(new))
			decisions = [decision for decision in decisions if decision.action != "new"]
		for index, decision in enumerate(decisions, start=self.total - len(decisions) + 1):
			error = save_in_savepoint(lambda decision=decision: save(decision))
			if error:
				self.failed[decision.action] += 1
				self.row_error(decision.row, "", _("not saved: {0}").format(error), "not_saved")
			else:
				saved_students.add(decision.student)
			if index % CHUNK_SIZE == 0:
				# whole rows per chunk: a failure midway keeps what was saved; a re-run finishes the job
				frappe.db.commit()
				self.saved = index
			if index % PROGRESS_EVERY == 0 or index == self.total:
				self.progress(
					int(index * 100 / self.total), _("{0} of {1} rows saved").format(index, self.total)
				)
		frappe.flags.in_import = False
		self.saved = self.total
		if self.is_abc:
			self.recompute_students(sorted(saved_students))

	def insert_new_data_points(self, decisions: list[Decision], progress: bool = True) -> set[str]:
		"""Insert new data points in bulk, a chunk at a time (on the dev bench about 2,000 rows a
		second with the recompute, against 75 through one document each). The rows were checked by the
		core (figures, dates, the school year, the student of the district); the same checks as the
		controller's run here on the values (``data_point_problems``, the recorded groups), and the
		fields the controller derives are set from the student and the school year it would find. A
		chunk the database refuses is saved again row by row through the document, so each bad row gets
		its own error."""
		saved: set[str] = set()
		for start in range(0, len(decisions), CHUNK_SIZE):
			chunk, rows = [], []
			for decision in decisions[start : start + CHUNK_SIZE]:
				values = new_data_point_values(decision)
				problems = data_point_problems(values)
				if problems:
					self.failed["new"] += 1
					self.row_error(
						decision.row, "", _("not saved: {0}").format(", ".join(problems)), "not_saved"
					)
					continue
				chunk.append(decision)
				rows.append(tuple(values[column] for column in BULK_COLUMNS))
			frappe.db.savepoint("abc_bulk")
			try:
				insert_values("Student Data Point", BULK_COLUMNS, rows)
				saved.update(decision.student for decision in chunk)
			except Exception:
				frappe.db.rollback(save_point="abc_bulk")
				for decision in chunk:
					error = save_in_savepoint(lambda decision=decision: self.save_data_point(decision))
					if error:
						self.failed["new"] += 1
						self.row_error(decision.row, "", _("not saved: {0}").format(error), "not_saved")
					else:
						saved.add(decision.student)
			done = min(start + CHUNK_SIZE, len(decisions))
			if done < len(decisions):
				# whole chunks: a failure midway keeps what was saved; a re-run finishes the job (the
				# job's own commit stores the last chunk)
				frappe.db.commit()
				self.saved = done
			if progress:  # (a streamed chunk: its run tells the progress)
				self.progress(
					int(done * 100 / (self.total or 1)), _("{0} of {1} rows saved").format(done, self.total)
				)
		return saved

	def recompute_students(self, students: list[str]) -> None:
		"""One recompute of risk and goal progress for the students whose data points changed. The
		controller queued them (``queue_recompute``) while ``in_import`` was set; they are done here,
		so the queued job finds nothing left to do."""
		if not students:
			return
		self.progress(99, _("Recomputing risk and goal progress of {0} students").format(len(students)))
		# a few thousand students at a time (each student's risk and goals are its own), so the data
		# points loaded for it do not grow with the file
		for start in range(0, len(students), RECOMPUTE_CHUNK):
			part = students[start : start + RECOMPUTE_CHUNK]
			recompute_module.recompute(part)
			frappe.cache.srem(recompute_module.PENDING_KEY, *part)
		self.recomputed = students

	# ------------------------------------------------ results

	def finish(
		self,
		status: str | None,
		message: str,
		decisions: list[Decision],
		tallied: tuple[Counter, dict] | None = None,
	) -> None:
		"""``tallied``: the counts and samples of a streamed run (``tally``), else of ``decisions``."""
		counts, samples = tallied or tally(decisions)
		counts = Counter(counts)
		for action, number in self.failed.items():
			counts[action] -= number
		if status is None:
			status = "Partial Success" if self.errors else "Success"
		values = {COUNT_FIELDS[action]: counts.get(action, 0) for action in COUNT_FIELDS}
		values["error_count"] = len(self.errors)
		summary = {
			"import_type": self.doc.import_type,
			"counts": {
				**{action: counts.get(action, 0) for action in COUNT_FIELDS},
				"error": len(self.errors),
			},
			"samples": samples,
			"warnings": self.warnings,
			"row_error_sample": [error.as_dict() for error in self.errors[:SAMPLE_SIZE]],
			"recomputed_students": len(self.recomputed),
			"mode": self.doc.mode,
			"finished_on": now_datetime(),
		}
		self.store_result(values, status, message, summary)

	def stopped_message(self, reason: str) -> str:
		return _(
			"Stopped after {0} of {1} rows were saved: {2}. Run the import again to finish it: rows already saved come out unchanged."
		).format(self.saved, self.total or "?", reason)


def tally(
	decisions: list[Decision], counts: Counter | None = None, samples: dict | None = None
) -> tuple[Counter, dict[str, list[dict]]]:
	"""Count ``decisions`` by action and keep the first ``SAMPLE_SIZE`` of each changed action (added
	to ``counts`` and ``samples`` when given)."""
	counts = Counter() if counts is None else counts
	samples = {} if samples is None else samples
	for decision in decisions:
		counts[decision.action] += 1
		sample = samples.setdefault(decision.action, [])
		if len(sample) < SAMPLE_SIZE and decision.action != "unchanged":
			sample.append({"label": decision.label, "changes": frappe._dict(decision.changes)})
	return counts, samples


def _with_end(items):
	"""``items``, then None (the end)."""
	yield from items
	yield None


# ---------------------------------------------------------------- bulk insert

BULK_COLUMNS = (
	"name",
	"owner",
	"modified_by",
	"creation",
	"modified",
	"docstatus",
	"idx",
	"student",
	"student_name",
	"site",
	"as_of_date",
	"school_year",
	"source",
	*FIGURES,
	*FLAGS,
)


def new_data_point_values(decision: Decision) -> dict:
	"""The columns of a new imported data point, as its controller would store them: the groups the
	row carries (flags set), every other figure stored as the database stores an empty one (0)."""
	now = now_datetime()
	values = {
		"name": make_autoname("hash", "Student Data Point"),
		"owner": frappe.session.user,
		"modified_by": frappe.session.user,
		"creation": now,
		"modified": now,
		"docstatus": 0,
		"idx": 0,
		"student": decision.student,
		"student_name": decision.student_name,
		"site": decision.site,
		"as_of_date": decision.row.as_of_date,
		"school_year": decision.school_year,
		"source": "Import",
		**dict.fromkeys((*FIGURES, *FLAGS), 0),
	}
	recorded = recorded_groups(decision.changes)
	for group, fields in INDICATOR_GROUPS.items():
		values[GROUP_FLAGS[group]] = int(recorded[group])
		if recorded[group]:
			for field in fields:
				values[field] = decision.changes.get(field) or 0
	return values


# ---------------------------------------------------------------- loading


def school_years() -> list[frappe._dict]:
	years = frappe.get_all("School Year", fields=["name", "year_start_date", "year_end_date"])
	for year in years:
		year.year_start_date, year.year_end_date = getdate(year.year_start_date), getdate(year.year_end_date)
	return years


def students_with_ids(school_district: str, rows: list, fields: list[str]) -> list[frappe._dict]:
	"""The district's students holding one of the rows' district or state student ids (one query)."""
	ids = {
		kind: sorted({row.student_id for row in rows if row.id_kind == kind})
		for kind in ("district", "state")
	}
	student = frappe.qb.DocType("Student")
	matches = [
		student[column].isin(ids[kind])
		for kind, column in (("district", "district_student_id"), ("state", "state_student_id"))
		if ids[kind]
	]
	if not matches:
		return []
	condition = matches[0] if len(matches) == 1 else matches[0] | matches[1]
	return (
		frappe.qb.from_(student)
		.select(*(student[field] for field in fields))
		.where((student.school_district == school_district) & condition)
		.run(as_dict=True)
	)


def existing_data_points(
	school_district: str, dates: set[date], students: list[str] | None = None
) -> dict[tuple[str, date], frappe._dict]:
	"""(student, as-of date) -> the imported data point of a student of the district, for the file's
	dates (one query); ``students``: of those students only (a chunk's)."""
	if not dates or students == []:
		return {}
	point, student = frappe.qb.DocType("Student Data Point"), frappe.qb.DocType("Student")
	condition = (
		(student.school_district == school_district)
		& (point.source == "Import")
		& point.as_of_date.isin(sorted(dates))
	)
	if students is not None:
		condition &= point.student.isin(students)
	rows = (
		frappe.qb.from_(point)
		.join(student)
		.on(point.student == student.name)
		.select(
			point.name, point.student, point.as_of_date, *(point[column] for column in (*FIGURES, *FLAGS))
		)
		.where(condition)
		.orderby(point.creation)
		.run(as_dict=True)
	)
	# the first one wins should older data hold two imported points of one date
	existing: dict = {}
	for row in rows:
		existing.setdefault((row.student, getdate(row.as_of_date)), row)
	return existing


def existing_statuses(school_district: str, years: set[str]) -> dict[tuple[str, str], frappe._dict]:
	"""(student, school year) -> the year-end status of a student of the district (one query)."""
	if not years:
		return {}
	status, student = frappe.qb.DocType("Student Year-End Status"), frappe.qb.DocType("Student")
	rows = (
		frappe.qb.from_(status)
		.join(student)
		.on(status.student == student.name)
		.select(status.name, status.student, status.school_year, status.year_end_status, status.grade_level)
		.where((student.school_district == school_district) & status.school_year.isin(sorted(years)))
		.run(as_dict=True)
	)
	return {(row.student, row.school_year): row for row in rows}
