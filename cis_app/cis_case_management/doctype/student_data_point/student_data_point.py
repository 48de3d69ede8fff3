# Copyright (c) 2026, cis_app contributors and contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import getdate, nowdate

from cis_app.core.early_warning import data_point_problems
from cis_app.exceptions import InvalidDataPointError
from cis_app.permissions import check_in_scope, site_of
from cis_app.settings import require_school_year_of


class StudentDataPoint(Document):
	def validate(self):
		check_in_scope(self)
		self.site = site_of(self)  # the student's: one rule, cis_app.permissions
		self.validate_date()
		self.validate_figures()

	def validate_date(self):
		if getdate(self.as_of_date) > getdate(nowdate()):
			frappe.throw(
				_("As Of ({0}) is in the future. Data points record what has happened.").format(
					frappe.format(self.as_of_date, {"fieldtype": "Date"})
				),
				InvalidDataPointError,
			)
		self.school_year = require_school_year_of(self.as_of_date, "As Of")

	def validate_figures(self):
		problems = data_point_problems(self.as_dict())
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

	def on_trash(self):
		frappe.flags.cis_refresh_after_delete = self.student

	def after_delete(self):
		self.refresh_student()

	def refresh_student(self):
		"""The student's risk and data-fed goals follow their latest data point at once."""
		if frappe.flags.in_import:  # a bulk import recomputes once at its end
			return
		from cis_app.early_warning import recompute

		recompute([self.student])
