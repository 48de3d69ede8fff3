# Copyright (c) 2026, cis_app contributors and contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document

from cis_app.exceptions import AffiliateMismatchError


class Partner(Document):
	def validate(self):
		self.validate_sites_of_affiliate()
		self.validate_primary_contact()

	def validate_sites_of_affiliate(self):
		sites = [row.site for row in self.sites_served]
		if not sites:
			return
		others = frappe.get_all(
			"Site", filters={"name": ["in", sites], "affiliate": ["!=", self.affiliate]}, pluck="name"
		)
		if others:
			frappe.throw(
				_(
					"Sites {0} belong to another affiliate than {1}. A partner serves sites of its own affiliate."
				).format(", ".join(others), self.affiliate),
				AffiliateMismatchError,
			)

	def validate_primary_contact(self):
		if len([row for row in self.contacts if row.is_primary]) > 1:
			frappe.throw(_("Mark only one contact as primary."))
