"""The disclosure record of exports and prints, and who looked at a student's record.

**Exports and prints** (FERPA 34 CFR 99.32). Frappe notes some exports and prints in its Access Log, but
writes that log with ``db_insert`` (no document events fire) and not at all for query report exports or
PDF downloads. So the doors themselves are wrapped (``override_whitelisted_methods`` in hooks.py) and
the print view page is followed through ``update_website_context``:

- ``frappe.desk.reportview.export_query`` (Report Builder export): the students are recomputed from the
  exported DocType, filters and columns with the exporting user's own permissions (``get_list``);
- ``frappe.desk.query_report.export_query``: the students named in the exported rows of a report whose
  reference DocType is scoped (an aggregate report names none);
- ``frappe.utils.print_format.download_pdf`` / ``download_multi_pdf`` and the ``/printview`` page: the
  students of the printed document;
- ``frappe.utils.print_format.report_to_pdf`` (a query report's PDF): the desk sends only the rendered
  HTML, which names no student a record could point at, so a PDF of student rows is refused and the
  user is sent to Export, which records them (``check_report_print``).

Each writes an Access Log where Frappe does not, and one Disclosure Record per student pointing at it;
an export of 0 students writes no record. The legal basis is School Official unless the request says
otherwise (``disclosure_legal_basis``, ``disclosure_purpose``). The rules are in
``cis_app.core.disclosures``.

**Who looked.** Opening a Student, Student Check-In or Referral in the desk writes a View Log (their
``track_views``). A REST read of one (``/api/resource/<DocType>/<name>``, ``/api/v2/document/...``,
``frappe.client.get``) writes one too (``record_api_read``, an ``after_request`` hook). View Logs follow the
viewed record's rule (``cis_app.permissions.record_trail``). Whole records are not given out any other way: a list or a
value asked with ``*`` (``fields=["*"]``, ``frappe.client.get_value(..., "*")``) of a DocType holding
students is refused with the fields to name instead (``cis_app.permissions.field_guard.refuse_whole_records``), so
every whole-record read goes through a door that records it.
"""

from __future__ import annotations

import functools
import re
from contextlib import contextmanager
from urllib.parse import unquote

import frappe
from frappe import _
from frappe.core.doctype.access_log.access_log import make_access_log
from frappe.model.naming import NamingSeries
from frappe.utils import escape_html, getdate, now_datetime

from cis_app.utils.bulk import insert_values, reserve_series_names
from cis_app.core import disclosures as rules
from cis_app.utils.exceptions import CISValidationError
from cis_app.overrides.export_cells import check_file_format, escaped_cells
from cis_app.utils.installed import on_this_site
from cis_app.permissions.scope import (
	SCOPED_DOCTYPES,
	STUDENT_LEVEL_DOCTYPES,
	get_permitted_sites,
	is_staff,
	is_unrestricted,
)
from cis_app.utils.student_records import child_tables, student_fields

SERIES = "DISC-.YYYY.-.#####"
# DocTypes whose reads are recorded (their ``track_views`` covers the desk form)
VIEWED_DOCTYPES = ("Student", "Student Check-In", "Referral")
# who sees a student's disclosures and record views on the Student form
ADMIN_ROLES = ("CIS Administrator",)
RECENT = 20


class DisclosureInputError(frappe.ValidationError):
	"""A legal basis or period the disclosure record cannot use."""


# ------------------------------------------------------------------ where students come from


def students_of_document(doc) -> list[str]:
	"""The students a printed document names: the student itself, its student, or its child rows'."""
	fields = student_fields()
	if doc.doctype in fields:
		return rules.students_in([doc.get(fields[doc.doctype])])
	values = []
	for df in doc.meta.get_table_fields():
		if df.options in fields:
			values.extend(row.get(fields[df.options]) for row in doc.get(df.fieldname) or [])
	return rules.students_in(values)


def is_student_level(doctype: str) -> bool:
	"""A DocType whose records name students (``STUDENT_LEVEL_DOCTYPES``), the disclosure record aside:
	printing one for the family is a disclosure to the parent, not recorded again."""
	return doctype in STUDENT_LEVEL_DOCTYPES and doctype != "Disclosure Record"


