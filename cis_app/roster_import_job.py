"""The Roster Import job: load the district from the database, plan in the core, apply the plan.

The Frappe layer only loads plain dicts (a few set-based queries, only the columns the plan compares),
calls ``cis_app.core.oneroster.build_roster_plan`` and, in Apply mode, writes what the plan decided:

- the district's and the matched sites' OneRoster sourcedIds, the school years to create;
- new students inserted through documents (the Student controller validates them);
- existing students: only the plan's ``changes`` set, saved through the document so the Version
  history shows the change; roster guardians (those with a sourcedId) follow the file, guardians a
  coordinator entered by hand are kept;
- withdrawals set the enrolment status; nothing is ever deleted.

A refused plan (another district's file, the mass-withdrawal guard) writes nothing but its summary.
A row that cannot be saved is logged and the run goes on.
"""

from __future__ import annotations

from collections import Counter

import frappe
from frappe import _
from frappe.query_builder.functions import IfNull
from frappe.utils import flt, now_datetime, strip_html

from cis_app.core.oneroster import (
	OneRosterError,
	RosterPlan,
	RowError,
	StudentDecision,
	build_roster_plan,
	open_package,
	row_log_csv,
	summarize_plan,
)
from cis_app.core.oneroster.plan import GUARDIAN_FIELDS

# Students saved between two commits (see ``apply_students``).
CHUNK_SIZE = 500
PROGRESS_EVERY = 50
PROGRESS_EVENT = "roster_import_progress"

