# Copyright (c) 2026, cis_app contributors and contributors
# For license information, please see license.txt

import frappe
from frappe import _, _lt
from frappe.model.document import Document

from cis_app.exceptions import InvalidThresholdsError

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

	def validate_thresholds(self):
		from cis_app.settings import thresholds_from

		problems = thresholds_from(self).problems()
		if problems:
			frappe.throw(
				"<br>".join(str(PROBLEM_MESSAGES[p]) for p in problems),
				InvalidThresholdsError,
				title=_("Invalid Thresholds"),
			)


@frappe.whitelist()
def recompute_early_warning() -> str:
	"""Queue the recomputation of every student's risk and goal progress (CIS Administrator)."""
	frappe.only_for(("CIS Administrator", "System Manager"))
	frappe.enqueue(
		"cis_app.recompute.recompute_all",
		queue="long",
		timeout=3600,
		job_id="cis_recompute_all",
		deduplicate=True,
	)
	return _("Recomputation queued. Risk scores and goal progress update in the background.")
