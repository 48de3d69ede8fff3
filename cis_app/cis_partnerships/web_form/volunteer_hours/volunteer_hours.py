import frappe


def get_context(context):
	# only volunteers (and staff, to see what volunteers see) use the portal form
	if frappe.session.user != "Guest" and not {"CIS Volunteer", "System Manager", "Site Coordinator"} & set(
		frappe.get_roles()
	):
		frappe.throw(frappe._("The volunteer hours form is for volunteers."), frappe.PermissionError)


def get_list_context(context):
	# the volunteer's own entries, latest work first
	context.order_by = "`tabVolunteer Hours`.`date` desc, `tabVolunteer Hours`.`creation` desc"
	return context
