# Copyright (c) 2026, cis_app contributors and contributors
# For license information, please see license.txt
"""Affiliate Annual Summary: the counts the network asks for, per site and per affiliate, for a school
year. The definitions and the suppression rules are in ``cis_app.core.annual_summary``
(and in this report's help, ``definitions_html``).

The rows are read with ``frappe.qb`` (one query per table), which bypasses permissions, so the sites
are scoped here, explicitly: Administrator sees every site; anyone else the sites they serve
(``cis_app.permissions.scope.get_permitted_sites``); a site filter outside them is refused, not silently
emptied. A viewer whose figures are always suppressed gets them for every site they see together:
a site or affiliate filter short of that is refused (``cis_app.cis_case_management.reporting.refuse_differencing``), so
no suppressed figure is recovered by subtracting one answer from another. Small cells are suppressed unless the user may read every student behind the figures: a user
with read permission on Student who serves every site in the result (or Administrator). An Evaluator or
a Partner Manager always gets suppressed figures, whatever the filters say. A suppressed value is None
in the rows, so it is absent from the JSON, the export, print and the chart.
"""

from __future__ import annotations

import frappe
from frappe import _
from frappe.query_builder.functions import Count, Sum
from frappe.utils import cint, escape_html

from cis_app.cis_network.doctype.school_year.school_year import get_current_school_year
from cis_app.core.annual_summary import (
	ABOVE,
	BELOW,
	CONTRIBUTION_TYPES,
	WITHIN,
	annual_summary,
	suppress_summary,
)
from cis_app.utils.exceptions import CISValidationError, OutOfScopeError
from cis_app.cis_case_management.outcomes_data import sites_in_scope
from cis_app.permissions.scope import get_permitted_sites
from cis_app.cis_case_management.reporting import execute_refusing_cleanly, refuse_differencing, suppression_applies
from cis_app.cis_network.settings import get_small_cell_threshold

REPORT = "Affiliate Annual Summary"
SITE_FIELDS = ("name", "affiliate", "site_type", "enrollment_count", "is_active")


def execute(filters: dict | None = None):
	return execute_refusing_cleanly(REPORT, get_report, filters)


def get_report(filters: frappe._dict):
	school_year = filters.school_year or get_current_school_year()
	if not school_year:
		frappe.throw(_("Choose a School Year."), CISValidationError, title=_("School Year Missing"))
	year = frappe.db.get_value(
		"School Year", school_year, ["name", "year_start_date", "year_end_date"], as_dict=True
	)
	if not year:
		frappe.throw(
			_("School Year {0} does not exist.").format(escape_html(school_year)), frappe.DoesNotExistError
		)
	all_sites = frappe.get_all("Site", fields=list(SITE_FIELDS), order_by="name asc")
	sites = resolve_sites(filters, all_sites)
	refuse_differencing(filters, sites, grouped=False)
	suppress = suppression_applies(filters, sites)
	threshold = get_threshold()

	chosen = set(sites)
	site_rows = [site for site in all_sites if site.name in chosen]
	include_affiliate_wide = affiliates_complete(all_sites, sites) if not filters.site else set()
	data = load_rows(year, sites, include_affiliate_wide)
	rows = annual_summary(site_rows, include_affiliate_wide=include_affiliate_wide, **data)
	if suppress:
		rows = suppress_summary(rows, threshold)
	rows = [present(row) for row in rows]
	message = get_message(rows, sites, suppress, threshold, school_year)
	if not rows:
		return get_columns(), [], message, None, []
	return get_columns(), rows, message, get_chart(rows), get_summary(rows)


