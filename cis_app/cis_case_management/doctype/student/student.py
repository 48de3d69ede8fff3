# Copyright (c) 2026, cis_app contributors and contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import getdate, nowdate

from cis_app.core.early_warning import NOTHING_KNOWN
from cis_app.core.grades import normalize_grade
from cis_app.core.plausibility import MAX_STUDENT_AGE, MIN_STUDENT_AGE
from cis_app.core.retention import left_on_for
from cis_app.core.students import StudentProblem, student_problems
from cis_app.utils.exceptions import (
	DuplicateStudentIdError,
	InactiveSiteError,
	InvalidDateError,
	InvalidGradeLevelError,
	MarkupNotAllowedError,
)
from cis_app.permissions.scope import check_in_scope, move_student_records
from cis_app.cis_case_management.recompute import case_managed_among
from cis_app.utils.validation import validate_date_fields, validate_links_exist


class Student(Document):
	def validate(self):
		check_in_scope(self)
		validate_date_fields(self)
		validate_links_exist(self, "site")
		self.validate_names()
		self.validate_date_of_birth()
		self.set_student_name()
		self.set_site_fields()
		self.validate_site_active()
		self.validate_grade_level()
		self.validate_unique_district_student_id()
		self.validate_guardians()
		self.set_case_management()
		self.set_unknown_risk()
		self.set_left_on()

	def onload(self):
		# disclosures and who opened the record, for the student's administrators (cis_app.cis_case_management.disclosures)
		from cis_app.cis_case_management.disclosures import student_onload

		student_onload(self)

	def set_left_on(self):
		"""The day the student left starts the retention period (rule: ``cis_app.core.retention``)."""
		self.left_on = left_on_for(
			self.enrollment_status, getdate(self.left_on) if self.left_on else None, getdate(nowdate())
		)
		if self.left_on and getdate(self.left_on) > getdate(nowdate()):
			frappe.throw(
				_("{0} cannot be in the future. Enter the day the student left.").format(
					_(self.meta.get_label("left_on"))
				),
				InvalidDateError,
			)

	def throw_problems(self, *codes: str) -> None:
		"""Throw the first of ``codes`` the student's values break (``student_problems``: the rules the
		roster import's bulk path applies too)."""
		check_birth_date = bool(self.is_new() or self.has_value_changed("date_of_birth"))
		values = {**self.as_dict(), "guardians": [row.as_dict() for row in self.guardians]}
		for problem in student_problems(values, today=getdate(nowdate()), check_birth_date=check_birth_date):
			if problem.code in codes:
				message, error, title = student_problem_message(problem)
				frappe.throw(message, error, title=title)

	def validate_names(self):
		self.throw_problems("markup")

	def validate_date_of_birth(self):
		"""Checked when entered or changed, so a former student's record stays editable as they age
		(rule: ``cis_app.core.plausibility``)."""
		self.throw_problems("future_birth_date", "implausible_birth_date")

	def set_student_name(self):
		parts = [self.first_name, self.middle_name, self.last_name]
		self.student_name = " ".join(part.strip() for part in parts if part and part.strip())

	def set_site_fields(self):
		"""Affiliate and district always follow the site, whatever the client sent."""
		site = frappe.db.get_value(
			"Site", self.site, ["affiliate", "school_district", "is_active"], as_dict=True
		)
		if not site:
			return
		self.affiliate = site.affiliate
		self.school_district = site.school_district
		self._site_is_active = site.is_active

	def validate_site_active(self):
		if not (self.is_new() or self.has_value_changed("site")):
			return
		if not getattr(self, "_site_is_active", True):
			message, error, title = student_problem_message(
				StudentProblem("inactive_site", "site", self.site)
			)
			frappe.throw(message, error, title=title)

	def validate_grade_level(self):
		self.throw_problems("grade_level")
		self.grade_level = normalize_grade(self.grade_level)

	def validate_unique_district_student_id(self):
		self.district_student_id = (self.district_student_id or "").strip()
		scope = {"school_district": self.school_district} if self.school_district else {"site": self.site}
		other = frappe.db.get_value(
			"Student",
			{**scope, "district_student_id": self.district_student_id, "name": ["!=", self.name or ""]},
			"name",
		)
		if other:
			problem = StudentProblem(
				"duplicate_district_id",
				"district_student_id",
				(self.district_student_id, other, self.school_district or self.site),
			)
			message, error, title = student_problem_message(problem)
			frappe.throw(message, error, title=title)

	def validate_guardians(self):
		self.throw_problems("several_primaries")
		if self.guardians and not any(row.is_primary for row in self.guardians):
			self.guardians[0].is_primary = 1

	def set_unknown_risk(self):
		"""A new student's indicators are unknown until a data point tells something of them."""
		if self.is_new() and not self.risk_updated_on:
			self.risk_unknown = NOTHING_KNOWN

	def set_case_management(self):
		"""Derived from the student's plans, whatever a client sent (read only in the form)."""
		self.is_case_managed = 0 if self.is_new() else int(self.name in case_managed_among([self.name]))

	def on_update(self):
		self.propagate_site()

	def propagate_site(self):
		"""Records hanging off the student carry its site for fast, scoped lists."""
		if self.is_new() or not self.has_value_changed("site"):
			return
		move_student_records({self.name: self.site})


