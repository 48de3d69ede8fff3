# Copyright (c) 2026, cis_app contributors and contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import getdate, nowdate

from cis_app.exceptions import InvalidDataPointError
from cis_app.permissions import check_in_scope
from cis_app.settings import require_school_year_of


class StudentDataPoint(Document):
	def validate(self):
		check_in_scope(self)
		self.site = frappe.db.get_value("Student", self.student, "site")
		self.validate_date()
		self.validate_attendance()
		self.validate_gpa()

	def validate_date(self):
		if getdate(self.as_of_date) > getdate(nowdate()):
			frappe.throw(
				_("As Of ({0}) is in the future. Data points record what has happened.").format(
					frappe.format(self.as_of_date, {"fieldtype": "Date"})
				),
				InvalidDataPointError,
			)
		self.school_year = require_school_year_of(self.as_of_date, "As Of")

	def validate_attendance(self):
		if (
			self.days_absent is not None
			and self.days_enrolled is not None
			and self.days_absent > self.days_enrolled
		):
			frappe.throw(
				_("Days absent ({0}) cannot exceed days enrolled ({1}). Check both figures.").format(
					self.days_absent, self.days_enrolled
				),
				InvalidDataPointError,
				title=_("Invalid Attendance"),
			)
		if self.days_absent and not self.days_enrolled:
			frappe.throw(_("Enter the days enrolled along with the days absent."), InvalidDataPointError)

	def validate_gpa(self):
		if self.gpa is not None and self.gpa and not 0 <= self.gpa <= 5:
			frappe.throw(_("GPA {0} is outside 0 to 5.").format(self.gpa), InvalidDataPointError)

	def on_update(self):
		self.refresh_student()

	def on_trash(self):
		frappe.flags.cis_refresh_after_delete = self.student

	def after_delete(self):
		self.refresh_student()

	def refresh_student(self):
		"""The student's risk and data-fed goals follow their latest data point at once."""
		if frappe.flags.in_demo or frappe.flags.in_import:
			return
		from cis_app.early_warning import recompute

		recompute([self.student])
