# Copyright (c) 2026, cis_app contributors and contributors
# For license information, please see license.txt
"""CIS Outcomes: the outcome metrics of the students case-managed in a school year.

The figures come from ``cis_app.core.outcomes`` (definitions in its docstring and in this report's
help, ``definitions_html``), over the cohort ``cis_app.cis_case_management.outcomes_data`` loads with explicit site scoping
(the rows are read with ``frappe.qb``, so an Evaluator, who has no Student permission, gets the
aggregates of the sites of their affiliate and nothing else).

Small cells (``cis_app.core.suppression``) are suppressed unless the user may see every student behind
the figures: Administrator, or a user with read permission on Student who serves every site in the
result. Anyone else (an Evaluator, a Partner Manager) gets suppressed figures whatever the filters say.
A suppressed value is absent from the rows (None), so also from the JSON, the export, print and chart.

Network mode (``network_mode``; Evaluator, CIS Administrator, System Manager): the figures come from the
imported Outcome Exports of several affiliates (Network Outcome rows), not from students; per
affiliate and for the network, suppressed again at this site's threshold
(``cis_app.core.network_rollup.network_rollup``, which states the rule).
"""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import cint, escape_html

from cis_app.cis_network.doctype.school_year.school_year import get_current_school_year
from cis_app.core.network_rollup import network_rollup
from cis_app.core.outcome_report import grade_range, in_grade_range, report_rows
from cis_app.core.outcomes import COUNT_METRICS, METRICS, counted_outcome_metrics, suppress_outcomes
from cis_app.utils.exceptions import CISValidationError, OutOfScopeError
from cis_app.cis_case_management.outcomes_data import load_counted, sites_in_scope
from cis_app.permissions.scope import get_permitted_sites
from cis_app.cis_case_management.reporting import execute_refusing_cleanly, refuse_differencing, suppression_applies
from cis_app.cis_network.settings import get_outcome_targets, get_small_cell_threshold

REPORT = "CIS Outcomes"
# group_by filter value -> cohort column (``cis_app.cis_case_management.outcomes_data.COHORT_FIELDS``)
GROUP_BY = {
	"": None,
	"None": None,
	"Site": "site",
	"School District": "school_district",
	"School Level": "school_level",
	"Grade": "grade_level",
}
# groups that are a site's (the students are then counted per site)
BY_SITE = ("site", "affiliate", "school_district", "school_level")
MAX_COMPARE_YEARS = 10
NETWORK_ROLES = ("Evaluator", "CIS Administrator", "System Manager")
NETWORK_GROUP_BY = ("", "None", "Affiliate")
# filters that select students, which network mode (whole affiliates' aggregates) cannot apply
NETWORK_REFUSED_FILTERS = {
	"site": "Site",
	"school_district": "School District",
	"grade_from": "Grade From",
	"grade_to": "Grade To",
}


def metric_labels() -> dict[str, str]:
	return {
		"cohort": _("Students case-managed (cohort)"),
		"status_missing": _("Year-end status missing"),
		"unknown_outcome": _("Unknown outcome (transferred, moved, deceased)"),
		"remained_in_school": _("Remained in school"),
		"promoted": _("Promoted (K-11)"),
		"graduated": _("Graduated or GED (grade 12)"),
		"attendance_goals": _("Met or progressed: attendance goal"),
		"academic_goals": _("Met or progressed: academic goal"),
		"behavior_goals": _("Met or progressed: behavior goal"),
	}


def execute(filters: dict | None = None):
	return execute_refusing_cleanly(REPORT, get_report, filters)


def get_report(filters: frappe._dict):
	if cint(filters.network_mode):
		return get_network_report(filters)
	school_year = filters.school_year or get_current_school_year()
	if not school_year:
		frappe.throw(_("Choose a School Year."), CISValidationError, title=_("School Year Missing"))
	if not frappe.db.exists("School Year", school_year):
		frappe.throw(
			_("School Year {0} does not exist.").format(escape_html(school_year)), frappe.DoesNotExistError
		)
	group_by = group_by_column(filters.group_by)
	validate_grade_range(filters.grade_from, filters.grade_to)
	years = years_to_show(school_year, filters.compare_years)
	sites = resolve_sites(filters)
	refuse_differencing(filters, sites)
	suppress = suppression_applies(filters, sites)
	threshold = get_small_cell_threshold()
	targets = get_outcome_targets()

	rows, empty_years = [], []
	for year in years:
		year_rows = year_report_rows(year, sites, filters, group_by, suppress, threshold, targets)
		if year_rows:
			rows.extend(year_rows)
		else:
			empty_years.append(year)
	order = {metric: position for position, metric in enumerate(METRICS)}
	rows.sort(key=lambda row: order[row["metric"]])  # stable: each metric across the years, then groups

	message = get_message(years, empty_years, sites, suppress, threshold, targets)
	if not rows:
		return get_columns(filters.group_by), [], message, None, []
	return (
		get_columns(filters.group_by),
		rows,
		message,
		get_chart(rows, years, targets),
		get_summary(rows, school_year),
	)