def resolve_sites(filters, all_sites: list) -> list[str]:
	"""The sites the figures cover: the site and affiliate filters within the user's scope. A site the
	user does not serve is refused, and so is an affiliate in which they serve no site."""
	scope = sites_in_scope([filters.site] if filters.site else None)
	names = [site.name for site in all_sites] if scope is None else list(scope)
	if filters.affiliate:
		affiliate_of = {site.name: site.affiliate for site in all_sites}
		names = [name for name in names if affiliate_of.get(name) == filters.affiliate]
		if not names and frappe.session.user != "Administrator" and not filters.site:
			frappe.throw(
				_("You serve no site of {0}. Choose an affiliate whose sites you serve.").format(
					escape_html(filters.affiliate)
				),
				OutOfScopeError,
			)
	return sorted(names)


def affiliates_complete(all_sites: list, sites: list[str]) -> set[str]:
	"""Affiliates all of whose sites are in ``sites``: their contributions without a site count in their
	total (a coordinator of one site sees the total of their own site only)."""
	chosen = set(sites)
	by_affiliate: dict[str, list[str]] = {}
	for site in all_sites:
		by_affiliate.setdefault(site.affiliate, []).append(site.name)
	return {affiliate for affiliate, names in by_affiliate.items() if chosen.issuperset(names)}


def get_threshold() -> int:
	"""Counts below this are suppressed: CIS Settings' ``small_cell_threshold`` (10 when not set), read
	by the same rule as the CIS Outcomes report."""
	return get_small_cell_threshold()


def load_rows(year, sites: list[str], include_affiliate_wide: set[str]) -> dict[str, list]:
	"""The rows of the year at ``sites``, one query per table (``core.annual_summary.annual_summary``)."""
	if not sites:
		return {}
	session = frappe.qb.DocType("Group Session")
	attendee = frappe.qb.DocType("Group Session Attendee")
	activity = frappe.qb.DocType("School-wide Activity")
	check_in = frappe.qb.DocType("Student Check-In")
	contribution = frappe.qb.DocType("Partner Contribution")
	hours = frappe.qb.DocType("Volunteer Hours")
	start, end = year.year_start_date, year.year_end_date

	# aggregated in SQL where the figures allow it (core.annual_summary accepts ``count`` and sums), so a
	# large affiliate sends a row per site and student or partner, not one per record
	sessions = (
		frappe.qb.from_(session)
		.select(session.site, session.partner, Count("*").as_("count"))
		.where(session.school_year == year.name)
		.where(session.site.isin(sites))
		.groupby(session.site, session.partner)
	)
	attendees = (
		frappe.qb.from_(attendee)
		.join(session)
		.on(
			(attendee.parent == session.name)
			& (attendee.parenttype == "Group Session")
			& (attendee.parentfield == "attendees")
		)
		.select(session.site, attendee.student)
		.where(session.school_year == year.name)
		.where(session.site.isin(sites))
		.where(attendee.present == 1)
		.groupby(session.site, attendee.student)
	)
	activities = (
		frappe.qb.from_(activity)
		.select(activity.site, activity.head_count, activity.partner)
		.where(activity.school_year == year.name)
		.where(activity.site.isin(sites))
	)
	check_ins = (
		frappe.qb.from_(check_in)
		.select(
			check_in.site,
			check_in.student,
			check_in.contact_with,
			Count("*").as_("count"),
			Sum(check_in.minutes).as_("minutes"),
		)
		.where(check_in.checkin_date[start:end])
		.where(check_in.site.isin(sites))
		.groupby(check_in.site, check_in.student, check_in.contact_with)
	)
	in_scope = contribution.site.isin(sites)
	if include_affiliate_wide:
		without_site = contribution.site.isnull() | (contribution.site == "")
		in_scope = in_scope | (without_site & contribution.affiliate.isin(sorted(include_affiliate_wide)))
	contributions = (
		frappe.qb.from_(contribution)
		.select(
			contribution.site,
			contribution.affiliate,
			contribution.partner,
			contribution.contribution_type,
			Count("*").as_("count"),
			Sum(contribution.value).as_("value"),
		)
		.where(contribution.contribution_date[start:end])
		.where(in_scope)
		.groupby(
			contribution.site, contribution.affiliate, contribution.partner, contribution.contribution_type
		)
	)
	volunteer_hours = (
		frappe.qb.from_(hours)
		.select(
			hours.site,
			hours.volunteer,
			hours.partner,
			hours.status,
			Sum(hours.hours).as_("hours"),
			Sum(hours.value).as_("value"),
		)
		.where(hours.status == "Approved")
		.where(hours.date[start:end])
		.where(hours.site.isin(sites))
		.groupby(hours.site, hours.volunteer, hours.partner, hours.status)
	)
	queries = {
		"sessions": sessions,
		"attendees": attendees,
		"activities": activities,
		"check_ins": check_ins,
		"contributions": contributions,
		"volunteer_hours": volunteer_hours,
	}
	rows = {key: query.run(as_dict=True) for key, query in queries.items()}
	rows["plans"] = case_managed_by_site(year.name, sites)
	return rows


