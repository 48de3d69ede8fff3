# Copyright (c) 2026, cis_app contributors and contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document

from cis_app.core.consent import REVOKED, SCOPE_CASE_MANAGEMENT, consent_status, has_valid_consent
from cis_app.core.goals import FROM_CHECK_IN, check_in_updates
from cis_app.utils.exceptions import CISValidationError, ConsentRequiredError
from cis_app.permissions.scope import check_in_scope, site_of
from cis_app.cis_network.settings import require_school_year_of
from cis_app.utils.validation import validate_date_range, validate_not_future


class StudentCheckIn(Document):
	def validate(self):
		check_in_scope(self)
		self.site = site_of(self)  # the student's: one rule, cis_app.permissions.scope
		validate_not_future(self.checkin_date, "Date")
		school_year = require_school_year_of(self.checkin_date, "Date")
		validate_date_range(self, "checkin_date", "follow_up_date")
		self.validate_consent_not_revoked(school_year)
		self.validate_plan()

	def validate_consent_not_revoked(self, school_year: str):
		"""Once a guardian has revoked the case-management consent, no check-in is recorded for a day
		from the revocation on (a contact before it can still be written up), unless a new consent
		valid that day was signed. Checked when the student or the date is set, so editing an old
		check-in's notes is never refused."""
		if not (self.is_new() or self.has_value_changed("student") or self.has_value_changed("checkin_date")):
			return
		consents = frappe.get_all(
			"Student Consent",
			filters={"student": self.student, "scope": SCOPE_CASE_MANAGEMENT, "school_year": school_year},
			fields=["scope", "school_year", "partner", "signed_date", "expiry_date", "revoked_date"],
		)
		revoked = [
			row
			for row in consents
			if consent_status(row.signed_date, row.expiry_date, row.revoked_date, self.checkin_date)
			== REVOKED
		]
		if revoked and not has_valid_consent(consents, SCOPE_CASE_MANAGEMENT, school_year, self.checkin_date):
			frappe.throw(
				_(
					"{0}'s guardian revoked the case-management consent on {1}. A check-in dated from that day on cannot be recorded until a new consent is signed."
				).format(
					frappe.bold(self.student_name or self.student),
					frappe.format(min(row.revoked_date for row in revoked), {"fieldtype": "Date"}),
				),
				ConsentRequiredError,
				title=_("Consent Revoked"),
			)

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

		Each row applies once (``core.goals.check_in_updates``): on a new check-in when its new value
		differs from the previous one, on an edit only when its value was changed in that edit; and
		never over a value that describes a later date than this check-in."""
		if not self.support_plan or not self.goal_updates:
			return
		before = self.get_doc_before_save()  # None on insert
		rows = [row.as_dict() for row in self.goal_updates]
		rows_before = [row.as_dict() for row in before.goal_updates] if before else None
		plan = frappe.get_doc("Support Plan", self.support_plan)
		goal_dates = {goal.name: goal.value_updated_on for goal in plan.goals}
		updates = check_in_updates(rows, rows_before, goal_dates, self.checkin_date)
		if not updates:
			return
		for goal in plan.goals:
			if goal.name in updates:
				goal.current_value = updates[goal.name]
				goal.value_updated_on = self.checkin_date
				goal.value_source = FROM_CHECK_IN
				goal.flags.value_stamped = True
		# the user's scope over this student was checked on the check-in itself
		plan.flags.ignore_permissions = True
		plan.save()
