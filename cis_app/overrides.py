"""Whitelisted Frappe methods that would read scoped records around our permission rules."""

from __future__ import annotations

import frappe
from frappe.client import get_count as frappe_get_count
from frappe.utils.data import cint

from cis_app.permissions import SCOPED_DOCTYPES


@frappe.whitelist()
def get_count(doctype: str, filters=None, debug: bool = False, cache: bool = False) -> int:
	"""``frappe.client.get_count`` counts with ``frappe.db.count``, which ignores permissions: for a
	scoped DocType it would tell anyone how many students match any filter at any site. Count
	through ``frappe.get_list`` instead, which applies role and site scope."""
	if doctype not in SCOPED_DOCTYPES:
		return frappe_get_count(doctype, filters=filters, debug=debug, cache=cache)
	from frappe.client import get_safe_filters

	rows = frappe.get_list(
		doctype,
		filters=get_safe_filters(filters),
		fields=["count(*) as total"],
		order_by=None,
		limit_page_length=0,
	)
	return cint(rows[0].total) if rows else 0
