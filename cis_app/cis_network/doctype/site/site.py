# Copyright (c) 2026, cis_app contributors and contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document

from cis_app.core.plausibility import MAX_PEOPLE
from cis_app.utils.exceptions import AffiliateMismatchError
from cis_app.permissions.scope import clear_scope_cache
from cis_app.utils.validation import validate_date_fields, validate_in_range, validate_staff_rows


class Site(Document):
	def validate(self):
		validate_date_fields(self)
		self.validate_district_affiliate()
		validate_in_range(self, "enrollment_count", 0, MAX_PEOPLE)
		validate_staff_rows(self)

	def validate_district_affiliate(self):
		if not self.school_district:
			return
		district_affiliate = frappe.db.get_value("School District", self.school_district, "affiliate")
		if district_affiliate != self.affiliate:
			frappe.throw(
				_(
					"School District {0} belongs to affiliate {1}, not {2}. Choose a district of {2}, or change the affiliate."
				).format(
					frappe.bold(self.school_district),
					frappe.bold(district_affiliate),
					frappe.bold(self.affiliate),
				),
				AffiliateMismatchError,
				title=_("Wrong Affiliate"),
			)

	def on_update(self):
		clear_scope_cache()
		self.update_student_denormalised_fields()

	def update_student_denormalised_fields(self):
		"""Students carry the site's affiliate and district for fast lists; keep them in step."""
		if self.has_value_changed("affiliate") or self.has_value_changed("school_district"):
			student = frappe.qb.DocType("Student")
			(
				frappe.qb.update(student)
				.set(student.affiliate, self.affiliate)
				.set(student.school_district, self.school_district)
				.where(student.site == self.name)
			).run()
