"""Record retention: which students who left are due for erasure, and erasing them.

The rule (who is due, who is skipped and why, what an erased record holds) is in
``cis_app.core.retention``. A Retention Run (DocType, one per affiliate) lists the students due when it
is created (a dry run, nothing changes); a CIS Administrator of the affiliate or a System Manager then
confirms it (``RetentionRun.erase``), and each student still due is erased by ``erase_student``. A daily
job (``list_due_students``) creates the dry run for each affiliate with students due and tells its
administrators; it never erases.

Erasing keeps every row the outcome reports count (plans, goals and progress statuses, year-end
statuses, check-ins and their minutes, data points, attendance) and removes the student's names, ids,
date of birth, guardians, free text on their records, attachments, and the versions, comments and
messages about those records (they hold the old values).
"""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import cint, getdate, now_datetime, nowdate

from cis_app.core import retention as rules
from cis_app.permissions.scope import (
	SCOPED_DOCTYPES,
	affiliate_run_conditions,
	get_permitted_sites,
	has_affiliate_run_permission,
	runs_any_affiliate,
	stored_value,
)

ADMIN_ROLE = "CIS Administrator"
# Data fields that hold a name or contact detail on a student's records (besides free text)
IDENTIFYING_DATA_FIELDS = ("student_name", "guardian_name", "recipient_name", "description", "phone", "email")
ATTACH_TYPES = ("Attach", "Attach Image", "Signature")
# What each record keeps whatever its type: the disclosure record's substance (99.32: kept with the record)
KEEP = {"Disclosure Record": ("what", "purpose", "recipient_name")}
# Records *about* a student's records that hold old values: deleted with the erasure
HISTORY = {
	"Version": ("ref_doctype", "docname"),
	"Comment": ("reference_doctype", "reference_name"),
	"Communication": ("reference_doctype", "reference_name"),
	"Notification Log": ("document_type", "document_name"),
	"ToDo": ("reference_type", "reference_name"),
	"Activity Log": ("reference_doctype", "reference_name"),
}


class RetentionError(frappe.ValidationError):
	"""A retention run that cannot go ahead as asked."""


# ------------------------------------------------------------------ permissions of Retention Run


def retention_run_conditions(user: str | None = None, doctype: str | None = None) -> str:
	"""``permission_query_conditions`` of Retention Run: the affiliates the user serves (all for a
	System Manager)."""
	return affiliate_run_conditions("Retention Run", user)


def has_retention_run_permission(doc, ptype: str | None = None, user: str | None = None) -> bool:
	return has_affiliate_run_permission(
		doc, ptype, user, doc.get("affiliate"), lambda: stored_value(doc, "affiliate")
	)


# ------------------------------------------------------------------ who is due


def retention_years() -> int:
	value = frappe.db.get_single_value("CIS Settings", "retention_years")
	return rules.DEFAULT_RETENTION_YEARS if value in (None, "") else cint(value)


def due_in_affiliate(
	affiliate: str, today=None, sites: list[str] | None = None
) -> tuple[list[dict], list[dict]]:
	"""(due, skipped) students of ``affiliate`` (``rules.students_due``), with name and site; only of
	``sites`` when given (None: every site, for the scheduled job's counts)."""
	today = getdate(today or nowdate())
	filters = {"affiliate": affiliate, "enrollment_status": ["in", rules.LEFT_STATUSES]}
	if sites is not None:
		if not sites:
			return [], []
		filters["site"] = ["in", sites]
	students = frappe.get_all(
		"Student",
		filters=filters,
		fields=["name", "student_name", "site", "enrollment_status", "left_on", "record_erased_on"],
	)
	if not students:
		return [], []
	plans: dict[str, list[str]] = {}
	for plan in frappe.get_all(
		"Support Plan",
		filters={"student": ["in", [row.name for row in students]], "status": ["in", rules.OPEN_STATUSES]},
		fields=["name", "student", "status"],
	):
		if rules.is_open_plan(plan.status):
			plans.setdefault(plan.student, []).append(plan.name)
	due, skipped = rules.students_due(students, plans, today, retention_years())
	by_name = {row.name: row for row in students}
	for row in (*due, *skipped):
		student = by_name[row["student"]]
		row["student_name"] = student.student_name
		row["site"] = student.site
	return due, skipped


