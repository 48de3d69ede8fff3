"""The Roster Import job: plan in the core, streamed, and apply the plan in bulk.

The core reads the zip into a spool and decides the students a chunk at a time
(``cis_app.core.oneroster.stream.RosterStream``); this module answers its questions about the district
(``DistrictStudents``: a chunk's matches in one or two queries, with an MD5 fingerprint so unchanged
students are never loaded) and, in Apply mode, writes what the plan decided:

- the district's and the matched sites' OneRoster sourcedIds, the school years to create;
- students in chunks of ``CHUNK_SIZE``, committed one by one, in bulk (``cis_app.cis_network.district_data.roster_bulk``):
  each student checked with the Student controller's rules, new ones inserted, changed ones updated
  field by field with a Version row each (the version history shows the change), roster guardians
  (those with a sourcedId) following the file, a guardian entered by hand with the same name adopted,
  the others kept; withdrawals set the enrolment status; nothing is ever deleted;
- a chunk the database refuses is saved again student by student through the document
  (``apply_decision``), so each bad row gets its own error;
- a district's first roster (no student yet, so deciding never reads the database): each chunk's
  bulk statements run in a second thread on the job's connection while the next chunk is decided,
  one thread using the connection at a time (``RosterImportRun.write_decided``).

A refused plan (another district's file, the mass-withdrawal guard) writes nothing but its summary.
A row that cannot be saved is logged and the run goes on.
"""

from __future__ import annotations

import contextvars
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import frappe
from frappe import _
from frappe.query_builder.functions import Count, IfNull
from frappe.utils import flt, now_datetime, strip_html

from cis_app.cis_network.district_data import district_lock
from cis_app.cis_network.district_data.abc_job import run_district_data_import
from cis_app.cis_network.doctype.roster_import.import_run import (
	CHUNK_SIZE,
	COUNT_FIELDS,
	PROGRESS_EVERY,
	ImportRun,
	file_error_message,
	import_file_path,
	save_in_savepoint,
)
from cis_app.core import file_limits
from cis_app.core.oneroster import (
	OneRosterError,
	RosterPlan,
	RowError,
	StudentDecision,
	open_package,
	row_log_csv,
	summarize_plan,
)
from cis_app.core.oneroster.plan import ACTIVE_STATUSES, FINGERPRINT_FIELDS, GUARDIAN_FIELDS
from cis_app.core.oneroster.stream import ExistingStudents, RosterStream
from cis_app.cis_network.district_data.roster_bulk import StudentWriter

# The decisions Apply writes.
WRITTEN = ("new", "updated", "withdrawn")
STUDENT_COLUMNS = (
	"name",
	"student_name",
	"oneroster_sourced_id",
	"district_student_id",
	"school_district",
	"site",
	"first_name",
	"middle_name",
	"last_name",
	"grade_level",
	"date_of_birth",
	"gender",
	"enrollment_status",
	"affiliate",
)
GUARDIAN_COLUMNS = ("name", "idx", "is_primary", *GUARDIAN_FIELDS)
LIGHT_COLUMNS = ("name", "oneroster_sourced_id", "district_student_id", "enrollment_status")


def _fingerprint_sql() -> str:
	"""MariaDB's MD5 of ``plan.fingerprint_text`` of a stored student (roster guardians ordered by
	sourcedId, byte order as Python sorts them)."""
	sep = "char(31 using utf8mb4)"
	fields = ", ".join(f"ifnull(`tabStudent`.`{field}`, '')" for field in FINGERPRINT_FIELDS)
	guardian = ", ".join(f"ifnull(g.`{field}`, '')" for field in GUARDIAN_FIELDS)
	guardians = (
		f"(select group_concat(concat_ws({sep}, {guardian}) order by binary g.oneroster_sourced_id "
		f"separator '\x1e') from `tabStudent Guardian` g where g.parent = `tabStudent`.name "
		"and g.parenttype = 'Student' and g.parentfield = 'guardians' and ifnull(g.oneroster_sourced_id, '') != '')"
	)
	return f"md5(concat_ws({sep}, {fields}, ifnull({guardians}, '')))"