# ------------------------------------------------------------------ writing the records


def disclosure_params() -> tuple[str, str | None]:
	"""(legal basis, purpose) a request may name for its export or print, taken out of the form so the
	wrapped method does not see them."""
	basis = frappe.form_dict.pop("disclosure_legal_basis", None)
	purpose = frappe.form_dict.pop("disclosure_purpose", None)
	try:
		basis = rules.check_legal_basis(basis)
	except rules.DisclosureRuleError:
		frappe.throw(
			_("Legal basis {0} is not valid. Choose one of: {1}.").format(
				frappe.bold(basis), ", ".join(_(option) for option in rules.LEGAL_BASES)
			),
			DisclosureInputError,
		)
	return basis, (purpose or "").strip() or None


def reserve_names(count: int) -> list[str]:
	"""``count`` consecutive names of the Disclosure Record series, reserved in one update."""
	return reserve_series_names(NamingSeries(SERIES).get_prefix(), SERIES.count("#"), count)


def write_disclosures(
	students: list[str],
	what: str,
	legal_basis: str = rules.SCHOOL_OFFICIAL,
	purpose: str | None = None,
	reference_doctype: str | None = None,
	reference_name: str | None = None,
	user: str | None = None,
	recipient: dict | None = None,
) -> int:
	"""One Disclosure Record per student (none for 0 students): ``user`` disclosed ``what`` to
	themself (a staff export or print), or to ``recipient`` (``recipient_type`` and ``recipient_user``,
	``partner``, ``recipient_name``, ``consent``). The rows are checked by the rules and written in one
	insert, as an export may name thousands of students. Returns how many were written.

	The request that writes them is committed whatever its HTTP method (Frappe rolls a GET back)."""
	user = user or frappe.session.user
	recipient = {"recipient_type": "User", "recipient_user": user, **(recipient or {})}
	names = rules.students_in(students)
	if not names:
		return 0
	student_rows = frappe.get_all(
		"Student", filters={"name": ["in", names]}, fields=["name", "site", "student_name"]
	)
	sites = {row.name: row.site for row in student_rows}
	titles = {row.name: row.student_name for row in student_rows}
	now = now_datetime()
	rows = rules.disclosure_rows(
		names,
		sites,
		{
			"disclosed_on": now,
			"disclosed_by": user,
			"recipient_type": recipient.get("recipient_type"),
			"recipient_user": recipient.get("recipient_user"),
			"partner": recipient.get("partner"),
			"recipient_name": recipient.get("recipient_name"),
			"consent": recipient.get("consent"),
			"what": what,
			"legal_basis": legal_basis,
			"purpose": purpose,
			"reference_doctype": reference_doctype,
			"reference_name": reference_name,
		},
	)
	if not rows:
		return 0
	columns = [
		"name",
		"creation",
		"modified",
		"owner",
		"modified_by",
		"docstatus",
		"idx",
		"naming_series",
		"student",
		"student_name",
		"site",
		"disclosed_on",
		"disclosed_by",
		"recipient_type",
		"recipient_user",
		"partner",
		"recipient_name",
		"consent",
		"what",
		"legal_basis",
		"purpose",
		"reference_doctype",
		"reference_name",
	]
	values = [
		(
			name,
			now,
			now,
			user,
			user,
			0,
			0,
			SERIES,
			row["student"],
			titles.get(row["student"]),
			row["site"],
			row["disclosed_on"],
			row["disclosed_by"],
			row["recipient_type"],
			row["recipient_user"],
			row["partner"],
			row["recipient_name"],
			row["consent"],
			row["what"],
			row["legal_basis"],
			row["purpose"],
			row["reference_doctype"],
			row["reference_name"],
		)
		for name, row in zip(reserve_names(len(rows)), rows, strict=True)
	]
	for start in range(0, len(values), 10_000):  # one statement per 10,000 records
		insert_values("Disclosure Record", columns, values[start : start + 10_000])
	if getattr(frappe.local, "request", None) is not None:
		frappe.local.flags.commit = True  # a GET (the desk's PDF button) is otherwise rolled back
	return len(rows)


