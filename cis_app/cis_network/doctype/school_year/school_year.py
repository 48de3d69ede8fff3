# Copyright (c) 2026, cis_app contributors and contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document

from cis_app.core.dates import overlaps
from cis_app.exceptions import OverlappingPeriodError
from cis_app.validation import validate_date_range


class SchoolYear(Document):
	def validate(self):
		validate_date_range(self, "year_start_date", "year_end_date")
		self.validate_no_overlap()

	def validate_no_overlap(self):
		for other in frappe.get_all(
			"School Year",
			filters={"name": ["!=", self.name or ""]},
			fields=["name", "year_start_date", "year_end_date"],
		):
			if overlaps(self.year_start_date, self.year_end_date, other.year_start_date, other.year_end_date):
				frappe.throw(
					_("School year {0} overlaps {1} ({2} to {3}). School years must not share days.").format(
						frappe.bold(self.school_year_name),
						frappe.bold(other.name),
						frappe.format(other.year_start_date, {"fieldtype": "Date"}),
						frappe.format(other.year_end_date, {"fieldtype": "Date"}),
					),
					OverlappingPeriodError,
				)


def get_current_school_year() -> str | None:
	"""The school year set in CIS Settings, else the one containing today."""
	from cis_app.settings import school_year_of

	return frappe.db.get_single_value("CIS Settings", "current_school_year") or school_year_of(
		frappe.utils.nowdate()
	)
