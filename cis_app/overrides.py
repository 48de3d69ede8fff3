"""Whitelisted Frappe methods that would answer questions about records around the permission rules."""

from __future__ import annotations

import frappe
from frappe import _
from frappe.client import validate_link as frappe_validate_link
from frappe.utils.data import cint


@frappe.whitelist()
def get_count(doctype: str, filters=None, debug: bool = False, cache: bool = False) -> int:
	"""``frappe.client.get_count`` counts with ``frappe.db.count``, which ignores permissions: with
	filters it answers yes/no questions about any record (a Version of another site's plan whose data
	contains "Closed", a File attached to another site's consent). Every count goes through
	``frappe.get_list`` instead, which applies role permissions and every row-level rule, as the list
	itself does."""
	from frappe.client import get_safe_filters

	rows = frappe.get_list(
		doctype,
		filters=get_safe_filters(filters),
		fields=["count(*) as total"],
		order_by=None,
		limit_page_length=0,
	)
	return cint(rows[0].total) if rows else 0


@frappe.whitelist()
def validate_link(doctype: str, docname: str, fields=None):
	"""``frappe.client.validate_link`` confirms that any record exists. For a DocType with a row-level
	rule of ours, a record the user may not see gets the same answer as one that does not exist."""
	from cis_app.hooks import permission_query_conditions
	from cis_app.permissions import can_see

	if (
		isinstance(doctype, str)
		and isinstance(docname, str)
		and str(permission_query_conditions.get(doctype, "")).startswith("cis_app.")
		and not can_see(doctype, docname)
	):
		if not frappe.has_permission(doctype, "read") and not frappe.has_permission(doctype, "select"):
			frappe.throw(
				_("You do not have Read or Select Permissions for {}").format(frappe.bold(doctype)),
				frappe.PermissionError,
			)
		return frappe._dict()
	return frappe_validate_link(doctype, docname, fields)