def access_log(doctype: str | None = None, document: str | None = None, **values) -> str | None:
	"""Write an Access Log (where Frappe does not) and return its name."""
	make_access_log(doctype=doctype, document=document, **values)
	return latest_access_log(doctype, document)


def latest_access_log(doctype: str | None, document: str | None = None) -> str | None:
	"""The newest Access Log of the session user for ``doctype`` (and ``document``), written within
	this request. None when Frappe deferred it (a read-only request)."""
	filters = {"user": frappe.session.user, "export_from": doctype}
	if document:
		filters["reference_document"] = document
	return frappe.db.get_value("Access Log", filters, "name", order_by="creation desc")


# ------------------------------------------------------------------ Report Builder export


@frappe.whitelist()
def export_report_builder():
	"""``frappe.desk.reportview.export_query``, then a disclosure record of the students exported."""
	# Frappe's function, read when called: a wrapper installed in its module since is the one used
	from frappe.desk.reportview import export_query, get_form_params

	basis, purpose = disclosure_params()
	check_file_format(frappe.form_dict.get("file_format_type"))
	params = get_form_params()
	with escaped_cells():
		result = export_query()
	record_report_builder_export(params, basis, purpose)
	return result


def record_report_builder_export(
	params, basis: str = rules.SCHOOL_OFFICIAL, purpose: str | None = None
) -> int:
	doctype = params.get("doctype")
	if not doctype or not is_student_level(doctype):
		return 0
	fields = params.get("fields") or []
	if isinstance(fields, str):
		fields = frappe.parse_json(fields)
	column = rules.student_column(doctype, student_fields(), fields, child_tables(doctype))
	if not column:
		return 0
	filters = params.get("filters")
	if selection := params.get("selected_items"):
		filters = {"name": ("in", frappe.parse_json(selection))}
	table, fieldname = column
	students = frappe.get_list(
		doctype,
		fields=[f"`tab{table}`.`{fieldname}` as student"],
		filters=filters,
		or_filters=params.get("or_filters"),
		limit_page_length=0,
		distinct=True,
		pluck="student",
	)
	what = rules.describe(
		rules.REPORT_BUILDER_EXPORT, _(doctype), field_labels(doctype, fields), params.get("file_format_type")
	)
	return write_disclosures(
		students,
		what,
		basis,
		purpose or rules.EXPORT_PURPOSE,
		*reference_of(latest_access_log(doctype)),
	)


def field_labels(doctype: str, fields: list) -> list[str]:
	"""The labels of exported columns ("`tabStudent`.`first_name`" -> "First Name")."""
	labels = []
	for field in fields:
		match = rules.FIELD_REFERENCE.search(str(field))
		table, fieldname = (match.group(1), match.group(2)) if match else (doctype, str(field).strip("`"))
		if fieldname in ("name", "owner") and table == doctype:
			label = "ID" if fieldname == "name" else None
		else:
			label = (
				frappe.get_meta(table).get_label(fieldname) if frappe.db.exists("DocType", table) else None
			)
		if label:
			label = _(label)
			labels.append(label if table == doctype else f"{_(table)}: {label}")
	return labels


def _titles(doctype: str, title_field: str, names) -> dict:
	"""``{name: title}`` of the given records of ``doctype`` (rows the caller already may read)."""
	names = [name for name in names if name]
	if not names:
		return {}
	return dict(
		frappe.get_all(doctype, filters={"name": ["in", names]}, fields=["name", title_field], as_list=True)
	)


def reference_of(access_log_name: str | None) -> tuple[str | None, str | None]:
	return ("Access Log", access_log_name) if access_log_name else (None, None)


# ------------------------------------------------------------------ query report export


def _install_report_capture() -> None:
	"""Let ``export_query_report`` see the rows a query report export wrote (per request)."""
	# Frappe's function, read when called: a wrapper installed in its module since is the one used
	from frappe.desk import query_report

	if getattr(query_report.run, "_cis_capture", False):
		return
	original = query_report.run

	@functools.wraps(original)  # the same signature, so frappe.call passes it the same arguments
	def run(*args, **kwargs):
		result = original(*args, **kwargs)
		# per call: this process may serve a site of the bench without cis_app next (cis_app.utils.installed)
		if getattr(frappe.local, "cis_report_capture", None) is not None and on_this_site():
			frappe.local.cis_report_capture.append(result)
		return result

	# It replaces the desk's own /api/method/frappe.desk.query_report.run for the rest of the process,
	# so it must stay whitelisted for the same HTTP methods (unlisted, every report would answer 403).
	run = frappe.whitelist(methods=frappe.allowed_http_methods_for_whitelisted_func.get(original))(run)
	run._cis_capture = True
	query_report.run = run


