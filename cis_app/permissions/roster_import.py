"""Who may see and run a Roster Import: System Managers, and CIS Administrators of the district's affiliate.

A roster file holds every student of a district, so a CIS Administrator sees only the imports of the
affiliates they serve (``cis_app.permissions.scope.get_permitted_affiliates``) and can start one only for a
district of such an affiliate. The list condition and the document check come from the same set.
The role itself (CIS Administrator or System Manager) is granted by the DocType's permissions.
"""

from __future__ import annotations

import frappe

from cis_app.permissions.scope import affiliate_run_conditions, has_affiliate_run_permission, stored_value


def roster_import_conditions(user: str | None = None, doctype: str | None = None) -> str:
	"""``permission_query_conditions`` for Roster Import: the affiliates the user serves."""
	return affiliate_run_conditions("Roster Import", user)


def affiliate_of_import(doc) -> str | None:
	"""The affiliate of the import's district (the district decides, whatever the form holds)."""
	if doc.get("school_district"):
		return frappe.db.get_value("School District", doc.school_district, "affiliate")
	return doc.get("affiliate")


def has_roster_import_permission(doc, ptype: str | None = None, user: str | None = None) -> bool:
	"""``has_permission`` for Roster Import: within the affiliates the user serves, the district's
	affiliate deciding (the stored district's too, for a change)."""

	def stored_affiliate() -> str | None:
		district = stored_value(doc, "school_district")
		return frappe.db.get_value("School District", district, "affiliate") if district else None

	return has_affiliate_run_permission(doc, ptype, user, affiliate_of_import(doc), stored_affiliate)