def group_by_column(group_by: str | None) -> str | None:
	if (group_by or "") not in GROUP_BY:
		frappe.throw(
			_("Outcomes can be grouped by Site, School District, School Level or Grade, not {0}.").format(
				escape_html(str(group_by))
			),
			CISValidationError,
		)
	return GROUP_BY[group_by or ""]


def years_to_show(school_year: str, compare_years) -> list[str]:
	"""``school_year`` alone, or it and the school years before it: ``compare_years`` years in all,
	oldest first."""
	count = cint(compare_years)
	if count < 0 or count > MAX_COMPARE_YEARS:
		frappe.throw(
			_("Compare Years must be between 0 and {0}.").format(MAX_COMPARE_YEARS), CISValidationError
		)
	if count <= 1:
		return [school_year]
	start = frappe.db.get_value("School Year", school_year, "year_start_date")
	years = frappe.get_all(
		"School Year",
		filters={"year_start_date": ["<=", start]},
		order_by="year_start_date desc",
		limit=count,
		pluck="name",
	)
	return list(reversed(years))


def resolve_sites(filters) -> list[str] | None:
	"""The sites the figures cover: the site, affiliate and district filters within the user's scope
	(None: every site, Administrator only). A site the user does not serve is refused, and so is an
	affiliate or district in which the user serves no site: never an answer silently emptied."""
	scope = sites_in_scope([filters.site] if filters.site else None)
	conditions = {}
	if filters.affiliate:
		conditions["affiliate"] = filters.affiliate
	if filters.school_district:
		conditions["school_district"] = filters.school_district
	if not conditions:
		return scope
	if scope is not None:
		conditions["name"] = ["in", scope or [""]]
	sites = frappe.get_all("Site", filters=conditions, pluck="name", order_by="name")
	if not sites and frappe.session.user != "Administrator" and not filters.site:
		frappe.throw(
			_("You serve no site in {0}. Choose an affiliate or district of the sites you serve.").format(
				escape_html(" / ".join(filter(None, [filters.affiliate, filters.school_district])))
			),
			OutOfScopeError,
		)
	return sites


def validate_grade_range(grade_from: str | None, grade_to: str | None) -> None:
	try:
		grade_range(grade_from, grade_to)
	except ValueError:
		frappe.throw(
			_("Grade From must be a grade level at or below Grade To (PK, K, 1 to 12)."), CISValidationError
		)


def year_report_rows(year, sites, filters, group_by, suppress, threshold, targets) -> list[dict]:
	"""The report rows of one school year; [] when it has no cohort in scope."""
	counted, plan_rows = load_counted(
		year,
		sites,
		by_site=group_by in BY_SITE,
		cohort_filter=lambda cohort: in_grade_range(cohort, filters.grade_from, filters.grade_to),
	)
	if not plan_rows:
		return []
	metrics = counted_outcome_metrics(counted, group_by=group_by)
	if suppress:
		metrics = suppress_outcomes(metrics, threshold)
	labels = metric_labels()
	rows = report_rows(metrics, targets, _("Total"), _("Not set"))
	for row in rows:
		row["school_year"] = year
		row["metric_label"] = labels[row["metric"]]
	return rows


# ---------------------------------------------------------------- network mode


def can_use_network_mode(user: str | None = None) -> bool:
	user = user or frappe.session.user
	return user == "Administrator" or bool(set(frappe.get_roles(user)) & set(NETWORK_ROLES))