def case_managed_by_site(school_year: str, sites: list[str]) -> list[dict]:
	"""Rows of site and ``count``: the students whose earliest activated Student plan of the year (by
	activation date, then plan name) among ``sites`` is at that site, counted by MariaDB (reading the
	covering index ``cis_app.cis_case_management.outcomes_data.PLAN_INDEX``), so the whole network sends a row per site,
	not one per plan."""
	return frappe.db.sql(
		"""select first_plan.site, count(*) as count
		from (
			select plan.site, row_number() over (
				partition by plan.student order by plan.activated_on, plan.name
			) as position
			from `tabSupport Plan` plan
			where plan.plan_type = 'Student' and plan.school_year = %(school_year)s
				and plan.activated_on is not null and plan.student is not null and plan.student != ''
				and plan.site in %(sites)s
		) first_plan
		where first_plan.position = 1
		group by first_plan.site""",
		{"school_year": school_year, "sites": tuple(sites)},
		as_dict=True,
	)


def band_labels() -> dict[str, str]:
	return {BELOW: _("Below 5%"), WITHIN: _("Within 5-10%"), ABOVE: _("Above 10%")}


def present(row: dict) -> dict:
	"""A report row: the core's figures, with the labels a reader sees."""
	row = dict(row)
	if row["case_managed_band"] is not None:
		row["case_managed_band"] = band_labels()[row["case_managed_band"]]
	if row["is_total"]:
		row["row_label"] = _("Total: {0}").format(row["affiliate"])
		row["tier1_standard"] = _("{0} of {1} sites").format(
			row["tier1_sites_met"], row["tier1_sites_assessed"]
		)
	else:
		row["row_label"] = row["site"]
		met = row["tier1_standard_met"]
		row["tier1_standard"] = (
			_("Unknown: no enrolment") if met is None else (_("Met") if met else _("Not met"))
		)
	suppressed = row.get("suppressed") or []
	row["suppressed_figures"] = ", ".join(suppressed)
	row["suppressed"] = int(bool(suppressed))
	return row


