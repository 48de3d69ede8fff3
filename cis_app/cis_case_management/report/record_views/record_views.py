# Copyright (c) 2026, cis_app contributors and contributors
# For license information, please see license.txt
"""Record Views: who opened a student's record, check-ins or referrals, and when (View Logs written by
the desk's form and by REST reads, ``cis_app.cis_case_management.disclosures``).

Only for CIS Administrators and System Managers, and only the views of records at the sites the user
serves (``cis_app.cis_case_management.disclosures.record_views`` applies the scope explicitly).
"""

from __future__ import annotations

import frappe
from frappe import _

from cis_app.cis_case_management.disclosures import DisclosureInputError, record_views
from cis_app.cis_case_management.reporting import execute_refusing_cleanly

REPORT = "Record Views"


def execute(filters: dict | None = None):
	return execute_refusing_cleanly(REPORT, get_report, filters)


def get_report(filters: frappe._dict):
	if filters.from_date and filters.to_date and filters.from_date > filters.to_date:
		frappe.throw(_("From Date must be on or before To Date."), DisclosureInputError)
	rows = record_views(
		student=filters.student,
		site=filters.site,
		from_date=filters.from_date,
		to_date=filters.to_date,
		viewed_by=filters.viewed_by,
		limit=0,
	)
	summary = [
		{"label": _("Views"), "value": len(rows), "datatype": "Int", "indicator": "Blue"},
		{
			"label": _("People"),
			"value": len({row.viewed_by for row in rows}),
			"datatype": "Int",
			"indicator": "Blue",
		},
	]
	return get_columns(), rows, None, None, summary


def get_columns() -> list[dict]:
	return [
		{"fieldname": "creation", "label": _("Opened On"), "fieldtype": "Datetime", "width": 160},
		{
			"fieldname": "viewed_by",
			"label": _("Opened By"),
			"fieldtype": "Link",
			"options": "User",
			"width": 200,
		},
		{"fieldname": "viewer_name", "label": _("Name"), "fieldtype": "Data", "width": 150},
		{"fieldname": "reference_doctype", "label": _("Record Type"), "fieldtype": "Data", "width": 130},
		{
			"fieldname": "reference_name",
			"label": _("Record"),
			"fieldtype": "Dynamic Link",
			"options": "reference_doctype",
			"width": 160,
		},
		{
			"fieldname": "student",
			"label": _("Student"),
			"fieldtype": "Link",
			"options": "Student",
			"width": 130,
		},
		{"fieldname": "student_name", "label": _("Student Name"), "fieldtype": "Data", "width": 160},
		{"fieldname": "site", "label": _("Site"), "fieldtype": "Link", "options": "Site", "width": 140},
	]
