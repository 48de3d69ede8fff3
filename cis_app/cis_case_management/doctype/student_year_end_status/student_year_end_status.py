# Copyright (c) 2026, cis_app contributors and contributors
# For license information, please see license.txt

import frappe
from frappe import _, _lt
from frappe.model.document import Document

from cis_app.core.grades import normalize_grade
from cis_app.core.outcomes import remained_in_school, status_problem
from cis_app.utils.exceptions import CISValidationError
from cis_app.permissions.scope import check_in_scope, site_of
from cis_app.utils.validation import validate_not_future

STATUS_MESSAGES = {
	"graduation_needs_grade_12": _lt(
		"Only a grade 12 student can graduate. Use Promoted or Retained for grades K to 11."
	),
	"grade_12_cannot_be_promoted": _lt(
		"A grade 12 student who finished is Graduated (or GED); one who stays enrolled is Retained."
	),
	"ged_needs_grade_9": _lt("GED applies to students in grades 9 to 12."),
	"pk_has_no_outcome": _lt("Year-end outcomes are recorded for grades K to 12."),
}


class StudentYearEndStatus(Document):
	def validate(self):
		check_in_scope(self)
		self.site = site_of(self)  # the student's: one rule, cis_app.permissions.scope
		self.grade_level = normalize_grade(self.grade_level) or self.grade_level
		self.validate_school_year_started()
		self.validate_status_for_grade()
		self.validate_one_per_year()
		self.remained_in_school = int(remained_in_school(self.year_end_status))

	def validate_school_year_started(self):
		"""An outcome is recorded during or after its school year, never before the year starts."""
		start = frappe.db.get_value("School Year", self.school_year, "year_start_date")
		validate_not_future(
			start,
			_("Start of {0} {1}").format(_(self.meta.get_label("school_year")), self.school_year),
			hint=_("Record a year-end status once its school year has started."),
		)

	def validate_status_for_grade(self):
		problem = status_problem(self.year_end_status, self.grade_level)
		if problem:
			frappe.throw(
				str(STATUS_MESSAGES[problem]), CISValidationError, title=_("Status Does Not Fit the Grade")
			)

	def validate_one_per_year(self):
		other = frappe.db.get_value(
			"Student Year-End Status",
			{"student": self.student, "school_year": self.school_year, "name": ["!=", self.name or ""]},
			"name",
		)
		if other:
			frappe.throw(
				_("{0} already has a year-end status for {1} ({2}). Edit that record instead.").format(
					self.student_name or self.student, self.school_year, other
				),
				frappe.DuplicateEntryError,
			)
