# Copyright (c) 2026, cis_app contributors and contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import getdate, nowdate

from cis_app.core.grades import normalize_grade
from cis_app.core.plausibility import MAX_STUDENT_AGE, MIN_STUDENT_AGE, age_on, birth_date_problem
from cis_app.exceptions import (
	DuplicateStudentIdError,
	InactiveSiteError,
	InvalidDateError,
	InvalidGradeLevelError,
)
from cis_app.permissions import check_in_scope
from cis_app.validation import (
	validate_date_fields,
	validate_links_exist,
	validate_not_future,
	validate_plain_text,
)


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

	def validate_names(self):
		validate_plain_text(self, "first_name", "middle_name", "last_name")
		for row in self.guardians:
			validate_plain_text(row, "guardian_name", "preferred_language")

	def validate_date_of_birth(self):
		"""Checked when entered or changed, so a former student's record stays editable as they age
		(rule: ``cis_app.core.plausibility``)."""
		if not self.date_of_birth or not (self.is_new() or self.has_value_changed("date_of_birth")):
			return
		label = self.meta.get_label("date_of_birth")
		validate_not_future(
			self.date_of_birth, label, InvalidDateError, hint=_("Enter the student's date of birth.")
		)
		born, today = getdate(self.date_of_birth), getdate(nowdate())
		if birth_date_problem(born, today):
			frappe.throw(
				_(
					"{0} ({1}) gives an age of {2}. A student in PK to grade 12 is {3} to {4} years old: check the date."
				).format(
					_(label),
					frappe.format(self.date_of_birth, {"fieldtype": "Date"}),
					age_on(born, today),
					MIN_STUDENT_AGE,
					MAX_STUDENT_AGE,
				),
				InvalidDateError,
				title=_("Invalid Date of Birth"),
			)

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
			frappe.throw(
				_("Site {0} is inactive. Choose an active site, or reactivate the site first.").format(
					frappe.bold(self.site)
				),
				InactiveSiteError,
				title=_("Inactive Site"),
			)

	def validate_grade_level(self):
		grade = normalize_grade(self.grade_level)
		if grade is None:
			frappe.throw(
				_("Grade level {0} is not valid. Use PK, K or 1 to 12.").format(
					frappe.bold(self.grade_level or "")
				),
				InvalidGradeLevelError,
			)
		self.grade_level = grade

	def validate_unique_district_student_id(self):
		self.district_student_id = (self.district_student_id or "").strip()
		scope = {"school_district": self.school_district} if self.school_district else {"site": self.site}
		other = frappe.db.get_value(
			"Student",
			{**scope, "district_student_id": self.district_student_id, "name": ["!=", self.name or ""]},
			"name",
		)
		if other:
			frappe.throw(
				_(
					"District student ID {0} is already used by student {1} in {2}. Each ID must be unique within its district."
				).format(
					frappe.bold(self.district_student_id),
					frappe.bold(other),
					self.school_district or self.site,
				),
				DuplicateStudentIdError,
				title=_("Duplicate Student ID"),
			)

	def validate_guardians(self):
		primaries = [row for row in self.guardians if row.is_primary]
		if len(primaries) > 1:
			frappe.throw(
				_("Only one guardian can be the primary contact; rows {0} are all marked primary.").format(
					", ".join(str(row.idx) for row in primaries)
				)
			)
		if self.guardians and not primaries:
			self.guardians[0].is_primary = 1

	def set_unknown_risk(self):
		"""A new student's indicators are unknown until a data point tells something of them."""
		if self.is_new() and not self.risk_updated_on:
			from cis_app.core.early_warning import NOTHING_KNOWN

			self.risk_unknown = NOTHING_KNOWN

	def set_case_management(self):
		"""Derived from the student's plans, whatever a client sent (read only in the form)."""
		from cis_app.recompute import case_managed_among

		self.is_case_managed = 0 if self.is_new() else int(self.name in case_managed_among([self.name]))

	def on_update(self):
		self.propagate_site()

	def propagate_site(self):
		"""Records hanging off the student carry its site for fast, scoped lists."""
		if self.is_new() or not self.has_value_changed("site"):
			return
		from cis_app.permissions import SCOPED_DOCTYPES

		for doctype, rule in SCOPED_DOCTYPES.items():
			if rule.student_field and rule.site_field:
				table = frappe.qb.DocType(doctype)
				(
					frappe.qb.update(table)
					.set(table[rule.site_field], self.site)
					.where(table[rule.student_field] == self.name)
				).run()


def on_doctype_update():
	# lists, counts and permission conditions filter on site and sort on modified
	frappe.db.add_index("Student", ["site", "modified"], index_name="site_modified_index")
	frappe.db.add_unique(
		"Student", ["school_district", "district_student_id"], constraint_name="unique_district_student_id"
	)
