# Copyright (c) 2026, cis_app contributors and contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document

from cis_app.exceptions import AffiliateMismatchError
from cis_app.validation import validate_date_range, validate_sites_of_affiliate


class CISVolunteer(Document):
	def validate(self):
		self.volunteer_name = " ".join(
			p.strip() for p in (self.first_name, self.last_name) if p and p.strip()
		)
		self.email = (self.email or "").strip().lower()
		validate_date_range(self, "background_check_date", "background_check_expiry")
		self.validate_sites()
		if self.partner and frappe.db.get_value("Partner", self.partner, "affiliate") != self.affiliate:
			frappe.throw(
				_("Partner {0} belongs to another affiliate.").format(self.partner), AffiliateMismatchError
			)

	def validate_sites(self):
		validate_sites_of_affiliate([row.site for row in self.sites], self.affiliate)


@frappe.whitelist()
def create_portal_user(volunteer: str) -> str:
	"""A website login for the volunteer (role CIS Volunteer), linked to their record."""
	doc = frappe.get_doc("CIS Volunteer", volunteer)
	doc.check_permission("write")
	if doc.user:
		return doc.user
	user = frappe.db.get_value("User", {"email": doc.email}, "name")
	if not user:
		user_doc = frappe.get_doc(
			{
				"doctype": "User",
				"email": doc.email,
				"first_name": doc.first_name,
				"last_name": doc.last_name,
				"user_type": "Website User",
				"send_welcome_email": 0 if frappe.flags.in_demo or frappe.flags.in_test else 1,
			}
		)
		user_doc.flags.ignore_permissions = True
		user_doc.insert()
		user = user_doc.name
	user_doc = frappe.get_doc("User", user)
	if "CIS Volunteer" not in frappe.get_roles(user):
		user_doc.flags.ignore_permissions = True
		user_doc.add_roles("CIS Volunteer")
	doc.db_set("user", user)
	return user
