# Copyright (c) 2026, cis_app contributors and contributors
# For license information, please see license.txt

from frappe.model.document import Document

from cis_app.permissions.scope import clear_scope_cache
from cis_app.utils.validation import validate_date_fields, validate_staff_rows


class Affiliate(Document):
	def validate(self):
		validate_date_fields(self)
		self.normalize_state()
		validate_staff_rows(self)

	def normalize_state(self):
		if self.state:
			self.state = self.state.strip().upper()

	def on_update(self):
		clear_scope_cache()