FINGERPRINT_SQL = _fingerprint_sql()


# ---------------------------------------------------------------- loading


def load_roster_data(school_district: str) -> dict:
	"""What the plan matches against, besides the students: the district, its sites, the school years."""
	district = frappe.db.get_value(
		"School District",
		school_district,
		["name", "oneroster_sourced_id", "nces_district_id", "affiliate"],
		as_dict=True,
	)
	sites = frappe.get_all(
		"Site",
		filters={"school_district": school_district},
		fields=["name", "oneroster_sourced_id", "school_id", "school_district", "affiliate", "is_active"],
	)
	school_years = frappe.get_all(
		"School Year", fields=["name", "school_year_name", "year_start_date", "year_end_date"]
	)
	return {"district": district, "sites": sites, "school_years": school_years}


class DistrictStudents(ExistingStudents):
	"""The district's students as the streamed plan asks for them: a chunk's matches in two queries
	(students by sourcedId or district student id, then their guardians), never the whole district."""

	def __init__(self, school_district: str):
		self.school_district = school_district
		# a district's first roster: nothing to look up (the file's own repeats are row errors already)
		self.empty = not frappe.db.exists("Student", {"school_district": school_district})

	def lookup(
		self, sourced_ids: list[str], district_ids: list[str], light: bool = False
	) -> tuple[dict, dict]:
		"""The chunk's matches (by sourcedId, by district student id); ``light``: only what matching
		needs and the MD5 fingerprint of the stored student (``plan.fingerprint``), computed by MariaDB."""
		if self.empty:
			return {}, {}
		columns = LIGHT_COLUMNS if light else STUDENT_COLUMNS
		selected = ", ".join(f"`{c}`" for c in columns) + (f", {FINGERPRINT_SQL}" if light else "")
		found: dict[str, dict] = {}
		for column, values in (("oneroster_sourced_id", sourced_ids), ("district_student_id", district_ids)):
			if not values:
				continue
			rows = frappe.db.sql(
				f"select {selected} from `tabStudent` where `school_district` = %(district)s "
				f"and `{column}` in %(values)s",
				{"district": self.school_district, "values": values},
			)
			for row in rows:
				record = dict(zip((*columns, "fingerprint") if light else columns, row, strict=True))
				found.setdefault(row[0], record)
		if not light:
			for name, guardians in students_guardians(list(found)).items():
				found[name]["guardians"] = guardians
		by_sid, by_district_id = {}, {}
		for record in found.values():
			if not light:
				record.setdefault("guardians", [])
			if record["oneroster_sourced_id"]:
				by_sid[record["oneroster_sourced_id"]] = record
			if record["district_student_id"]:
				by_district_id[record["district_student_id"]] = record
		return by_sid, by_district_id

	def full(self, names: list[str]) -> dict[str, dict]:
		return load_students(names)

	def active_count(self) -> int:
		student = frappe.qb.DocType("Student")
		return (
			frappe.qb.from_(student)
			.select(Count("*"))
			.where(
				(student.school_district == self.school_district)
				& (IfNull(student.enrollment_status, "").isin(ACTIVE_STATUSES))
			)
			.run()[0][0]
		)

	def active(self, size: int = 5000):
		"""The district's active students, ``size`` at a time (by name, so each batch is one range)."""
		student, last = frappe.qb.DocType("Student"), ""
		columns = ("name", "oneroster_sourced_id", "district_student_id", "first_name", "last_name")
		while True:
			rows = (
				frappe.qb.from_(student)
				.select(*(student[c] for c in columns))
				.where(
					(student.school_district == self.school_district)
					& (IfNull(student.enrollment_status, "").isin(ACTIVE_STATUSES))
					& (student.name > last)
				)
				.orderby(student.name)
				.limit(size)
				.run()
			)
			if not rows:
				return
			last = rows[-1][0]
			yield [{**dict(zip(columns, row, strict=True)), "enrollment_status": "Enrolled"} for row in rows]