def get_network_report(filters: frappe._dict):
	"""The roll-up of the imported Outcome Exports: per affiliate (group_by Affiliate) and for the
	network; always suppressed."""
	if not can_use_network_mode():
		frappe.throw(
			_("Network mode is for Evaluators, CIS Administrators and System Managers."),
			frappe.PermissionError,
			title=_("Not Permitted"),
		)
	school_year = filters.school_year or get_current_school_year()
	if not school_year:
		frappe.throw(_("Choose a School Year."), CISValidationError, title=_("School Year Missing"))
	for fieldname, label in NETWORK_REFUSED_FILTERS.items():
		if filters.get(fieldname):
			frappe.throw(
				_("Network mode rolls up whole affiliates from their exports: clear the {0} filter.").format(
					_(label)
				),
				CISValidationError,
			)
	if (filters.group_by or "") not in NETWORK_GROUP_BY:
		frappe.throw(
			_("In network mode, outcomes can be grouped by Affiliate only, not {0}.").format(
				escape_html(str(filters.group_by))
			),
			CISValidationError,
		)
	grouped = filters.group_by == "Affiliate"
	years = network_years(school_year, filters.compare_years)
	threshold = get_small_cell_threshold()
	targets = get_outcome_targets()
	rows = network_report_rows(years, filters.affiliate, threshold, targets, grouped)
	order = {metric: position for position, metric in enumerate(METRICS)}
	rows.sort(key=lambda row: order[row["metric"]])  # stable: each metric across the years, then groups
	columns = [
		*get_columns("Affiliate" if grouped else None),
		{"fieldname": "coverage", "label": _("Affiliates Counted"), "fieldtype": "Data", "width": 150},
	]
	empty_years = [year for year in years if not any(row["school_year"] == year for row in rows)]
	message = get_network_message(years, empty_years, rows, threshold, targets)
	if not rows:
		return columns, [], message, None, []
	return columns, rows, message, get_chart(rows, years, targets), get_summary(rows, school_year)


def network_years(school_year: str, compare_years) -> list[str]:
	"""``school_year`` alone, or with the imported school years before it (by name: "2023-2024" sorts
	before "2024-2025"), ``compare_years`` in all, oldest first."""
	count = cint(compare_years)
	if count < 0 or count > MAX_COMPARE_YEARS:
		frappe.throw(
			_("Compare Years must be between 0 and {0}.").format(MAX_COMPARE_YEARS), CISValidationError
		)
	if count <= 1:
		return [school_year]
	outcome = frappe.qb.DocType("Network Outcome")
	earlier = (
		frappe.qb.from_(outcome)
		.select(outcome.school_year)
		.distinct()
		.where(outcome.school_year < school_year)
		.orderby(outcome.school_year, order=frappe.qb.desc)
		.limit(count - 1)
		.run(pluck=True)
	)
	return [*sorted(earlier), school_year]


def load_network_cells(years: list[str], affiliate: str | None) -> list[dict]:
	"""The affiliate-level cells of the imported exports of ``years`` (Network Outcome rows; a
	suppressed cell's stored 0s are not figures: ``network_rollup`` reads ``suppressed`` first)."""
	outcome = frappe.qb.DocType("Network Outcome")
	query = (
		frappe.qb.from_(outcome)
		.select(
			outcome.school_year,
			outcome.affiliate,
			outcome.affiliate_name,
			outcome.small_cell_threshold,
			outcome.metric,
			outcome.numerator,
			outcome.denominator,
			outcome.has_denominator,
			outcome.suppressed,
		)
		.where(outcome.level == "Affiliate")
		.where(outcome.school_year.isin(years))
	)
	if affiliate:
		query = query.where(outcome.affiliate == affiliate)
	cells = query.run(as_dict=True)
	for cell in cells:
		if cell.suppressed:
			cell.numerator = cell.denominator = None
		elif not cell.has_denominator:
			cell.denominator = None
	return cells


def network_report_rows(years, affiliate, threshold, targets, grouped: bool) -> list[dict]:
	labels = metric_labels()
	rows = []
	for cell in network_rollup(load_network_cells(years, affiliate), threshold):
		if cell["is_total"]:
			group = _("Network total")
			coverage = _("{0} of {1}").format(cell["affiliates_counted"], cell["affiliates_total"])
		elif grouped:
			group, coverage = cell["group"], ""
		else:
			continue
		rows.append(
			{
				"school_year": cell["school_year"],
				"metric": cell["metric"],
				"metric_label": labels[cell["metric"]],
				"group": group,
				"is_total": cell["is_total"],
				"numerator": cell["numerator"],
				"denominator": cell["denominator"],
				"percent": cell["percent"],
				"target": None if cell["metric"] in COUNT_METRICS else targets.get(cell["metric"]),
				"suppressed": cell["suppressed"],
				"coverage": coverage,
				"affiliates_counted": cell["affiliates_counted"],
				"affiliates_total": cell["affiliates_total"],
			}
		)
	return rows


