"""Small helpers shared by the Script Reports."""

from __future__ import annotations


def report_filters(
	doctype: str, filters: dict, fields: tuple[str, ...], date_field: str | None = None
) -> list[list]:
	"""Frappe filter rows from a report's filter values: equality on each of ``fields`` that is set,
	and ``from_date`` / ``to_date`` bounds on ``date_field``."""
	conditions = [[doctype, field, "=", filters.get(field)] for field in fields if filters.get(field)]
	if date_field and filters.get("from_date"):
		conditions.append([doctype, date_field, ">=", filters["from_date"]])
	if date_field and filters.get("to_date"):
		conditions.append([doctype, date_field, "<=", filters["to_date"]])
	return conditions
