// Copyright (c) 2026, cis_app contributors and contributors
// For license information, please see license.txt

frappe.ui.form.on("Support Plan", {
	setup(frm) {
		frm.set_query("site", () => ({ filters: { is_active: 1 } }));
		frm.set_query("student", (doc) => ({ filters: doc.site ? { site: doc.site } : {} }));
		frm.set_query("needs_assessment", (doc) => ({
			filters: { school_year: doc.school_year, status: "Approved", ...(doc.plan_type === "Student" ? { student: doc.student } : { site: doc.site }) },
		}));
		frm.set_query("support_type", "supports", (doc, cdt, cdn) => {
			const row = locals[cdt][cdn];
			const tier = { "Tier 1": "tier_1", "Tier 2": "tier_2", "Tier 3": "tier_3" }[row.tier];
			return { filters: { is_active: 1, ...(tier ? { [tier]: 1 } : {}) } };
		});
	},
	onload(frm) {
		if (frm.is_new() && !frm.doc.school_year) {
			frappe.db.get_single_value("CIS Settings", "current_school_year").then((year) => year && frm.set_value("school_year", year));
		}
	},
	refresh(frm) {
		if (frm.is_new()) return;
		if (frm.doc.plan_type === "Student") {
			frm.add_custom_button(__("Check-In"), () =>
				frappe.new_doc("Student Check-In", { student: frm.doc.student, support_plan: frm.doc.name }), __("Create"));
			if (frappe.model.can_create("Referral")) {
				frm.add_custom_button(__("Refer to Partner"), () =>
					frappe.new_doc("Referral", { student: frm.doc.student, support_plan: frm.doc.name, school_year: frm.doc.school_year }), __("Create"));
			}
		}
		if (frm.doc.goals_total) {
			frm.dashboard.add_indicator(__("{0} of {1} goals met or progressing", [frm.doc.goals_on_track, frm.doc.goals_total]),
				frm.doc.goals_on_track === frm.doc.goals_total ? "green" : "orange");
		}
	},
});

frappe.ui.form.on("Support Plan Goal", {
	metric(frm, cdt, cdn) {
		// a metric fed by data points has one area and one better direction: the server's table
		// (cis_app.core.metrics), sent with the form, which the server enforces on save
		const known = ((frm.doc.__onload || {}).metric_areas || {})[locals[cdt][cdn].metric];
		if (known) {
			frappe.model.set_value(cdt, cdn, "area", known[0]);
			frappe.model.set_value(cdt, cdn, "direction", known[1]);
		}
	},
});
