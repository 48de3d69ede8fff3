# Copyright (c) 2026, cis_app contributors and contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import nowdate

from cis_app.exceptions import CISValidationError
from cis_app.permissions import check_in_scope, site_of
from cis_app.settings import require_school_year_of
from cis_app.validation import validate_date_range, validate_not_future


class StudentCheckIn(Document):
	def validate(self):
		check_in_scope(self)
		self.site = site_of(self)  # the student's: one rule, cis_app.permissions
		validate_not_future(self.checkin_date, "Date")
		require_school_year_of(self.checkin_date, "Date")
		validate_date_range(self, "checkin_date", "follow_up_date")
		self.validate_plan()

	def validate_plan(self):
		if not self.support_plan:
			if self.goal_updates:
				frappe.throw(_("Choose the support plan whose goals you are updating."), CISValidationError)
			return
		plan_student = frappe.db.get_value("Support Plan", self.support_plan, "student")
		if plan_student != self.student:
			frappe.throw(
				_("Support plan {0} is not {1}'s plan.").format(
					self.support_plan, self.student_name or self.student
				),
				CISValidationError,
			)
		goal_names = set(
			frappe.get_all(
				"Support Plan Goal",
				filters={"parent": self.support_plan, "parenttype": "Support Plan"},
				pluck="name",
			)
		)
		for row in self.goal_updates:
			if row.goal not in goal_names:
				frappe.throw(
					_("Goal updates row {0} is not a goal of plan {1}.").format(row.idx, self.support_plan),
					CISValidationError,
				)

	def on_update(self):
		self.apply_goal_updates()

	def apply_goal_updates(self):
		"""New values reach the plan's goals, whose progress the plan recomputes on save.

		A row applies when its new value differs from the previous one (the form pre-fills the new
		value with the previous, so untouched rows change nothing)."""
		updates = {
			row.goal: row.new_value
			for row in self.goal_updates
			if (row.new_value or 0) != (row.previous_value or 0)
		}
		if not updates:
			return
		plan = frappe.get_doc("Support Plan", self.support_plan)
		changed = False
		for goal in plan.goals:
			if goal.name in updates and goal.current_value != updates[goal.name]:
				goal.current_value = updates[goal.name]
				goal.value_updated_on = self.checkin_date or nowdate()
				changed = True
		if changed:
			# the user's scope over this student was checked on the check-in itself
			plan.flags.ignore_permissions = True
			plan.save()
