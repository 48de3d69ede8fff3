"""The FERPA disclosure record (34 CFR 99.32), as plain rules.

Every disclosure of student-level information writes one Disclosure Record per student: who disclosed,
to whom, when, what (the fields or the document, and the file type), the legal basis and the purpose.
Exports and prints from the desk are disclosures too; this module decides, from what was exported or
printed, which students it concerned and what the record says. The Frappe layer (``cis_app.cis_case_management.disclosures``)
reads the rows with the exporting user's own permissions and writes the records.

- ``student_column``: where the students of an export come from (the Student's own name, a link to the
  student on the exported DocType, or a link in an exported child table such as a group session's
  attendees). None: the export is not student-level (a school-wide activity, a partner list) and writes
  no record.
- ``students_in``: the distinct students named in a list of values (empty values left out).
- ``disclosure_rows``: one row per student; none at all for an export of 0 students.
- ``family_language``: the language a family document is printed in (the primary guardian's).
- ``desk_page`` and ``may_print_report``: a report's PDF (``report_to_pdf``) carries only rendered HTML,
  so the page that asked for it (the request's Referer) tells what was printed, and a print of student
  rows, which could not name its students, is refused.
"""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Iterable, Mapping
from urllib.parse import parse_qsl, unquote, urlsplit

CONSENT = "Consent"
DIRECTORY_INFORMATION = "Directory Information"
HEALTH_OR_SAFETY = "Health or Safety Emergency"
SCHOOL_OFFICIAL = "School Official"
LEGAL_BASES = (CONSENT, DIRECTORY_INFORMATION, HEALTH_OR_SAFETY, SCHOOL_OFFICIAL)
# an evaluator's extract under a written agreement (99.31(a)(6)); written by the extract only, never
# named by a person for an export (so not among LEGAL_BASES)
STUDIES = "Studies Exception"
ALL_BASES = (*LEGAL_BASES, STUDIES)
# A staff member exporting or printing from the desk is a school official with a legitimate
# educational interest (99.31(a)(1)) unless they say otherwise.
DEFAULT_EXPORT_BASIS = SCHOOL_OFFICIAL

# How the desk disclosed it (the first words of "what").
REPORT_BUILDER_EXPORT = "Report Builder export"
QUERY_REPORT_EXPORT = "Report export"
PRINT = "Print"
PDF = "PDF download"
PRINT_PREVIEW = "Print preview"
FILE_DOWNLOAD = "File download"
EMAIL = "Email"
MENTION = "Mention in a comment (emailed)"
EVALUATION_EXTRACT = "Evaluation extract (de-identified)"

# The purpose recorded when the request names none (stored as written; family documents translate it)
EXPORT_PURPOSE = "Export from the desk by school staff"
PRINT_PURPOSE = "Print from the desk by school staff"
FILE_PURPOSE = "Download of a file attached to the record"
EMAIL_PURPOSE = "Email sent from the desk"

# Prints handed to the family itself: a disclosure to the parent, which 99.32(d)(1) does not record
FAMILY_PRINT_FORMATS = frozenset({"Student Disclosure Record"})

FIELD_REFERENCE = re.compile(r"`tab([^`]+)`\.`?([A-Za-z_][A-Za-z0-9_]*)`?")
MAX_WHAT = 1000

FAMILY_LANGUAGES = ("English", "Spanish")


class DisclosureRuleError(ValueError):
	"""Input the rules cannot use (an unknown legal basis)."""


def student_column(
	doctype: str,
	student_fields: Mapping[str, str],
	fields: Iterable[str] = (),
	child_tables: Iterable[str] = (),
) -> tuple[str, str] | None:
	"""(DocType, fieldname) whose values name the students of an export of ``doctype``.

	``student_fields``: for each DocType holding student rows, the field linking the student ("name" for
	Student itself). ``fields``: the exported columns as Frappe writes them ("`tabGroup Session
	Attendee`.`student`"); a child table named there counts when ``doctype`` itself names no student.
	``child_tables``: the child DocTypes of ``doctype``.
	"""
	if doctype in student_fields:
		return doctype, student_fields[doctype]
	children = set(child_tables)
	for field in fields:
		match = FIELD_REFERENCE.search(str(field))
		if match and match.group(1) in children and match.group(1) in student_fields:
			return match.group(1), student_fields[match.group(1)]
	return None


def students_in(values: Iterable) -> list[str]:
	"""The distinct, non-empty student names among ``values``, in order."""
	return sorted({str(value).strip() for value in values if value and str(value).strip()})


def check_legal_basis(value: str | None, default: str = DEFAULT_EXPORT_BASIS) -> str:
	"""``value`` if it is one of ``LEGAL_BASES`` (the default when empty); DisclosureRuleError otherwise."""
	value = (value or "").strip() or default
	if value not in LEGAL_BASES:
		raise DisclosureRuleError(value)
	return value


def describe(kind: str, source: str, labels: Iterable[str] = (), file_type: str | None = None) -> str:
	"""What was disclosed, in one line: "Report Builder export (CSV) of Student: First Name, Grade"."""
	head = f"{kind} ({file_type})" if file_type else kind
	labels = [label for label in labels if label]
	text = f"{head} of {source}" + (": " + ", ".join(labels) if labels else "")
	return text if len(text) <= MAX_WHAT else text[: MAX_WHAT - 1] + "…"


