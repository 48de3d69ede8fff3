# Copyright (c) 2026, cis_app contributors and contributors
# For license information, please see license.txt
"""Partnership agreements whose renewal is due in the next N days (60 by default), and lapsed ones."""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import add_days, cint, nowdate

from cis_app.core.volunteering import days_until
from cis_app.cis_case_management.reporting import execute_refusing_cleanly, report_filters

REPORT = "Expiring Partner Agreements"


def execute(filters: dict | None = None):
	return execute_refusing_cleanly(REPORT, get_report, filters)


def get_report(filters: frappe._dict):
	days = cint(filters.get("days") or 60)
	today = nowdate()
	conditions = [["Partner", "agreement_renewal_date", "<=", add_days(today, days)]]
	if not filters.get("include_lapsed"):
		conditions.append(["Partner", "agreement_renewal_date", ">=", today])
	else:
		conditions.append(["Partner", "agreement_renewal_date", "is", "set"])
	conditions += report_filters("Partner", filters, ("affiliate", "partner_manager"))
	if filters.get("partner"):
		conditions.append(["Partner", "name", "=", filters.partner])
	if filters.get("site"):
		conditions.append(["Partner Site", "site", "=", filters.site])
	rows = frappe.get_list(
		"Partner",
		filters=conditions,
		fields=[
			"name as partner",
			"partner_type",
			"partner_manager",
			"agreement_status",
			"agreement_signed_date",
			"agreement_renewal_date",
		],
		order_by="agreement_renewal_date asc",
		distinct=True,
		limit_page_length=0,
	)
	for row in rows:
		row.days_left = days_until(row.agreement_renewal_date, today)
	return get_columns(), rows, None, get_chart(rows), None


def get_columns() -> list[dict]:
	return [
		{
			"fieldname": "partner",
			"label": _("Partner"),
			"fieldtype": "Link",
			"options": "Partner",
			"width": 240,
		},
		{"fieldname": "partner_type", "label": _("Type"), "fieldtype": "Data", "width": 160},
		{
			"fieldname": "partner_manager",
			"label": _("Partner Manager"),
			"fieldtype": "Link",
			"options": "User",
			"width": 200,
		},
		{"fieldname": "agreement_status", "label": _("Agreement"), "fieldtype": "Data", "width": 100},
		{"fieldname": "agreement_signed_date", "label": _("Signed On"), "fieldtype": "Date", "width": 110},
		{"fieldname": "agreement_renewal_date", "label": _("Renewal Due"), "fieldtype": "Date", "width": 110},
		{"fieldname": "days_left", "label": _("Days Left"), "fieldtype": "Int", "width": 90},
	]


def get_chart(rows) -> dict | None:
	if not rows:
		return None
	return {
		"data": {
			"labels": [r.partner for r in rows],
			"datasets": [{"name": _("Days left"), "values": [r.days_left for r in rows]}],
		},
		"type": "bar",
		"title": _("Days until each agreement's renewal"),
	}
