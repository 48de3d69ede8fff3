// Copyright (c) 2026, cis_app contributors and contributors
// For license information, please see license.txt

frappe.ui.form.on("Site", {
	setup(frm) {
		frm.set_query("school_district", (doc) => ({ filters: { affiliate: doc.affiliate } }));
		frm.set_query("user", "staff", () => ({ filters: { user_type: "System User", enabled: 1 } }));
	},
	affiliate(frm) {
		frm.set_value("school_district", null);
	},
	refresh(frm) {
		if (!frm.is_new()) {
			frm.add_custom_button(__("Students"), () => frappe.set_route("List", "Student", { site: frm.doc.name }), __("View"));
		}
	},
});
