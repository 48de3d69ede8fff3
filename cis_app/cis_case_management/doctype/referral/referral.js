// Copyright (c) 2026, cis_app contributors and contributors
// For license information, please see license.txt

frappe.ui.form.on("Referral", {
	setup(frm) {
		frm.set_query("partner", () => ({ filters: { status: "Active" } }));
		frm.set_query("support_type", () => ({ filters: { is_active: 1 } }));
		frm.set_query("support_plan", (doc) => ({ filters: { student: doc.student || "" } }));
	},
	onload(frm) {
		if (frm.is_new() && !frm.doc.school_year) {
			frappe.db.get_single_value("CIS Settings", "current_school_year").then((year) => year && frm.set_value("school_year", year));
		}
	},
});
