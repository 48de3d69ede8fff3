# Copyright (c) 2026, cis_app contributors and contributors
# For license information, please see license.txt

"""/partner-referrals/<referral>: one referral as its partner contact sees it, with their actions.

A referral of another partner, one whose consent ended, or one that does not exist get the same 403.
"""

from urllib.parse import quote

import frappe
from frappe import _
from frappe.utils import formatdate, nowdate

from cis_app.cis_partnerships.portal import portal_referral, record_view

no_cache = 1


def get_context(context):
	name = frappe.form_dict.referral
	if frappe.session.user == "Guest":
		target = quote(f"/partner-referrals/{name or ''}", safe="")
		frappe.local.flags.redirect_location = f"/login?redirect-to={target}"
		raise frappe.Redirect
	referral = portal_referral(name)  # 403 unless the partner contact may open it today
	record_view(referral["name"])
	for field in ("sent_on", "service_start_date", "service_end_date"):
		referral[f"{field}_display"] = formatdate(referral[field]) if referral[field] else ""
	context.referral = referral
	context.today = nowdate()
	context.title = _("Referral for {0}").format(referral["view"]["student"])
	context.show_sidebar = True
	context.parents = [{"route": "/partner-referrals", "title": _("Referrals")}]
	return context
