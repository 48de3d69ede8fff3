// Copyright (c) 2026, cis_app contributors and contributors
// For license information, please see license.txt

frappe.query_reports["CIS Impact"] = {
	filters: [
		{ fieldname: "school_year", label: __("School Year"), fieldtype: "Link", options: "School Year", reqd: 1 },
		{ fieldname: "affiliate", label: __("Affiliate"), fieldtype: "Link", options: "Affiliate" },
		{ fieldname: "school_district", label: __("School District"), fieldtype: "Link", options: "School District" },
		{ fieldname: "site", label: __("Site"), fieldtype: "Link", options: "Site" },
		{
			fieldname: "grade_from", label: __("Grade From"), fieldtype: "Select",
			options: ["", "PK", "K", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12"],
		},
		{
			fieldname: "grade_to", label: __("Grade To"), fieldtype: "Select",
			options: ["", "PK", "K", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12"],
		},
		{
			fieldname: "outcome", label: __("Outcome"), fieldtype: "Select", default: "attendance_rate",
			options: [
				{ value: "attendance_rate", label: __("Attendance rate (%)") },
				{ value: "chronic_absence", label: __("Chronically absent (%)") },
				{ value: "suspensions", label: __("Suspensions") },
				{ value: "failed_courses", label: __("Failed courses") },
			],
		},
		{
			fieldname: "method", label: __("Method"), fieldtype: "Select", default: "matched",
			options: [
				{ value: "matched", label: __("Matched comparison") },
				{ value: "naive", label: __("Naive (all not served)") },
			],
		},
		{
			fieldname: "suppress_small_cells", label: __("Suppress Small Cells"), fieldtype: "Check", default: 1,
			on_change: (report) => report.set_filter_value("show_small_cells", report.get_filter_value("suppress_small_cells") ? 0 : 1),
			description: __("Only staff who can read every student behind the figures can turn this off."),
		},
		{ fieldname: "show_small_cells", label: __("Show Small Cells"), fieldtype: "Check", hidden: 1 },
	],
	onload(report) {
		frappe.db.get_single_value("CIS Settings", "current_school_year").then((year) => {
			if (year && !report.get_filter_value("school_year")) report.set_filter_value("school_year", year);
		});
	},
};