def load_students(names: list[str]) -> dict[str, dict]:
	"""Students by name as the plan compares them, with all their guardians (two queries)."""
	if not names:
		return {}
	student = frappe.qb.DocType("Student")
	# the leaving day the controller derives from the enrolment status (cis_app.core.retention)
	columns = (*STUDENT_COLUMNS, *(("left_on",) if frappe.get_meta("Student").has_field("left_on") else ()))
	rows = (
		frappe.qb.from_(student).select(*(student[c] for c in columns)).where(student.name.isin(names)).run()
	)
	found = {row[0]: {**dict(zip(columns, row, strict=True)), "guardians": []} for row in rows}
	for name, guardians in students_guardians(list(found)).items():
		found[name]["guardians"] = guardians
	return found


def students_guardians(names: list[str]) -> dict[str, list[dict]]:
	"""Every guardian of ``names`` (those entered by hand too: a roster guardian of the same name
	adopts one), by student, in the order of the table."""
	if not names:
		return {}
	guardian = frappe.qb.DocType("Student Guardian")
	rows = (
		frappe.qb.from_(guardian)
		.select(guardian.parent, *(guardian[column] for column in GUARDIAN_COLUMNS))
		.where(
			(guardian.parenttype == "Student")
			& (guardian.parentfield == "guardians")
			& guardian.parent.isin(names)
		)
		.orderby(guardian.parent)
		.orderby(guardian.idx)
		.run()
	)
	guardians_of: dict[str, list[dict]] = {}
	for parent, *values in rows:
		guardians_of.setdefault(parent, []).append(dict(zip(GUARDIAN_COLUMNS, values, strict=True)))
	return guardians_of


# ---------------------------------------------------------------- the job


def run_roster_import(roster_import: str) -> None:
	"""Job (long queue): run one Roster Import. Row errors never stop it; a failure midway is
	recorded with where it stopped (the chunks saved before it stay whole)."""
	found = frappe.db.get_value("Roster Import", roster_import, ["import_type", "school_district"])
	if not found:  # deleted while it waited in the queue
		return
	import_type, school_district = found
	# one import of a district at a time, whoever queued it (district_lock): never interleaved
	if not district_lock.hold(school_district):
		frappe.db.set_value(
			"Roster Import",
			roster_import,
			{
				"status": "Refused",
				"status_message": _(
					"Nothing was changed: another import of {0} was running. Start this one again when it has finished."
				).format(school_district),
			},
		)
		frappe.db.commit()
		return
	try:
		# ABC data and year-end status files: their own run (cis_app.cis_network.district_data.abc_job)
		if import_type and import_type != "OneRoster Roster":
			run_district_data_import(roster_import)
			return
		RosterImportRun(roster_import).execute_logged()
	finally:
		district_lock.release(school_district)