def disclosure_rows(
	students: Iterable[str], sites: Mapping[str, str | None], common: Mapping[str, object]
) -> list[dict]:
	"""One Disclosure Record (as a dict) per student named in ``students`` with a known site.

	``sites``: the site of each student (a student no longer found is left out). ``common``: the
	fields every row shares (who, when, what, legal basis, purpose, reference). An export of 0 students
	gives no row at all.
	"""
	rows = []
	for student in students_in(students):
		site = sites.get(student)
		if not site:
			continue
		rows.append({**common, "student": student, "site": site})
	return rows


def period(from_date: datetime.date | None, to_date: datetime.date | None) -> tuple:
	"""(start, end) datetimes covering whole days; a missing bound is open. Raises
	DisclosureRuleError when the start is after the end."""
	if from_date and to_date and from_date > to_date:
		raise DisclosureRuleError("period")
	start = datetime.datetime.combine(from_date, datetime.time.min) if from_date else None
	end = datetime.datetime.combine(to_date, datetime.time.max) if to_date else None
	return start, end


def family_language(guardian_languages: Iterable[str | None]) -> str:
	"""The language of a family document: the first guardian's (guardians listed primary first), when
	it is one the documents are written in; English otherwise."""
	for language in guardian_languages:
		return language if language in FAMILY_LANGUAGES else "English"
	return "English"


def _column_fieldname_and_target(column, index: int) -> tuple[object, str | None]:
	"""(key to read the row with, linked DocType) of a report column, as dict or "Label:Link/Student:90"."""
	if isinstance(column, Mapping):
		target = column.get("options") if column.get("fieldtype") == "Link" else None
		return column.get("fieldname") or index, target
	parts = str(column).split(":")
	kind = parts[1] if len(parts) > 1 else ""
	target = kind.split("/", 1)[1] if kind.startswith("Link/") else None
	return index, target


def _student_columns(columns: Iterable) -> list[tuple[object, int]]:
	"""(key, index) of every report column linking to Student."""
	keys = []
	for index, column in enumerate(columns or []):
		key, target = _column_fieldname_and_target(column, index)
		if target == "Student":
			keys.append((key, index))
	return keys


def report_names_students(columns: Iterable) -> bool:
	"""Whether a report with these columns lists students (a column links to Student), whatever its
	rows: an aggregate of counts and rates does not."""
	return bool(_student_columns(columns))


def students_from_report(columns: Iterable, rows: Iterable) -> list[str]:
	"""The students a report's rows name: the values of every column linking to Student. A report
	without such a column (an aggregate of counts and rates) names none."""
	keys = _student_columns(columns)
	if not keys:
		return []
	values = []
	for row in rows or []:
		for key, index in keys:
			if isinstance(row, Mapping):
				values.append(row.get(key))
			elif isinstance(row, list | tuple) and index < len(row):
				values.append(row[index])
	return students_in(values)


# ------------------------------------------------------------------ report prints (report_to_pdf)

QUERY_REPORT = "query-report"
DOCTYPE_PAGE = "doctype"
# desk routes whose second part names the DocType as written ("/app/print/Student/STU-0001")
DOCTYPE_ROUTES = frozenset({"print", "list", "form"})


def desk_slug(doctype: str) -> str:
	"""The desk's route of a DocType ("Student Check-In" -> "student-check-in"), as ``frappe.router.slug``."""
	return doctype.lower().replace(" ", "-")


def desk_page(url: str | None) -> tuple[str, str, dict] | None:
	"""What desk page ``url`` (a request's Referer) shows: (QUERY_REPORT, report name, filters) for
	"/app/query-report/<Report Name>?<filters>", (DOCTYPE_PAGE, DocType name or route, {}) for
	"/app/<doctype-route>/..." (list, Report Builder, form, print view). None when it is no desk page.
	Filters given as JSON lists (multi-select filters) are read as lists."""
	if not url or not isinstance(url, str):
		return None
	try:
		parts = urlsplit(url.strip())
	except ValueError:
		return None
	path = unquote(parts.path or "")
	if not path.startswith("/app/"):
		return None
	route = [part for part in path[len("/app/") :].split("/") if part]
	if not route:
		return None
	if route[0] == QUERY_REPORT:
		if len(route) < 2:
			return None
		filters = {}
		for key, value in parse_qsl(parts.query, keep_blank_values=False):
			if value.startswith("["):
				try:
					value = json.loads(value)
				except ValueError:
					pass
			filters[key] = value
		return QUERY_REPORT, route[1], filters
	if route[0].lower() in DOCTYPE_ROUTES:
		return (DOCTYPE_PAGE, route[1], {}) if len(route) > 1 else None
	return DOCTYPE_PAGE, route[0], {}


def doctype_of_route(route: str, doctypes: Iterable[str]) -> str | None:
	"""The DocType among ``doctypes`` a desk route names ("student-check-in" or "Student Check-In")."""
	doctypes = list(doctypes)
	if route in doctypes:
		return route
	wanted = desk_slug(route)
	return next((doctype for doctype in doctypes if desk_slug(doctype) == wanted), None)


def doctype_names_students(
	doctype: str, student_fields: Mapping[str, str], child_tables: Iterable[str] = ()
) -> bool:
	"""Whether a list of ``doctype`` can show students: it names one itself, or one of its child tables
	does (the widest reading of ``student_column``, as a print does not say which columns it shows)."""
	return student_column(doctype, student_fields) is not None or any(
		child in student_fields for child in child_tables
	)


def may_print_report(student_level: bool | None, staff: bool) -> bool:
	"""Whether a report's PDF may be made: never of student rows (``student_level`` True), which it could
	not name in a disclosure record; when what is printed is unknown (None), only for a user who is not
	school staff (they cannot read student rows)."""
	if student_level is None:
		return not staff
	return not student_level