def sites_of_user(affiliate: str, user: str | None = None) -> list[str] | None:
	"""The sites of ``affiliate`` whose students ``user`` may list and erase (None: all, for a System
	Manager). A CIS Administrator of the affiliate serves all its sites; one assigned to a site, only
	that site's."""
	user = user or frappe.session.user
	if runs_any_affiliate(user):
		return None

	permitted = get_permitted_sites(user)
	if not permitted:
		return []
	return sorted(
		frappe.get_all(
			"Site", filters={"affiliate": affiliate, "name": ["in", list(permitted)]}, pluck="name"
		)
	)


def reason_text(row: dict) -> str:
	template = rules.REASON_TEXT.get(row.get("reason"))
	if not template:
		return ""
	detail = row.get("detail") or ""
	if row.get("reason") == rules.REASON_NO_LEAVING_DATE:
		detail = _(detail)
	return _(template).format(detail)


# ------------------------------------------------------------------ erasing one student


def erase_student(student: str, run: str | None = None) -> None:
	"""Erase ``student``'s identifying details (see the module docstring). Writes through the database,
	not the controllers: the erased record would no longer pass the checks a new record must."""
	old = frappe.db.get_value(
		"Student",
		student,
		[
			"first_name",
			"middle_name",
			"last_name",
			"student_name",
			"district_student_id",
			"state_student_id",
			"oneroster_sourced_id",
		],
		as_dict=True,
	)
	if not old:
		return
	guardians = frappe.get_all(
		"Student Guardian",
		filters={"parenttype": "Student", "parent": student},
		fields=["guardian_name", "email", "phone"],
	)
	old_values = [value for value in old.values() if value] + [
		value for row in guardians for value in row.values() if value
	]
	records = student_records(student)

	history = [(doctype, names) for doctype, names in records.items() if names]
	for group_session in sessions_mentioning(student, old_values):
		history.append(("Group Session", [group_session]))
	delete_files(history)
	delete_history(history, old_values)

	for doctype, names in records.items():
		if doctype != "Student" and names:
			erase_text(doctype, names)
	erase_attendance(student)
	frappe.db.delete("Student Guardian", {"parenttype": "Student", "parent": student})
	frappe.db.set_value(
		"Student",
		student,
		{
			**rules.erased_student_values(student),
			"record_erased_on": now_datetime(),
			"retention_run": run,
			"_comments": None,
		},
		update_modified=False,
	)


def student_records(student: str) -> dict[str, list[str]]:
	"""Every record of the student: the student and each scoped DocType linking to them."""
	records = {"Student": [student]}
	for doctype, rule in SCOPED_DOCTYPES.items():
		if rule.student_field and frappe.db.exists("DocType", doctype):
			records[doctype] = frappe.get_all(doctype, filters={rule.student_field: student}, pluck="name")
	return records


def erase_attendance(student: str) -> None:
	"""The student's rows of group sessions keep the attendance, not the name or notes."""
	rows = frappe.get_all(
		"Group Session Attendee", filters={"student": student, "parenttype": "Group Session"}, pluck="name"
	)
	if not rows:
		return
	table = frappe.qb.DocType("Group Session Attendee")
	for fieldname in erasable_fields("Group Session Attendee"):
		value = rules.ERASED if fieldname == "student_name" else None
		frappe.qb.update(table).set(table[fieldname], value).where(table.name.isin(rows)).run()


def erasable_fields(doctype: str) -> list[str]:
	"""The fields of ``doctype`` erased on a student's records: free text, attachments and the Data
	fields that hold a name or contact detail."""
	meta = frappe.get_meta(doctype)
	fields = [{"fieldname": df.fieldname, "fieldtype": df.fieldtype} for df in meta.fields]
	keep = KEEP.get(doctype, ())
	erased = rules.free_text_fields(fields, keep=keep)
	erased += [
		df.fieldname
		for df in meta.fields
		if df.fieldname not in keep
		and (
			df.fieldtype in ATTACH_TYPES
			or (df.fieldtype == "Data" and df.fieldname in IDENTIFYING_DATA_FIELDS)
		)
	]
	return erased