class RosterImportRun(ImportRun):
	def __init__(self, roster_import: str):
		self.doc = frappe.get_doc("Roster Import", roster_import)
		self.errors: list[RowError] = []
		self.saved = 0  # students saved and committed so far
		self.total = 0
		self.failed: Counter = Counter()
		self.started = time.perf_counter()
		self.timings: dict[str, float] = {}  # seconds spent reading, comparing, writing (in the summary)

	# ------------------------------------------------ steps

	def execute(self) -> None:
		doc = self.doc
		self.start()
		try:
			package = open_package(import_file_path(doc.import_file))
			loaded = load_roster_data(doc.school_district)
			self.sites = {site["name"]: site for site in loaded["sites"]}
			stream = RosterStream(
				package,
				**loaded,
				existing=DistrictStudents(doc.school_district),
				max_withdrawal_share=flt(doc.max_withdrawal_share) / 100,
			)
		except OneRosterError as exc:
			self.finish("Error", file_error_message(exc))
			return
		with stream:
			try:
				self.errors = stream.errors
				plan = stream.read()
				self.timings["read"] = time.perf_counter() - self.started
				self.progress(5, _("Comparing the file with the students"))
				if doc.mode == "Apply" and plan.district.matched and not plan.active_students:
					# nothing to withdraw, so nothing the guard could refuse: write as the plan decides
					self.prepare_apply(plan, stream.student_count(), overlap=stream.existing.empty)
					try:
						plan = stream.tally(spool_actions=WRITTEN, write=self.write_decided)
						self.collect_chunk()
					finally:
						self.stop_overlap()
					self.timings["compare and write"] = (
						time.perf_counter() - self.started - self.timings["read"]
					)
					self.saved = self.total = self.done
					self.finish(None, _("Applied."), plan)
					return
				plan = stream.tally(spool_actions=WRITTEN if doc.mode == "Apply" else ())
				self.timings["compare"] = time.perf_counter() - self.started - self.timings["read"]
			except OneRosterError as exc:
				self.finish("Error", file_error_message(exc))
				return
			if plan.refused:
				self.finish("Refused", _("Nothing was changed: {0}").format(plan.refusal_reason), plan)
				return
			if doc.mode != "Apply":
				self.finish(
					None, _("Dry run: nothing was changed. Apply would make the changes counted here."), plan
				)
				return
			self.apply(plan, stream)
			self.timings["write"] = time.perf_counter() - self.started - sum(self.timings.values())
		self.finish(None, _("Applied."), plan)

	def apply(self, plan: RosterPlan, stream: RosterStream) -> None:
		store_sourced_ids(plan, self.doc.school_district)
		self.create_school_years(plan)
		self.apply_students(stream, sum(plan.counts()[action] for action in WRITTEN))

	def prepare_apply(self, plan: RosterPlan, students: int, overlap: bool = False) -> None:
		"""Before writing students as they are decided: sourcedIds, school years, the writer.

		``overlap`` (a district without any student yet: deciding never reads the database): each
		chunk's bulk statements run in a second thread on the job's connection while this one decides
		the next chunk (see ``write_decided``)."""
		store_sourced_ids(plan, self.doc.school_district)
		self.create_school_years(plan)
		self.writer, self.total, self.done = StudentWriter(self.sites, load_students), students, 0
		self.pending = None
		self.overlap = ThreadPoolExecutor(max_workers=1) if overlap else None

	def write_decided(self, decisions: list[StudentDecision], more_may_follow: bool) -> None:
		"""Write one decided chunk; commit it unless it may be the last (the job's commit stores that).

		With ``overlap``, the previous chunk is collected first (its bulk statements finished, its
		rows the database refused saved one by one, committed), then this chunk is checked and its bulk
		statements handed to the second thread (``write_chunk``): the connection is only ever used by
		one thread at a time, and the chunks are written and committed in order, as without it. The
		MariaDB time of one chunk is then spent while Python decides the next."""
		self.collect_chunk()
		self.write_chunk(self.writer, decisions)
		if self.pending:
			self.pending = (*self.pending, len(decisions), more_may_follow)
		else:
			self.chunk_written(len(decisions), more_may_follow)

	def collect_chunk(self) -> None:
		"""Wait for the chunk the second thread is writing, then finish it as ``write_chunk`` does."""
		if not getattr(self, "pending", None):
			return
		future, bulk, by_document, size, more_may_follow = self.pending
		self.pending = None
		if not future.result():
			by_document = bulk + by_document
		self.save_by_document(by_document)
		self.chunk_written(size, more_may_follow)

	def stop_overlap(self) -> None:
		"""After the last chunk, or a failure: no statement of the second thread still running."""
		pending, self.pending = getattr(self, "pending", None), None
		if pending:
			pending[0].exception()  # waits; a failure is the one raised in this thread already
		if getattr(self, "overlap", None):
			self.overlap.shutdown(wait=True)
			self.overlap = None

	def chunk_written(self, size: int, more_may_follow: bool) -> None:
		self.done += size
		if more_may_follow:
			frappe.db.commit()  # whole chunks: see ``apply_students``
			self.saved = self.done
		self.progress(
			5 + int(self.done * 95 / (self.total or 1)),
			_("{0} of {1} students saved").format(self.done, self.total),
		)

	def create_school_years(self, plan: RosterPlan) -> None:
		for year in plan.school_years:
			if year.action != "create" or frappe.db.exists("School Year", year.name):
				continue
			values = {
				"doctype": "School Year",
				"school_year_name": year.name,
				"year_start_date": year.start,
				"year_end_date": year.end,
			}
			error = save_in_savepoint(
				lambda values=values: frappe.get_doc(values).insert(ignore_permissions=True)
			)
			if error:
				self.errors.append(
					RowError(
						"academicSessions.csv", year.line, year.sourced_id, "schoolYear", error, "not_saved"
					)
				)

	def apply_students(self, stream: RosterStream, total: int) -> None:
		"""Write the plan's decisions a chunk at a time (``cis_app.cis_network.district_data.roster_bulk``), committing each
		chunk but the last (the job's own commit stores it, with the result)."""
		self.total = total
		writer = StudentWriter(self.sites, load_students)
		done = 0
		for chunk in stream.spooled(CHUNK_SIZE):
			self.write_chunk(writer, chunk)
			done += len(chunk)
			if done < self.total:
				# Commit in chunks on purpose: one transaction of 100,000 students slows down and holds
				# locks for minutes. A failure midway then leaves whole records and a status that says
				# how many were saved; running the import again finishes the job (saved students come
				# out unchanged).
				frappe.db.commit()
				self.saved = done
			self.progress(
				5 + int(done * 95 / (self.total or 1)),
				_("{0} of {1} students saved").format(done, self.total),
			)
		self.saved = self.total

	def write_chunk(self, writer, chunk: list[StudentDecision]) -> None:
		"""Check every student of the chunk, write the valid ones in bulk; the ones only a document
		can check, and the whole chunk if the database refuses it, go through the document one by one."""
		bulk, by_document = self.check_chunk(writer, chunk)
		if getattr(self, "overlap", None):  # written by the second thread, finished by ``collect_chunk``
			future = self.overlap.submit(contextvars.copy_context().run, self.write_bulk, writer, bulk)
			self.pending = (future, bulk, by_document)
			return
		if not self.write_bulk(writer, bulk):
			by_document = bulk + by_document
		self.save_by_document(by_document)

	def check_chunk(self, writer, chunk: list[StudentDecision]) -> tuple[list, list]:
		"""(decisions to write in bulk, decisions only a document can check); the others are row errors."""
		names = [decision.student for decision in chunk if decision.student]
		writer.load(names)
		bulk, by_document = [], []
		for decision in chunk:
			verdict, message = writer.check(decision)
			if verdict == "ok":
				bulk.append(decision)
			elif verdict == "document":
				by_document.append(decision)
			else:
				self.not_saved(decision, message)
		return bulk, by_document

	@staticmethod
	def write_bulk(writer, bulk: list[StudentDecision]) -> bool:
		"""Write ``bulk`` in a savepoint; False (and nothing written) if the database refuses it."""
		frappe.db.savepoint("roster_chunk")
		try:
			writer.write(bulk)
		except Exception:
			frappe.db.rollback(save_point="roster_chunk")
			return False
		return True

	def save_by_document(self, by_document: list[StudentDecision]) -> None:
		for decision in by_document:
			error = save_in_savepoint(lambda decision=decision: apply_decision(decision))
			if error:
				self.not_saved(decision, error)

	def not_saved(self, decision: StudentDecision, error: str) -> None:
		self.failed[decision.action] += 1
		self.errors.append(
			RowError(
				decision.file,
				decision.line,
				decision.sourced_id,
				"",
				_("not saved: {0}").format(error),
				"not_saved",
			)
		)

	# ------------------------------------------------ results

	def finish(self, status: str | None, message: str, plan: RosterPlan | None = None) -> None:
		counts = plan.counts() if plan else {}
		for action, number in self.failed.items():
			counts[action] -= number
			counts["error"] = counts.get("error", 0) + number
		if status is None:
			status = "Partial Success" if self.errors else "Success"
		values = {COUNT_FIELDS[action]: counts.get(action, 0) for action in COUNT_FIELDS}
		values["error_count"] = len(self.errors)
		summary = summarize_plan(plan) if plan else {}
		if plan:
			summary["counts"].update(counts)
			summary["counts"]["row_errors"] = len(self.errors)
			summary["row_error_sample"] = [error.as_dict() for error in self.errors[:5]]
			summary["warnings"] = plan.warnings
			summary["version"] = plan.version
		summary.update(
			{
				"mode": self.doc.mode,
				"finished_on": now_datetime(),
				"seconds": {step: round(seconds, 1) for step, seconds in self.timings.items()},
			}
		)
		self.store_result(values, status, message, summary)

	def stopped_message(self, reason: str) -> str:
		return _(
			"Stopped after {0} of {1} students were saved: {2}. Run the import again to finish it: students already saved come out unchanged."
		).format(self.saved, self.total or "?", reason)


