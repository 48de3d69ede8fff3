# Copyright (c) 2026, cis_app contributors and contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document

from cis_app.utils.exceptions import AffiliateMismatchError, CISValidationError
from cis_app.permissions.scope import is_staff, stored_value
from cis_app.utils.roles import VOLUNTEER_ROLE
from cis_app.utils.validation import (
	validate_date_fields,
	validate_date_range,
	validate_not_future,
	validate_plain_text,
	validate_sites_of_affiliate,
)


class PortalLoginError(CISValidationError):
	"""A volunteer's portal login would be someone else's account (an existing or a staff user)."""


class CISVolunteer(Document):
	def validate(self):
		validate_date_fields(self)
		validate_plain_text(self, "first_name", "last_name")
		self.validate_dates_have_passed()
		self.volunteer_name = " ".join(
			p.strip() for p in (self.first_name, self.last_name) if p and p.strip()
		)
		self.email = (self.email or "").strip().lower()
		validate_date_range(self, "background_check_date", "background_check_expiry")
		self.validate_sites()
		self.validate_partner()
		self.validate_portal_user()

	def validate_dates_have_passed(self):
		"""A background check or a training is recorded once it has taken place."""
		for field in ("background_check_date", "training_date"):
			validate_not_future(self.get(field), self.meta.get_label(field))

	def validate_sites(self):
		validate_sites_of_affiliate([row.site for row in self.sites], self.affiliate)

	def validate_partner(self):
		if self.partner and frappe.db.get_value("Partner", self.partner, "affiliate") != self.affiliate:
			frappe.throw(
				_("Partner {0} belongs to another affiliate.").format(self.partner), AffiliateMismatchError
			)

	def validate_portal_user(self):
		"""The login linked here reads this record and logs hours as this volunteer, so it may only be
		a Website User without staff roles. Create Portal Login makes one; a REST PUT or an import that
		links another user is checked here."""
		if not self.user or self.user == stored_value(self, "user"):
			return
		user_type = frappe.db.get_value("User", self.user, "user_type")
		if user_type != "Website User" or self.user in frappe.STANDARD_USERS or is_staff(self.user):
			frappe.throw(
				_(
					"{0} cannot be the portal login of {1}: only a Website User without CIS staff roles can. Use Create Portal Login to make the volunteer a login of their own."
				).format(self.user, self.volunteer_name),
				PortalLoginError,
				title=_("Not a Volunteer Login"),
			)


@frappe.whitelist()
def create_portal_user(volunteer: str) -> str:
	"""A new website login for the volunteer (role CIS Volunteer), linked to their record.

	It only ever creates a user: an email that already belongs to one (a staff account, say) is
	refused, so editing a volunteer's email can never turn someone's account into a volunteer login.
	"""
	doc = frappe.get_doc("CIS Volunteer", volunteer)
	doc.check_permission("write")
	if doc.user:
		return doc.user
	email = (doc.email or "").strip().lower()
	if frappe.db.exists("User", email) or frappe.db.exists("User", {"email": email}):
		frappe.throw(
			_(
				"{0} already belongs to a user of this site, so it cannot become the portal login of {1}. Enter an email address that only the volunteer uses, then create the login again."
			).format(email, doc.volunteer_name),
			PortalLoginError,
			title=_("Email Already in Use"),
		)
	quiet = bool(frappe.flags.in_demo or frappe.flags.in_test)
	user = frappe.get_doc(
		{
			"doctype": "User",
			"email": email,
			"first_name": doc.first_name,
			"last_name": doc.last_name,
			"user_type": "Website User",
			"send_welcome_email": 0 if quiet else 1,
			"roles": [{"role": VOLUNTEER_ROLE}],
		}
	)
	user.flags.ignore_permissions = True
	user.flags.no_welcome_mail = quiet
	user.insert()
	doc.db_set("user", user.name)
	return user.name
