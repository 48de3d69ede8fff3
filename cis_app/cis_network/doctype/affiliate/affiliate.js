// Copyright (c) 2026, cis_app contributors and contributors
// For license information, please see license.txt

frappe.ui.form.on("Affiliate", {
	refresh(frm) {
		if (!frm.is_new()) {
			frm.add_custom_button(__("Sites"), () => frappe.set_route("List", "Site", { affiliate: frm.doc.name }), __("View"));
			frm.add_custom_button(__("School Districts"), () =>
				frappe.set_route("List", "School District", { affiliate: frm.doc.name }), __("View"));
		}
	},
});