# ---------------------------------------------------------------- writing


def store_sourced_ids(plan: RosterPlan, school_district: str) -> None:
	"""Remember the district's and sites' sourcedIds, so later files (deltas) match by them."""
	if plan.district.set_sourced_id and plan.district.org_sourced_id:
		frappe.db.set_value(
			"School District", school_district, "oneroster_sourced_id", plan.district.org_sourced_id
		)
	for match in plan.sites:
		if match.site and match.set_sourced_id:
			frappe.db.set_value("Site", match.site, "oneroster_sourced_id", match.org_sourced_id)


def apply_decision(decision: StudentDecision) -> None:
	changes = dict(decision.changes)
	if decision.action == "new":
		student = frappe.new_doc("Student")
		guardians = changes.pop("guardians", [])
		student.update(changes)
		for row in guardians:
			student.append("guardians", row)
		student.insert(ignore_permissions=True)
		return
	student = frappe.get_doc("Student", decision.student)
	for fieldname, value in changes.items():
		if fieldname == "guardians":
			sync_roster_guardians(student, value)
		else:
			student.set(fieldname, value)
	# the user's right to import for this district was checked when the import was started; the
	# Version history shows what the roster changed (Frappe skips versions in tests by default)
	student.save(ignore_permissions=True, ignore_version=False)


def sync_roster_guardians(student, incoming: list[dict]) -> None:
	"""Make the student's roster guardians (rows with a sourcedId) those of the file: rows updated in
	place, added or removed; guardians entered by hand (no sourcedId) are left as they are."""
	wanted = {row["oneroster_sourced_id"]: row for row in incoming}
	adopted = {row["adopt"]: row for row in incoming if "adopt" in row}
	for row in list(student.guardians):
		sourced_id = row.get("oneroster_sourced_id")
		if row.name in adopted:  # entered by hand, now the roster's (plan.expected_guardians)
			sourced_id = adopted[row.name]["oneroster_sourced_id"]
		elif not sourced_id:
			continue
		values = wanted.pop(sourced_id, None)
		if values is None:
			student.remove(row)
			continue
		for fieldname in GUARDIAN_FIELDS:
			if (row.get(fieldname) or "") != (values.get(fieldname) or ""):
				row.set(fieldname, values.get(fieldname))
	for values in wanted.values():
		student.append("guardians", {field: values.get(field) for field in GUARDIAN_FIELDS})
