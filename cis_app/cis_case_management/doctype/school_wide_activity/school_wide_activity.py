# Copyright (c) 2026, cis_app contributors and contributors
# For license information, please see license.txt

import frappe
from frappe.model.document import Document

from cis_app.core.plausibility import MAX_PEOPLE
from cis_app.permissions.scope import check_in_scope
from cis_app.cis_network.settings import require_school_year_of
from cis_app.utils.validation import (
	validate_date_fields,
	validate_in_range,
	validate_not_future,
	validate_support_tier,
)


class SchoolwideActivity(Document):
	def validate(self):
		check_in_scope(self)
		validate_date_fields(self)
		validate_not_future(self.activity_date, "Date")
		self.school_year = require_school_year_of(self.activity_date, "Date")
		validate_support_tier(self.support_type, 1)
		validate_in_range(self, "head_count", 1, MAX_PEOPLE)
