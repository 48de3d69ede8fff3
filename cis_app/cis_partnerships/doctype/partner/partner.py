# Copyright (c) 2026, cis_app contributors and contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import nowdate

from cis_app.core.volunteering import agreement_problem, is_lapsed, needs_reminder
from cis_app.exceptions import InvalidDateRangeError
from cis_app.validation import validate_sites_of_affiliate


class Partner(Document):
	def validate(self):
		self.validate_sites_of_affiliate()
		self.validate_primary_contact()
		self.validate_agreement()

	def validate_agreement(self):
		if agreement_problem(self.agreement_signed_date, self.agreement_renewal_date):
			frappe.throw(
				_(
					"The agreement's renewal ({0}) comes before its signing ({1}). Correct one of the dates."
				).format(
					frappe.format(self.agreement_renewal_date, {"fieldtype": "Date"}),
					frappe.format(self.agreement_signed_date, {"fieldtype": "Date"}),
				),
				InvalidDateRangeError,
				title=_("Invalid Dates"),
			)
		if self.agreement_signed_date and self.agreement_status in ("None", "Draft", None, ""):
			self.agreement_status = "Signed"
		if self.agreement_status == "Signed" and is_lapsed(self.agreement_renewal_date, nowdate()):
			self.agreement_status = "Lapsed"

	def validate_sites_of_affiliate(self):
		validate_sites_of_affiliate([row.site for row in self.sites_served], self.affiliate)

	def validate_primary_contact(self):
		if len([row for row in self.contacts if row.is_primary]) > 1:
			frappe.throw(_("Mark only one contact as primary."))


def remind_agreement_renewals() -> None:
	"""Daily: a to-do for each partner's manager when its agreement's renewal is near (once per
	renewal date), and agreements past their renewal date marked Lapsed."""
	today = nowdate()
	partners = frappe.get_all(
		"Partner",
		filters={"agreement_status": "Signed", "agreement_renewal_date": ["is", "set"]},
		fields=["name", "partner_manager", "agreement_renewal_date", "reminder_days"],
	)
	for partner in partners:
		if is_lapsed(partner.agreement_renewal_date, today):
			frappe.db.set_value("Partner", partner.name, "agreement_status", "Lapsed")
			continue
		if not partner.partner_manager or not needs_reminder(
			partner.agreement_renewal_date, today, partner.reminder_days
		):
			continue
		description = _("Renew the partnership agreement with {0}: due {1}.").format(
			partner.name, frappe.format(partner.agreement_renewal_date, {"fieldtype": "Date"})
		)
		if frappe.db.exists(
			"ToDo", {"reference_type": "Partner", "reference_name": partner.name, "description": description}
		):
			continue
		frappe.get_doc(
			{
				"doctype": "ToDo",
				"allocated_to": partner.partner_manager,
				"reference_type": "Partner",
				"reference_name": partner.name,
				"description": description,
				"date": partner.agreement_renewal_date,
				"priority": "High",
			}
		).insert(ignore_permissions=True)