def get_network_message(years, empty_years, rows, threshold, targets) -> str:
	parts = []
	if empty_years:
		parts.append(
			"<p><b>{}</b></p>".format(
				_("No Outcome Export of {0} has been imported (Network Outcome Import).").format(
					escape_html(", ".join(empty_years))
				)
			)
		)
	affiliates = max((row["affiliates_total"] for row in rows if row["is_total"]), default=0)
	parts.append(
		"<p>{}</p>".format(
			_(
				"Network mode: the figures come from the Outcome Exports the affiliates sent, already "
				"suppressed, and are suppressed again here (threshold {0}). A suppressed cell of an "
				"affiliate is unknown: the network total adds up only the affiliates' cells that are "
				"shown, and Affiliates Counted says how many of them it covers."
			).format(threshold)
		)
	)
	if affiliates:
		parts.append("<p>{}</p>".format(_("Affiliates with an imported export: {0}.").format(affiliates)))
	return "".join(parts) + definitions_html(threshold, targets)


def get_columns(group_by: str | None = None) -> list[dict]:
	group_label = _(group_by) if group_by and group_by != "None" else _("Group")
	return [
		{
			"fieldname": "school_year",
			"label": _("School Year"),
			"fieldtype": "Link",
			"options": "School Year",
			"width": 100,
		},
		{"fieldname": "metric", "label": _("Metric Key"), "fieldtype": "Data", "width": 130},
		{"fieldname": "metric_label", "label": _("Metric"), "fieldtype": "Data", "width": 280},
		{"fieldname": "group", "label": group_label, "fieldtype": "Data", "width": 150},
		{"fieldname": "numerator", "label": _("Numerator"), "fieldtype": "Int", "width": 100},
		{"fieldname": "denominator", "label": _("Denominator"), "fieldtype": "Int", "width": 110},
		{"fieldname": "percent", "label": _("Percent"), "fieldtype": "Percent", "precision": 1, "width": 90},
		{"fieldname": "target", "label": _("Target"), "fieldtype": "Percent", "precision": 1, "width": 90},
		{"fieldname": "suppressed", "label": _("Suppressed"), "fieldtype": "Check", "width": 100},
	]


def get_chart(rows: list[dict], years: list[str], targets: dict[str, float]) -> dict | None:
	"""Bars of each rate's percent (all groups together) against its target; a rate suppressed in any
	year shown is left out, so no suppressed value is drawn (not even as a zero)."""
	labels = metric_labels()
	totals = {(row["metric"], row["school_year"]): row for row in rows if row["is_total"]}
	years_with_rows = [year for year in years if (METRICS[0], year) in totals]
	shown = [
		metric
		for metric in METRICS
		if metric not in COUNT_METRICS
		and all(totals[(metric, year)]["percent"] is not None for year in years_with_rows)
	]
	if not shown or not years_with_rows:
		return None
	datasets = [
		{
			"name": _("Percent") if len(years_with_rows) == 1 else year,
			"values": [totals[(metric, year)]["percent"] for metric in shown],
		}
		for year in years_with_rows
	]
	datasets.append({"name": _("Target"), "values": [targets.get(metric) or 0 for metric in shown]})
	return {
		"data": {"labels": [labels[metric] for metric in shown], "datasets": datasets},
		"type": "bar",
		"title": _("Outcomes against targets"),
		"fieldtype": "Percent",
	}


def get_summary(rows: list[dict], school_year: str) -> list[dict]:
	"""The headline figures (totals of ``school_year``); a suppressed one is left out."""
	summary = []
	for row in rows:
		if not row["is_total"] or row["school_year"] != school_year or row["suppressed"]:
			continue
		if row["metric"] in COUNT_METRICS:
			if row["metric"] == "cohort":
				summary.append({"value": row["numerator"], "label": row["metric_label"], "datatype": "Int"})
			continue
		if row["percent"] is None:
			continue
		reached = row["target"] is None or row["percent"] >= row["target"]
		summary.append(
			{
				"value": row["percent"],
				"label": row["metric_label"],
				"datatype": "Percent",
				"indicator": "Green" if reached else "Red",
			}
		)
	return summary


