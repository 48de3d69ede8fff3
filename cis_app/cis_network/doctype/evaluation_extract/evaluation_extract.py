# Copyright (c) 2026, cis_app contributors and contributors
# For license information, please see license.txt

from frappe.model.document import Document


class EvaluationExtract(Document):
	"""The log of one de-identified extract (written by ``cis_app.cis_network.evaluation``)."""
