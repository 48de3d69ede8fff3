import frappe
from frappe import _

from cis_app.permissions.volunteers import own_volunteers


def get_context(context):
	# only volunteers (and staff, to see what volunteers see) use the portal form
	if frappe.session.user != "Guest" and not {"CIS Volunteer", "System Manager", "Site Coordinator"} & set(
		frappe.get_roles()
	):
		frappe.throw(_("The volunteer hours form is for volunteers."), frappe.PermissionError)
	offer_only_cleared_sites(context)
	translate_form_texts(context)


def translate_form_texts(context) -> None:
	"""Frappe v15 shows a web form's introduction as stored and titles a new entry "New {0}" with the
	untranslated title: give both in the reader's language (cis_app/translations)."""
	web_form_doc = context.get("web_form_doc")
	if not web_form_doc:
		return
	if context.get("introduction_text"):
		context.introduction_text = _(context.introduction_text)
	if frappe.form_dict.is_new and web_form_doc.get("title"):
		context.title = _("New {0}").format(_(web_form_doc.get("title")))


def get_list_context(context):
	# the volunteer's own entries, latest work first
	context.order_by = "`tabVolunteer Hours`.`date` desc, `tabVolunteer Hours`.`creation` desc"
	return context


def cleared_sites(user: str | None = None) -> list[str]:
	"""The sites the user's own volunteer record is cleared for, in the record's order."""
	volunteers = own_volunteers(user)
	if not volunteers:
		return []
	sites = frappe.get_all(
		"CIS Volunteer Site",
		filters={"parenttype": "CIS Volunteer", "parentfield": "sites", "parent": ["in", volunteers]},
		pluck="site",
		order_by="idx asc",
	)
	return list(dict.fromkeys(sites))


def offer_only_cleared_sites(context) -> None:
	"""The Site field lists the sites the volunteer may log hours at, not every site of the network.

	Frappe turns a web form's Link field into a list of every record (``get_link_options``) before
	calling this; the controller refuses other sites anyway, so this is about what the volunteer sees.
	"""
	web_form_doc = context.get("web_form_doc")
	if not web_form_doc or context.get("is_list"):
		return
	sites = cleared_sites()
	current = (context.get("reference_doc") or {}).get("site")
	if current and current not in sites:
		sites.append(current)  # an earlier entry still shows its site
	for field in web_form_doc.get("web_form_fields") or []:
		if field.get("fieldname") == "site":
			field.fieldtype = "Autocomplete"
			field.options = sites
			if not sites:
				field.description = _(
					"You are not cleared for any site yet. Ask your partner manager to add the sites where you volunteer."
				)
