"""Install, defaults and uninstall.

Defaults an admin is meant to change (settings, starter catalogue, and later workflows) are created
once, guarded by ``frappe.db.exists``, so ``bench migrate`` never overwrites an admin's edits.
"""

from __future__ import annotations

import json
import os

import frappe
from frappe import _

from cis_app.utils.exceptions import AppClashError
from cis_app.permissions.module_access import create_staff_module_profile, remove_staff_module_profile
from cis_app.utils.roles import CIS_ROLES
from cis_app.setup.workflows import create_default_workflows, remove_default_workflows

APP_DIR = os.path.dirname(os.path.dirname(__file__))  # the package root (this file is in setup/)


def app_modules() -> list[str]:
	with open(os.path.join(APP_DIR, "modules.txt")) as modules:
		return [line.strip() for line in modules if line.strip()]


def app_doctypes() -> list[str]:
	"""Names of every DocType this app ships, read from its JSON files."""
	names = []
	for root, _dirs, files in os.walk(APP_DIR):
		if os.path.basename(os.path.dirname(root)) != "doctype":
			continue
		for filename in files:
			if filename == os.path.basename(root) + ".json":
				with open(os.path.join(root, filename)) as fh:
					names.append(json.load(fh)["name"])
	return sorted(names)


def find_clashes() -> list[tuple[str, str]]:
	"""(DocType, owner) for every DocType name we use that another app (or a custom DocType) owns."""
	ours = set(app_modules())
	clashes = []
	for name in app_doctypes():
		existing = frappe.db.get_value("DocType", name, ["module", "custom"], as_dict=True)
		if existing and existing.module not in ours:
			if existing.custom:
				owner = _("a custom DocType of this site")
			else:
				owner = frappe.db.get_value("Module Def", existing.module, "app_name") or existing.module
			clashes.append((name, owner))
	return clashes


def before_install() -> None:
	clashes = find_clashes()
	if clashes:
		frappe.throw(
			_(
				"cis_app cannot be installed on this site: these DocType names are already taken: {0}. Install cis_app on a site without them, or remove or rename them first."
			).format(", ".join(f"{doctype} ({app})" for doctype, app in clashes)),
			AppClashError,
			title=_("DocType Name Clash"),
		)


def after_install() -> None:
	create_default_settings()
	create_support_types()
	create_default_workflows()
	create_staff_module_profile()
	frappe.get_attr("cis_app.cis_case_management.reminders.create_reminder_notifications")()
	frappe.get_attr("cis_app.cis_case_management.outcomes_data.add_outcome_indexes")()


def create_default_settings() -> None:
	settings = frappe.get_single("CIS Settings")
	if not settings.small_cell_threshold:
		settings.small_cell_threshold = 10
	if settings.current_school_year and not frappe.db.exists("School Year", settings.current_school_year):
		settings.current_school_year = None  # left over from an earlier install
	settings.flags.ignore_permissions = True
	settings.save()


STARTER_SUPPORT_TYPES = [
	# name, category, tiers
	("Tutoring", "Academic", (2, 3)),
	("Mentoring", "Enrichment", (2, 3)),
	("Clothing Closet", "Basic Needs", (1, 3)),
	("Food Pantry and Weekend Meals", "Basic Needs", (1, 3)),
	("Health Referral", "Health", (3,)),
	("Dental and Vision Screening", "Health", (1, 3)),
	("Counselling", "Mental Health", (2, 3)),
	("Attendance Club", "Attendance", (2,)),
	("Attendance Incentives", "Attendance", (1,)),
	("Behavior Support Group", "Behavior", (2,)),
	("Family Engagement", "Family Engagement", (1, 2, 3)),
	("College and Career Readiness", "College and Career", (1, 2, 3)),
	("School-wide Assembly", "Enrichment", (1,)),
	("Case Management Meeting", "Other", (3,)),
]


def create_support_types() -> None:
	for name, category, tiers in STARTER_SUPPORT_TYPES:
		if frappe.db.exists("Support Type", name):
			continue
		frappe.get_doc(
			{
				"doctype": "Support Type",
				"support_type_name": name,
				"category": category,
				"tier_1": 1 in tiers,
				"tier_2": 2 in tiers,
				"tier_3": 3 in tiers,
			}
		).insert(ignore_permissions=True)


def before_uninstall() -> None:
	"""Remove what install created outside our DocTypes: shares of our records, our workflows, the
	CIS Staff module profile, the reminder notifications and our roles."""
	doctypes = app_doctypes()
	# settings of our Single DocTypes live in tabSingles, which uninstall does not clear
	frappe.db.delete("Singles", {"doctype": ["in", doctypes]})
	frappe.db.delete("DocShare", {"share_doctype": ["in", doctypes]})
	frappe.db.delete("ToDo", {"reference_type": ["in", doctypes]})

	remove_default_workflows(doctypes)

	remove_staff_module_profile()
	# the reminder notifications are about our DocTypes, whose tables go with the app
	for name in frappe.get_all("Notification", filters={"document_type": ["in", doctypes]}, pluck="name"):
		frappe.delete_doc("Notification", name, force=True, ignore_permissions=True)
	for role in CIS_ROLES:
		frappe.db.delete("Has Role", {"role": role})
		frappe.db.delete("Custom DocPerm", {"role": role})
		if frappe.db.exists("Role", role):
			frappe.delete_doc("Role", role, force=True, ignore_permissions=True)
