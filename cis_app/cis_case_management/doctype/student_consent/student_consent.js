// Copyright (c) 2026, cis_app contributors and contributors
// For license information, please see license.txt

frappe.ui.form.on("Student Consent", {
	onload(frm) {
		if (frm.is_new() && !frm.doc.school_year) {
			frappe.db.get_single_value("CIS Settings", "current_school_year").then((year) => {
				if (year) frm.set_value("school_year", year);
			});
		}
	},
});