def get_columns() -> list[dict]:
	def column(fieldname, label, fieldtype="Int", width=100, **extra):
		return {"fieldname": fieldname, "label": label, "fieldtype": fieldtype, "width": width, **extra}

	type_labels = {
		"monetary": _("Monetary"),
		"in_kind_goods": _("In-Kind Goods"),
		"in_kind_services": _("In-Kind Services"),
	}
	contribution_columns = []
	for key in CONTRIBUTION_TYPES.values():
		contribution_columns += [
			column(f"{key}_contributions", _("{0} Contributions").format(type_labels[key]), width=110),
			column(f"{key}_value", _("{0} Value").format(type_labels[key]), "Currency", 120),
		]
	return [
		column("affiliate", _("Affiliate"), "Link", 150, options="Affiliate"),
		column("row_label", _("Site"), "Data", 170),
		column("is_total", _("Affiliate Total"), "Check", 80),
		column("schools_served", _("Schools Served")),
		column("enrollment", _("Enrolment")),
		column("case_managed", _("Students Case-Managed (Tier 3)"), width=130),
		column("case_managed_share", _("Case-Managed Share"), "Percent", 110, precision=1),
		column("case_managed_band", _("Against 5-10% Standard"), "Data", 130),
		column("tier2_students", _("Tier 2 Students"), width=110),
		column("tier2_sessions", _("Tier 2 Sessions Held"), width=110),
		column("tier1_activities", _("Tier 1 Activities"), width=110),
		column("tier1_head_count", _("Tier 1 Head Count"), width=110),
		column("tier1_reaching_75", _("Tier 1 Activities Reaching 75%"), width=130),
		column("tier1_standard", _("Tier 1 Standard"), "Data", 140),
		column("check_ins", _("Check-Ins")),
		column("check_in_minutes", _("Check-In Minutes"), width=110),
		column("family_check_ins", _("Check-Ins with Family"), width=120),
		column("families_engaged", _("Parents or Guardians Engaged"), width=130),
		column("partners_active", _("Partners Active"), width=110),
		column("contributions", _("Contributions"), width=110),
		*contribution_columns,
		column("contribution_value", _("Contribution Value"), "Currency", 130),
		column("volunteers", _("Volunteers with Approved Hours"), width=130),
		column("volunteer_hours", _("Approved Volunteer Hours"), "Float", 120, precision=2),
		column("volunteer_value", _("Value of Volunteer Hours"), "Currency", 130),
		column("suppressed", _("Suppressed"), "Check", 90),
		column("suppressed_figures", _("Suppressed Figures"), "Data", 200),
	]


def get_chart(rows: list[dict]) -> dict | None:
	"""Each site's case-managed share (sites whose share is suppressed or unknown are left out, so no
	suppressed value is drawn) against the 5% and 10% lines of the standard."""
	shown = [row for row in rows if not row["is_total"] and row["case_managed_share"] is not None]
	if not shown:
		return None
	return {
		"data": {
			"labels": [row["site"] for row in shown],
			"datasets": [
				{
					"name": _("Share"),
					"chartType": "bar",
					"values": [row["case_managed_share"] for row in shown],
				},
				{"name": _("5%"), "chartType": "line", "values": [5] * len(shown)},
				{"name": _("10%"), "chartType": "line", "values": [10] * len(shown)},
			],
		},
		"type": "axis-mixed",
		"title": _("Students case-managed as a share of enrolment, against the 5-10% standard"),
		"fieldtype": "Percent",
	}


def get_summary(rows: list[dict]) -> list[dict]:
	"""The headline figures: the affiliate totals (added up when there are several affiliates); a
	figure suppressed in any of them is left out."""
	totals = [row for row in rows if row["is_total"]]
	items = (
		("schools_served", _("Schools Served"), "Int"),
		("enrollment", _("Enrolment of Served Schools"), "Int"),
		("case_managed", _("Students Case-Managed"), "Int"),
		("tier2_students", _("Tier 2 Students"), "Int"),
		("tier1_sites_met", _("Sites Meeting the Tier 1 Standard"), "Int"),
		("check_ins", _("Check-Ins"), "Int"),
		("families_engaged", _("Parents or Guardians Engaged"), "Int"),
		("partners_active", _("Partners Active"), "Int"),
		("contribution_value", _("Contribution Value"), "Currency"),
		("volunteer_hours", _("Approved Volunteer Hours"), "Float"),
		("volunteer_value", _("Value of Volunteer Hours"), "Currency"),
	)
	summary = []
	for key, label, datatype in items:
		values = [row.get(key) for row in totals]
		if any(value is None for value in values):
			continue
		summary.append({"value": sum(values), "label": label, "datatype": datatype})
	if len(totals) == 1 and totals[0]["case_managed_share"] is not None:
		share = totals[0]["case_managed_share"]
		summary.insert(
			3,
			{
				"value": share,
				"label": _("Case-Managed Share of Enrolment"),
				"datatype": "Percent",
				"indicator": "Green" if 5 <= share <= 10 else "Orange",
			},
		)
	return summary


