# Copyright (c) 2026, cis_app contributors and contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import getdate

from cis_app.core import evaluation as rules
from cis_app.utils.exceptions import CISValidationError


class EvaluationAgreement(Document):
	"""A written agreement with an outside evaluator; extracts are made under it
	(``cis_app.cis_network.evaluation``, rules in ``cis_app.core.evaluation``)."""

	def before_insert(self):
		# the agreement's own key: codes are stable for it and unrelated to any other agreement's
		self.extract_key = frappe.generate_hash(length=40)

	def validate(self):
		fields = self.agreed()
		problem = rules.field_problem(fields, fields)
		if problem:
			frappe.throw(_("Fields Agreed: {0}.").format(problem), CISValidationError, title=_("Fields Agreed"))
		self.agreed_fields = "\n".join(fields)
		signed, end, destroy = (getdate(d) if d else None for d in (self.signed_on, self.end_date, self.destroy_by))
		if signed and end and end < signed:
			frappe.throw(_("The End Date comes before the agreement is signed."), CISValidationError)
		if end and destroy and destroy < end:
			frappe.throw(_("The data cannot be due for destruction before the agreement ends."), CISValidationError)

	def agreed(self) -> list[str]:
		return [line.strip() for line in (self.agreed_fields or "").replace(",", "\n").splitlines() if line.strip()]
