"""Translated checks shared by several controllers (the rules themselves live in cis_app.core)."""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import flt, getdate, nowdate

from cis_app.core.dates import is_valid_range, overlaps
from cis_app.core.plausibility import has_markup, is_date, out_of_range
from cis_app.utils.exceptions import (
	AffiliateMismatchError,
	CISValidationError,
	DuplicateAssignmentError,
	InvalidDateError,
	InvalidDateRangeError,
	MarkupNotAllowedError,
	OutOfRangeError,
	UnknownLinkError,
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
		validate_links_exist(row, "user")
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
	if not support_type:
		return  # Frappe's mandatory check names the empty field after validate
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


def validate_not_future(
	day, label: str, error: type[Exception] = CISValidationError, hint: str | None = None
) -> None:
	"""Deliveries and data are recorded once they have happened. ``hint``: what to enter instead."""
	if day and getdate(day) > getdate(nowdate()):
		when = frappe.format(day, {"fieldtype": "Date"})
		frappe.throw(
			_("{0} ({1}) is in the future.").format(_(label), when) + " " + hint
			if hint
			else _("{0} ({1}) is in the future. Record it once it has happened.").format(_(label), when),
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


def _label(doc, fieldname: str) -> str:
	"""The field's label as the user sees it; for a child row as Frappe's own errors say it ("Row #2: User")."""
	label = _(doc.meta.get_label(fieldname))
	return "{} #{}: {}".format(_("Row"), doc.idx, label) if doc.get("parentfield") else label


def validate_links_exist(doc, *fieldnames: str) -> None:
	"""Throw when a Link field names a record that does not exist.

	Frappe checks links before ``validate``, except a link with fields fetched from it (``fetch_from``):
	a record that does not exist then passes silently (v15 ``BaseDocument.get_invalid_links``), and the
	controller would read nothing from it.
	"""
	for fieldname in fieldnames:
		value = doc.get(fieldname)
		target = doc.meta.get_field(fieldname).options
		if value and not frappe.db.exists(target, value):
			frappe.throw(
				_("Could not find {0}").format(f"{_label(doc, fieldname)}: {value}"),
				UnknownLinkError,
				title=_("Not Found"),
			)


def validate_date_fields(doc) -> None:
	"""Every Date field of ``doc`` and its rows holds a date. A REST client can send any text, which
	the controller could not compare and the database would refuse with a server error."""
	for row in (doc, *doc.get_all_children()):
		for df in row.meta.get("fields", {"fieldtype": "Date"}):
			value = row.get(df.fieldname)
			if value and not is_date(value):
				frappe.throw(
					_("{0} ({1}) is not a date. Enter a date such as {2}.").format(
						_label(row, df.fieldname), frappe.bold(value), "2026-08-15"
					),
					InvalidDateError,
					title=_("Invalid Date"),
				)


def validate_plain_text(doc, *fieldnames: str) -> None:
	"""Names are plain text: markup would be stored, half-sanitised, and shown to every reader."""
	for fieldname in fieldnames:
		if has_markup(doc.get(fieldname)):
			frappe.throw(
				_("{0} cannot contain < or >. Enter it as plain text.").format(_label(doc, fieldname)),
				MarkupNotAllowedError,
				title=_("Invalid Name"),
			)


def validate_in_range(doc, fieldname: str, minimum: float, maximum: float) -> None:
	"""Throw when a number lies outside ``minimum`` .. ``maximum`` (limits: ``cis_app.core.plausibility``)."""
	sent = doc.get(fieldname)
	if out_of_range(flt(sent), minimum, maximum):  # text a REST client sent counts as 0, as Frappe stores it
		fieldtype = doc.meta.get_field(fieldname).fieldtype

		def shown(number):  # a year reads 2026, not 2,026
			return str(int(number)) if fieldtype == "Int" else frappe.format(number, {"fieldtype": fieldtype})

		frappe.throw(
			_("{0} must be between {1} and {2} (it is {3}).").format(
				_label(doc, fieldname),
				shown(minimum),
				shown(maximum),
				frappe.bold(sent if sent not in (None, "") else 0),
			),
			OutOfRangeError,
			title=_("Out of Range"),
		)