STUDENT_COLUMNS = (
	"name",
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
COUNT_FIELDS = {
	"new": "new_count",
	"updated": "updated_count",
	"unchanged": "unchanged_count",
	"withdrawn": "withdrawn_count",
	"skipped": "skipped_count",
}


# ---------------------------------------------------------------- loading


def load_roster_data(school_district: str) -> dict:
	"""The plain dicts ``build_roster_plan`` takes for ``school_district`` (see its docstring)."""
	district = frappe.db.get_value(
		"School District",
		school_district,
		["name", "oneroster_sourced_id", "nces_district_id", "affiliate"],
		as_dict=True,
	)
	sites = frappe.get_all(
		"Site",
		filters={"school_district": school_district},
		fields=["name", "oneroster_sourced_id", "school_id", "school_district"],
	)
	school_years = frappe.get_all(
		"School Year", fields=["name", "school_year_name", "year_start_date", "year_end_date"]
	)
	students = frappe.get_all(
		"Student",
		filters={"school_district": school_district},
		fields=list(STUDENT_COLUMNS),
		order_by="name asc",
		limit_page_length=0,
	)
	guardians_of: dict[str, list[dict]] = {}
	student, guardian = frappe.qb.DocType("Student"), frappe.qb.DocType("Student Guardian")
	rows = (
		frappe.qb.from_(guardian)
		.join(student)
		.on(guardian.parent == student.name)
		.select(guardian.parent, *(guardian[column] for column in GUARDIAN_FIELDS))
		.where(
			(student.school_district == school_district)
			& (guardian.parenttype == "Student")
			& (guardian.parentfield == "guardians")
			& (IfNull(guardian.oneroster_sourced_id, "") != "")
		)
		.run(as_dict=True)
	)
	for row in rows:
		guardians_of.setdefault(row.pop("parent"), []).append(row)
	for record in students:
		record["guardians"] = guardians_of.get(record["name"], [])
	return {"district": district, "sites": sites, "school_years": school_years, "students": students}


# ---------------------------------------------------------------- the job


def run_roster_import(roster_import: str) -> None:
	"""Job (long queue): run one Roster Import. Row errors never stop it; a failure midway is
	recorded with where it stopped (the chunks saved before it stay whole)."""
	# ABC data and year-end status files: their own run (cis_app.abc_import_job)
	import_type = frappe.db.get_value("Roster Import", roster_import, "import_type")
	if import_type and import_type != "OneRoster Roster":
		from cis_app.abc_import_job import run_district_data_import

		run_district_data_import(roster_import)
		return
	run = RosterImportRun(roster_import)
	try:
		run.execute()
	except Exception as exc:
		frappe.db.rollback()
		frappe.log_error(title=_("Roster Import {0} failed").format(roster_import))
		run.fail(exc)


class ImportRun:
	"""What every run of a Roster Import shares (rosters here, ABC and year-end files in
	``cis_app.abc_import_job``): where it stopped after a crash, and its progress on the form."""

	def stopped_message(self, reason: str) -> str:
		raise NotImplementedError

	def start(self) -> None:
		"""Running, with the counts of an earlier run cleared."""
		self.doc.db_set(
			{"status": "Running", "status_message": "", **dict.fromkeys(COUNT_FIELDS.values(), 0)},
			commit=False,
		)
		self.progress(0, _("Reading the file"))

	def fail(self, exc: Exception) -> None:
		"""After a crash (the open chunk rolled back): say where it stopped; the job's own commit
		stores it."""
		self.doc.reload()
		message = self.stopped_message(strip_html(str(exc)) or exc.__class__.__name__)
		self.doc.db_set(
			{"status": "Error", "status_message": message, "row_log": row_log_csv(self.errors)}, commit=False
		)
		self.progress(100, message, done=True)

	def store_result(self, values: dict, status: str | None, message: str, summary: dict) -> None:
		"""Counts, status, summary and the row log on the import, then the form's last progress."""
		values.update(
			{
				"status": status,
				"status_message": message,
				"summary": frappe.as_json(summary, indent=None),
				"row_log": row_log_csv(self.errors) if self.errors else "",
			}
		)
		self.doc.db_set(values, commit=False)
		self.progress(100, message, done=True)

	def progress(self, percent: int, message: str, done: bool = False) -> None:
		frappe.publish_realtime(
			PROGRESS_EVENT,
			{"roster_import": self.doc.name, "percent": percent, "message": message, "done": done},
			doctype="Roster Import",
			docname=self.doc.name,
			after_commit=done,
		)


class RosterImportRun(ImportRun):
	def __init__(self, roster_import: str):
		self.doc = frappe.get_doc("Roster Import", roster_import)
		self.errors: list[RowError] = []
		self.saved = 0  # students saved and committed so far
		self.total = 0
		self.failed: Counter = Counter()

	# ------------------------------------------------ steps

	def execute(self) -> None:
		doc = self.doc
		self.start()
		try:
			package = open_package(import_file_path(doc.import_file))
			plan = build_roster_plan(
				package,
				**load_roster_data(doc.school_district),
				max_withdrawal_share=flt(doc.max_withdrawal_share) / 100,
			)
		except OneRosterError as exc:
			self.finish("Error", _("The file cannot be imported, nothing was changed: {0}").format(exc))
			return
		self.errors = list(plan.row_errors)
		if plan.refused:
			self.finish(
				"Refused",
				_("Nothing was changed: {0}").format(plan.refusal_reason),
				plan,
			)
			return
		if doc.mode != "Apply":
			self.finish(
				None, _("Dry run: nothing was changed. Apply would make the changes counted here."), plan
			)
			return
		self.apply(plan)
		self.finish(None, _("Applied."), plan)

	def apply(self, plan: RosterPlan) -> None:
		store_sourced_ids(plan, self.doc.school_district)
		self.create_school_years(plan)
		self.apply_students([d for d in plan.students if d.action in ("new", "updated", "withdrawn")])

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

	def apply_students(self, decisions: list[StudentDecision]) -> None:
		self.total = len(decisions)
		for index, decision in enumerate(decisions, start=1):
			error = save_in_savepoint(lambda decision=decision: apply_decision(decision))
			if error:
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
			if index % CHUNK_SIZE == 0:
				# Commit in chunks on purpose: one transaction of 100,000 students slows down and holds
				# locks for minutes. A failure midway then leaves whole records and a status that says
				# how many were saved; running the import again finishes the job (saved students come
				# out unchanged).
				frappe.db.commit()
				self.saved = index
			if index % PROGRESS_EVERY == 0 or index == self.total:
				self.progress(
					int(index * 100 / self.total),
					_("{0} of {1} students saved").format(index, self.total),
				)
		self.saved = self.total

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
		summary.update({"mode": self.doc.mode, "finished_on": now_datetime()})
		self.store_result(values, status, message, summary)

	def stopped_message(self, reason: str) -> str:
		return _(
			"Stopped after {0} of {1} students were saved: {2}. Run the import again to finish it: students already saved come out unchanged."
		).format(self.saved, self.total or "?", reason)


# ---------------------------------------------------------------- writing


def import_file_path(file_url: str) -> str:
	"""The path of the attached zip (read as a stream by the core, never held whole)."""
	from cis_app.cis_network.doctype.roster_import.roster_import import import_file_doc

	file = import_file_doc(file_url)
	if file is None:
		raise OneRosterError("missing_file", _("the attached file {0} was not found").format(file_url))
	return file.get_full_path()


def store_sourced_ids(plan: RosterPlan, school_district: str) -> None:
	"""Remember the district's and sites' sourcedIds, so later files (deltas) match by them."""
	if plan.district.set_sourced_id and plan.district.org_sourced_id:
		frappe.db.set_value(
			"School District", school_district, "oneroster_sourced_id", plan.district.org_sourced_id
		)
	for match in plan.sites:
		if match.site and match.set_sourced_id:
			frappe.db.set_value("Site", match.site, "oneroster_sourced_id", match.org_sourced_id)


def save_in_savepoint(write) -> str:
	"""Run ``write`` in a savepoint; on failure undo it and return why ('' when it worked)."""
	frappe.db.savepoint("roster_row")
	try:
		write()
	except Exception as exc:
		frappe.db.rollback(save_point="roster_row")
		frappe.clear_messages()
		return strip_html(str(exc)) or exc.__class__.__name__
	return ""


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
	for row in list(student.guardians):
		sourced_id = row.get("oneroster_sourced_id")
		if not sourced_id:
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
