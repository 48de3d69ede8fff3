# Copyright (c) 2026, cis_app contributors and contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import now_datetime, nowdate

from cis_app.core import referrals
from cis_app.core.consent import SCOPE_SHARE_WITH_PARTNER
from cis_app.exceptions import ConsentRequiredError, InactivePartnerError, ReferralError
from cis_app.permissions import check_in_scope, site_of
from cis_app.validation import validate_date_range
from cis_app.workflows import sync_status

# What may not change once the partner has been told about the student: the consent and the
# disclosure record were for exactly these.
FIXED_ONCE_SENT = ("student", "partner", "school_year")


class Referral(Document):
	def validate(self):
		sync_status(self)
		check_in_scope(self)
		self.set_site_from_student()
		self.set_school_year()
		self.validate_transition()
		self.validate_fixed_once_sent()
		self.validate_partner()
		self.validate_support_plan()
		validate_date_range(self, "service_start_date", "service_end_date")
		self.set_consent()

	def set_site_from_student(self):
		self.site = site_of(self)  # the student's: one rule, cis_app.permissions

	def set_school_year(self):
		"""A new referral is for the current school year unless the coordinator chose another."""
		if not self.school_year and self.is_new():
			from cis_app.cis_network.doctype.school_year.school_year import get_current_school_year

			self.school_year = get_current_school_year()

	def previous_status(self) -> str | None:
		before = self.get_doc_before_save()
		return before.status if before else None

	def is_being_sent(self) -> bool:
		return self.status == referrals.SENT and self.previous_status() != referrals.SENT

	def validate_transition(self):
		"""The core's transitions hold whatever the workflow says (a status set through the API, a
		workflow an admin edited): a referral is never Accepted before it was Sent."""
		previous = self.previous_status()
		if not referrals.can_transition(previous, self.status):
			frappe.throw(
				_("A referral cannot go from {0} to {1}.").format(
					_(previous) if previous else _("new"), _(self.status or "")
				),
				ReferralError,
				title=_("Not Allowed"),
			)

	def validate_fixed_once_sent(self):
		before = self.get_doc_before_save()
		if not before or before.status == referrals.DRAFT:
			return
		for fieldname in FIXED_ONCE_SENT:
			if self.get(fieldname) != before.get(fieldname):
				frappe.throw(
					_(
						"{0} cannot change once the referral has been sent. Close this referral and create a new one."
					).format(_(self.meta.get_label(fieldname))),
					ReferralError,
				)

	def validate_partner(self):
		"""An active partner of the student's affiliate (checked when chosen and when sent, so a partner
		that later becomes inactive does not stop the referral from being followed up and closed)."""
		if not (self.is_new() or self.has_value_changed("partner") or self.is_being_sent()):
			return
		partner = frappe.db.get_value("Partner", self.partner, ["status", "affiliate"], as_dict=True)
		if not partner:
			return  # Frappe's link validation names the missing partner
		if partner.status != "Active":
			frappe.throw(
				_("{0} is not an active partner ({1}). Refer the student to an active partner.").format(
					frappe.bold(self.partner), _(partner.status or "")
				),
				InactivePartnerError,
			)
		student_affiliate = frappe.db.get_value("Student", self.student, "affiliate")
		if partner.affiliate != student_affiliate:
			frappe.throw(
				_("{0} does not serve {1}'s affiliate. Choose a partner of {2}.").format(
					frappe.bold(self.partner),
					frappe.bold(self.student_name or self.student),
					frappe.bold(student_affiliate or ""),
				),
				InactivePartnerError,
			)

	def validate_support_plan(self):
		if not self.support_plan:
			return
		if frappe.db.get_value("Support Plan", self.support_plan, "student") != self.student:
			frappe.throw(
				_("Support Plan {0} is not {1}'s plan. Choose one of the student's plans.").format(
					frappe.bold(self.support_plan), frappe.bold(self.student_name or self.student)
				),
				ReferralError,
			)

	def set_consent(self):
		"""On sending: the consent to share with this partner for the year, valid today, becomes the
		referral's legal basis (``core.referrals.covering_consent``). Otherwise ``consent`` and
		``sent_on`` keep what was stored, whatever a client sent."""
		if not self.is_being_sent():
			before = self.get_doc_before_save()
			self.consent = before.consent if before else None
			self.sent_on = before.sent_on if before else None
			return
		rows = frappe.get_all(
			"Student Consent",
			filters={
				"student": self.student,
				"scope": SCOPE_SHARE_WITH_PARTNER,
				"partner": self.partner,
				"school_year": self.school_year,
			},
			fields=["name", "scope", "partner", "school_year", "signed_date", "expiry_date", "revoked_date"],
		)
		today = nowdate()
		covering = referrals.covering_consent(rows, self.partner, self.school_year, today)
		if not covering:
			frappe.throw(
				_("No signed consent to share with {0} for {1}: record it first.").format(
					frappe.bold(self.partner), frappe.bold(self.school_year)
				),
				ConsentRequiredError,
				title=_("Consent Required"),
			)
		self.consent = covering["name"]
		self.sent_on = today

	def on_update(self):
		if self.has_value_changed("status") and self.status == referrals.SENT:
			self.record_disclosure()

	def record_disclosure(self):
		"""FERPA 99.32: sending tells the partner who the student is; the record says who, to whom,
		what, on which basis and why. Written by the app: nobody has create permission on it."""
		frappe.get_doc(
			{
				"doctype": "Disclosure Record",
				"student": self.student,
				"disclosed_on": now_datetime(),
				"disclosed_by": frappe.session.user,
				"recipient_type": "Partner",
				"partner": self.partner,
				"what": _("Referral {0}: {1}").format(self.name, referrals.disclosed_fields()),
				"legal_basis": "Consent",
				"consent": self.consent,
				"purpose": _("Referral for {0}").format(self.support_type),
				"reference_doctype": self.doctype,
				"reference_name": self.name,
			}
		).insert(ignore_permissions=True)

	def partner_view(self) -> dict:
		"""What the partner sees of this referral (``core.referrals.partner_view``). The guardian's
		contact goes only through the channel chosen on the referral, and only once a consent covers it."""
		student = frappe.db.get_value(
			"Student", self.student, ["first_name", "last_name", "grade_level", "site"], as_dict=True
		)
		student["school"] = frappe.db.get_value("Site", student.site, "site_name")
		guardians = frappe.get_all(
			"Student Guardian",
			filters={"parent": self.student, "parenttype": "Student"},
			fields=["guardian_name", "phone", "email"],
			order_by="is_primary desc, idx asc",
			limit=1,
		)
		allowed = {self.preferred_contact} if self.consent and self.preferred_contact else set()
		return referrals.partner_view(self.as_dict(), student, guardians[0] if guardians else None, allowed)


@frappe.whitelist()
def get_partner_view(referral: str) -> dict:
	"""Preview of what the partner sees (read permission on the referral required)."""
	doc = frappe.get_doc("Referral", referral)
	doc.check_permission("read")
	return doc.partner_view()
