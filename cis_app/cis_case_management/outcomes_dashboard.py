"""The figures of the Outcomes workspace: its number cards and charts.

Each figure is what the user gets by opening the report behind it for the year shown (the outcomes: the
last school year that has ended, whose year-end statuses are in; the impact estimate: the current school
year), every site in the user's scope, small cells suppressed as the report suppresses them when asked
not to: for anyone who cannot read every student behind a figure (``reporting.suppression_applies``;
an Evaluator always). The cards and charts run CIS Outcomes and CIS Impact through their own
``execute``, after checking that the user may run that report, so the scope, the suppression and the
refusals are the reports' own. A suppressed figure is shown as
"Suppressed", never as a number, and a chart leaves out a figure suppressed in any year it shows.

One answer per user, year and figure set is kept for ``CACHE_SECONDS`` (a workspace asks for six cards
and three charts at once); it holds that user's aggregates only.
"""

from __future__ import annotations

import frappe
from frappe import _
from frappe.core.doctype.custom_role.custom_role import get_custom_allowed_roles
from frappe.utils import escape_html, has_common, nowdate

from cis_app.cis_case_management.report.cis_impact import cis_impact
from cis_app.cis_case_management.report.cis_outcomes import cis_outcomes
from cis_app.cis_network.doctype.school_year.school_year import get_current_school_year
from cis_app.core.outcomes import COUNT_METRICS, METRICS

# the headline figures: CIS Outcomes' rates (its three counts aside), in the report's order
HEADLINES = tuple(metric for metric in METRICS if metric not in COUNT_METRICS)
IMPACT_CARD = "Attendance Effect of Case Management"
YEARS_SHOWN = 5
# an empty chart: Frappe's chart widget shows "No Data" for an answer without keys (an empty list of
# labels it would try to draw)
NO_DATA: dict = {}
CACHE_SECONDS = 120
OUTCOMES, IMPACT = "CIS Outcomes", "CIS Impact"


def may_run(report: str, user: str | None = None) -> bool:
	"""Whether the user's roles may run the report: its roles (Role Permission for Page and Report
	when an administrator set them there, else the Report's own), as Frappe decides for the report."""
	user = user or frappe.session.user
	if user == "Administrator":
		return True
	allowed = get_custom_allowed_roles("report", report) or [
		row.role for row in frappe.get_cached_doc("Report", report).roles
	]
	return not allowed or has_common(frappe.get_roles(user), allowed)


def require(report: str) -> None:
	if not may_run(report):
		frappe.throw(
			_("The figures of {0} are for the roles that may run that report.").format(_(report)),
			frappe.PermissionError,
		)


def outcomes_year() -> str | None:
	"""The school year the outcome cards show: the last one that has ended (outcomes are counted at the
	year's end), else the current one."""
	ended = frappe.get_all(
		"School Year",
		filters={"year_end_date": ["<", nowdate()]},
		order_by="year_end_date desc",
		limit=1,
		pluck="name",
	)
	return ended[0] if ended else get_current_school_year()


def cached(name: str, compute):
	"""``compute()``, kept for this user and school year for ``CACHE_SECONDS``."""
	key = f"cis-outcomes-dashboard:{name}:{frappe.session.user}:{get_current_school_year()}:{nowdate()}"
	value = frappe.cache.get_value(key)
	if value is None:
		value = compute()
		frappe.cache.set_value(key, value, expires_in_sec=CACHE_SECONDS)
	return value


def outcome_rows(years: int = 1) -> list[dict]:
	"""CIS Outcomes' total rows for ``outcomes_year`` (and the ``years`` - 1 before it), default filters."""
	require(OUTCOMES)
	year = outcomes_year()
	if not year:
		return []
	result = cis_outcomes.execute({"school_year": year, "compare_years": years, "suppress_small_cells": 0})
	return [dict(row) for row in result[1] if row.get("is_total")]


