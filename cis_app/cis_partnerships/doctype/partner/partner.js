// Copyright (c) 2026, cis_app contributors and contributors
// For license information, please see license.txt

frappe.ui.form.on("Partner", {
	setup(frm) {
		// a Table MultiSelect has no grid: its query is the field's own
		frm.set_query("sites_served", (doc) => ({ filters: { affiliate: doc.affiliate } }));
	},
	refresh(frm) {
		if (frm.is_new()) return;
		frm.add_custom_button(__("Contribution"), () => frappe.new_doc("Partner Contribution", { partner: frm.doc.name }), __("Create"));
		frm.add_custom_button(__("Volunteer"), () => frappe.new_doc("CIS Volunteer", { partner: frm.doc.name, affiliate: frm.doc.affiliate }), __("Create"));
		const due = frm.doc.agreement_renewal_date;
		if (due) {
			const days = frappe.datetime.get_diff(due, frappe.datetime.get_today());
			if (days < 0) frm.dashboard.set_headline_alert(__("The agreement lapsed on {0}.", [frappe.datetime.str_to_user(due)]), "red");
			else if (days <= 60) frm.dashboard.set_headline_alert(__("The agreement is due for renewal in {0} days.", [days]), "orange");
		}
	},
});
