# Copyright (c) 2026, cis_app contributors and contributors
# For license information, please see license.txt
"""One cell of an imported Outcome Export (an affiliate's or a site's metric for a school year).

Written only by a Network Outcome Import (``on_submit``), read by the CIS Outcomes report in network
mode. A suppressed cell has no figure: its numerator and denominator columns hold Frappe's 0 for an
empty Int and are never read as figures (``suppressed`` and ``has_denominator`` say what is known).
"""

from frappe.model.document import Document


class NetworkOutcome(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		affiliate: DF.Data | None
		affiliate_name: DF.Data | None
		denominator: DF.Int
		generated_at: DF.Data | None
		has_denominator: DF.Check
		level: DF.Literal["Affiliate", "Site"]
		metric: DF.Data | None
		network_outcome_import: DF.Link | None
		numerator: DF.Int
		percent: DF.Percent
		school_year: DF.Data | None
		site: DF.Data | None
		small_cell_threshold: DF.Int
		suppressed: DF.Check
		target: DF.Percent
	# end: auto-generated types

	pass