@contextmanager
def captured_report_runs():
	_install_report_capture()
	frappe.local.cis_report_capture = []
	try:
		yield frappe.local.cis_report_capture
	finally:
		frappe.local.cis_report_capture = None


@frappe.whitelist()
def export_query_report():
	"""``frappe.desk.query_report.export_query``, then a disclosure record of the students its rows
	name (reports on scoped DocTypes only)."""
	# Frappe's function, read when called: a wrapper installed in its module since is the one used
	from frappe.desk.query_report import export_query

	basis, purpose = disclosure_params()
	report_name = frappe.form_dict.get("report_name")
	file_type = check_file_format(frappe.form_dict.get("file_format_type"))
	filters = frappe.form_dict.get("filters")
	if not report_name or not isinstance(report_name, str):
		frappe.throw(_("Name the report to export (report_name)."), CISValidationError, title=_("Export"))
	if not frappe.db.exists("Report", report_name):
		frappe.throw(
			_("Report {0} does not exist.").format(frappe.bold(escape_html(report_name))),
			frappe.DoesNotExistError,
		)
	with captured_report_runs() as runs, escaped_cells():
		result = export_query()
	ref_doctype = frappe.get_cached_value("Report", report_name, "ref_doctype") if report_name else None
	if not runs or not ref_doctype or not is_student_level(ref_doctype):
		return result
	data = runs[-1] or {}
	students = rules.students_from_report(data.get("columns"), data.get("result"))
	if students:
		log = access_log(
			ref_doctype, report_name=report_name, file_type=file_type, filters=filters, method="Report Export"
		)
		write_disclosures(
			students,
			rules.describe(rules.QUERY_REPORT_EXPORT, _(report_name), file_type=file_type),
			basis,
			purpose or rules.EXPORT_PURPOSE,
			*reference_of(log),
		)
	return result


# ------------------------------------------------------------------ prints and PDFs


def record_print(
	doctype: str,
	name: str,
	print_format: str | None,
	kind: str,
	basis: str = rules.SCHOOL_OFFICIAL,
	purpose: str | None = None,
	log: str | None = None,
	file_type: str = "PDF",
) -> int:
	"""A disclosure record for each student of a printed document (only documents the user may print)."""
	if not is_student_level(doctype) or frappe.session.user == "Guest" or not name:
		return 0
	if print_format in rules.FAMILY_PRINT_FORMATS:
		return 0
	if not frappe.db.exists(doctype, name):
		return 0
	doc = frappe.get_doc(doctype, name)
	if not (frappe.has_permission(doctype, "print", doc) or frappe.has_permission(doctype, "read", doc)):
		return 0
	students = students_of_document(doc)
	if not students:
		return 0
	if log is None:
		log = access_log(doctype, name, file_type=file_type, method=kind)
	what = rules.describe(
		kind,
		f"{_(doctype)} {name}",
		[_("print format {0}").format(_(print_format or "Standard"))],
		file_type,
	)
	return write_disclosures(students, what, basis, purpose or rules.PRINT_PURPOSE, *reference_of(log))


@frappe.whitelist(allow_guest=True)
def download_pdf(
	doctype: str,
	name: str,
	format: str | None = None,
	doc: str | None = None,
	no_letterhead: int = 0,
	language: str | None = None,
	letterhead: str | None = None,
):
	"""``frappe.utils.print_format.download_pdf``, then a disclosure record of the printed students."""
	# Frappe's function, read when called: a wrapper installed in its module since is the one used
	from frappe.utils.print_format import download_pdf as original

	basis, purpose = disclosure_params()
	original(
		doctype,
		name,
		format=format,
		doc=doc,
		no_letterhead=no_letterhead,
		language=language,
		letterhead=letterhead,
	)
	record_print(doctype, name, format, rules.PDF, basis, purpose)


