# Copyright (c) 2026, cis_app contributors and contributors
# For license information, please see license.txt
"""Student Disclosures: the disclosure records (FERPA 34 CFR 99.32) of a student, a site or all the
sites the user serves, for a period; what a parent who asks is shown.

Rows come through ``frappe.get_list`` (``cis_app.cis_case_management.disclosures.disclosures_of``), so only the records of
the students the user may see appear. "Print for the Family" (in the report's menu) prints the
student's "Student Disclosure Record" for the same period, in the family's language.
"""

from __future__ import annotations

import frappe
from frappe import _

from cis_app.cis_case_management.disclosures import disclosures_of
from cis_app.cis_case_management.reporting import execute_refusing_cleanly

REPORT = "Student Disclosures"


def execute(filters: dict | None = None):
	return execute_refusing_cleanly(REPORT, get_report, filters)


def get_report(filters: frappe._dict):
	rows = disclosures_of(filters.student, filters.from_date, filters.to_date, filters.site)
	for row in rows:
		row.recipient = (
			row.partner
			if row.recipient_type == "Partner"
			else row.recipient_user
			if row.recipient_type == "User"
			else row.recipient_name
		)
	students = len({row.student for row in rows})
	summary = [
		{"label": _("Disclosures"), "value": len(rows), "datatype": "Int", "indicator": "Blue"},
		{"label": _("Students"), "value": students, "datatype": "Int", "indicator": "Blue"},
	]
	return get_columns(), rows, None, None, summary


def get_columns() -> list[dict]:
	return [
		{"fieldname": "disclosed_on", "label": _("Disclosed On"), "fieldtype": "Datetime", "width": 160},
		{
			"fieldname": "student",
			"label": _("Student"),
			"fieldtype": "Link",
			"options": "Student",
			"width": 130,
		},
		{"fieldname": "student_name", "label": _("Name"), "fieldtype": "Data", "width": 160},
		{"fieldname": "site", "label": _("Site"), "fieldtype": "Link", "options": "Site", "width": 140},
		{"fieldname": "recipient_type", "label": _("Recipient Type"), "fieldtype": "Data", "width": 100},
		{
			"fieldname": "recipient",
			"label": _("Recipient", context="Disclosure Record"),
			"fieldtype": "Data",
			"width": 180,
		},
		{"fieldname": "what", "label": _("What Was Disclosed"), "fieldtype": "Data", "width": 320},
		{"fieldname": "legal_basis", "label": _("Legal Basis"), "fieldtype": "Data", "width": 140},
		{"fieldname": "purpose", "label": _("Purpose"), "fieldtype": "Data", "width": 200},
		{
			"fieldname": "disclosed_by",
			"label": _("Disclosed By"),
			"fieldtype": "Link",
			"options": "User",
			"width": 180,
		},
		{
			"fieldname": "name",
			"label": _("Disclosure Record"),
			"fieldtype": "Link",
			"options": "Disclosure Record",
			"width": 150,
		},
	]
