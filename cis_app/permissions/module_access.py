"""Which of Frappe's own workspaces CIS staff see.

Frappe shows a desk user every public workspace of a module they can read something in: a Site
Coordinator can read a File or a ToDo, so they would also see Build, Users, Tools, Website and
Integrations. Frappe's answer is a Module Profile: the ``CIS Staff`` profile blocks those modules, and a
user gets it when they first receive a CIS staff role (not System Managers, nor users who already have
a module profile).

Admins change it in the UI: edit the profile (its users follow), or clear or change a user's module
profile (kept: the profile is only given when a staff role is first added). Install creates the
profile once and never rewrites it; uninstall removes it from its users and deletes it.
"""

from __future__ import annotations

import frappe

from cis_app.utils.roles import STAFF_ROLES

CIS_STAFF_PROFILE = "CIS Staff"
# Build and Users (Core), Tools (Automation), Website, Integrations
BLOCKED_MODULES = ("Core", "Automation", "Website", "Integrations")


def staff_roles() -> set[str]:
	return set(STAFF_ROLES)


def create_staff_module_profile() -> None:
	"""The CIS Staff module profile, created once (an admin's later edits are kept)."""
	if frappe.db.exists("Module Profile", CIS_STAFF_PROFILE):
		return
	frappe.get_doc(
		{
			"doctype": "Module Profile",
			"module_profile_name": CIS_STAFF_PROFILE,
			"block_modules": [
				{"module": module} for module in BLOCKED_MODULES if frappe.db.exists("Module Def", module)
			],
		}
	).insert(ignore_permissions=True)


def needs_staff_profile(user) -> bool:
	roles = {row.role for row in user.roles}
	return bool(
		user.user_type == "System User"
		and user.name not in frappe.STANDARD_USERS
		and not user.module_profile
		and roles & staff_roles()
		and "System Manager" not in roles
		and frappe.db.exists("Module Profile", CIS_STAFF_PROFILE)
	)


def set_staff_module_profile(user, method: str | None = None) -> None:
	"""User ``validate``: a user receiving their first CIS staff role gets the CIS Staff profile."""
	before = user.get_doc_before_save()
	if before and {row.role for row in before.roles} & staff_roles():
		return  # already staff: whatever an admin set since stays
	if needs_staff_profile(user):
		user.module_profile = CIS_STAFF_PROFILE
		user.validate_allowed_modules()  # Frappe's copy of the profile's modules onto the user


def give_staff_profile_to_existing_staff() -> None:
	"""For sites that had staff before the profile existed (the v0_3 patch)."""
	users = frappe.get_all(
		"Has Role",
		filters={"parenttype": "User", "role": ["in", sorted(staff_roles())]},
		pluck="parent",
		distinct=True,
	)
	for name in users:
		user = frappe.get_doc("User", name)
		if needs_staff_profile(user):
			user.module_profile = CIS_STAFF_PROFILE
			user.save(ignore_permissions=True)


def refresh_profile_users(profile, method: str | None = None) -> None:
	"""Module Profile ``on_update``: Frappe v15 copies a profile's modules onto a user only when that
	user is saved, so an admin's edit of the CIS Staff profile reaches its users here."""
	if profile.name != CIS_STAFF_PROFILE or profile.flags.in_insert:
		return
	frappe.enqueue(
		"cis_app.permissions.module_access.resave_users_of_profile",
		queue="long",
		enqueue_after_commit=True,
		now=frappe.flags.in_test,
		profile=profile.name,
	)


def resave_users_of_profile(profile: str) -> None:
	for name in frappe.get_all("User", filters={"module_profile": profile}, pluck="name"):
		frappe.get_doc("User", name).save(ignore_permissions=True)


def remove_staff_module_profile() -> None:
	"""Uninstall: the profile's users get their modules back, then the profile goes."""
	users = frappe.get_all("User", filters={"module_profile": CIS_STAFF_PROFILE}, pluck="name")
	if users:
		# a user's blocked modules are a copy of their profile's (User.validate_allowed_modules)
		frappe.db.delete("Block Module", {"parenttype": "User", "parent": ["in", users]})
		user_table = frappe.qb.DocType("User")
		frappe.qb.update(user_table).set(user_table.module_profile, None).where(
			user_table.name.isin(users)
		).run()
		for user in users:
			frappe.clear_document_cache("User", user)
			frappe.clear_cache(user=user)
	if frappe.db.exists("Module Profile", CIS_STAFF_PROFILE):
		frappe.delete_doc("Module Profile", CIS_STAFF_PROFILE, force=True, ignore_permissions=True)
