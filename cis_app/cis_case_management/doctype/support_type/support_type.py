# Copyright (c) 2026, cis_app contributors and contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document

from cis_app.utils.exceptions import CISValidationError


class SupportType(Document):
	def validate(self):
		if not (self.tier_1 or self.tier_2 or self.tier_3):
			frappe.throw(_("Tick at least one tier this support can serve."), CISValidationError)

	def tiers(self) -> list[int]:
		return [tier for tier in (1, 2, 3) if self.get(f"tier_{tier}")]
