# Copyright (c) 2026, cis_app contributors and contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document

from cis_app.utils.exceptions import CISValidationError
from cis_app.permissions.scope import is_staff
from cis_app.utils.roles import PARTNER_CONTACT_ROLE


class PortalLoginError(CISValidationError):
	"""A partner contact's website login would be someone else's account (an existing or a staff user)."""


class PartnerContact(Document):
	pass


def validate_contact_login(row, partner: str) -> None:
	"""The user linked on a contact row reads the partner's referrals on the website: only a Website
	User without CIS staff roles, and the login of this one contact row only."""
	user_type = frappe.db.get_value("User", row.user, "user_type")
	if user_type != "Website User" or row.user in frappe.STANDARD_USERS or is_staff(row.user):
		frappe.throw(
			_(
				"{0} cannot be the website login of {1}: only a Website User without CIS staff roles can. Use Create Website Login to give the contact a login of their own."
			).format(frappe.bold(row.user), frappe.bold(row.contact_name)),
			PortalLoginError,
			title=_("Not a Partner Contact Login"),
		)
	elsewhere = frappe.get_all(
		"Partner Contact",
		filters={"user": row.user, "parenttype": "Partner", "name": ["!=", row.name or ""]},
		pluck="parent",
		limit=1,
	)
	if elsewhere:
		frappe.throw(
			_(
				"{0} is already the website login of another partner contact. Each contact needs a login of their own."
			).format(frappe.bold(row.user)),
			PortalLoginError,
			title=_("Login Already in Use"),
		)


@frappe.whitelist(methods=["POST"])
def create_website_login(partner: str, contact: str) -> str:
	"""A new website login for a partner's contact (role CIS Partner Contact), linked on the contact.

	It only ever creates a user: an email that already belongs to one (a staff account, say) is
	refused, so editing a contact's email can never turn someone's account into a partner login.
	"""
	doc = frappe.get_doc("Partner", partner)
	doc.check_permission("write")
	row = next((row for row in doc.contacts if row.name == contact), None)
	if not row:
		frappe.throw(
			_("Contact {0} is not a contact of {1}.").format(frappe.bold(contact), frappe.bold(partner)),
			PortalLoginError,
		)
	if row.user:
		return row.user
	email = (row.email or "").strip().lower()
	if not email:
		frappe.throw(
			_("Enter {0}'s email address first: it becomes their login.").format(
				frappe.bold(row.contact_name)
			),
			frappe.MandatoryError,
			title=_("Email Missing"),
		)
	frappe.utils.validate_email_address(email, throw=True)
	if frappe.db.exists("User", email) or frappe.db.exists("User", {"email": email}):
		frappe.throw(
			_(
				"{0} already belongs to a user of this site, so it cannot become the website login of {1}. Enter an email address that only the contact uses, then create the login again."
			).format(email, frappe.bold(row.contact_name)),
			PortalLoginError,
			title=_("Email Already in Use"),
		)
	first_name, _sep, last_name = (row.contact_name or email).strip().partition(" ")
	quiet = bool(frappe.flags.in_demo or frappe.flags.in_test)
	user = frappe.get_doc(
		{
			"doctype": "User",
			"email": email,
			"first_name": first_name,
			"last_name": last_name,
			"user_type": "Website User",
			"send_welcome_email": 0 if quiet else 1,
			"roles": [{"role": PARTNER_CONTACT_ROLE}],
		}
	)
	user.flags.ignore_permissions = True
	user.flags.no_welcome_mail = quiet
	user.insert()
	row.db_set("user", user.name)
	return user.name
