# Copyright (c) 2026, cis_app contributors and contributors
# For license information, please see license.txt
"""Caseload: the coordinator's students with tier, risk, plan, goal progress and last contact.

Rows come through ``frappe.get_list``, so only the students of the sites the user serves appear;
one query per table, then ``cis_app.core.caseload`` joins and orders them.
"""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import nowdate

from cis_app.cis_network.doctype.school_year.school_year import get_current_school_year
from cis_app.core.caseload import build_caseload, summarize
from cis_app.core.plans import OPEN_STATUSES
from cis_app.cis_case_management.reporting import ReportFilterError, execute_refusing_cleanly

REPORT = "Caseload"
SHOW = ("Case-managed", "Suggested Tier 2 or 3", "All students")


def execute(filters: dict | None = None):
	return execute_refusing_cleanly(REPORT, get_report, filters)


def get_report(filters: frappe._dict):
	if filters.get("show") and filters.show not in SHOW:
		frappe.throw(
			_("The Show filter must be one of: {0}.").format(", ".join(_(option) for option in SHOW)),
			ReportFilterError,
			title=_("Invalid {0}").format(_("Show")),
		)
	school_year = filters.school_year or get_current_school_year()
	rows = get_rows(filters, school_year)
	summary = summarize(rows)
	return get_columns(), rows, None, get_chart(rows), get_summary(summary)


def get_rows(filters, school_year: str | None) -> list[dict]:
	student_filters = {"enrollment_status": "Enrolled"}
	if filters.site:
		student_filters["site"] = filters.site
	if filters.get("show", "Case-managed") == "Case-managed":
		student_filters["is_case_managed"] = 1
	elif filters.show == "Suggested Tier 2 or 3":
		student_filters["suggested_tier"] = ["in", ["Tier 2", "Tier 3"]]
	students = frappe.get_list(
		"Student",
		filters=student_filters,
		fields=[
			"name",
			"student_name",
			"site",
			"grade_level",
			"is_case_managed",
			"risk_score",
			"suggested_tier",
			"attendance_band",
			"risk_flags",
			"risk_unknown",
		],
		limit_page_length=0,
		order_by="student_name asc",
	)
	if not students:
		return []
	plan_filters = {"plan_type": "Student", "status": ["in", OPEN_STATUSES]}
	checkin_filters = {}
	if school_year:
		plan_filters["school_year"] = school_year
		start, end = frappe.db.get_value("School Year", school_year, ["year_start_date", "year_end_date"])
		checkin_filters["checkin_date"] = ["between", [start, end]]
	if filters.site:
		plan_filters["site"] = checkin_filters["site"] = filters.site
	plans = frappe.get_list(
		"Support Plan",
		filters=plan_filters,
		fields=["name", "student", "status", "goals_total", "goals_on_track", "next_review_date"],
		limit_page_length=0,
	)
	checkins = frappe.get_list(
		"Student Check-In",
		filters=checkin_filters,
		fields=["student", "max(checkin_date) as last_checkin"],
		group_by="student",
		limit_page_length=0,
	)
	return build_caseload(students, plans, checkins, nowdate())


def get_columns() -> list[dict]:
	return [
		{"fieldname": "name", "label": _("Student"), "fieldtype": "Link", "options": "Student", "width": 130},
		{"fieldname": "student_name", "label": _("Name"), "fieldtype": "Data", "width": 170},
		{"fieldname": "site", "label": _("Site"), "fieldtype": "Link", "options": "Site", "width": 150},
		{"fieldname": "grade_level", "label": _("Grade"), "fieldtype": "Data", "width": 60},
		{"fieldname": "tier", "label": _("Tier"), "fieldtype": "Data", "width": 70},
		{"fieldname": "suggested_tier", "label": _("Suggested Tier"), "fieldtype": "Data", "width": 100},
		{"fieldname": "risk_score", "label": _("Risk"), "fieldtype": "Int", "width": 60},
		{"fieldname": "risk_flags", "label": _("Flags"), "fieldtype": "Data", "width": 150},
		{"fieldname": "risk_unknown", "label": _("Unknown"), "fieldtype": "Data", "width": 150},
		{"fieldname": "attendance_band", "label": _("Attendance"), "fieldtype": "Data", "width": 100},
		{
			"fieldname": "support_plan",
			"label": _("Plan"),
			"fieldtype": "Link",
			"options": "Support Plan",
			"width": 130,
		},
		{"fieldname": "plan_status", "label": _("Plan Status"), "fieldtype": "Data", "width": 110},
		{"fieldname": "goals_on_track", "label": _("Goals On Track"), "fieldtype": "Int", "width": 90},
		{"fieldname": "goals_total", "label": _("Goals"), "fieldtype": "Int", "width": 60},
		{"fieldname": "next_review_date", "label": _("Next Review"), "fieldtype": "Date", "width": 100},
		{"fieldname": "last_checkin", "label": _("Last Check-In"), "fieldtype": "Date", "width": 100},
		{"fieldname": "days_since_checkin", "label": _("Days Since"), "fieldtype": "Int", "width": 80},
		{"fieldname": "meeting_overdue", "label": _("Meeting Overdue"), "fieldtype": "Check", "width": 80},
	]


def get_chart(rows: list[dict]) -> dict | None:
	if not rows:
		return None
	tiers = ["Tier 1", "Tier 2", "Tier 3"]
	counts = [sum(1 for r in rows if r.get("suggested_tier") == tier) for tier in tiers]
	return {
		"data": {"labels": [_(t) for t in tiers], "datasets": [{"name": _("Students"), "values": counts}]},
		"type": "bar",
		"colors": ["#5e64ff"],
		"title": _("Suggested tier from early-warning risk"),
	}


def get_summary(summary: dict) -> list[dict]:
	return [
		{"value": summary["students"], "label": _("Students"), "datatype": "Int"},
		{
			"value": summary["case_managed"],
			"label": _("Case-Managed"),
			"datatype": "Int",
			"indicator": "Blue",
		},
		{
			"value": summary["meetings_overdue"],
			"label": _("Monthly Meeting Overdue"),
			"datatype": "Int",
			"indicator": "Red" if summary["meetings_overdue"] else "Green",
		},
		{
			"value": summary["reviews_due"],
			"label": _("Reviews Due in 14 Days"),
			"datatype": "Int",
			"indicator": "Orange",
		},
	]
