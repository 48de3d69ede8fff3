# Copyright (c) 2026, cis_app contributors and contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import nowdate

from cis_app.core import consent
from cis_app.utils.exceptions import ConsentDateError
from cis_app.permissions.scope import check_in_scope, site_of
from cis_app.utils.validation import validate_date_fields, validate_not_future, validate_plain_text


class StudentConsent(Document):
	def validate(self):
		check_in_scope(self)
		validate_date_fields(self)
		validate_plain_text(self, "guardian_name", "relationship")
		self.set_site_from_student()
		self.set_default_expiry()
		self.validate_dates()
		self.validate_partner()
		self.set_status()

	def set_site_from_student(self):
		self.site = site_of(self)  # the student's: one rule, cis_app.permissions.scope

	def set_default_expiry(self):
		if not self.expiry_date and self.school_year:
			self.expiry_date = frappe.db.get_value("School Year", self.school_year, "year_end_date")

	def validate_dates(self):
		validate_not_future(
			self.signed_date,
			self.meta.get_label("signed_date"),
			ConsentDateError,
			hint=_("Enter the date the form was signed."),
		)
		validate_not_future(
			self.revoked_date,
			self.meta.get_label("revoked_date"),
			ConsentDateError,
			hint=_("Record a revocation once the guardian has revoked the consent."),
		)
		problems = consent.consent_problems(self.signed_date, self.expiry_date, self.revoked_date)
		if "signed_after_expiry" in problems:
			frappe.throw(
				_(
					"The consent is signed on {0}, after it expires on {1}. Correct the signed date or the expiry date."
				).format(
					frappe.format(self.signed_date, {"fieldtype": "Date"}),
					frappe.format(self.expiry_date, {"fieldtype": "Date"}),
				),
				ConsentDateError,
				title=_("Invalid Dates"),
			)
		if "revoked_before_signed" in problems:
			frappe.throw(
				_(
					"Revoked On ({0}) is before Signed On ({1}). A consent can only be revoked after it is signed."
				).format(
					frappe.format(self.revoked_date, {"fieldtype": "Date"}),
					frappe.format(self.signed_date, {"fieldtype": "Date"}),
				),
				ConsentDateError,
				title=_("Invalid Dates"),
			)

	def validate_partner(self):
		if self.scope == consent.SCOPE_SHARE_WITH_PARTNER and not self.partner:
			frappe.throw(_("A consent to share with a partner must name the partner."), frappe.MandatoryError)
		if self.scope != consent.SCOPE_SHARE_WITH_PARTNER:
			self.partner = None

	def set_status(self):
		self.status = consent.consent_status(self.signed_date, self.expiry_date, self.revoked_date, nowdate())


def refresh_consent_statuses() -> None:
	"""Daily: consents that expired, were revoked or became valid since yesterday get their new
	status (one update per status, not per consent)."""
	today = nowdate()
	changed: dict[str, list[str]] = {}
	for row in frappe.get_all(
		"Student Consent",
		filters={"status": ["in", [consent.VALID, consent.PENDING]]},
		fields=["name", "status", "signed_date", "expiry_date", "revoked_date"],
	):
		status = consent.consent_status(row.signed_date, row.expiry_date, row.revoked_date, today)
		if status != row.status:
			changed.setdefault(status, []).append(row.name)
	table = frappe.qb.DocType("Student Consent")
	for status, names in changed.items():
		frappe.qb.update(table).set(table.status, status).where(table.name.isin(names)).run()


def has_valid_consent(
	student: str, scope: str, school_year: str, partner: str | None = None, on=None
) -> bool:
	"""True if ``student`` has a consent for ``scope`` in ``school_year`` valid on ``on`` (today)."""
	rows = frappe.get_all(
		"Student Consent",
		filters={"student": student, "scope": scope, "school_year": school_year},
		fields=["scope", "school_year", "partner", "signed_date", "expiry_date", "revoked_date"],
	)
	return consent.has_valid_consent(rows, scope, school_year, on or nowdate(), partner=partner)


def has_valid_consent_for_year(student: str, scope: str, school_year: str) -> bool:
	"""True if ``student`` has a ``scope`` consent for ``school_year`` valid today (or, for a year
	already over, on its last day: ``cis_app.core.consent.check_day``)."""
	year_end = frappe.db.get_value("School Year", school_year, "year_end_date")
	return has_valid_consent(student, scope, school_year, on=consent.check_day(nowdate(), year_end))
