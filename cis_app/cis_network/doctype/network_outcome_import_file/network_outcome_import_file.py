# Copyright (c) 2026, cis_app contributors and contributors
# For license information, please see license.txt

from frappe.model.document import Document


class NetworkOutcomeImportFile(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		affiliate: DF.Data | None
		affiliate_name: DF.Data | None
		export_file: DF.Attach
		file_format: DF.Data | None
		generated_at: DF.Data | None
		parent: DF.Data
		parentfield: DF.Data
		parenttype: DF.Data
		row_count: DF.Int
		school_year: DF.Data | None
		small_cell_threshold: DF.Int
	# end: auto-generated types

	pass
