# Copyright (c) 2026, cis_app contributors and contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document

from cis_app.utils.exceptions import AffiliateMismatchError
from cis_app.utils.validation import validate_date_fields, validate_date_range


class SchoolDistrict(Document):
	def validate(self):
		validate_date_fields(self)
		validate_date_range(self, "agreement_start_date", "agreement_end_date")
		self.validate_affiliate_change()

	def validate_affiliate_change(self):
		"""A district's sites belong to its affiliate: moving the district would split them."""
		if self.is_new() or not self.has_value_changed("affiliate"):
			return
		other_sites = frappe.get_all(
			"Site",
			filters={"school_district": self.name, "affiliate": ["!=", self.affiliate]},
			pluck="name",
			limit=5,
		)
		if other_sites:
			frappe.throw(
				_("Sites {0} of this district belong to another affiliate. Move those sites first.").format(
					", ".join(other_sites)
				),
				AffiliateMismatchError,
			)
