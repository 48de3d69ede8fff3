# Copyright (c) 2026, cis_app contributors and contributors
# For license information, please see license.txt

import frappe
import pandas as pd
from frappe import _, _lt
from frappe.model.document import Document
from frappe.utils import getdate, nowdate

from cis_app.cis_case_management.doctype.student_consent.student_consent import has_valid_consent_for_year
from cis_app.core.consent import SCOPE_CASE_MANAGEMENT
from cis_app.core.goals import ENTERED, goal_problem, plan_summary, progress_frame, resolve_data_fed
from cis_app.core.metrics import (
	DATA_METRICS,
	METRIC_AREA,
	data_as_of,
	fixed_area_and_direction,
	metric_values,
)
from cis_app.core.plans import ACTIVE, CASE_MANAGED_STATUSES, CLOSED
from cis_app.utils.exceptions import ConsentRequiredError, InvalidGoalError, WrongTierError
from cis_app.permissions.scope import check_in_scope, site_of
from cis_app.cis_case_management.recompute import load_latest_data_points, refresh_case_management
from cis_app.cis_network.settings import get_goal_tolerance, validate_within_school_year
from cis_app.utils.validation import validate_date_range, validate_support_tier
from cis_app.setup.workflows import sync_status

GOAL_PROBLEMS = {
	"missing_values": _lt("Row {0}: enter both the baseline and the target."),
	"unknown_direction": _lt("Row {0}: choose whether up or down is better."),
	"target_equals_baseline": _lt(
		"Row {0}: the target equals the baseline ({1}), so progress cannot be measured. Set a target that asks for a change."
	),
	"direction_contradicts": _lt(
		"Row {0}: better is {2}, but the target ({3}) is on the other side of the baseline ({1}). Fix the target or the direction."
	),
}