def _documents(doctype, name) -> list[tuple[str, str]]:
	"""(DocType, name) pairs of a multi-PDF request (one DocType and a list, or a dict of lists)."""
	if isinstance(doctype, str) and doctype.startswith("{"):
		doctype = frappe.parse_json(doctype)
	if isinstance(doctype, dict):
		return [(dt, docname) for dt, names in doctype.items() for docname in names or []]
	names = frappe.parse_json(name) if isinstance(name, str) else name
	return [(doctype, docname) for docname in names or []]


@frappe.whitelist()
def download_multi_pdf(doctype, name, format=None, no_letterhead=False, letterhead=None, options=None):
	"""``frappe.utils.print_format.download_multi_pdf``, then a disclosure record per printed student."""
	# Frappe's function, read when called: a wrapper installed in its module since is the one used
	from frappe.utils.print_format import download_multi_pdf as original

	basis, purpose = disclosure_params()
	result = original(doctype, name, format, no_letterhead, letterhead, options)
	for dt, docname in _documents(doctype, name):
		record_print(dt, docname, format, rules.PDF, basis, purpose)
	return result


@frappe.whitelist()
def download_multi_pdf_async(doctype, name, format=None, no_letterhead=False, letterhead=None, options=None):
	"""``download_multi_pdf_async``: the disclosure is recorded when the PDF is asked for."""
	# Frappe's function, read when called: a wrapper installed in its module since is the one used
	from frappe.utils.print_format import download_multi_pdf_async as original

	basis, purpose = disclosure_params()
	result = original(doctype, name, format, no_letterhead, letterhead, options)
	for dt, docname in _documents(doctype, name):
		record_print(dt, docname, format, rules.PDF, basis, purpose)
	return result


@frappe.whitelist()
def get_html_and_style(
	doc: str,
	name: str | None = None,
	print_format: str | None = None,
	no_letterhead: bool | None = None,
	letterhead: str | None = None,
	trigger_print: bool = False,
	style: str | None = None,
	settings: str | None = None,
):
	"""``frappe.www.printview.get_html_and_style`` (the desk's print preview), then a disclosure
	record of the previewed students: the preview is the whole print, ready to be saved or printed."""
	# Frappe's function, read when called: a wrapper installed in its module since is the one used
	from frappe.www.printview import get_html_and_style as original

	basis, purpose = disclosure_params()
	result = original(
		doc,
		name=name,
		print_format=print_format,
		no_letterhead=no_letterhead,
		letterhead=letterhead,
		trigger_print=trigger_print,
		style=style,
		settings=settings,
	)
	if isinstance(doc, str) and isinstance(name, str):
		record_print(doc, name, print_format, rules.PRINT_PREVIEW, basis, purpose, file_type="HTML")
	return result


def record_printview(context) -> None:
	"""``update_website_context`` hook: the ``/printview`` page (the desk's Print button) printed a
	document. Runs after the page's own ``get_context`` checked the print permission and wrote its
	Access Log."""
	request = getattr(frappe.local, "request", None)
	if not request or request.path.rstrip("/") != "/printview":
		return
	doctype, name = context.get("doctype"), context.get("name")
	if not (doctype and name and isinstance(doctype, str) and isinstance(name, str)):
		return
	if not is_student_level(doctype) or frappe.session.user == "Guest":
		return
	try:
		basis, purpose = disclosure_params()
	except DisclosureInputError:
		basis, purpose = rules.SCHOOL_OFFICIAL, None
	written = record_print(
		doctype,
		name,
		context.get("print_format"),
		rules.PRINT,
		basis,
		purpose,
		log=latest_access_log(doctype, name) or "",
	)
	if written:
		# a GET request is rolled back unless flagged (Frappe's own Access Log commits itself)
		frappe.local.flags.commit = True


# ------------------------------------------------------------------ report PDFs (report_to_pdf)


class ReportPrintRefused(frappe.PermissionError):
	"""A report PDF of student rows, whose students a disclosure record could not name."""


