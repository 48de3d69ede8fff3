// Copyright (c) 2026, cis_app contributors and contributors
// For license information, please see license.txt

frappe.query_reports["Caseload"] = {
	filters: [
		{ fieldname: "site", label: __("Site"), fieldtype: "Link", options: "Site" },
		{ fieldname: "school_year", label: __("School Year"), fieldtype: "Link", options: "School Year" },
		{
			fieldname: "show", label: __("Show"), fieldtype: "Select", default: "Case-managed",
			options: ["Case-managed", "Suggested Tier 2 or 3", "All students"],
		},
	],
	formatter(value, row, column, data, default_formatter) {
		value = default_formatter(value, row, column, data);
		if (!data) return value;
		if (column.fieldname === "days_since_checkin" && data.meeting_overdue) return `<span style="color: var(--red-600)">${value || __("never")}</span>`;
		if (column.fieldname === "risk_score" && data.risk_score >= 5) return `<b style="color: var(--red-600)">${value}</b>`;
		if (column.fieldname === "next_review_date" && data.review_due) return `<span style="color: var(--orange-600)">${value}</span>`;
		return value;
	},
	onload(report) {
		report.page.add_inner_button(__("Record Check-In"), () => frappe.new_doc("Student Check-In"));
		report.page.add_inner_button(__("Record Group Session"), () => frappe.new_doc("Group Session"));
	},
};
