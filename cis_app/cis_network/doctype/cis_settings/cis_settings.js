// Copyright (c) 2026, cis_app contributors and contributors
// For license information, please see license.txt

frappe.ui.form.on("CIS Settings", {
	refresh(frm) {
		frm.add_custom_button(__("Recompute Risk and Goal Progress"), () => {
			frappe.call("cis_app.cis_network.doctype.cis_settings.cis_settings.recompute_early_warning").then((r) => {
				frappe.show_alert({ message: r.message, indicator: "blue" });
			});
		});
	},
});
