# Copyright (c) 2026, cis_app contributors and contributors
# For license information, please see license.txt

import frappe
from frappe import _, _lt
from frappe.model.document import Document
from frappe.utils import getdate, nowdate

from cis_app.core.plausibility import FIRST_HOUR_VALUE_YEAR, MAX_GPA, MAX_HOURLY_VALUE
from cis_app.utils.exceptions import CISValidationError, InvalidThresholdsError
from cis_app.cis_network.settings import OUTCOME_TARGET_FIELDS, thresholds_from
from cis_app.utils.validation import validate_in_range

PROBLEM_MESSAGES = {
	"absence_rates_out_of_order": _lt(
		"Absence rates must rise: at risk below chronic, chronic at or below severe, all between 0% and 100%."
	),
	"tier_scores_out_of_order": _lt(
		"Tier 2 must start at a lower score than Tier 3, and Tier 3 at 6 or below."
	),
	"behavior_flags_below_one": _lt("Behavior flags must be at least 1."),
	"negative_min_enrolled_days": _lt("Minimum enrolled days cannot be negative."),
}


class CISSettings(Document):
	def validate(self):
		self.validate_thresholds()
		self.validate_ranges()
		self.validate_volunteer_hour_values()

	def validate_thresholds(self):
		problems = thresholds_from(self).problems()
		if problems:
			frappe.throw(
				"<br>".join(str(PROBLEM_MESSAGES[p]) for p in problems),
				InvalidThresholdsError,
				title=_("Invalid Thresholds"),
			)

	def validate_ranges(self):
		"""Figures no setting can sensibly hold (limits: ``cis_app.core.plausibility``)."""
		validate_in_range(self, "gpa_flag", 0, MAX_GPA)
		validate_in_range(self, "goal_progress_tolerance", 0, 100)
		validate_in_range(self, "default_volunteer_hour_value", 0, MAX_HOURLY_VALUE)
		for fieldname in OUTCOME_TARGET_FIELDS:
			validate_in_range(self, fieldname, 0, 100)

	def validate_volunteer_hour_values(self):
		"""One value above $0 per calendar year, for a year volunteers can have worked in."""
		next_year = getdate(nowdate()).year + 1
		years = {}
		for row in self.volunteer_hour_values:
			validate_in_range(row, "year", FIRST_HOUR_VALUE_YEAR, next_year)
			validate_in_range(row, "hourly_value", 0.01, MAX_HOURLY_VALUE)
			if row.year in years:
				frappe.throw(
					_(
						"Rows {0} and {1} both give the value of an hour in {2}. Keep one row per year."
					).format(years[row.year], row.idx, row.year),
					CISValidationError,
					title=_("Duplicate Year"),
				)
			years[row.year] = row.idx


@frappe.whitelist()
def recompute_early_warning() -> str:
	"""Queue the recomputation of every student's risk and goal progress (CIS Administrator)."""
	frappe.only_for(("CIS Administrator", "System Manager"))
	frappe.enqueue(
		"cis_app.cis_case_management.recompute.recompute_all",
		queue="long",
		timeout=3600,
		job_id="cis_recompute_all",
		deduplicate=True,
	)
	return _("Recomputation queued. Risk scores and goal progress update in the background.")