def get_message(rows: list[dict], sites: list[str], suppress: bool, threshold: int, school_year: str) -> str:
	parts = []
	if not sites:
		parts.append(
			"<p><b>{}</b></p>".format(escape_html(_("You serve no site: there are no figures to show.")))
		)
	elif not rows:
		parts.append(
			"<p><b>{}</b></p>".format(
				escape_html(_("No site in scope was served in {0}.").format(school_year))
			)
		)
	if suppress:
		parts.append(
			"<p>{}</p>".format(
				escape_html(
					_(
						"Figures about students below {0} are suppressed (left blank), with any figure that "
						"would let one be worked out. Only staff who can read every student behind the "
						"figures can turn suppression off."
					).format(threshold)
				)
			)
		)
	else:
		parts.append(
			"<p>{}</p>".format(
				escape_html(_("Small cells are shown: these figures are not for publication as they are."))
			)
		)
	return "".join(parts) + definitions_html(threshold)


def definitions_html(threshold: int) -> str:
	"""How every figure is computed (``cis_app.core.annual_summary``), so it can be checked by hand."""
	definitions = [
		_(
			"Sites: the sites in scope that are active or have a record of the year. Schools served: those "
			"of type School. Enrolment: the site's enrolment (empty when not entered); the total adds the "
			"served schools that have one."
		),
		_(
			"Students case-managed (Tier 3): distinct students with a Student support plan of the year that "
			"was activated; a student with plans at two sites counts once, at the site of the earliest "
			"activated plan. Share: case-managed / enrolment, rounded half up to one decimal; the 5-10% "
			"standard is checked on the exact value, 5% and 10% included."
		),
		_(
			"Tier 2: distinct students marked present on a group session roster of the year (the total counts "
			"a student once across sites); sessions held: group sessions of the year."
		),
		_(
			"Tier 1: school-wide activities of the year and the sum of their head counts. An activity reaches "
			"75% when its head count is at least 75% of the site's enrolment; a site meets the standard with "
			"at least 4 such activities (unknown without an enrolment)."
		),
		_(
			"Check-ins: student check-ins dated in the year, and their minutes. Check-ins with family: those "
			"whose contact was Family; parents or guardians engaged: distinct students whose family had one."
		),
		_(
			"Partners active: distinct partners with a contribution, a group session, a school-wide activity "
			"or approved volunteer hours in the year. Contributions: dated in the year, by type, with their "
			"value; a contribution without a site counts only in the affiliate total, when every site of the "
			"affiliate is in the report."
		),
		_(
			"Volunteers: distinct volunteers with approved hours in the year, the hours and their dollar value "
			"(the value stored with each entry)."
		),
		_(
			"Suppression (threshold {0}) applies to the figures about students only: students case-managed "
			"and their share, Tier 2 students, check-ins and their minutes, check-ins with family and parents "
			"engaged. A count below {0} (0 included) is suppressed; the share is suppressed when the count, "
			"the enrolment or enrolment minus the count is below {0}; when a hidden site's value could be "
			"worked out from the total and the other sites, the next smallest site's is hidden too (or the "
			"total, with no other site); a count and its share are suppressed together; minutes follow their "
			"check-ins. Schools, enrolment, sessions, Tier 1 activities, partners, contributions and "
			"volunteers describe the program, not students, and are always shown."
		).format(threshold),
		_(
			"No recovering a suppressed figure by comparing answers: a viewer whose figures are always "
			"suppressed (an Evaluator, a Partner Manager) gets them for every site they see together, each "
			"site's row beside the total. A Site or Affiliate filter short of every site they see is refused: "
			"the whole minus one site would give the other site's figure."
		),
	]
	items = "".join(f"<li>{escape_html(text)}</li>" for text in definitions)
	summary = escape_html(_("Definitions: how each figure is computed"))
	return f'<details class="cis-annual-summary-definitions"><summary>{summary}</summary><ul>{items}</ul></details>'
