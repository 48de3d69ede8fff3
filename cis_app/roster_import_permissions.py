"""Who may see and run a Roster Import: System Managers, and CIS Administrators of the district's affiliate.

A roster file holds every student of a district, so a CIS Administrator sees only the imports of the
affiliates they serve (``cis_app.permissions.get_permitted_affiliates``) and can start one only for a
district of such an affiliate. The list condition and the document check come from the same set.
The role itself (CIS Administrator or System Manager) is granted by the DocType's permissions.
"""

from __future__ import annotations

import frappe

from cis_app.core.access import sql_in_condition
from cis_app.permissions import WRITE_PTYPES, get_permitted_affiliates, is_unrestricted, stored_value

# Roles that run imports for any district (the DocType grants no other role but CIS Administrator).
UNSCOPED_ROLES = frozenset({"System Manager"})


def is_unscoped(user: str | None = None) -> bool:
	user = user or frappe.session.user
	return is_unrestricted(user) or bool(UNSCOPED_ROLES & set(frappe.get_roles(user)))


def roster_import_conditions(user: str | None = None, doctype: str | None = None) -> str:
	"""``permission_query_conditions`` for Roster Import: the affiliates the user serves."""
	user = user or frappe.session.user
	if is_unscoped(user):
		return ""
	return sql_in_condition(
		"`tabRoster Import`.`affiliate`", get_permitted_affiliates(user), frappe.db.escape
	)


def affiliate_of_import(doc) -> str | None:
	"""The affiliate of the import's district (the district decides, whatever the form holds)."""
	if doc.get("school_district"):
		return frappe.db.get_value("School District", doc.school_district, "affiliate")
	return doc.get("affiliate")


def has_roster_import_permission(doc, ptype: str | None = None, user: str | None = None) -> bool:
	"""``has_permission`` for Roster Import: only within the affiliates the user serves; a change
	must also leave the stored district's affiliate in scope (no pulling another's import in)."""
	user = user or frappe.session.user
	if is_unscoped(user):
		return True
	permitted = get_permitted_affiliates(user)
	affiliate = affiliate_of_import(doc)
	if not affiliate:
		return bool(doc.is_new() and permitted)
	if affiliate not in permitted:
		return False
	if (ptype or "read") in WRITE_PTYPES:
		stored_district = stored_value(doc, "school_district")
		if stored_district:
			stored_affiliate = frappe.db.get_value("School District", stored_district, "affiliate")
			if stored_affiliate not in permitted:
				return False
	return True