def query_report_is_student_level(report_name: str, filters: dict) -> bool | None:
	"""The query report export's rule, for a print: student-level when the report's reference DocType
	is and the report, run again with the page's filters and the user's own permissions, has a column
	naming students (even with no row: what was printed may differ). None when there is no such report.
	A report that cannot be run again counts as student-level."""
	# Frappe's function, read when called: a wrapper installed in its module since is the one used
	from frappe.desk.query_report import run

	if not frappe.db.exists("Report", report_name):
		return None
	ref_doctype = frappe.get_cached_value("Report", report_name, "ref_doctype")
	if not ref_doctype or not is_student_level(ref_doctype):
		return False
	messages = len(frappe.local.message_log or [])
	try:
		data = run(report_name, filters=frappe.as_json(filters), are_default_filters=False) or {}
	except Exception:
		if frappe.local.message_log:
			del frappe.local.message_log[messages:]
		return True
	if "columns" not in data:
		return True
	return rules.report_names_students(data.get("columns"))


def doctype_is_student_level(route: str) -> bool | None:
	"""The Report Builder export's rule, for a print of a DocType's page (list, Report Builder, form):
	student-level when the DocType or one of its child tables names students (a child table: when its
	parent does). None for no DocType."""
	doctype = rules.doctype_of_route(route, frappe.get_all("DocType", pluck="name"))
	if not doctype:
		return None
	return doctype_names_students(doctype)


def doctype_names_students(doctype: str) -> bool:
	if not is_student_level(doctype):
		return False
	if rules.doctype_names_students(doctype, student_fields(), child_tables(doctype)):
		return True
	parent = SCOPED_DOCTYPES[doctype].parent_doctype
	return bool(parent and parent != doctype and doctype_names_students(parent))


def report_print_student_level(referer: str | None) -> bool | None:
	"""Whether the desk page ``referer`` printed student rows (None: unknown)."""
	page = rules.desk_page(referer)
	if not page:
		return None
	kind, name, filters = page
	if kind == rules.QUERY_REPORT:
		filters.pop("prepared_report_name", None)
		return query_report_is_student_level(name, filters)
	return doctype_is_student_level(name)


def check_report_print() -> None:
	"""Refuse a report PDF of student rows, or of an unknown page asked for by school staff."""
	referer = frappe.get_request_header("Referer")
	student_level = report_print_student_level(referer)
	if rules.may_print_report(student_level, is_staff()):
		return
	if student_level is None:
		message = _(
			"This PDF cannot be made: the request does not say which report it is of, so the students it lists could not be recorded as a disclosure. Open the report in the desk and use Menu > Export instead, which records the disclosure."
		)
	else:
		message = _(
			"This report lists students, and a PDF of it could not record which students were disclosed. Use Menu > Export instead, which records the disclosure."
		)
	title = _("Use Export")
	# the desk asks for the PDF with a bare XMLHttpRequest that shows no error: tell the user's desk
	frappe.publish_realtime(
		"msgprint", {"message": message, "title": title, "indicator": "red"}, user=frappe.session.user
	)
	frappe.throw(message, ReportPrintRefused, title=title)


@frappe.whitelist()
def report_to_pdf(html: str, orientation: str = "Landscape"):
	"""``frappe.utils.print_format.report_to_pdf`` (a query report's PDF), after ``check_report_print``."""
	# Frappe's function, read when called: a wrapper installed in its module since is the one used
	from frappe.utils.print_format import report_to_pdf as original

	check_report_print()
	return original(html, orientation)


# ------------------------------------------------------------------ deletion


def log_deletion(record) -> None:
	"""A deleted Disclosure Record leaves a note on the student's timeline, which the student's
	administrators see and which outlives the record."""
	if not record.student or not frappe.db.exists("Student", record.student):
		return
	frappe.get_doc(
		{
			"doctype": "Comment",
			"comment_type": "Info",
			"reference_doctype": "Student",
			"reference_name": record.student,
			"content": _(
				"Disclosure record {0} was deleted by {1} on {2}. It recorded: {3}, disclosed on {4} by {5} ({6})."
			).format(
				record.name,
				frappe.session.user,
				frappe.format(now_datetime(), {"fieldtype": "Datetime"}),
				frappe.utils.escape_html(record.what or ""),
				frappe.format(record.disclosed_on, {"fieldtype": "Datetime"}),
				record.disclosed_by,
				_(record.legal_basis or ""),
			),
		}
	).insert(ignore_permissions=True)


