// Copyright (c) 2026, cis_app contributors and contributors
// For license information, please see license.txt

frappe.ui.form.on("Student", {
	setup(frm) {
		frm.set_query("site", () => ({ filters: { is_active: 1 } }));
	},
	refresh(frm) {
		if (frm.is_new()) return;
		if (frm.doc.directory_opt_out) {
			frm.dashboard.set_headline_alert(
				__("Directory information opt-out: do not list this student in rosters, programs or media."),
				"orange"
			);
		}
		frm.add_custom_button(__("Consent"), () =>
			frappe.new_doc("Student Consent", { student: frm.doc.name }), __("Create"));
		frm.add_custom_button(__("Consents"), () =>
			frappe.set_route("List", "Student Consent", { student: frm.doc.name }), __("View"));
	},
});
