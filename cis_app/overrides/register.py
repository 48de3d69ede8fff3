"""Every place the app changes Frappe's behaviour where Frappe offers no hook, in one list.

Each entry says what it changes, why no hook serves, and the Frappe version and function it was written
against (its code copies that function's signature or behaviour). Each has a live-path test: a request
through Frappe's public route that shows the patch's effect, so that when a Frappe update routes around
the patched function (a new query builder, a renamed method, a new desk script), the test goes red
instead of the guard going quiet. ``cis_app/tests/test_frappe_patches.py`` holds those tests and checks that
this list names each of them, and ``pyproject.toml`` names the Frappe versions the suite has run on.

A wrapped Frappe function stays in the process, which serves every site of the bench in turn: each
wrapper asks per call whether the site being served has the app (``cis_app.utils.installed.on_this_site``)
and is Frappe's function alone where it does not.

Whitelisted-method overrides (``override_whitelisted_methods`` in hooks.py) are a hook, but they copy
the signature and behaviour of the Frappe method they replace, so they are listed here too.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass

import frappe

from cis_app.utils.installed import on_this_site

FRAPPE_VERSION = "15.55.1"


@dataclass(frozen=True)
class Patch:
	target: str  # the Frappe function (or desk JS function) changed
	kind: str  # "wrapped", "replaced", "override_whitelisted_methods", "js"
	by: str  # where the app does it
	what: str
	why_no_hook: str
	live_test: str  # test method in cis_app/tests/test_frappe_patches.py


OVERRIDE = "override_whitelisted_methods"
WHY_OVERRIDE = (
	"Frappe has no hook between a whitelisted method's arguments and its answer; the override is "
	"Frappe's own way to replace one, and it copies the method's signature."
)

PATCHES: tuple[Patch, ...] = (
	Patch(
		"frappe.model.db_query.DatabaseQuery.build_conditions",
		"wrapped",
		"cis_app.permissions.field_guard.install",
		"Refuses a list query that filters, sorts or groups by a field of an app DocType the user "
		"cannot read, or asks for whole student records.",
		"No hook runs between parsing a list's arguments and building its SQL; permission_query_conditions "
		"adds conditions but cannot see the user's own filters.",
		"test_field_guard_is_on_every_list_route",
	),
	Patch(
		"frappe.desk.query_report.run",
		"wrapped",
		"cis_app.cis_case_management.disclosures._install_report_capture",
		"Lets a query report export see the rows it wrote, to record the students in them.",
		"export_query builds the file inside one call; nothing hands its rows to another app.",
		"test_query_report_export_records_its_students",
	),
	Patch(
		"frappe.desk.form.document_follow.get_version",
		"wrapped",
		"cis_app.overrides.register.install_follow_digest_filter",
		"The follow digest leaves out changes to fields of an app DocType its recipient cannot read.",
		"The digest is built and sent by Frappe's scheduler job; no hook sees its content.",
		"test_follow_digest_leaves_out_unreadable_fields",
	),
	Patch(
		"frappe.desk.form.load.get_versions",
		"wrapped",
		"cis_app.overrides.register.install_version_filter",
		"The form's timeline (getdoc, get_docinfo) leaves out the old and new values of fields of an app "
		"DocType the reader cannot read.",
		"The docinfo is built after the document's onload; no hook sees it.",
		"test_form_timeline_leaves_out_unreadable_fields",
	),
	*(
		Patch(
			writer,
			"wrapped",
			"cis_app.overrides.export_cells.install",
			"Inside the app's export overrides only, text cells starting with = + - @, a tab or a CR are "
			"escaped so a spreadsheet never runs them as formulas.",
			"No hook runs between building an export's rows and writing its file.",
			"test_exports_escape_formula_like_cells_through_frappes_writers",
		)
		for writer in ("frappe.desk.utils.get_csv_bytes", "frappe.utils.xlsxutils.make_xlsx")
	),
	Patch(
		"frappe.render_pdf",
		"js",
		"cis_app/public/js/report_pdf.js",
		"Shows the server's message when a report PDF is refused (Frappe's shows nothing but a 200).",
		"The desk function takes no callback for an error answer.",
		"test_report_pdf_script_replaces_render_pdf",
	),
	*(
		Patch(target, OVERRIDE, by, what, WHY_OVERRIDE, test)
		for target, by, what, test in (
			(
				"frappe.desk.query_report.run",
				"cis_app.overrides.prepared_reports.run",
				"A prepared report only for its maker, never of a report that lists students.",
				"test_overrides_are_on_the_live_path",
			),
			(
				"frappe.core.doctype.prepared_report.prepared_report.make_prepared_report",
				"cis_app.overrides.prepared_reports.make_prepared_report",
				"The same rule when a prepared report is asked for directly.",
				"test_overrides_are_on_the_live_path",
			),
			(
				"frappe.client.get_count",
				"cis_app.overrides.generic_methods.get_count",
				"Counts through get_list, so row rules apply.",
				"test_overrides_are_on_the_live_path",
			),
			(
				"frappe.client.validate_link",
				"cis_app.overrides.generic_methods.validate_link",
				"A record the user may not see answers as one that does not exist.",
				"test_overrides_are_on_the_live_path",
			),
			(
				"frappe.desk.search.get_link_title",
				"cis_app.overrides.generic_methods.get_link_title",
				"Titles only of readable records of app DocTypes.",
				"test_overrides_are_on_the_live_path",
			),
			(
				"frappe.desk.listview.get_group_by_count",
				"cis_app.overrides.generic_methods.get_group_by_count",
				"Assignment counts only over readable records.",
				"test_overrides_are_on_the_live_path",
			),
			(
				"frappe.desk.doctype.tag.tag.get_tagged_docs",
				"cis_app.overrides.generic_methods.get_tagged_docs",
				"Tagged records only where readable.",
				"test_overrides_are_on_the_live_path",
			),
			(
				"frappe.desk.reportview.export_query",
				"cis_app.cis_case_management.disclosures.export_report_builder",
				"Records the students of a Report Builder export.",
				"test_overrides_are_on_the_live_path",
			),
			(
				"frappe.desk.query_report.export_query",
				"cis_app.cis_case_management.disclosures.export_query_report",
				"Records the students of a query report export.",
				"test_overrides_are_on_the_live_path",
			),
			(
				"frappe.utils.print_format.download_pdf",
				"cis_app.cis_case_management.disclosures.download_pdf",
				"Records the students of a PDF.",
				"test_overrides_are_on_the_live_path",
			),
			(
				"frappe.utils.print_format.download_multi_pdf",
				"cis_app.cis_case_management.disclosures.download_multi_pdf",
				"Records the students of a multi-document PDF.",
				"test_overrides_are_on_the_live_path",
			),
			(
				"frappe.utils.print_format.download_multi_pdf_async",
				"cis_app.cis_case_management.disclosures.download_multi_pdf_async",
				"Records the students of a queued multi-document PDF.",
				"test_overrides_are_on_the_live_path",
			),
			(
				"frappe.utils.print_format.report_to_pdf",
				"cis_app.cis_case_management.disclosures.report_to_pdf",
				"Refuses a report PDF of student rows (it could not name them).",
				"test_overrides_are_on_the_live_path",
			),
			(
				"frappe.www.printview.get_html_and_style",
				"cis_app.cis_case_management.disclosures.get_html_and_style",
				"Records the students of a print preview.",
				"test_overrides_are_on_the_live_path",
			),
		)
	),
)


def overrides() -> dict[str, str]:
	"""The whitelisted-method overrides this list names (hooks.py must hold exactly these)."""
	return {patch.target: patch.by for patch in PATCHES if patch.kind == OVERRIDE}


# ------------------------------------------------------------------ the follow digest


def install_follow_digest_filter() -> None:
	"""Wrap ``frappe.desk.form.document_follow.get_version`` (Frappe 15.55.1), once per process: for an
	app DocType, the changes of fields the follower cannot read are left out of their digest."""
	# Frappe's module, read when the wrapper is installed (once per process, by a hook)
	from frappe.desk.form import document_follow

	if getattr(document_follow.get_version, "_cis_digest_filter", False):
		return
	original = document_follow.get_version

	@functools.wraps(original)
	def get_version(doctype, doc_name, frequency, user):
		timeline = original(doctype, doc_name, frequency, user)
		if not _is_app_doctype(doctype):
			return timeline
		readable = readable_fields(doctype, user)
		return [item for item in timeline if _item_readable(item, doctype, readable)]

	get_version._cis_digest_filter = True
	document_follow.get_version = get_version


def _is_app_doctype(doctype) -> bool:
	"""Whether ``doctype`` is one of the app's, on a site that has the app (a process keeps the patches
	when it serves another site of the bench)."""
	from cis_app.permissions.field_guard import is_app_doctype  # field_guard imports this module's peers
	from cis_app.utils.installed import on_this_site

	return bool(doctype) and on_this_site() and is_app_doctype(doctype)


def readable_fields(doctype: str, user: str) -> set[str]:
	"""Field names (and labels, which the digest shows) of ``doctype`` and its child tables that
	``user`` may read (their permission level is one the user has)."""
	meta = frappe.get_meta(doctype)
	levels = set(meta.get_permlevel_access("read", user=user)) | {0}
	readable = set()
	for df in meta.fields:
		if (df.permlevel or 0) in levels:
			readable.update({df.fieldname, df.label})
			if df.fieldtype in ("Table", "Table MultiSelect") and df.options:
				child = frappe.get_meta(df.options)
				readable.update(
					name
					for f in child.fields
					if (f.permlevel or 0) in levels
					for name in (f.fieldname, f.label)
				)
	return {name for name in readable if name}


def _item_readable(item, doctype, readable) -> bool:
	data = item.get("data") or {}
	field = data.get("field") or data.get("table_field") or ""
	meta = frappe.get_meta(doctype)
	df = meta.get_field(field) or next((f for f in meta.fields if f.label == field), None)
	return bool(df is None and field in readable) or bool(df and df.fieldname in readable)


# ------------------------------------------------------------------ the form's timeline


def install_version_filter() -> None:
	"""Wrap ``frappe.desk.form.load.get_versions`` (Frappe 15.55.1), once per process: the Version rows
	a form shows (its timeline) keep only the changes of fields the reader may read."""
	# Frappe's module, read when the wrapper is installed (once per process, by a hook)
	from frappe.desk.form import load

	if getattr(load.get_versions, "_cis_version_filter", False):
		return
	original = load.get_versions

	@functools.wraps(original)
	def get_versions(doc):
		versions = original(doc)
		if not _is_app_doctype(doc.doctype):
			return versions
		readable = readable_fields(doc.doctype, frappe.session.user)
		for version in versions:
			version["data"] = scrub_version_data(version.get("data"), readable)
		return versions

	get_versions._cis_version_filter = True
	load.get_versions = get_versions


def scrub_version_data(data: str | None, readable: set[str]) -> str | None:
	"""A Version's ``data`` without the changes of fields outside ``readable``."""
	try:
		diff = json.loads(data) if data else None
	except ValueError:
		return None
	if not isinstance(diff, dict):
		return data
	diff["changed"] = [row for row in diff.get("changed") or [] if row and row[0] in readable]
	row_changed = []
	for row in diff.get("row_changed") or []:
		if len(row) > 3 and row[0] in readable:
			fields = [change for change in row[3] or [] if change and change[0] in readable]
			if fields:
				row_changed.append([*row[:3], fields])
	diff["row_changed"] = row_changed
	for key in ("added", "removed"):
		rows = []
		for row in diff.get(key) or []:
			if len(row) > 1 and row[0] in readable and isinstance(row[1], dict):
				rows.append([row[0], {k: v for k, v in row[1].items() if k in readable or k in _ROW_KEYS}])
		diff[key] = rows
	return json.dumps(diff, separators=(",", ":"))


_ROW_KEYS = frozenset({"name", "idx", "doctype", "parent", "parentfield", "parenttype", "docstatus"})


def install() -> None:
	"""``before_request`` and ``before_job``: the patches that live in this module."""
	install_follow_digest_filter()
	install_version_filter()
