# Copyright (c) 2026, cis_app contributors and contributors
# For license information, please see license.txt
"""CIS Impact: did case management change an indicator, against a matched comparison group.

The rules are ``cis_app.core.impact`` (stated there and in this report's message); the students and
their figures come from ``cis_app.cis_case_management.impact_data`` for the sites in the user's scope, read with SQL, so an
Evaluator, who has no Student permission, gets the aggregates and nothing else.

Suppression: as in CIS Outcomes, no figure from fewer than the threshold's students for anyone who
cannot read every student behind it (``reporting.suppression_applies``), and, against differencing,
such a viewer gets figures for their whole scope only (``reporting.refuse_differencing``).
"""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import escape_html

from cis_app.cis_case_management.report.cis_outcomes.cis_outcomes import resolve_sites, validate_grade_range
from cis_app.cis_network.doctype.school_year.school_year import get_current_school_year
from cis_app.core import impact
from cis_app.core.outcome_report import in_grade_range
from cis_app.utils.exceptions import CISValidationError
from cis_app.cis_case_management.impact_data import load_impact_frame, previous_school_year
from cis_app.cis_case_management.reporting import execute_refusing_cleanly, refuse_differencing, suppression_applies
from cis_app.cis_network.settings import get_small_cell_threshold

REPORT = "CIS Impact"
def outcome_labels() -> dict[str, str]:
	return {
		"attendance_rate": _("Attendance rate (%)"),
		"chronic_absence": _("Chronically absent (%)"),
		"suspensions": _("Suspensions"),
		"failed_courses": _("Failed courses"),
	}


def execute(filters: dict | None = None):
	return execute_refusing_cleanly(REPORT, get_report, filters)


def get_report(filters: frappe._dict):
	school_year = filters.school_year or get_current_school_year()
	if not school_year:
		frappe.throw(_("Choose a School Year."), CISValidationError, title=_("School Year Missing"))
	# an unknown School Year, Site, Affiliate or District is refused before this runs (reporting.check_filters)
	outcome = filters.outcome or "attendance_rate"
	if outcome not in impact.OUTCOMES:
		frappe.throw(
			_("Outcome must be one of {0}.").format(", ".join(impact.OUTCOMES)), CISValidationError
		)
	method = filters.method or "matched"
	if method not in impact.METHODS:
		frappe.throw(_("Method must be matched or naive."), CISValidationError)
	validate_grade_range(filters.grade_from, filters.grade_to)
	sites = resolve_sites(filters)
	refuse_differencing(filters, sites)
	suppress = suppression_applies(filters, sites)
	threshold = get_small_cell_threshold()
	previous = previous_school_year(school_year)
	columns = get_columns()
	if not previous:
		return columns, [], message_html(None, suppress, threshold, _(
			"There is no school year before {0}, so there is no baseline: no estimate can be made."
		).format(escape_html(school_year)))
	frame = load_impact_frame(school_year, previous, sites, outcome)
	frame = in_grades(frame, filters.grade_from, filters.grade_to)
	options = {"threshold": threshold, "suppress_small_cells": suppress}
	chosen = impact.estimate(frame, outcome, method, **options)
	estimates = [chosen]
	if method == "matched":
		estimates.append(impact.estimate(frame, outcome, "naive", **options))
	rows = [row_of(estimate) for estimate in estimates]
	note = None
	if chosen.effect is None:
		note = no_estimate_reasons(threshold).get(chosen.code) or _("No estimate can be made for these filters.")
		if frame.empty or not (frame["outcome"].notna().any()):
			note = _("No figure of this indicator was recorded in {0} for the students in scope: no estimate.").format(
				escape_html(school_year)
			)
	return (
		columns,
		rows,
		message_html(chosen, suppress, threshold, note, previous),
		get_chart(chosen),
		get_summary(chosen),
	)


def no_estimate_reasons(threshold: int) -> dict[str, str]:
	return {
		impact.NO_SERVED: _("No served student has this indicator both the year before and this year."),
		impact.NO_COMPARISON: _("No comparison student has this indicator both the year before and this year."),
		impact.NO_MATCH: _("No served student found a comparison student close enough on the year before."),
		impact.SUPPRESSED: _("Fewer than {0} students: the figures are suppressed.").format(threshold),
	}


def in_grades(frame, grade_from, grade_to):
	"""The students inside the grade range (the rule of CIS Outcomes, ``core.outcome_report``)."""
	if frame.empty:
		return frame
	inside = in_grade_range(frame.rename(columns={"grade": "grade_level"}), grade_from, grade_to)
	return inside.rename(columns={"grade_level": "grade"})


def row_of(estimate: impact.Estimate) -> dict:
	shown = lambda value: impact.display(value, estimate.outcome)  # noqa: E731
	left_out = None if estimate.suppressed else estimate.left_out_total
	return {
		"outcome": estimate.outcome,
		"outcome_label": outcome_labels()[estimate.outcome],
		"method": estimate.method,
		"group": _("Total") if estimate.group == "Total" else estimate.group,
		"served": estimate.served,
		"matched": estimate.matched,
		"left_out": left_out,
		"effect": shown(estimate.effect),
		"ci_low": shown(estimate.ci_low),
		"ci_high": shown(estimate.ci_high),
		"served_baseline": shown(estimate.served_baseline),
		"served_outcome": shown(estimate.served_outcome),
		"comparison_baseline": shown(estimate.comparison_baseline),
		"comparison_outcome": shown(estimate.comparison_outcome),
		"suppressed": estimate.suppressed,
	}