class SupportPlan(Document):
	def onload(self):
		# the form fills a data-fed goal's area and direction from the same table the server enforces
		self.set_onload("metric_areas", METRIC_AREA)

	def validate(self):
		sync_status(self)
		check_in_scope(self)
		self.set_plan_scope()
		self.validate_dates()
		self.validate_goals()
		self.stamp_changed_values()
		self.set_values_from_data()
		self.set_progress()
		self.validate_supports()
		self.validate_consent()
		self.validate_closure()
		self.set_activated_on()

	def set_plan_scope(self):
		if self.plan_type == "Student":
			if not self.student:
				frappe.throw(_("Choose the student this plan is for."), frappe.MandatoryError)
			self.site = site_of(self)  # the student's: one rule, cis_app.permissions.scope
		else:
			self.student = None
			self.student_name = None

	def validate_dates(self):
		validate_date_range(self, "start_date", "end_date")
		validate_within_school_year(self, self.school_year, ["start_date", "end_date"])
		for row in self.supports:
			validate_date_range(row, "start_date", "end_date", _("Supports row {0}").format(row.idx))

	def validate_goals(self):
		for goal in self.goals:
			fixed = fixed_area_and_direction(goal.metric)
			if fixed:
				# a data-fed metric has one area and one better direction (core.metrics)
				goal.area, goal.direction = fixed
			problem = goal_problem(goal.baseline, goal.target, goal.direction)
			if problem:
				frappe.throw(
					str(GOAL_PROBLEMS[problem]).format(
						goal.idx, goal.baseline, _(goal.direction or ""), goal.target
					),
					InvalidGoalError,
					title=_("Invalid Goal"),
				)

	def set_values_from_data(self):
		"""Goals fed by data take what the data points of the plan's year know as soon as they are
		written, with the same rules as the recomputation (``core.metrics``, ``core.goals``)."""
		if self.plan_type != "Student" or self.status == CLOSED or not self.student:
			return
		fed = [goal for goal in self.goals if goal.metric in DATA_METRICS]
		if not fed:
			return

		latest = load_latest_data_points([self.student])
		latest = latest[latest["school_year"] == self.school_year]
		if latest.empty:
			latest = pd.DataFrame([{}])
		known = pd.concat([latest.iloc[[0]]] * len(fed), ignore_index=True)
		metrics = pd.Series([goal.metric for goal in fed])
		frame = pd.DataFrame(
			{
				"current_value": [goal.current_value if goal.value_updated_on else None for goal in fed],
				"value_as_of": [goal.value_updated_on for goal in fed],
				"value_source": [goal.value_source or "" for goal in fed],
				"data_value": metric_values(metrics, known),
				"data_as_of": data_as_of(metrics, known),
			}
		)
		resolved = resolve_data_fed(frame)
		for goal, row in zip(fed, resolved.itertuples(index=False), strict=True):
			if not row.changed:
				continue
			known_value = not pd.isna(row.current_value)
			goal.current_value = float(row.current_value) if known_value else 0
			goal.value_updated_on = row.value_as_of.date() if known_value else None
			goal.value_source = row.value_source

	def stamp_changed_values(self):
		"""A value typed into a goal counts as known from today (Float fields cannot tell "0" from "not
		entered", so a value is known when it was changed)."""
		before = self.get_doc_before_save()
		previous = {goal.name: goal.current_value for goal in (before.goals if before else [])}
		for goal in self.goals:
			if goal.flags.value_stamped:  # set with its date and source (a check-in)
				continue
			if goal.name in previous:
				changed = (goal.current_value or 0) != (previous[goal.name] or 0)
			else:
				changed = bool(goal.current_value) and not goal.value_updated_on
			if changed:
				goal.value_updated_on = nowdate()
				goal.value_source = ENTERED

	def set_progress(self):
		"""Each goal's progress from its current value (the core's rule); the plan's summary."""
		exited = self.status == CLOSED or bool(self.exit_date)
		if self.goals:
			frame = pd.DataFrame(
				[
					{
						"baseline": goal.baseline,
						"target": goal.target,
						"direction": goal.direction,
						"current": goal.current_value if goal.value_updated_on else None,
						"exited": exited,
					}
					for goal in self.goals
				]
			)
			for goal, status in zip(self.goals, progress_frame(frame, get_goal_tolerance()), strict=True):
				goal.progress_status = status or ""
		self.goals_total, self.goals_on_track = plan_summary(goal.progress_status for goal in self.goals)
		reviews = [getdate(g.next_review_date) for g in self.goals if g.next_review_date]
		self.next_review_date = min(reviews) if reviews else None

	def validate_supports(self):
		for row in self.supports:
			validate_support_tier(
				row.support_type, int(row.tier.split()[-1]), _("Supports row {0}").format(row.idx)
			)
			if self.plan_type == "Student" and row.tier != "Tier 3":
				continue
			if self.plan_type == "School" and row.tier == "Tier 3":
				frappe.throw(
					_(
						"Supports row {0}: a school-wide plan holds Tier 1 and Tier 2 supports; Tier 3 belongs in a student's plan."
					).format(row.idx),
					WrongTierError,
				)
			if row.provider_type != "Partner":
				row.partner = None

	def validate_consent(self):
		"""A student plan delivers Tier 3 services only with a valid case-management consent for its
		school year, valid on the day it becomes active (for a year already over: on its last day)."""
		if self.plan_type != "Student" or self.status not in CASE_MANAGED_STATUSES:
			return
		if not (self.is_new() or self.has_value_changed("status") or self.has_value_changed("school_year")):
			return
		if not has_valid_consent_for_year(self.student, SCOPE_CASE_MANAGEMENT, self.school_year):
			frappe.throw(
				_(
					"{0} has no valid case-management consent for {1}. Record the signed consent before activating the plan."
				).format(frappe.bold(self.student_name or self.student), frappe.bold(self.school_year)),
				ConsentRequiredError,
				title=_("Consent Required"),
			)

	def set_activated_on(self):
		"""The day the plan first became Active. Set once and never cleared or changed, whatever a client
		sends: it puts the plan's student in that school year's outcome cohort (``core.outcomes``)."""
		before = self.get_doc_before_save()
		self.activated_on = before.activated_on if before else None
		if not self.activated_on and self.status == ACTIVE:
			self.activated_on = nowdate()

	def validate_closure(self):
		if self.status != CLOSED:
			return
		if not self.exit_date:
			self.exit_date = nowdate()
		if not self.exit_reason:
			frappe.throw(_("Choose an exit reason before closing the plan."), frappe.MandatoryError)

	def on_update(self):
		if self.plan_type == "Student" and self.student:
			update_case_management(self.student)
		previous_student = (self.get_doc_before_save() or frappe._dict()).get("student")
		if previous_student and previous_student != self.student:
			update_case_management(previous_student)

	def on_trash(self):
		self.flags.student_to_refresh = self.student

	def after_delete(self):
		if self.flags.student_to_refresh:
			update_case_management(self.flags.student_to_refresh)


def update_case_management(student: str) -> None:
	"""``is_case_managed`` is derived, never entered: it follows the student's plans."""
	refresh_case_management([student])


@frappe.whitelist()
def get_goals(support_plan: str) -> list[dict]:
	"""The plan's goals, for a check-in's goal updates (read permission on the plan required)."""
	plan = frappe.get_doc("Support Plan", support_plan)
	plan.check_permission("read")
	return [
		{
			"goal": goal.name,
			"goal_label": f"{_(goal.area)}: {goal.description or _(goal.metric)} ({goal.baseline} \u2192 {goal.target})",
			"previous_value": goal.current_value,
		}
		for goal in plan.goals
	]