def impact_result() -> dict:
	"""CIS Impact's matched estimate of attendance for the current school year, default filters:
	{effect, ci_low, ci_high, suppressed, chart} or {reason} when none can be made."""
	require(IMPACT)
	year = get_current_school_year()
	if not year:
		return {"reason": _("No current school year is set (CIS Settings).")}
	result = cis_impact.execute(
		{"school_year": year, "outcome": "attendance_rate", "method": "matched", "suppress_small_cells": 0}
	)
	rows, chart = result[1], (result[3] if len(result) > 3 else None)
	row = next((r for r in rows if r.get("method") == "matched"), None)
	if not row or row.get("effect") is None:
		return {"reason": _("No estimate"), "suppressed": bool(row and row.get("suppressed"))}
	return {
		"effect": row["effect"],
		"ci_low": row["ci_low"],
		"ci_high": row["ci_high"],
		"served": row["served"],
		"matched": row["matched"],
		"chart": chart["data"] if chart else None,
	}


@frappe.whitelist()
def headline(filters=None):
	"""A number card: one headline figure of CIS Outcomes (``filters``: {"metric": ...}) for the current
	school year, as a percent, or the word that says why there is none."""
	metric = (frappe.parse_json(filters) or {}).get("metric")
	if metric not in HEADLINES:
		frappe.throw(_("Choose one of {0}.").format(", ".join(HEADLINES)), frappe.ValidationError)
	rows = cached("outcomes", outcome_rows)
	year = outcomes_year()
	row = next((r for r in rows if r["metric"] == metric and r.get("school_year") in (None, year)), None)
	if row is None:
		return escape_html(_("No data"))
	if row["suppressed"] or row["percent"] is None:
		return escape_html(_("Suppressed"))
	return {
		"value": row["percent"],
		"fieldtype": "Percent",
		"precision": 1,
		"route": ["query-report", OUTCOMES],
		"route_options": {"school_year": year},
	}


@frappe.whitelist()
def impact(filters=None):
	"""A number card: the matched estimate of case management's effect on attendance (points), or why
	there is none."""
	result = cached("impact", impact_result)
	if result.get("effect") is None:
		return escape_html(_("Suppressed") if result.get("suppressed") else result["reason"])
	return {
		"value": result["effect"],
		"fieldtype": "Float",
		"precision": 1,
		"route": ["query-report", IMPACT],
		"route_options": {"school_year": get_current_school_year()},
	}


@frappe.whitelist()
def chart(chart_name=None, filters=None, **_ignored):
	"""The Custom charts of the workspace (source "CIS Outcomes Charts"); ``filters``' ``view``:

	- ``years``: the headline figures across the last school years (``years_chart``: nothing suppressed
	  is drawn);
	- ``targets``: the current year's figures against their targets (CIS Outcomes' own chart);
	- ``impact``: served and matched comparison students' attendance, the year before and at the end
	  of this year (CIS Impact's own chart)."""
	view = (frappe.parse_json(filters) or {}).get("view")
	if view == "impact":
		data = cached("impact", impact_result).get("chart")
		return data or NO_DATA
	if view == "targets":
		rows = cached("outcomes", outcome_rows)
		year = outcomes_year()
		drawn = cis_outcomes.get_chart(rows, [year], cis_outcomes.get_outcome_targets()) if rows else None
		return drawn["data"] if drawn else NO_DATA
	if view == "years":
		return cached("years", years_chart)
	frappe.throw(_("Choose the view years, targets or impact."), frappe.ValidationError)


def years_chart() -> dict:
	"""Each headline figure with a value in the year shown, across the years before it in which each of
	them has one too (a year with any of them suppressed or missing is left out, so nothing suppressed is
	drawn, not even as a zero)."""
	rows = outcome_rows(YEARS_SHOWN)
	labels = cis_outcomes.metric_labels()
	percent = {(row["metric"], row["school_year"]): row.get("percent") for row in rows}
	latest = outcomes_year()
	metrics = [m for m in HEADLINES if percent.get((m, latest)) is not None]
	years = sorted(
		{row["school_year"] for row in rows if all(percent.get((m, row["school_year"])) is not None for m in metrics)}
	)
	if not metrics or not years:
		return NO_DATA
	return {
		"labels": years,
		"datasets": [{"name": labels[m], "values": [percent[(m, year)] for year in years]} for m in metrics],
	}


def has_card_permission(doc, ptype=None, user=None):
	"""Number Card permission (hooks): the impact card only for those who may run CIS Impact; every
	other card as Frappe decides."""
	if doc.name == IMPACT_CARD and not may_run(IMPACT, user):
		return False
	return None