# ------------------------------------------------------------------ what an administrator sees


def is_administrator(user: str | None = None) -> bool:
	user = user or frappe.session.user
	return is_unrestricted(user) or bool(set(frappe.get_roles(user)) & set(ADMIN_ROLES))


def disclosures_of(
	student: str | None = None,
	from_date=None,
	to_date=None,
	site: str | None = None,
	limit: int = 0,
) -> list[dict]:
	"""Disclosure records the session user may read (``get_list``: their scope), newest first."""
	try:
		start, end = rules.period(
			getdate(from_date) if from_date else None, getdate(to_date) if to_date else None
		)
	except rules.DisclosureRuleError:
		frappe.throw(_("From Date must be on or before To Date."), DisclosureInputError)
	filters = {}
	if student:
		filters["student"] = student
	if site:
		filters["site"] = site
	if start and end:
		filters["disclosed_on"] = ["between", [start, end]]
	elif start:
		filters["disclosed_on"] = [">=", start]
	elif end:
		filters["disclosed_on"] = ["<=", end]
	return frappe.get_list(
		"Disclosure Record",
		filters=filters,
		fields=[
			"name",
			"student",
			"student_name",
			"site",
			"disclosed_on",
			"disclosed_by",
			"recipient_type",
			"partner",
			"recipient_user",
			"recipient_name",
			"what",
			"legal_basis",
			"consent",
			"purpose",
			"reference_doctype",
			"reference_name",
		],
		order_by="disclosed_on desc, name desc",
		limit_page_length=limit,
	)


def record_views(
	student: str | None = None,
	site: str | None = None,
	from_date=None,
	to_date=None,
	viewed_by: str | None = None,
	limit: int = 500,
) -> list[dict]:
	"""Who opened a Student, Student Check-In or Referral (View Logs), newest first, within the sites
	the session user serves (View Log itself is readable by System Managers only, so the scope is
	applied here, explicitly). Each row names the student concerned."""
	user = frappe.session.user
	sites = None if is_unrestricted(user) else sorted(get_permitted_sites(user))
	if sites is not None and not sites:
		return []
	views = frappe.qb.DocType("View Log")
	rows = []
	for doctype in VIEWED_DOCTYPES:
		if not frappe.db.exists("DocType", doctype):
			continue
		target = frappe.qb.DocType(doctype)
		student_of = target.name if doctype == "Student" else target.student
		query = (
			frappe.qb.from_(views)
			.join(target)
			.on((views.reference_doctype == doctype) & (views.reference_name == target.name))
			.select(
				views.name,
				views.creation,
				views.viewed_by,
				views.reference_doctype,
				views.reference_name,
				student_of.as_("student"),
				target.site,
			)
		)
		if sites is not None:
			query = query.where(target.site.isin(sites))
		if site:
			query = query.where(target.site == site)
		if student:
			query = query.where(student_of == student)
		if viewed_by:
			query = query.where(views.viewed_by == viewed_by)
		if from_date:
			query = query.where(views.creation >= getdate(from_date))
		if to_date:
			query = query.where(views.creation < frappe.utils.add_days(getdate(to_date), 1))
		if limit:
			query = query.orderby(views.creation, order=frappe.qb.desc).limit(limit)
		rows.extend(query.run(as_dict=True))
	rows.sort(key=lambda row: (row.creation, row.name), reverse=True)
	rows = rows[:limit] if limit else rows
	students = {row.student for row in rows if row.student}
	student_names = _titles("Student", "student_name", students)
	viewers = {row.viewed_by for row in rows}
	viewer_names = _titles("User", "full_name", viewers)
	for row in rows:
		row.student_name = student_names.get(row.student)
		row.viewer_name = viewer_names.get(row.viewed_by) or row.viewed_by
	return rows


def student_onload(student) -> None:
	"""The Student form's disclosures and record views, for the student's administrators only."""
	if not is_administrator() or not student.has_permission("read"):
		return
	student.set_onload("cis_disclosures", disclosures_of(student.name, limit=RECENT))
	student.set_onload("cis_record_views", record_views(student=student.name, limit=RECENT))


