// Copyright (c) 2026, cis_app contributors and contributors
// For license information, please see license.txt

const CIS_OUTCOME_GRADES = ["", "PK", "K", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12"];

frappe.query_reports["CIS Outcomes"] = {
	filters: [
		{ fieldname: "school_year", label: __("School Year"), fieldtype: "Link", options: "School Year", reqd: 1 },
		{ fieldname: "affiliate", label: __("Affiliate"), fieldtype: "Link", options: "Affiliate" },
		{
			fieldname: "school_district", label: __("School District"), fieldtype: "Link", options: "School District",
			get_query: () => {
				const affiliate = frappe.query_report.get_filter_value("affiliate");
				return affiliate ? { filters: { affiliate } } : {};
			},
		},
		{
			fieldname: "site", label: __("Site"), fieldtype: "Link", options: "Site",
			get_query: () => {
				const filters = {};
				const affiliate = frappe.query_report.get_filter_value("affiliate");
				const district = frappe.query_report.get_filter_value("school_district");
				if (affiliate) filters.affiliate = affiliate;
				if (district) filters.school_district = district;
				return { filters };
			},
		},
		{ fieldname: "grade_from", label: __("Grade From"), fieldtype: "Select", options: CIS_OUTCOME_GRADES },
		{ fieldname: "grade_to", label: __("Grade To"), fieldtype: "Select", options: CIS_OUTCOME_GRADES },
		{
			fieldname: "group_by", label: __("Group By"), fieldtype: "Select", default: "None",
			options: ["None", "Site", "School District", "School Level", "Grade"],
		},
		{
			fieldname: "suppress_small_cells", label: __("Suppress Small Cells"), fieldtype: "Check", default: 1,
			// the desk leaves a filter whose value is 0 out of the request (an unticked box would read as
			// "not given", so as the default, on): say "off" through show_small_cells, which is sent as 1
			on_change: (report) => report.set_filter_value("show_small_cells", report.get_filter_value("suppress_small_cells") ? 0 : 1),
			description: __("Only staff who can read every student behind the figures can turn this off."),
		},
		{
			fieldname: "compare_years", label: __("Compare Years"), fieldtype: "Int",
			description: __("Show each metric across this many school years, ending with the one chosen."),
		},
		{ fieldname: "show_small_cells", label: __("Show Small Cells"), fieldtype: "Check", hidden: 1 },
	],
	formatter(value, row, column, data, default_formatter) {
		value = default_formatter(value, row, column, data);
		if (!data || !data.suppressed) return value;
		const is_count = ["cohort", "status_missing", "unknown_outcome"].includes(data.metric);
		if (column.fieldname === "numerator" || (!is_count && ["denominator", "percent"].includes(column.fieldname))) {
			return `<span class="text-muted">${__("suppressed")}</span>`;
		}
		return value;
	},
	onload(report) {
		frappe.db.get_single_value("CIS Settings", "current_school_year").then((year) => {
			if (year && !report.get_filter_value("school_year")) report.set_filter_value("school_year", year);
		});
		report.page.add_inner_button(__("Definitions"), () => {
			frappe.call("cis_app.cis_case_management.report.cis_outcomes.cis_outcomes.get_definitions").then((r) => {
				frappe.msgprint({ title: __("How each figure is computed"), message: r.message.replace("<details", "<details open"), wide: true });
			});
		});
	},
};
