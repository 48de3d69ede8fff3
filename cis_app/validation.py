"""Translated checks shared by several controllers (the rules themselves live in cis_app.core)."""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import getdate, nowdate

from cis_app.core.dates import is_valid_range, overlaps
from cis_app.exceptions import (
	AffiliateMismatchError,
	CISValidationError,
	DuplicateAssignmentError,
	InvalidDateRangeError,
	WrongTierError,
)


def validate_date_range(doc, start_field: str, end_field: str, row_label: str | None = None) -> None:
	"""Throw when ``doc``'s end date is before its start date."""
	start, end = doc.get(start_field), doc.get(end_field)
	if is_valid_range(start, end):
		return
	prefix = f"{row_label}: " if row_label else ""
	frappe.throw(
		prefix
		+ _("{0} ({1}) is before {2} ({3}). Set {0} on or after {2}.").format(
			_(doc.meta.get_label(end_field)),
			frappe.format(end, {"fieldtype": "Date"}),
			_(doc.meta.get_label(start_field)),
			frappe.format(start, {"fieldtype": "Date"}),
		),
		InvalidDateRangeError,
		title=_("Invalid Dates"),
	)


def validate_staff_rows(doc, table_field: str = "staff") -> None:
	"""Each staff row has a valid period, and one user holds one role once at a time."""
	rows = doc.get(table_field) or []
	for row in rows:
		validate_date_range(row, "from_date", "to_date", _("Row {0}").format(row.idx))
	for i, row in enumerate(rows):
		for other in rows[i + 1 :]:
			if (
				row.user == other.user
				and row.staff_role == other.staff_role
				and overlaps(row.from_date, row.to_date, other.from_date, other.to_date)
			):
				frappe.throw(
					_(
						"Rows {0} and {1} assign {2} as {3} for overlapping periods. Keep one row or end the first before the second starts."
					).format(row.idx, other.idx, frappe.bold(row.user), _(row.staff_role)),
					DuplicateAssignmentError,
				)


def validate_support_tier(support_type: str, tier: int, row_label: str | None = None) -> None:
	"""Throw unless the Support Type is offered at ``tier`` (1, 2 or 3)."""
	if frappe.get_cached_value("Support Type", support_type, f"tier_{tier}"):
		return
	prefix = f"{row_label}: " if row_label else ""
	frappe.throw(
		prefix
		+ _(
			"{0} is not offered as a Tier {1} support. Choose another support type or tier, or allow Tier {1} in its Support Type."
		).format(frappe.bold(support_type), tier),
		WrongTierError,
	)


def validate_not_future(day, label: str, error: type[Exception] = CISValidationError) -> None:
	"""Deliveries and data are recorded once they have happened."""
	if day and getdate(day) > getdate(nowdate()):
		frappe.throw(
			_("{0} ({1}) is in the future. Record it once it has happened.").format(
				_(label), frappe.format(day, {"fieldtype": "Date"})
			),
			error,
		)


def validate_sites_of_affiliate(sites: list[str], affiliate: str) -> None:
	"""Partners, volunteers and contributions serve sites of their own affiliate only."""
	sites = [site for site in sites if site]
	if not sites:
		return
	others = frappe.get_all(
		"Site", filters={"name": ["in", sites], "affiliate": ["!=", affiliate]}, pluck="name"
	)
	if others:
		frappe.throw(
			_("Sites {0} belong to another affiliate than {1}. Choose sites of {1}.").format(
				", ".join(sorted(others)), affiliate
			),
			AffiliateMismatchError,
			title=_("Wrong Affiliate"),
		)
