"""Who sees which volunteers and volunteer hours.

- Staff (coordinators, program managers, affiliate staff) see the hours logged at the sites they
  serve (``cis_app.permissions.scope.get_permitted_sites``), and may approve only there. They see the
  volunteers of the affiliates they serve (``get_permitted_affiliates``), never another affiliate's.
- A volunteer (a user linked from a CIS Volunteer record) sees and edits only their own record and
  their own hours: never anyone else's, and never a student record (they hold no student permission).
The list condition and the document check come from the same two sets, as for student data.
"""

from __future__ import annotations

import frappe

from cis_app.core.access import sql_in_condition
from cis_app.permissions.scope import (
	get_permitted_affiliates,
	get_permitted_sites,
	is_staff,
	is_unrestricted,
	stored_value,
)


def own_volunteers(user: str | None = None) -> list[str]:
	"""The CIS Volunteer records linked to ``user`` (normally one)."""
	user = user or frappe.session.user
	cache = getattr(frappe.local, "cis_own_volunteers", None)
	if cache is None:
		cache = frappe.local.cis_own_volunteers = {}
	if user not in cache:
		cache[user] = (
			frappe.get_all("CIS Volunteer", filters={"user": user}, pluck="name") if user != "Guest" else []
		)
	return cache[user]


def hours_conditions(user: str | None = None, doctype: str | None = None) -> str:
	user = user or frappe.session.user
	if is_unrestricted(user):
		return ""
	parts = []
	sites = get_permitted_sites(user)
	if sites:
		parts.append(sql_in_condition("`tabVolunteer Hours`.`site`", sites, frappe.db.escape))
	volunteers = own_volunteers(user)
	if volunteers:
		parts.append(sql_in_condition("`tabVolunteer Hours`.`volunteer`", volunteers, frappe.db.escape))
	if not parts:
		return "1=0"
	return parts[0] if len(parts) == 1 else "(" + " or ".join(parts) + ")"


def has_hours_permission(doc, ptype: str | None = None, user: str | None = None) -> bool:
	user = user or frappe.session.user
	if is_unrestricted(user):
		return True
	writing = (ptype or "read") not in ("read", "print", "email", "report", "export")
	volunteers = own_volunteers(user)
	if volunteers and not is_staff(user):
		# a volunteer: their own entries only, and the stored entry must be theirs too
		if doc.get("volunteer") and doc.volunteer not in volunteers:
			return False
		if writing and stored_value(doc, "volunteer") not in (None, *volunteers):
			return False
		return True
	sites = get_permitted_sites(user)
	if not doc.get("site"):
		return bool(doc.is_new() and sites)
	if doc.site not in sites:
		return False
	if writing and stored_value(doc, "site") not in (None, *sites):
		return False
	return True


def volunteer_conditions(user: str | None = None, doctype: str | None = None) -> str:
	user = user or frappe.session.user
	if is_unrestricted(user):
		return ""
	parts = []
	if is_staff(user):
		parts.append(
			sql_in_condition(
				"`tabCIS Volunteer`.`affiliate`", get_permitted_affiliates(user), frappe.db.escape
			)
		)
	if user != "Guest":
		parts.append(f"`tabCIS Volunteer`.`user` = {frappe.db.escape(user)}")
	if not parts:
		return "1=0"
	return parts[0] if len(parts) == 1 else "(" + " or ".join(parts) + ")"


def has_volunteer_permission(doc, ptype: str | None = None, user: str | None = None) -> bool:
	user = user or frappe.session.user
	if is_unrestricted(user):
		return True
	if is_staff(user):
		affiliates = get_permitted_affiliates(user)
		if not doc.get("affiliate"):
			return bool(doc.is_new() and affiliates)
		if doc.affiliate not in affiliates:
			return False
		writing = (ptype or "read") not in ("read", "print", "email", "report", "export")
		return not (writing and stored_value(doc, "affiliate") not in (None, *affiliates))
	return user != "Guest" and doc.get("user") == user and (ptype or "read") == "read"


def volunteer_site_conditions(user: str | None = None, doctype: str | None = None) -> str:
	"""Child rows of a volunteer (the sites they are cleared for) follow their volunteer."""
	condition = volunteer_conditions(user)
	if not condition:
		return ""
	return (
		"`tabCIS Volunteer Site`.`parent` in (select `tabCIS Volunteer`.`name` from `tabCIS Volunteer` "
		f"where {condition})"
	)


def has_volunteer_site_permission(doc, ptype: str | None = None, user: str | None = None) -> bool:
	if not doc.get("parent"):
		return True  # a new row is checked with its volunteer
	volunteer = frappe.get_doc("CIS Volunteer", doc.parent)
	return has_volunteer_permission(volunteer, ptype, user)