def get_message(years, empty_years, sites, suppress, threshold, targets) -> str:
	parts = []
	if empty_years:
		parts.append(
			"<p><b>{}</b></p>".format(
				_("No student was case-managed in {0} at the sites in scope: no figures to show.").format(
					escape_html(", ".join(empty_years))
				)
			)
		)
	if suppress:
		parts.append(
			"<p>{}</p>".format(
				_(
					"Small cells are suppressed (threshold {0}): a suppressed figure is left blank. "
					"Only staff who can read every student behind the figures can turn suppression off. "
					"For anyone else the figures cover all the sites and grades they see together (a filter "
					"that narrows them is refused), so that no suppressed group can be recovered by comparing "
					"two answers; Group By shows sites, districts or grades side by side."
				).format(threshold)
			)
		)
	else:
		parts.append(
			"<p>{}</p>".format(
				_("Small cells are shown: these figures are not for publication without suppression.")
			)
		)
	if sites is not None:
		parts.append("<p>{}</p>".format(_("Sites in scope: {0}.").format(len(sites))))
	return "".join(parts) + definitions_html(threshold, targets)


def definitions_html(threshold: int, targets: dict[str, float]) -> str:
	"""How every figure is computed (``cis_app.core.outcomes``), so an evaluator can check it by hand."""
	labels = metric_labels()
	definitions = {
		"cohort": _(
			"Distinct students with a Student support plan of the school year that was activated "
			"(at the sites in scope, and in the grade range when one is chosen). A student with several "
			"plans counts once, at the site of their first activated plan."
		),
		"status_missing": _(
			"Cohort students with no Student Year-End Status for the year. Left out of every outcome "
			"denominator below."
		),
		"unknown_outcome": _(
			"Cohort students whose year-end status is Transferred, Moved or Deceased. Left out of every "
			"outcome denominator below. Cohort = status missing + unknown outcome + the denominator of "
			"Remained in school."
		),
		"remained_in_school": _(
			"Numerator: students with a known outcome (Promoted, Retained, Graduated, GED, Dropped Out) "
			"who did not drop out. Denominator: students with a known outcome."
		),
		"promoted": _("Grades K-11. Numerator: Promoted. Denominator: Promoted + Retained + Dropped Out."),
		"graduated": _(
			"Grade 12 students with a known outcome. Numerator: Graduated + GED. Denominator: all of them."
		),
		"attendance_goals": _(
			"Students with a known outcome and at least one attendance goal whose progress is known "
			"(Met, Progressing, No Progress or Decline; goals Exited Before Progress Known or without "
			"progress yet are left out). Numerator: those with at least one such goal Met or Progressing. "
			"Each student counts once."
		),
		"academic_goals": _("As for attendance, for academic goals."),
		"behavior_goals": _("As for attendance, for behavior goals."),
	}
	items = []
	for metric in METRICS:
		target = targets.get(metric)
		target_text = "" if target is None else " " + _("Target: {0}%.").format(frappe.format(target))
		label, definition = escape_html(labels[metric]), escape_html(definitions[metric])
		items.append(f"<li><b>{label}</b> (<code>{metric}</code>): {definition}{target_text}</li>")
	rules = _(
		"Percent = 100 x numerator / denominator, rounded half up to one decimal. A student's grade is "
		"the grade of their year-end status, else their current grade. Suppression: a count below {0} "
		"is suppressed (0 included); a percentage is suppressed when its numerator, denominator or "
		"denominator minus numerator is below {0}; when exactly one group's value of a metric is "
		"suppressed, the next smallest group's is suppressed too; when exactly one of status missing, "
		"unknown outcome and the denominator of remained in school is suppressed, the smallest other "
		"one is suppressed too."
	).format(threshold)
	# collapsed under the report's status line; the Definitions button opens the same text
	summary = escape_html(_("Definitions: how each figure is computed"))
	return (
		f'<details class="cis-outcomes-definitions"><summary>{summary}</summary>'
		f"<ul>{''.join(items)}</ul><p>{escape_html(rules)}</p></details>"
	)


@frappe.whitelist()
def get_definitions() -> str:
	"""The definitions shown in the report's help (for the report's Definitions button)."""
	if not frappe.get_doc("Report", REPORT).is_permitted():
		frappe.throw(_("You don't have access to Report: {0}").format(_(REPORT)), frappe.PermissionError)
	return definitions_html(get_small_cell_threshold(), get_outcome_targets())