# ------------------------------------------------------------------ the family document


def family_language(student: str | None) -> str:
	"""The language a family document of ``student`` is printed in (``rules.family_language``)."""
	if not student:
		return "English"
	languages = frappe.get_all(
		"Student Guardian",
		filters={"parenttype": "Student", "parentfield": "guardians", "parent": student},
		order_by="is_primary desc, idx asc",
		pluck="preferred_language",
		limit=1,
	)
	return rules.family_language(languages)


def disclosure_record_for_print(student: str) -> dict:
	"""The data of the "Student Disclosure Record" print format (a Jinja method): the student's
	disclosures the user may read, for the period the print request names (``from_date``,
	``to_date``; all when none), and the language. Only the fields a family may see."""
	if not frappe.has_permission("Disclosure Record", "read"):
		frappe.throw(
			_("Only CIS Administrators may print a student's disclosure record."),
			frappe.PermissionError,
			title=_("Not Permitted"),
		)
	if not student or not frappe.has_permission("Student", "read", doc=student):
		return {"language": "English", "disclosures": [], "from_date": None, "to_date": None}
	from_date = _date_arg("from_date")
	to_date = _date_arg("to_date")
	rows = disclosures_of(student, from_date, to_date)
	partners = {row.partner for row in rows if row.partner}
	partner_names = _titles("Partner", "partner_name", partners)
	users = {row.recipient_user for row in rows if row.recipient_user} | {row.disclosed_by for row in rows}
	user_names = _titles("User", "full_name", users)
	disclosures = [
		{
			"disclosed_on": row.disclosed_on,
			"disclosed_by": user_names.get(row.disclosed_by) or row.disclosed_by,
			"recipient_type": row.recipient_type,
			"recipient": (
				partner_names.get(row.partner) or row.partner
				if row.recipient_type == "Partner"
				else (user_names.get(row.recipient_user) or row.recipient_user)
				if row.recipient_type == "User"
				else row.recipient_name
			)
			or "",
			"what": row.what,
			"legal_basis": row.legal_basis,
			"purpose": row.purpose or "",
		}
		for row in reversed(rows)
	]
	return {
		"language": family_language(student),
		"disclosures": disclosures,
		"from_date": from_date,
		"to_date": to_date,
	}


def _date_arg(key: str):
	value = frappe.form_dict.get(key)
	if not value or not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
		return None
	try:
		return getdate(value)
	except Exception:
		return None


# ------------------------------------------------------------------ REST reads


API_READ = re.compile(r"^/api/(?:v1/)?resource/([^/]+)/(.+)$|^/api/v2/document/([^/]+)/([^/]+)$")


def write_view_log(doctype: str, name: str, user: str | None = None) -> None:
	"""Record that ``user`` (the session user) looked at a record, as Frappe's desk form does: a View
	Log. The caller decides when it is committed."""
	frappe.get_doc(
		{
			"doctype": "View Log",
			"viewed_by": user or frappe.session.user,
			"reference_doctype": doctype,
			"reference_name": name,
		}
	).insert(ignore_permissions=True)


def record_api_read(response=None, request=None) -> None:
	"""``after_request`` hook: a successful REST read of a Student, Student Check-In or Referral
	writes a View Log, as opening the desk form does.

	Runs after the request's own transaction has ended, so the View Log is committed on its own."""
	request = request or getattr(frappe.local, "request", None)
	if not request or request.method != "GET" or not response or response.status_code != 200:
		return
	path = request.path
	if not path.startswith("/api/"):
		return
	doctype = name = None
	if path.rstrip("/") in ("/api/method/frappe.client.get", "/api/v1/method/frappe.client.get"):
		doctype, name = frappe.form_dict.get("doctype"), frappe.form_dict.get("name")
	elif match := API_READ.match(path):
		doctype = unquote(match.group(1) or match.group(3))
		name = unquote(match.group(2) or match.group(4))
	if doctype not in VIEWED_DOCTYPES or not name or not isinstance(name, str):
		return
	user = frappe.session.user
	if user == "Guest" or not frappe.db.exists(doctype, name):
		return
	write_view_log(doctype, name, user)
	frappe.db.commit()  # nosemgrep: the request's transaction has already ended (after_request)
