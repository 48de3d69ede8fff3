"""Which DocTypes hold student rows, and through which field: what the disclosure records and the
field guard both ask."""

from __future__ import annotations

import frappe

from cis_app.utils.roles import SCOPED_DOCTYPES


def student_fields() -> dict[str, str]:
	"""Each scoped DocType (and child table) holding student rows, with the field naming the student."""
	fields = {"Student": "name"}
	for doctype, rule in SCOPED_DOCTYPES.items():
		if doctype == "Disclosure Record":
			continue
		if rule.student_field:
			fields[doctype] = rule.student_field
		elif rule.parent_doctype and rule.parent_doctype != "Student":
			link = next(
				(
					df.fieldname
					for df in frappe.get_meta(doctype).get_link_fields()
					if df.options == "Student"
				),
				None,
			)
			if link:
				fields[doctype] = link
	return fields


def child_tables(doctype: str) -> list[str]:
	return [df.options for df in frappe.get_meta(doctype).get_table_fields()]
