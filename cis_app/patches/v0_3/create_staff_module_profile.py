"""CIS staff see the CIS workspaces, not Frappe's Build, Users, Tools, Website and Integrations.

New sites get the CIS Staff module profile at install, and users get it with their first CIS staff
role (cis_app.permissions.module_access). This gives existing sites the profile and their existing staff users
(not System Managers, and not users who already have a module profile).
"""

from cis_app.permissions.module_access import create_staff_module_profile, give_staff_profile_to_existing_staff


def execute():
	create_staff_module_profile()
	give_staff_profile_to_existing_staff()
