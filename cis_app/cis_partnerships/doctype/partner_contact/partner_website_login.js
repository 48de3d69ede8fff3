// Copyright (c) 2026, cis_app contributors and contributors
// For license information, please see license.txt

// Added to the Partner form (hooks.py doctype_js): a website login for one of the partner's contacts,
// so they see the referrals sent to the partner on /partner-referrals. New users only.
frappe.ui.form.on("Partner", {
	refresh(frm) {
		if (frm.is_new() || !frm.perm[0] || !frm.perm[0].write) return;
		const without_login = (frm.doc.contacts || []).filter((row) => !row.user && !row.__islocal);
		if (!without_login.length) return;
		frm.add_custom_button(__("Create Website Login"), () => {
			const dialog = new frappe.ui.Dialog({
				title: __("Create Website Login"),
				fields: [
					{
						fieldname: "contact",
						fieldtype: "Select",
						label: __("Contact"),
						reqd: 1,
						options: without_login.map((row) => ({
							value: row.name,
							label: row.email ? `${row.contact_name} (${row.email})` : row.contact_name,
						})),
						default: without_login[0].name,
						description: __("The contact receives a login to the partner's referrals page, with their email address as user name. They see only the referrals sent to this partner, and of each only the minimum necessary."),
					},
				],
				primary_action_label: __("Create"),
				primary_action({ contact }) {
					frappe
						.call({
							method: "cis_app.cis_partnerships.doctype.partner_contact.partner_contact.create_website_login",
							args: { partner: frm.doc.name, contact },
							freeze: true,
						})
						.then((r) => {
							dialog.hide();
							frappe.show_alert({ message: __("Website login {0} created.", [r.message]), indicator: "green" });
							frm.reload_doc();
						});
				},
			});
			dialog.show();
		});
	},
});
