# Copyright (c) 2026, cis_app contributors and contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import getdate, nowdate

from cis_app.core.plausibility import MAX_REMINDER_DAYS
from cis_app.core.volunteering import agreement_problem, agreement_status
from cis_app.utils.exceptions import InvalidDateRangeError
from cis_app.cis_case_management.reminders import assign_due_agreement_renewals
from cis_app.utils.validation import (
	validate_date_fields,
	validate_in_range,
	validate_not_future,
	validate_plain_text,
	validate_sites_of_affiliate,
)


class Partner(Document):
	def validate(self):
		validate_date_fields(self)
		self.validate_sites_of_affiliate()
		self.validate_contact_names()
		self.validate_primary_contact()
		self.validate_signed_date()
		validate_in_range(self, "reminder_days", 0, MAX_REMINDER_DAYS)
		self.validate_agreement()

	def validate_signed_date(self):
		"""An agreement is signed on a day that has come."""
		validate_not_future(self.agreement_signed_date, self.meta.get_label("agreement_signed_date"))

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
		self.agreement_status = agreement_status(
			self.agreement_status, self.agreement_signed_date, self.agreement_renewal_date, nowdate()
		)

	def validate_sites_of_affiliate(self):
		validate_sites_of_affiliate([row.site for row in self.sites_served], self.affiliate)

	def validate_contact_names(self):
		for row in self.contacts:
			validate_plain_text(row, "contact_name", "designation")

	def validate_primary_contact(self):
		if len([row for row in self.contacts if row.is_primary]) > 1:
			frappe.throw(_("Mark only one contact as primary."))


def remind_agreement_renewals() -> None:
	"""Daily: agreements past their renewal date are marked Lapsed, and each agreement entering its
	reminder window is assigned to its partner's manager as a to-do, once per renewal date.

	The assignment is made by ``cis_app.cis_case_management.reminders`` (it obeys the "CIS Reminder: Partner Agreement
	Renewal" Notification an admin can switch off), and the daily digest lists a renewal only on the day
	it is assigned: one to-do and one mail per renewal, not a to-do plus a mail every day."""
	today = nowdate()
	partners = frappe.get_all(
		"Partner",
		filters={"agreement_status": "Signed", "agreement_renewal_date": ["is", "set"]},
		fields=["name", "agreement_renewal_date"],
	)
	for partner in partners:
		status = agreement_status("Signed", True, partner.agreement_renewal_date, today)
		if status != "Signed":
			frappe.db.set_value("Partner", partner.name, "agreement_status", status)
	assign_due_agreement_renewals(getdate(today))
