// Copyright (c) 2026, cis_app contributors and contributors
// For license information, please see license.txt

frappe.ui.form.on("Network Outcome Import", {
	refresh(frm) {
		if (frm.doc.docstatus === 0 && !frm.is_new()) {
			// attaching a file does not change the form: saving reads the attachments and checks them
			frm.add_custom_button(__("Check Files"), () => {
				frm.dirty();
				frm.save();
			});
		}
		if (frm.doc.docstatus !== 1) return;
		const years = [...new Set((frm.doc.files || []).map((row) => row.school_year).filter(Boolean))];
		frm.add_custom_button(__("Network Roll-up"), () => {
			frappe.route_options = { school_year: years[0], network_mode: 1, group_by: "Affiliate" };
			frappe.set_route("query-report", "CIS Outcomes");
		});
		frm.add_custom_button(__("Imported Rows"), () => {
			frappe.route_options = { network_outcome_import: frm.doc.name };
			frappe.set_route("List", "Network Outcome");
		});
	},
});
