"""Every spreadsheet the desk hands out through the app escapes formula-like text cells.

The rule is ``cis_app.core.spreadsheet``: a text cell starting with ``=``, ``+``, ``-``, ``@``, a tab or
a carriage return gets a leading apostrophe, so an affiliate named ``=HYPERLINK(...)`` in the Network
Outcome list, or any other free text, is shown as text and never runs as a formula in Excel or a CSV
opened in a spreadsheet.

Patch (no hook runs between building an export's rows and writing its file): Frappe 15.55.1 writes
the Report Builder's export (``frappe.desk.reportview.export_query``) and a query report's
(``frappe.desk.query_report.export_query``) with ``frappe.desk.utils.get_csv_bytes`` and
``frappe.utils.xlsxutils.make_xlsx``, both imported inside the function at each call. Both are
wrapped once per process; the wrappers escape only inside ``escaped_cells()``, which the app's
overrides of the two export methods enter (``cis_app.cis_case_management.disclosures``), so Frappe's other uses (Data
Import templates, other apps) are untouched. ``test_export_cells`` fails when an export stops going
through them.
"""

from __future__ import annotations

import functools
from contextlib import contextmanager

import frappe
from frappe import _

from cis_app.core.spreadsheet import escape_rows
from cis_app.utils.exceptions import CISValidationError

FILE_FORMATS = ("CSV", "Excel")


def _escaping() -> bool:
	return bool(getattr(frappe.local, "cis_escape_cells", False))


def install() -> None:
	"""Wrap ``get_csv_bytes`` and ``make_xlsx`` (once per process)."""
	# Frappe's module, read when the wrapper is installed (once per process, by a hook)
	from frappe.desk import utils as desk_utils
	from frappe.utils import xlsxutils

	_wrap(desk_utils, "get_csv_bytes")
	_wrap(xlsxutils, "make_xlsx")


def _wrap(module, name: str) -> None:
	"""``module.name`` (a writer whose first argument is the rows) escaping the rows inside
	``escaped_cells()``."""
	original = getattr(module, name)
	if getattr(original, "_cis_escape", False):
		return

	@functools.wraps(original)
	def write(data, *args, **kwargs):
		return original(escape_rows(data) if _escaping() else data, *args, **kwargs)

	write._cis_escape = True
	setattr(module, name, write)


@contextmanager
def escaped_cells():
	"""Within it, the desk's CSV and Excel exports escape formula-like text cells."""
	install()
	frappe.local.cis_escape_cells = True
	try:
		yield
	finally:
		frappe.local.cis_escape_cells = False


def check_file_format(file_format_type) -> str:
	"""The export's format, CSV or Excel; anything else (PDF, nothing) is a clear 417, not the 500
	Frappe answers when it writes no file."""
	if file_format_type not in FILE_FORMATS:
		frappe.throw(
			_("Export as CSV or Excel: {0} is not a format this export writes.").format(
				frappe.bold(frappe.utils.escape_html(str(file_format_type or _("(none)"))))
			),
			CISValidationError,
			title=_("Export Format"),
		)
	return file_format_type
