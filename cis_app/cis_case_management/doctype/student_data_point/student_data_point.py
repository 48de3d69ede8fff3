# Copyright (c) 2026, cis_app contributors and contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document

from cis_app.core.data_points import FIGURES, FLAGS, GROUP_FLAGS, INDICATOR_GROUPS, recorded_groups
from cis_app.core.early_warning import data_point_problems
from cis_app.utils.exceptions import InvalidDataPointError
from cis_app.permissions.scope import check_in_scope, site_of
from cis_app.cis_case_management.recompute import queue_recompute, recompute
from cis_app.cis_network.settings import require_school_year_of
from cis_app.utils.validation import validate_not_future


class StudentDataPoint(Document):
	def validate(self):
		check_in_scope(self)
		self.site = site_of(self)  # the student's: one rule, cis_app.permissions.scope
		validate_not_future(self.as_of_date, "As Of", InvalidDataPointError)
		self.school_year = require_school_year_of(self.as_of_date, "As Of")
		self.set_recorded_groups()
		self.validate_figures()

	def set_recorded_groups(self):
		"""Which indicator groups this data point carries: from what was entered (``core.data_points``).
		The figures of a group it does not carry are cleared, so nobody reads them as zeros."""
		before = None if self.is_new() else self.get_doc_before_save()
		# the raw values: as_dict() would already have turned an empty figure into 0
		sent = {field: self.get(field) for field in (*FIGURES, *FLAGS)}
		stored = {field: before.get(field) for field in (*FIGURES, *FLAGS)} if before else None
		groups = recorded_groups(sent, stored)
		for group, recorded in groups.items():
			self.set(GROUP_FLAGS[group], 1 if recorded else 0)
			if not recorded:
				for field in INDICATOR_GROUPS[group]:
					self.set(field, None)

	def validate_figures(self):
		problems = data_point_problems(self.as_dict())
		if "nothing_recorded" in problems:
			frappe.throw(
				_(
					"Enter at least one figure: attendance, behavior, course performance or GPA. To record that a student had no incidents, enter 0 or tick Behavior Recorded."
				),
				InvalidDataPointError,
				title=_("No Figures"),
			)
		if "absent_exceeds_enrolled" in problems:
			frappe.throw(
				_("Days absent ({0}) cannot exceed days enrolled ({1}). Check both figures.").format(
					self.days_absent, self.days_enrolled
				),
				InvalidDataPointError,
				title=_("Invalid Attendance"),
			)
		if "absent_without_enrolled" in problems:
			frappe.throw(_("Enter the days enrolled along with the days absent."), InvalidDataPointError)
		if "gpa_out_of_range" in problems:
			frappe.throw(_("GPA {0} is outside 0 to 5.").format(self.gpa), InvalidDataPointError)

	def on_update(self):
		self.refresh_student()

	def after_delete(self):
		self.refresh_student()

	def refresh_student(self):
		"""The student's risk and data-fed goals follow their data points at once (on save and on
		delete). A bulk import skips this per row and queues one recompute of its students instead."""
		if frappe.flags.in_import:
			queue_recompute([self.student])
			return
		recompute([self.student])
