// Copyright (c) 2026, cis_app contributors and contributors
// For license information, please see license.txt

// Added to the Student form (hooks.py doctype_js): refer the student to a partner, prefilled.
frappe.ui.form.on("Student", {
	refresh(frm) {
		if (frm.is_new() || !frappe.model.can_create("Referral")) return;
		frm.add_custom_button(__("Refer to Partner"), () =>
			frappe.new_doc("Referral", { student: frm.doc.name }), __("Create"));
	},
});
