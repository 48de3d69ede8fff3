# Copyright (c) 2026, cis_app contributors and contributors
# For license information, please see license.txt
"""CIS staff see the CIS workspaces, not Frappe's Build, Website, Tools and Integrations
(cis_app.permissions.module_access); admins can change that in the UI and keep their change."""

import frappe
from frappe.desk.desktop import get_workspace_sidebar_items
from frappe.tests.utils import FrappeTestCase

from cis_app.permissions.module_access import (
	CIS_STAFF_PROFILE,
	create_staff_module_profile,
	remove_staff_module_profile,
	staff_roles,
)
from cis_app.tests.factories import make_user

FRAPPE_WORKSPACES = {"Build", "Website", "Tools", "Integrations"}


def new_user(*roles: str) -> str:
	return make_user(f"cis-ws-{frappe.generate_hash(length=8)}@example.com", *roles)


def workspaces_of(user: str) -> set[str]:
	"""The workspaces in the desk sidebar of ``user``."""
	frappe.set_user(user)
	try:
		return {page["name"] for page in get_workspace_sidebar_items()["pages"]}
	finally:
		frappe.set_user("Administrator")


def set_website_blocked(blocked: bool) -> None:
	profile = frappe.get_doc("Module Profile", CIS_STAFF_PROFILE)
	profile.set("block_modules", [row for row in profile.block_modules if row.module != "Website"])
	if blocked:
		profile.append("block_modules", {"module": "Website"})
	profile.save(ignore_permissions=True)


class TestStaffWorkspaces(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		create_staff_module_profile()

	def test_site_coordinator_sees_cis_workspaces_and_not_frappes(self):
		coordinator = new_user("Site Coordinator")
		seen = workspaces_of(coordinator)
		self.assertIn("Case Management", seen)
		self.assertIn("Partnerships", seen)
		self.assertEqual(seen & FRAPPE_WORKSPACES, set())
		self.assertEqual(frappe.db.get_value("User", coordinator, "module_profile"), CIS_STAFF_PROFILE)

	def test_evaluators_land_on_outcomes_and_reach_no_student_from_it(self):
		evaluator = new_user("Evaluator")
		seen = workspaces_of(evaluator)
		self.assertIn("Outcomes", seen)
		self.assertNotIn("Case Management", seen)
		workspace = frappe.get_doc("Workspace", "Outcomes")
		targets = {link.link_to for link in workspace.links if link.type == "Link"} | {
			shortcut.link_to for shortcut in workspace.shortcuts
		}
		frappe.set_user(evaluator)
		try:
			for report in targets:
				self.assertTrue(frappe.has_permission("Report", "read", report), report)
				ref_doctype = frappe.db.get_value("Report", report, "ref_doctype")
				self.assertTrue(frappe.has_permission(ref_doctype, "report"), report)
			for doctype in ("Student", "Support Plan", "Student Check-In", "Student Consent"):
				self.assertFalse(frappe.has_permission(doctype, "read"), doctype)
		finally:
			frappe.set_user("Administrator")

	def test_every_staff_role_loses_frappes_workspaces(self):
		for role in sorted(staff_roles()):
			with self.subTest(role=role):
				self.assertEqual(workspaces_of(new_user(role)) & FRAPPE_WORKSPACES, set())

	def test_system_managers_and_volunteers_are_left_alone(self):
		manager = new_user("Site Coordinator", "System Manager")
		self.assertFalse(frappe.db.get_value("User", manager, "module_profile"))
		self.assertLessEqual(FRAPPE_WORKSPACES, workspaces_of(manager))
		volunteer = new_user("CIS Volunteer")
		self.assertFalse(frappe.db.get_value("User", volunteer, "module_profile"))

	def test_an_admin_who_clears_the_profile_keeps_that_choice(self):
		coordinator = new_user("Site Coordinator")
		user = frappe.get_doc("User", coordinator)
		user.module_profile = None
		user.set("block_modules", [])
		user.save(ignore_permissions=True)
		self.assertLessEqual(FRAPPE_WORKSPACES, workspaces_of(coordinator))
		# another staff role later does not bring the profile back
		frappe.get_doc("User", coordinator).add_roles("Program Manager")
		self.assertFalse(frappe.db.get_value("User", coordinator, "module_profile"))
		self.assertLessEqual(FRAPPE_WORKSPACES, workspaces_of(coordinator))

	def test_an_admins_edit_of_the_profile_reaches_its_users_and_survives_install(self):
		coordinator = new_user("Site Coordinator")
		try:
			set_website_blocked(False)
			self.assertIn("Website", workspaces_of(coordinator))
			create_staff_module_profile()  # what install (and the patch) run: the edit stays
			modules = frappe.get_all("Block Module", {"parent": CIS_STAFF_PROFILE}, pluck="module")
			self.assertNotIn("Website", modules)
		finally:
			set_website_blocked(True)
		self.assertNotIn("Website", workspaces_of(coordinator))

	def test_patch_gives_existing_staff_the_profile(self):
		from cis_app.patches.v0_3.create_staff_module_profile import execute

		coordinator = new_user("Site Coordinator")
		manager = new_user("Site Coordinator", "System Manager")
		# as a coordinator made before the profile existed
		frappe.db.delete("Block Module", {"parenttype": "User", "parent": coordinator})
		frappe.db.set_value("User", coordinator, "module_profile", None)
		frappe.clear_cache(user=coordinator)
		self.assertIn("Build", workspaces_of(coordinator))
		execute()
		self.assertEqual(frappe.db.get_value("User", coordinator, "module_profile"), CIS_STAFF_PROFILE)
		self.assertEqual(workspaces_of(coordinator) & FRAPPE_WORKSPACES, set())
		self.assertFalse(frappe.db.get_value("User", manager, "module_profile"))

	def test_uninstall_gives_users_their_workspaces_back(self):
		coordinator = new_user("Site Coordinator")
		frappe.db.savepoint("before_uninstall")
		try:
			remove_staff_module_profile()
			self.assertFalse(frappe.db.exists("Module Profile", CIS_STAFF_PROFILE))
			self.assertFalse(frappe.db.get_value("User", coordinator, "module_profile"))
			self.assertLessEqual(FRAPPE_WORKSPACES, workspaces_of(coordinator))
		finally:
			frappe.db.rollback(save_point="before_uninstall")
			frappe.clear_document_cache("User", coordinator)
			frappe.clear_cache(user=coordinator)
		self.assertEqual(workspaces_of(coordinator) & FRAPPE_WORKSPACES, set())
