# Copyright (c) 2026, cis_app contributors and contributors
# For license information, please see license.txt

"""/partner-referrals: the referrals sent to the partner contact's partner (cis_app.cis_partnerships.portal)."""

import frappe
from frappe import _
from frappe.utils import formatdate

from cis_app.cis_partnerships.portal import portal_rows

no_cache = 1


def get_context(context):
	if frappe.session.user == "Guest":
		frappe.local.flags.redirect_location = "/login?redirect-to=/partner-referrals"
		raise frappe.Redirect
	context.referrals = portal_rows()  # 403 for anyone who is not a partner contact
	for row in context.referrals:
		row["sent_on_display"] = formatdate(row["sent_on"]) if row["sent_on"] else ""
	context.title = _("Referrals")
	context.show_sidebar = True
	context.no_breadcrumbs = True
	return context
