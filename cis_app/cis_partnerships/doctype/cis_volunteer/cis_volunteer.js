// Copyright (c) 2026, cis_app contributors and contributors
// For license information, please see license.txt

frappe.ui.form.on("CIS Volunteer", {
	setup(frm) {
		// a Table MultiSelect has no grid: its query is the field's own
		frm.set_query("sites", (doc) => ({ filters: { affiliate: doc.affiliate, is_active: 1 } }));
		frm.set_query("partner", (doc) => ({ filters: { affiliate: doc.affiliate } }));
	},
	refresh(frm) {
		if (!frm.is_new() && !frm.doc.user) {
			frm.add_custom_button(__("Create Portal Login"), () =>
				frappe.call("cis_app.cis_partnerships.doctype.cis_volunteer.cis_volunteer.create_portal_user", { volunteer: frm.doc.name })
					.then(() => frm.reload_doc()));
		}
		if (!frm.is_new()) {
			frm.add_custom_button(__("Hours"), () => frappe.set_route("List", "Volunteer Hours", { volunteer: frm.doc.name }), __("View"));
		}
		const expiry = frm.doc.background_check_expiry;
		if (expiry && frappe.datetime.get_diff(expiry, frappe.datetime.get_today()) < 0) {
			frm.dashboard.set_headline_alert(__("The background check expired on {0}: no hours can be logged until it is renewed.", [frappe.datetime.str_to_user(expiry)]), "red");
		}
	},
});
