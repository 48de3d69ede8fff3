// Copyright (c) 2026, cis_app contributors and contributors
// For license information, please see license.txt

frappe.ui.form.on("Student Check-In", {
	setup(frm) {
		frm.set_query("student", () => ({ filters: { enrollment_status: "Enrolled" } }));
		frm.set_query("support_plan", (doc) => ({
			filters: { student: doc.student, status: ["in", ["Active", "Under Review", "Pending Approval", "Draft"]] },
		}));
	},
	student(frm) {
		if (!frm.doc.student) return;
		frappe.db.get_list("Support Plan", {
			filters: { student: frm.doc.student, status: ["in", ["Active", "Under Review"]] },
			fields: ["name"], order_by: "modified desc", limit: 1,
		}).then((plans) => plans.length && frm.set_value("support_plan", plans[0].name));
	},
	support_plan(frm) {
		frm.clear_table("goal_updates");
		if (!frm.doc.support_plan) return frm.refresh_field("goal_updates");
		frappe.call({
			method: "cis_app.cis_case_management.doctype.support_plan.support_plan.get_goals",
			args: { support_plan: frm.doc.support_plan },
		}).then((r) => {
			(r.message || []).forEach((goal) => frm.add_child("goal_updates", { ...goal, new_value: goal.previous_value }));
			frm.refresh_field("goal_updates");
		});
	},
});
