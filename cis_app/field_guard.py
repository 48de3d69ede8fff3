"""Refuse filtering, sorting or grouping by a field the user cannot read.

Frappe hides a field above the user's permlevel from the columns of a list, but still lets the user
filter, sort and group by it: a CIS Administrator without access to health notes could list the
students whose notes contain "asthma" (``reportview.get``, ``get_list``, counts, group-by counts, the
REST API, exports). Every one of those doors builds its query with ``DatabaseQuery``, so the check
sits there: before the conditions are built, each filter, the sort and the grouping are checked
against the fields the user may read, and a query naming a field the user cannot read is refused.

The check is installed at the start of every request and background job (``before_request`` and
``before_job`` hooks) and when ``cis_app.permissions`` is first imported. It only ever refuses; it
changes no query that names readable fields only. Queries run with ``ignore_permissions`` (the app's
own code) are not checked.
"""

from __future__ import annotations

import re

import frappe
from frappe import _

IDENTIFIER = re.compile(r"`?([A-Za-z_][A-Za-z0-9_]*)`?")
TABLE_AND_FIELD = re.compile(r"`tab([^`]+)`\.`?([A-Za-z_][A-Za-z0-9_]*)`?")


class UnreadableFieldError(frappe.PermissionError):
	"""A query filters, sorts or groups by a field the user may not read."""


def install(*args, **kwargs) -> None:
	"""Wrap ``DatabaseQuery.build_conditions`` once per process."""
	from frappe.model.db_query import DatabaseQuery

	if getattr(DatabaseQuery, "_cis_field_guard", False):
		return
	original = DatabaseQuery.build_conditions

	def build_conditions(self):
		if not self.flags.ignore_permissions:
			refuse_unreadable_fields(self)
		return original(self)

	DatabaseQuery.build_conditions = build_conditions
	DatabaseQuery._cis_field_guard = True


def hidden_fields(doctype: str, parent_doctype: str | None, user: str) -> frozenset[str]:
	"""Fields of ``doctype`` above permlevel 0 that ``user`` may not read."""
	meta = frappe.get_meta(doctype)
	restricted = {df.fieldname for df in meta.fields if df.permlevel and df.fieldname}
	if not restricted:
		return frozenset()
	from frappe.model import get_permitted_fields

	permitted = set(get_permitted_fields(doctype, parenttype=parent_doctype, user=user))
	return frozenset(restricted - permitted)


def refuse_unreadable_fields(query) -> None:
	user = query.user or frappe.session.user
	if user == "Administrator":
		return
	main = query.doctype
	hidden = {main: hidden_fields(main, query.parent_doctype, user)}

	def hidden_of(doctype: str) -> frozenset[str]:
		if doctype not in hidden:
			hidden[doctype] = hidden_fields(doctype, main if doctype != main else None, user)
		return hidden[doctype]

	for filters in (query.filters, query.or_filters):
		for condition in _as_list(filters):
			if isinstance(condition, str):
				_check_text(condition, main, hidden_of)
				continue
			doctype, fieldname = _filter_field(main, condition)
			if fieldname and fieldname in hidden_of(doctype):
				_refuse(doctype, fieldname)
	for text in (query.order_by, query.group_by):
		if text and text != "KEEP_DEFAULT_ORDERING":
			_check_text(text, main, hidden_of)


def _as_list(filters) -> list:
	if not filters:
		return []
	if isinstance(filters, dict):
		return [[key, value] for key, value in filters.items()]
	return list(filters)


def _filter_field(main: str, condition) -> tuple[str, str | None]:
	"""(doctype, fieldname) a parsed filter names."""
	if isinstance(condition, dict):
		return condition.get("doctype") or main, condition.get("fieldname")
	items = list(condition)
	if len(items) >= 4 and isinstance(items[0], str):
		return items[0] or main, items[1]
	if items and isinstance(items[0], str):
		field = items[0]
		if "." in field:
			table, field = field.split(".", 1)
			return table.strip("`").removeprefix("tab"), field.strip("`")
		return main, field.strip("`")
	return main, None


def _check_text(text: str, main: str, hidden_of) -> None:
	"""A raw condition, sort or grouping: refuse if it names a hidden field of the main DocType or of a
	table it names explicitly."""
	text = str(text)
	for doctype, fieldname in TABLE_AND_FIELD.findall(text):
		if fieldname in hidden_of(doctype):
			_refuse(doctype, fieldname)
	main_hidden = hidden_of(main)
	for token in IDENTIFIER.findall(TABLE_AND_FIELD.sub(" ", text)):
		if token in main_hidden:
			_refuse(main, token)


def _refuse(doctype: str, fieldname: str) -> None:
	label = frappe.get_meta(doctype).get_label(fieldname) or fieldname
	frappe.throw(
		_("You cannot filter, sort or group {0} by {1}: you do not have access to that field.").format(
			_(doctype), frappe.bold(_(label))
		),
		UnreadableFieldError,
		title=_("Not Permitted"),
	)
