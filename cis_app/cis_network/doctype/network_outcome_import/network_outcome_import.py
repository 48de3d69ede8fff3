# Copyright (c) 2026, cis_app contributors and contributors
# For license information, please see license.txt
"""Network Outcome Import: loads the Outcome Export files of several affiliates.

Saving reads and validates every attached file (``cis_app.core.network_rollup.validate_export``,
with this site's small-cell threshold as the minimum); a file that is malformed, of another format
version, or that shows a small cell is refused with the reasons, and nothing is saved. Submitting
imports the rows of every file into Network Outcome, in the same transaction: either all files are
loaded or none. An affiliate's school year imported again replaces its earlier rows, so there are
never two sets of figures for one affiliate and year. Cancelling removes the rows this import loaded.
"""

from __future__ import annotations

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import escape_html, now_datetime

from cis_app.core import network_rollup
from cis_app.cis_network.outcome_export import OutcomeExportError, parse_export_file
from cis_app.cis_network.settings import get_small_cell_threshold

MAX_FILE_SIZE = network_rollup.MAX_FILE_BYTES
ROW_FIELDS = (
	"name",
	"creation",
	"modified",
	"owner",
	"modified_by",
	"docstatus",
	"network_outcome_import",
	"school_year",
	"affiliate",
	"affiliate_name",
	"level",
	"site",
	"metric",
	"suppressed",
	"numerator",
	"denominator",
	"has_denominator",
	"percent",
	"target",
	"small_cell_threshold",
	"generated_at",
)


class NetworkOutcomeImport(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		from cis_app.cis_network.doctype.network_outcome_import_file.network_outcome_import_file import (
			NetworkOutcomeImportFile,
		)

		amended_from: DF.Link | None
		files: DF.Table[NetworkOutcomeImportFile]
		imported_rows: DF.Int
		title: DF.Data | None
	# end: auto-generated types

	def validate(self):
		self.add_attached_files()
		self.validate_files()
		self.validate_one_file_per_affiliate_and_year()

	def add_attached_files(self):
		"""One row per file attached to this import (the sidebar's Attach File: Frappe cannot upload into
		a new child row), besides the rows given (an API client may name files directly); a row whose
		file was removed from the import goes too."""
		if self.is_new():
			return
		attached = frappe.get_all(
			"File",
			filters={"attached_to_doctype": self.doctype, "attached_to_name": self.name, "is_folder": 0},
			pluck="file_url",
			order_by="creation asc",
		)
		for row in list(self.files):
			if row.export_file and not frappe.db.exists("File", {"file_url": row.export_file}):
				self.remove(row)
		listed = {row.export_file for row in self.files}
		for file_url in attached:
			if file_url not in listed:
				self.append("files", {"export_file": file_url})
		for idx, row in enumerate(self.files, start=1):
			row.idx = idx

	def before_submit(self):
		if not self.files:
			frappe.throw(_("Attach at least one Outcome Export file before submitting."), OutcomeExportError)

	def validate_files(self):
		"""Read and validate every attached file (a new import is saved first, without files: Frappe
		uploads a file only to a saved record); keep the exports for ``on_submit``."""
		minimum = get_small_cell_threshold()
		self.flags.exports = {}
		for row in self.files:
			content = self.read_file(row.export_file, row.idx)
			export = parse_export_file(content, file_label(row.export_file), minimum)
			self.flags.exports[row.name] = export
			row.affiliate = export["affiliate"]["id"]
			row.affiliate_name = export["affiliate"]["name"]
			row.school_year = export["school_year"]
			row.generated_at = export["generated_at"]
			row.small_cell_threshold = export["small_cell_threshold"]
			row.row_count = len(export["rows"])
			text = content.decode("utf-8-sig", "replace") if isinstance(content, bytes) else content
			row.file_format = "JSON" if text.lstrip("\ufeff \r\n\t")[:1] == "{" else "CSV"

	def read_file(self, file_url: str | None, idx: int) -> bytes | str:
		if not file_url:
			frappe.throw(_("Row {0}: attach the export file.").format(idx), OutcomeExportError)
		name = frappe.db.get_value("File", {"file_url": file_url}, "name", order_by="creation desc")
		if not name:
			frappe.throw(
				_("Row {0}: the attached file {1} was not found. Attach it again.").format(
					idx, escape_html(file_url)
				),
				OutcomeExportError,
			)
		file = frappe.get_doc("File", name)
		if not self.may_read(file):
			frappe.throw(
				_("Row {0}: you cannot read the file {1}.").format(idx, escape_html(file_url)),
				frappe.PermissionError,
			)
		if (file.file_size or 0) > MAX_FILE_SIZE:
			frappe.throw(
				_("Row {0}: {1} is larger than {2} MB; an Outcome Export is much smaller.").format(
					idx, escape_html(file_label(file_url)), MAX_FILE_SIZE // (1024 * 1024)
				),
				OutcomeExportError,
			)
		return file.get_content()

	def may_read(self, file) -> bool:
		"""The user's own upload, this import's attachment, or a file Frappe lets them read."""
		if self.flags.ignore_permissions or file.owner == frappe.session.user:
			return True
		if file.attached_to_doctype == self.doctype and file.attached_to_name == self.name:
			return True
		return frappe.has_permission("File", "read", doc=file)

	def validate_one_file_per_affiliate_and_year(self):
		seen = {}
		for row in self.files:
			key = (row.affiliate, row.school_year)
			if key in seen:
				frappe.throw(
					_("Rows {0} and {1} are both {2}'s export of {3}: keep one of them.").format(
						seen[key],
						row.idx,
						escape_html(row.affiliate_name or row.affiliate),
						escape_html(row.school_year),
					),
					OutcomeExportError,
				)
			seen[key] = row.idx

	def on_submit(self):
		"""Load every file's rows, replacing the rows an earlier import loaded for the same affiliate and
		school year."""
		exports = self.flags.exports or {}
		values = []
		for row in self.files:
			export = exports.get(row.name)
			if export is None:  # submitted without validate (should not happen): never load unchecked rows
				frappe.throw(_("Save the import again before submitting it."), OutcomeExportError)
			frappe.db.delete("Network Outcome", {"affiliate": row.affiliate, "school_year": row.school_year})
			values.extend(self.outcome_rows(export))
		frappe.db.bulk_insert("Network Outcome", ROW_FIELDS, values, chunk_size=5000)
		self.db_set("imported_rows", len(values))

	def outcome_rows(self, export: dict) -> list[tuple]:
		now, user = now_datetime(), frappe.session.user
		rows = []
		for cell in export["rows"]:
			has_denominator = int(cell["metric"] not in network_rollup.COUNT_METRICS)
			rows.append(
				(
					frappe.generate_hash(length=12),
					now,
					now,
					user,
					user,
					0,
					self.name,
					export["school_year"],
					export["affiliate"]["id"],
					export["affiliate"]["name"],
					"Affiliate" if cell["level"] == network_rollup.AFFILIATE else "Site",
					cell["site"],
					cell["metric"],
					int(cell["suppressed"]),
					cell["numerator"] or 0,
					cell["denominator"] or 0,
					has_denominator,
					cell["percent"] or 0,
					cell["target"] or 0,
					export["small_cell_threshold"],
					export["generated_at"],
				)
			)
		return rows

	def on_cancel(self):
		frappe.db.delete("Network Outcome", {"network_outcome_import": self.name})
		self.db_set("imported_rows", 0)


def file_label(file_url: str | None) -> str:
	return (file_url or "").rsplit("/", 1)[-1]