def erase_text(doctype: str, names: list[str]) -> None:
	"""Erase the erasable fields of ``names`` and of their child rows."""
	table = frappe.qb.DocType(doctype)
	# the cached copy of the latest comments, shown in lists
	frappe.qb.update(table).set(table._comments, None).where(table.name.isin(names)).run()
	for fieldname in erasable_fields(doctype):
		value = rules.ERASED if fieldname in ("student_name", "guardian_name") else None
		frappe.qb.update(table).set(table[fieldname], value).where(table.name.isin(names)).run()
	for df in frappe.get_meta(doctype).get_table_fields():
		child = frappe.qb.DocType(df.options)
		for fieldname in erasable_fields(df.options):
			value = rules.ERASED if fieldname == "student_name" else None
			(
				frappe.qb.update(child)
				.set(child[fieldname], value)
				.where((child.parenttype == doctype) & child.parent.isin(names))
				.run()
			)


def sessions_mentioning(student: str, old_values: list[str]) -> list[str]:
	"""Group sessions the student attended whose free text names them (the notes are erased)."""
	sessions = frappe.get_all(
		"Group Session Attendee", filters={"student": student, "parenttype": "Group Session"}, pluck="parent"
	)
	if not sessions:
		return []
	text_fields = erasable_fields("Group Session")
	found = []
	for row in frappe.get_all(
		"Group Session", filters={"name": ["in", sessions]}, fields=["name", *text_fields]
	):
		for fieldname in text_fields:
			if rules.mentions(row.get(fieldname), old_values):
				frappe.db.set_value("Group Session", row.name, fieldname, None, update_modified=False)
				found.append(row.name)
	return sorted(set(found))


def delete_files(history: list[tuple[str, list[str]]]) -> None:
	for doctype, names in history:
		for file in frappe.get_all(
			"File",
			filters={"attached_to_doctype": doctype, "attached_to_name": ["in", names]},
			pluck="name",
		):
			frappe.delete_doc("File", file, ignore_permissions=True, delete_permanently=True)


def delete_history(history: list[tuple[str, list[str]]], old_values: list[str]) -> None:
	"""Versions, comments, messages, notifications, to-dos and activity about the student's records.
	For a group session (several students) only the ones that name this student."""
	for doctype, names in history:
		for log_doctype, (type_field, name_field) in HISTORY.items():
			rows = frappe.get_all(
				log_doctype,
				filters={type_field: doctype, name_field: ["in", names]},
				fields=["name", *text_fields_of(log_doctype)],
			)
			if doctype == "Group Session":
				rows = [
					row for row in rows if any(rules.mentions(value, old_values) for value in row.values())
				]
			if rows:
				frappe.db.delete(log_doctype, {"name": ["in", [row.name for row in rows]]})


def text_fields_of(doctype: str) -> list[str]:
	return {
		"Version": ["data"],
		"Comment": ["content"],
		"Communication": ["subject", "content"],
		"Notification Log": ["subject", "email_content"],
		"ToDo": ["description"],
		"Activity Log": ["subject", "content"],
	}[doctype]


# ------------------------------------------------------------------ the daily job


def list_due_students() -> None:
	"""Daily: for each affiliate with students due, a dry-run Retention Run (unless one is already
	waiting) and a notification to its CIS Administrators. Nothing is erased."""
	for affiliate in frappe.get_all("Affiliate", pluck="name"):
		due, _skipped = due_in_affiliate(affiliate)
		if not due:
			continue
		if frappe.db.exists("Retention Run", {"affiliate": affiliate, "status": "Dry Run"}):
			continue
		run = frappe.get_doc(
			{"doctype": "Retention Run", "affiliate": affiliate, "triggered_by": "Scheduled Job"}
		)
		run.insert(ignore_permissions=True)
		notify_administrators(run)


def notify_administrators(run) -> None:
	admins = frappe.get_all(
		"Affiliate Staff",
		filters={"parenttype": "Affiliate", "parent": run.affiliate, "staff_role": ADMIN_ROLE},
		pluck="user",
	)
	for user in sorted(set(admins)):
		if not frappe.db.get_value("User", user, "enabled"):
			continue
		frappe.get_doc(
			{
				"doctype": "Notification Log",
				"for_user": user,
				"type": "Alert",
				"document_type": "Retention Run",
				"document_name": run.name,
				"subject": _(
					"{0} students of {1} are due for record erasure. Review the list and confirm in Retention Run {2}."
				).format(run.students_due, run.affiliate, run.name),
			}
		).insert(ignore_permissions=True)
