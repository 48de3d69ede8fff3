"""Affiliate-wide settings read by controllers, reports and jobs (CIS Settings)."""

from __future__ import annotations

import frappe
from frappe import _

from cis_app.core.early_warning import Thresholds
from cis_app.core.goals import DEFAULT_TOLERANCE
from cis_app.core.suppression import DEFAULT_THRESHOLD
from cis_app.utils.exceptions import OutsideSchoolYearError

_PERCENT_FIELDS = ("at_risk_absence_rate", "chronic_absence_rate", "severe_absence_rate")


def thresholds_from(settings) -> Thresholds:
	"""Early-warning thresholds from a CIS Settings document (Percent fields hold 10 for 10%)."""
	values = {}
	for field in Thresholds.__dataclass_fields__:
		value = settings.get(field)
		if value in (None, ""):
			continue
		values[field] = float(value) / 100 if field in _PERCENT_FIELDS else value
	return Thresholds.from_settings(values)


def get_thresholds() -> Thresholds:
	return thresholds_from(frappe.get_cached_doc("CIS Settings"))


def get_goal_tolerance() -> float:
	value = frappe.get_cached_doc("CIS Settings").get("goal_progress_tolerance")
	return DEFAULT_TOLERANCE if value in (None, "") else float(value) / 100


def school_year_of(day) -> str | None:
	"""The School Year containing ``day``, or None."""
	return frappe.db.get_value(
		"School Year", {"year_start_date": ["<=", day], "year_end_date": [">=", day]}, "name"
	)


def require_school_year_of(day, label: str) -> str:
	"""The School Year containing ``day``; a clear error when there is none."""
	year = school_year_of(day)
	if not year:
		frappe.throw(
			_(
				"{0} ({1}) is not inside any school year. Enter a date within a school year, or create the School Year first."
			).format(_(label), frappe.format(day, {"fieldtype": "Date"})),
			OutsideSchoolYearError,
			title=_("Outside the School Year"),
		)
	return year


def validate_within_school_year(doc, school_year: str, fields: list[str]) -> None:
	"""Each of ``doc``'s date ``fields`` that is set must fall within ``school_year``."""
	if not school_year:
		return
	start, end = frappe.db.get_value("School Year", school_year, ["year_start_date", "year_end_date"])
	for field in fields:
		value = doc.get(field)
		if value and not (
			frappe.utils.getdate(start) <= frappe.utils.getdate(value) <= frappe.utils.getdate(end)
		):
			frappe.throw(
				_("{0} ({1}) is outside school year {2} ({3} to {4}).").format(
					_(doc.meta.get_label(field)),
					frappe.format(value, {"fieldtype": "Date"}),
					frappe.bold(school_year),
					frappe.format(start, {"fieldtype": "Date"}),
					frappe.format(end, {"fieldtype": "Date"}),
				),
				OutsideSchoolYearError,
				title=_("Outside the School Year"),
			)


# CIS Settings field of each outcome metric's target (CIS Outcomes report), with the default used when
# the field is empty (a site migrated before the fields existed).
OUTCOME_TARGET_FIELDS = {
	"target_remained_in_school": ("remained_in_school", 95.0),
	"target_promoted": ("promoted", 85.0),
	"target_graduated": ("graduated", 90.0),
	"target_attendance_goals": ("attendance_goals", 80.0),
	"target_academic_goals": ("academic_goals", 85.0),
	"target_behavior_goals": ("behavior_goals", 85.0),
}


def get_outcome_targets() -> dict[str, float]:
	"""Target percent per outcome metric key (``cis_app.core.outcomes.METRICS``), from CIS Settings."""
	settings = frappe.get_cached_doc("CIS Settings")
	targets = {}
	for fieldname, (metric, default) in OUTCOME_TARGET_FIELDS.items():
		value = settings.get(fieldname)
		targets[metric] = default if value in (None, "") else float(value)
	return targets


def get_small_cell_threshold() -> int:
	"""Counts below this are suppressed in published figures (CIS Settings, 10 by default)."""
	value = frappe.get_cached_doc("CIS Settings").get("small_cell_threshold")
	return DEFAULT_THRESHOLD if value in (None, "") else max(int(value), 0)
