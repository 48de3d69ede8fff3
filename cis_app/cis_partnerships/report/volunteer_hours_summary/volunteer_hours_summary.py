# Copyright (c) 2026, cis_app contributors and contributors
# For license information, please see license.txt
"""Approved volunteer hours and their dollar value, by site, partner, volunteer or activity.

Summed in SQL per (site, volunteer, partner, activity) through ``frappe.get_list`` (so each user
sees only the sites they serve), then folded per group by the core; approved entries only, so the
totals are exactly the sum of the approved entries.

The SQL grain is the order of the covering index ``report_site_index`` (site, status, volunteer,
partner, activity, date, hours, value; see the Volunteer Hours controller): a user's sites are
ranges of it, so a coordinator reads only their site's rows, and MariaDB sums the groups as it reads
the index in order, without a temporary table. The date filter is checked in the index, not used
to narrow the range: a report reads all of its sites' approved entries, which for a partner manager
costs about what the all-dates report costs.
"""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import flt

from cis_app.core.volunteering import summarize_hours
from cis_app.cis_case_management.reporting import execute_refusing_cleanly, report_filters

REPORT = "Volunteer Hours Summary"

GROUPS = {"Site": "site", "Partner": "partner", "Volunteer": "volunteer", "Activity": "activity"}
# what SQL sums per, in the order of report_site_index (status is fixed by the filter)
GRAIN = ("site", "volunteer", "partner", "activity")


def execute(filters: dict | None = None):
	return execute_refusing_cleanly(REPORT, get_report, filters)


def get_report(filters: frappe._dict):
	group_by = filters.get("group_by") or "Site"
	field = GROUPS.get(group_by)
	if not field:
		frappe.throw(_("Group by one of: {0}.").format(", ".join(GROUPS)))
	entries = frappe.get_list("Volunteer Hours", **query_args(filters))
	rows = [frappe._dict(row) for row in summarize_hours(entries, field)]
	for row in rows:
		row.group_value = row.group_value or _("(none)")
	totals = {
		"hours": flt(sum(r.hours for r in rows), 2),
		"value": flt(sum(r.value for r in rows), 2),
		"entries": sum(r.entries for r in rows),
	}
	return get_columns(group_by, field), rows, None, get_chart(rows, group_by), get_summary(totals)


def query_args(filters) -> dict:
	"""``frappe.get_list`` arguments for the approved hours matching ``filters``, summed per GRAIN
	(the benchmark runs the same query)."""
	columns = ", ".join(f"`tabVolunteer Hours`.`{column}`" for column in GRAIN)
	return {
		"filters": build_filters(filters),
		"fields": [
			*(f"`tabVolunteer Hours`.`{column}` as {column}" for column in GRAIN),
			"sum(`tabVolunteer Hours`.`hours`) as hours",
			"sum(`tabVolunteer Hours`.`value`) as value",
			"count(*) as entries",
		],
		"group_by": columns,
		"order_by": columns,
		"limit_page_length": 0,
	}


def build_filters(filters) -> list:
	conditions = [
		["Volunteer Hours", "status", "=", "Approved"],
		*report_filters(
			"Volunteer Hours", filters, ("site", "partner", "volunteer", "activity"), date_field="date"
		),
	]
	if filters.get("affiliate"):
		# An entry's affiliate is its site's (the controller sets it at every save), so the affiliate is
		# asked for as its sites: ranges of report_site_index. The affiliate column is not in the index
		# (its key is at InnoDB's 3,072-byte limit): checking it would look up every row.
		sites = frappe.get_all("Site", filters={"affiliate": filters.affiliate}, pluck="name")
		conditions.append(["Volunteer Hours", "site", "in", sites or [""]])
	return conditions


def get_columns(group_by: str, field: str) -> list[dict]:
	options = {
		"site": "Site",
		"partner": "Partner",
		"volunteer": "CIS Volunteer",
		"activity": "Support Type",
	}[field]
	return [
		{
			"fieldname": "group_value",
			"label": _(group_by),
			"fieldtype": "Link",
			"options": options,
			"width": 220,
		},
		{"fieldname": "hours", "label": _("Hours"), "fieldtype": "Float", "precision": 2, "width": 100},
		{"fieldname": "value", "label": _("Value"), "fieldtype": "Currency", "width": 120},
		{"fieldname": "volunteers", "label": _("Volunteers"), "fieldtype": "Int", "width": 100},
		{"fieldname": "entries", "label": _("Entries"), "fieldtype": "Int", "width": 90},
	]


def get_chart(rows, group_by: str) -> dict | None:
	if not rows:
		return None
	top = rows[:20]
	return {
		"data": {
			"labels": [str(r.group_value) for r in top],
			"datasets": [{"name": _("Hours"), "values": [r.hours for r in top]}],
		},
		"type": "bar",
		"title": _("Approved hours by {0}").format(_(group_by).lower()),
	}


def get_summary(totals: dict) -> list[dict]:
	return [
		{"value": totals["hours"], "label": _("Approved Hours"), "datatype": "Float"},
		{"value": totals["value"], "label": _("Value of Volunteer Time"), "datatype": "Currency"},
		{"value": totals["entries"], "label": _("Entries"), "datatype": "Int"},
	]
