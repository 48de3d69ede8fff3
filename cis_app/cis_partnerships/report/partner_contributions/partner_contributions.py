# Copyright (c) 2026, cis_app contributors and contributors
# For license information, please see license.txt
"""Contributions by partner and type (monetary, in-kind goods, in-kind services), with their value."""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import flt

from cis_app.cis_case_management.reporting import execute_refusing_cleanly, report_filters

REPORT = "Partner Contributions"

TYPES = ("Monetary", "In-Kind Goods", "In-Kind Services")


def execute(filters: dict | None = None):
	return execute_refusing_cleanly(REPORT, get_report, filters)


def get_report(filters: frappe._dict):
	conditions = report_filters(
		"Partner Contribution", filters, ("affiliate", "site", "partner"), date_field="contribution_date"
	)
	grouped = frappe.get_list(
		"Partner Contribution",
		filters=conditions,
		fields=["partner", "contribution_type", "count(*) as contributions", "sum(value) as value"],
		group_by="partner, contribution_type",
		order_by="partner asc",
		limit_page_length=0,
	)
	rows = pivot(grouped)
	return get_columns(), rows, None, get_chart(rows), get_summary(rows)


def pivot(grouped) -> list[dict]:
	"""One row per partner with a value column per type and a total."""
	by_partner: dict[str, dict] = {}
	for row in grouped:
		entry = by_partner.setdefault(
			row.partner,
			{"partner": row.partner, "contributions": 0, "total": 0.0, **{scrub(t): 0.0 for t in TYPES}},
		)
		entry[scrub(row.contribution_type)] += flt(row.value, 2)
		entry["total"] = flt(entry["total"] + flt(row.value), 2)
		entry["contributions"] += row.contributions
	return sorted(by_partner.values(), key=lambda r: -r["total"])


def scrub(contribution_type: str) -> str:
	return frappe.scrub(contribution_type)


def get_columns() -> list[dict]:
	return [
		{
			"fieldname": "partner",
			"label": _("Partner"),
			"fieldtype": "Link",
			"options": "Partner",
			"width": 240,
		},
		*[{"fieldname": scrub(t), "label": _(t), "fieldtype": "Currency", "width": 140} for t in TYPES],
		{"fieldname": "total", "label": _("Total Value"), "fieldtype": "Currency", "width": 140},
		{"fieldname": "contributions", "label": _("Contributions"), "fieldtype": "Int", "width": 110},
	]


def get_chart(rows) -> dict | None:
	if not rows:
		return None
	top = rows[:15]
	return {
		"data": {
			"labels": [r["partner"] for r in top],
			"datasets": [{"name": _(t), "values": [r[scrub(t)] for r in top]} for t in TYPES],
		},
		"type": "bar",
		"barOptions": {"stacked": 1},
		"title": _("Contributions by partner and type"),
	}


def get_summary(rows) -> list[dict]:
	return [
		{"value": flt(sum(r[scrub(t)] for r in rows), 2), "label": _(t), "datatype": "Currency"}
		for t in TYPES
	] + [{"value": flt(sum(r["total"] for r in rows), 2), "label": _("Total"), "datatype": "Currency"}]