def student_problem_message(problem: StudentProblem) -> tuple[str, type[Exception], str | None]:
	"""The translated message, error class and title of a broken Student rule: the form throws it,
	the roster import's bulk path logs it for the row (``cis_app.core.students``)."""
	meta = frappe.get_meta("Student")
	if problem.code == "markup":
		if problem.row:
			label = _(frappe.get_meta("Student Guardian").get_label(problem.field))
			label = "{} #{}: {}".format(_("Row"), problem.row, label)
		else:
			label = _(meta.get_label(problem.field))
		message = _("{0} cannot contain < or >. Enter it as plain text.").format(label)
		return message, MarkupNotAllowedError, _("Invalid Name")
	if problem.code == "future_birth_date":
		label, when = _(meta.get_label("date_of_birth")), frappe.format(problem.value, {"fieldtype": "Date"})
		message = _("{0} ({1}) is in the future.").format(label, when)
		return message + " " + _("Enter the student's date of birth."), InvalidDateError, None
	if problem.code == "implausible_birth_date":
		message = _(
			"{0} ({1}) gives an age of {2}. A student in PK to grade 12 is {3} to {4} years old: check the date."
		).format(
			_(meta.get_label("date_of_birth")),
			frappe.format(problem.value, {"fieldtype": "Date"}),
			problem.age,
			MIN_STUDENT_AGE,
			MAX_STUDENT_AGE,
		)
		return message, InvalidDateError, _("Invalid Date of Birth")
	if problem.code == "grade_level":
		message = _("Grade level {0} is not valid. Use PK, K or 1 to 12.").format(frappe.bold(problem.value))
		return message, InvalidGradeLevelError, None
	if problem.code == "several_primaries":
		message = _("Only one guardian can be the primary contact; rows {0} are all marked primary.")
		return message.format(problem.value), frappe.ValidationError, None
	if problem.code == "inactive_site":
		message = _("Site {0} is inactive. Choose an active site, or reactivate the site first.")
		return message.format(frappe.bold(problem.value)), InactiveSiteError, _("Inactive Site")
	if problem.code == "duplicate_district_id":
		student_id, other, scope = problem.value
		message = _(
			"District student ID {0} is already used by student {1} in {2}. Each ID must be unique within its district."
		).format(frappe.bold(student_id), frappe.bold(other), scope)
		return message, DuplicateStudentIdError, _("Duplicate Student ID")
	raise ValueError(f"unknown student problem {problem.code!r}")


def on_doctype_update():
	# lists, counts and permission conditions filter on site and sort on modified
	frappe.db.add_index("Student", ["site", "modified"], index_name="site_modified_index")
	frappe.db.add_unique(
		"Student", ["school_district", "district_student_id"], constraint_name="unique_district_student_id"
	)
