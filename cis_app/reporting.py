"""Small helpers shared by the Script Reports."""

from __future__ import annotations


def report_filters(
	doctype: str, filters: dict, fields: tuple[str, ...], date_field: str | None = None
) -> list[list]:
	"""Frappe filter rows from a report's filter values: equality on each of ``fields`` that is set,
	and ``from_date`` / ``to_date`` bounds on ``date_field``."""
	conditions = [[doctype, field, "=", filters.get(field)] for field in fields if filters.get(field)]
	if date_field and filters.get("from_date"):
		conditions.append([doctype, date_field, ">=", filters["from_date"]])
	if date_field and filters.get("to_date"):
		conditions.append([doctype, date_field, "<=", filters["to_date"]])
	return conditions


def execute_refusing_cleanly(report: str, get_report, filters: dict | None):
	"""Run a Script Report's ``get_report(filters)``; when it refuses (raises), first cancel Frappe's
	prepared-report timer (and, on a read replica, switch Frappe to read-only mode so the refusal is
	logged later on the primary, not written on the replica).

	Frappe v15 (``Report.execute_script_report``) starts a 15 s timer around a Script Report that turns
	it into a prepared report for everyone, and cancels it only when the report returns: a refusal (a
	site outside the user's scope) would leave it running, and 15 s later the report would be prepared
	for every user."""
	import threading

	import frappe

	try:
		return get_report(frappe._dict(filters or {}))
	except Exception:
		if on_read_replica():
			# Frappe logs the refusal (``query_report.run``: an Error Log insert): on a read-only
			# replica the insert fails and the user would get a database error instead of the reason.
			# In Frappe's read-only mode the log is queued and written later on the primary.
			frappe.flags.read_only = True
		for thread in threading.enumerate():
			kwargs = getattr(thread, "kwargs", None) or {}
			if (
				isinstance(thread, threading.Timer)
				and kwargs.get("report") == report
				and kwargs.get("site") == frappe.local.site
			):
				thread.cancel()
		raise


def on_read_replica() -> bool:
	"""Whether this request's queries go to the read replica (``read_from_replica``: Frappe swaps the
	connection inside ``frappe.read_only`` calls such as ``frappe.desk.query_report.run``)."""
	import frappe

	primary = getattr(frappe.local, "primary_db", None)
	return primary is not None and frappe.local.db is not primary


def suppression_applies(filters: dict, sites: list[str] | None) -> bool:
	"""Whether a report's small cells are suppressed: always, unless the filters turn it off
	(``suppress_small_cells`` sent as 0 by an API client, or ``show_small_cells`` set: the desk sends no
	filter whose value is 0, so unticking the box sets this hidden one) and the user can read every
	student behind the figures (Administrator, or staff with read permission on Student who serve every
	site in ``sites``). An Evaluator or a Partner Manager always gets suppressed figures."""
	import frappe
	from frappe.utils import cint

	from cis_app.permissions import get_permitted_sites

	turned_off = filters.get("suppress_small_cells") in (0, "0", False, "false") or cint(
		filters.get("show_small_cells")
	)
	if not turned_off:
		return True
	user = frappe.session.user
	if user == "Administrator":
		return False
	if sites is None or not frappe.has_permission("Student", "read", user=user):
		return True
	return not set(sites) <= set(get_permitted_sites(user))
