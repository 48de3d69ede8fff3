// Copyright (c) 2026, cis_app contributors and contributors
// For license information, please see license.txt

frappe.ui.form.on("Needs Assessment", {
	setup(frm) {
		frm.set_query("site", () => ({ filters: { is_active: 1 } }));
		frm.set_query("student", (doc) => ({ filters: doc.site ? { site: doc.site } : {} }));
	},
	onload(frm) {
		if (frm.is_new() && !frm.doc.school_year) {
			frappe.db.get_single_value("CIS Settings", "current_school_year").then((year) => year && frm.set_value("school_year", year));
		}
	},
	refresh(frm) {
		if (frm.doc.assessment_scope === "School" && !frm.is_new()) {
			frm.trigger("show_coverage");
		}
		if (!frm.is_new() && frm.doc.status === "Approved") {
			frm.add_custom_button(__("Support Plan"), () => {
				frappe.new_doc("Support Plan", {
					plan_type: frm.doc.assessment_scope === "Student" ? "Student" : "School",
					student: frm.doc.student, site: frm.doc.site, school_year: frm.doc.school_year,
					needs_assessment: frm.doc.name,
				});
			}, __("Create"));
		}
	},
	show_coverage(frm) {
		frappe.call({
			method: "cis_app.cis_case_management.doctype.needs_assessment.needs_assessment.get_need_coverage",
			args: { name: frm.doc.name },
		}).then((r) => {
			const rows = (r.message || []).map((need) => `
				<tr>
					<td>${frappe.utils.escape_html(need.category)}${need.is_gap ? ` <span class="indicator-pill red">${__("Gap")}</span>` : ""}</td>
					<td>${frappe.utils.escape_html(need.description || "")}</td>
					<td>${need.support_types.map(frappe.utils.escape_html).join(", ") || "-"}</td>
					<td>${need.partners.map(frappe.utils.escape_html).join(", ") || `<span class="text-muted">${__("none")}</span>`}</td>
					<td>${need.in_school_plan.map(frappe.utils.escape_html).join(", ") || `<span class="text-muted">${__("not yet")}</span>`}</td>
				</tr>`).join("");
			frm.get_field("coverage_html").$wrapper.html(rows ? `
				<div class="form-group"><label class="control-label">${__("Who already addresses each need")}</label>
				<table class="table table-bordered table-sm">
					<thead><tr><th>${__("Need")}</th><th>${__("Description")}</th><th>${__("Supports in catalogue")}</th>
					<th>${__("Partners at this site")}</th><th>${__("In this year's school plan")}</th></tr></thead>
					<tbody>${rows}</tbody></table></div>` : "");
		});
	},
});
