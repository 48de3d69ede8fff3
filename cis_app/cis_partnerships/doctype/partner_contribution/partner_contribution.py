# Copyright (c) 2026, cis_app contributors and contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import flt, getdate, nowdate

from cis_app.core.plausibility import MAX_AMOUNT
from cis_app.utils.exceptions import CISValidationError
from cis_app.utils.validation import (
	validate_date_fields,
	validate_in_range,
	validate_links_exist,
	validate_not_future,
	validate_sites_of_affiliate,
)


class PartnerContribution(Document):
	def validate(self):
		validate_date_fields(self)
		validate_links_exist(self, "partner")
		self.affiliate = frappe.db.get_value("Partner", self.partner, "affiliate")
		self.validate_value()
		self.validate_date()
		self.validate_site()
		if not self.is_restricted:
			self.restricted_purpose = None

	def validate_value(self):
		field = "amount" if self.contribution_type == "Monetary" else "fair_value"
		value = flt(self.get(field))
		if value <= 0:
			frappe.throw(
				_("{0} must be more than zero (it is {1}).").format(_(self.meta.get_label(field)), value),
				CISValidationError,
				title=_("Invalid Amount"),
			)
		validate_in_range(self, field, 0, MAX_AMOUNT)
		self.value = value
		# the other figure does not apply to this type
		self.set("fair_value" if field == "amount" else "amount", 0)

	def validate_date(self):
		validate_not_future(self.contribution_date, "Date")

	def validate_site(self):
		validate_sites_of_affiliate([self.site], self.affiliate)
