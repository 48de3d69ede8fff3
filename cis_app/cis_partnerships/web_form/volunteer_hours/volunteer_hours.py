import frappe


def get_context(context):
	# only volunteers (and staff, to see what volunteers see) use the portal form
	if frappe.session.user != "Guest" and not {"CIS Volunteer", "System Manager", "Site Coordinator"} & set(
		frappe.get_roles()
	):
		frappe.throw(frappe._("The volunteer hours form is for volunteers."), frappe.PermissionError)
