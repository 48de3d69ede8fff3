# Copyright (c) 2026, cis_app contributors and contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document

from cis_app.core.dates import overlaps, to_date
from cis_app.core.plausibility import MAX_SCHOOL_YEAR_DAYS, period_days
from cis_app.utils.exceptions import InvalidDateRangeError, OverlappingPeriodError
from cis_app.cis_network.settings import school_year_of
from cis_app.utils.validation import validate_date_fields, validate_date_range


class SchoolYear(Document):
	def validate(self):
		validate_date_fields(self)
		validate_date_range(self, "year_start_date", "year_end_date")
		self.validate_length()
		self.validate_no_overlap()

	def validate_length(self):
		"""A school year, summer included, lasts a year at most (rule: ``cis_app.core.plausibility``)."""
		start, end = to_date(self.year_start_date), to_date(self.year_end_date)
		if start and end and period_days(start, end) > MAX_SCHOOL_YEAR_DAYS:
			frappe.throw(
				_(
					"{0} ({1}) is {2} days after {3} ({4}). A school year lasts {5} days at most: check the dates."
				).format(
					_(self.meta.get_label("year_end_date")),
					frappe.format(end, {"fieldtype": "Date"}),
					(end - start).days,
					_(self.meta.get_label("year_start_date")),
					frappe.format(start, {"fieldtype": "Date"}),
					MAX_SCHOOL_YEAR_DAYS,
				),
				InvalidDateRangeError,
				title=_("Invalid Dates"),
			)

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
	return frappe.db.get_single_value("CIS Settings", "current_school_year") or school_year_of(
		frappe.utils.nowdate()
	)
