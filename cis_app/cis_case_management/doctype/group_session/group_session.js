// Copyright (c) 2026, cis_app contributors and contributors
// For license information, please see license.txt

frappe.ui.form.on("Group Session", {
	setup(frm) {
		frm.set_query("site", () => ({ filters: { is_active: 1 } }));
		frm.set_query("support_type", () => ({ filters: { tier_2: 1, is_active: 1 } }));
		frm.set_query("student", "attendees", (doc) => ({ filters: { site: doc.site, enrollment_status: "Enrolled" } }));
	},
	refresh(frm) {
		if (frm.doc.docstatus === 0) {
			frm.add_custom_button(__("Copy Roster from Last Session"), () => frm.trigger("copy_last_roster"));
		}
	},
	copy_last_roster(frm) {
		if (!frm.doc.site || !frm.doc.support_type) {
			frappe.msgprint(__("Choose the site and the support type first."));
			return;
		}
		frappe.call({
			method: "cis_app.cis_case_management.doctype.group_session.group_session.get_last_roster",
			args: { site: frm.doc.site, support_type: frm.doc.support_type, exclude: frm.doc.name || "" },
		}).then((r) => {
			const existing = new Set((frm.doc.attendees || []).map((row) => row.student));
			(r.message || []).filter((row) => !existing.has(row.student)).forEach((row) => {
				frm.add_child("attendees", { student: row.student, student_name: row.student_name, present: 1 });
			});
			frm.refresh_field("attendees");
		});
	},
});
