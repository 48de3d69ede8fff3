"""Whether cis_app is installed on the site being served: the test every patch of Frappe makes per call.

Hooks are read per site, so they only ever run where the app is installed. A patch of a Frappe class
or module (``cis_app.permissions.field_guard`` wrapping ``DatabaseQuery.build_conditions``, ``cis_app.cis_case_management.disclosures``
wrapping ``query_report.run``) lives in the process, and one bench process serves every site of the
bench in turn: a worker that served a site with cis_app keeps the patch when it serves a site without
it. So each patched function asks, on every call, whether the current site has the app, and behaves
exactly as Frappe's when it does not.

``frappe.get_installed_apps`` is a ``request_cache`` (one read of the site's defaults per request or
job, from Redis), so the question costs a dictionary look-up after its first answer.
"""

from __future__ import annotations

import frappe

APP = "cis_app"


def on_this_site() -> bool:
	"""True when the site of this request or job has cis_app installed."""
	if not getattr(frappe.local, "site", None):
		return False
	return APP in frappe.get_installed_apps()