def get_columns() -> list[dict]:
	figure = {"fieldtype": "Float", "precision": 2, "width": 110}
	return [
		{"fieldname": "outcome", "label": _("Outcome Key"), "fieldtype": "Data", "width": 120},
		{"fieldname": "outcome_label", "label": _("Outcome"), "fieldtype": "Data", "width": 170},
		{"fieldname": "method", "label": _("Method"), "fieldtype": "Data", "width": 90},
		{"fieldname": "group", "label": _("Group"), "fieldtype": "Data", "width": 90},
		{"fieldname": "served", "label": _("Served"), "fieldtype": "Int", "width": 80},
		{"fieldname": "matched", "label": _("Matched / Compared"), "fieldtype": "Int", "width": 110},
		{"fieldname": "left_out", "label": _("Served Left Out"), "fieldtype": "Int", "width": 110},
		{"fieldname": "effect", "label": _("Effect"), **figure},
		{"fieldname": "ci_low", "label": _("95% CI Low"), **figure},
		{"fieldname": "ci_high", "label": _("95% CI High"), **figure},
		{"fieldname": "served_baseline", "label": _("Served: Year Before"), **figure},
		{"fieldname": "served_outcome", "label": _("Served: End of Year"), **figure},
		{"fieldname": "comparison_baseline", "label": _("Comparison: Year Before"), **figure},
		{"fieldname": "comparison_outcome", "label": _("Comparison: End of Year"), **figure},
		{"fieldname": "suppressed", "label": _("Suppressed"), "fieldtype": "Check", "width": 90},
	]


def get_chart(estimate: impact.Estimate) -> dict | None:
	if estimate.effect is None:
		return None
	show = lambda value: impact.display(value, estimate.outcome)  # noqa: E731
	return {
		"data": {
			"labels": [_("Year before"), _("End of year")],
			"datasets": [
				{"name": _("Served"), "values": [show(estimate.served_baseline), show(estimate.served_outcome)]},
				{
					"name": _("Matched comparison") if estimate.method == "matched" else _("Not served"),
					"values": [show(estimate.comparison_baseline), show(estimate.comparison_outcome)],
				},
			],
		},
		"type": "line",
		"title": outcome_labels()[estimate.outcome],
	}


def get_summary(estimate: impact.Estimate) -> list[dict]:
	if estimate.effect is None:
		return []
	show = lambda value: impact.display(value, estimate.outcome)  # noqa: E731
	return [
		{"label": _("Effect on the served"), "value": show(estimate.effect), "datatype": "Float", "indicator": "Blue"},
		{
			"label": _("95% interval"),
			"value": _("{0} to {1}").format(show(estimate.ci_low), show(estimate.ci_high)),
			"datatype": "Data",
		},
		{"label": _("Served"), "value": estimate.served, "datatype": "Int"},
		{"label": _("Matched"), "value": estimate.matched, "datatype": "Int"},
	]


def message_html(estimate, suppress, threshold, note=None, previous=None) -> str:
	parts = []
	if note:
		parts.append(f"<p><b>{escape_html(note)}</b></p>")
	if estimate is not None and estimate.balance:
		cells = "".join(
			"<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>".format(
				escape_html(outcome_labels()[row["indicator"]]),
				"" if row["smd_before"] is None else f"{row['smd_before']:.2f}",
				"" if row["smd_after"] is None else f"{row['smd_after']:.2f}",
				_("above 0.1") if row["flagged"] else "",
			)
			for row in estimate.balance
		)
		parts.append(
			"<p><b>{}</b></p><table class='table table-bordered' style='width:auto'><tr><th>{}</th><th>{}</th>"
			"<th>{}</th><th></th></tr>{}</table>".format(
				_("Balance of the year before (standardised mean difference, served minus comparison)"),
				_("Indicator"),
				_("Before matching"),
				_("After matching"),
				cells,
			)
		)
	if estimate is not None and estimate.effect is not None:
		parts.append(
			"<p>{}</p>".format(
				_("Served left out: {0} without the figure the year before, {1} without it this year, {2} without a match.").format(
					*(estimate.left_out[k] for k in ("no_baseline", "no_outcome", "no_match"))
				)
			)
		)
	parts.append(
		"<p>{}</p>".format(
			_(
				"What this estimate assumes: the served students and their matched comparison students were alike "
				"on what was measured the year before{0} (attendance, chronic absence, suspensions, failed courses, "
				"school, grade band). Anything not measured, such as motivation or a family event, is not accounted "
				"for. It is not a randomised trial."
			).format(f" ({escape_html(previous)})" if previous else "")
		)
	)
	parts.append(
		"<p>{}</p>".format(
			_(
				"How: each student case-managed this year (an activated Student plan) is matched to the nearest "
				"student of the same school and grade band (PK-5, 6-8, 9-12; else of the same district) who was not "
				"case-managed this year nor the year before, on a propensity score (logistic regression on the "
				"year-before indicators), with replacement, within 0.2 standard deviations of its logit. Effect: "
				"the mean of (served change) minus (matched student's change), change being end of year minus the "
				"year before; 95% interval from 1,000 bootstrap resamples of the served students (fixed seed). "
				"Naive: all served minus all not served, for contrast. Attendance in percent of days enrolled; "
				"chronic absence in percentage points."
			)
		)
	)
	if suppress:
		parts.append(
			"<p>{}</p>".format(
				_(
					"Small cells are suppressed (threshold {0}): no figure from fewer students. The estimate is given "
					"for all your sites together."
				).format(threshold)
			)
		)
	return "".join(parts)
