// Copyright (c) 2026, cis_app contributors and contributors
// For license information, please see license.txt

frappe.query_reports["Affiliate Annual Summary"] = {
	filters: [
		{
			fieldname: "school_year",
			label: __("School Year"),
			fieldtype: "Link",
			options: "School Year",
			reqd: 1,
		},
		{ fieldname: "affiliate", label: __("Affiliate"), fieldtype: "Link", options: "Affiliate" },
		{
			fieldname: "site",
			label: __("Site"),
			fieldtype: "Link",
			options: "Site",
			get_query: () => {
				const affiliate = frappe.query_report.get_filter_value("affiliate");
				return affiliate ? { filters: { affiliate } } : {};
			},
		},
		{
			fieldname: "suppress_small_cells",
			label: __("Suppress Small Cells"),
			fieldtype: "Check",
			default: 1,
			description: __("Only staff who can read every student behind the figures can turn this off."),
			// the desk leaves a filter whose value is 0 out of the request (an unchecked box would read as
			// "not given", so as the default, on): say "off" through show_small_cells, which is sent as 1
			on_change: (report) =>
				report.set_filter_value(
					"show_small_cells",
					report.get_filter_value("suppress_small_cells") ? 0 : 1
				),
		},
		{ fieldname: "show_small_cells", label: __("Show Small Cells"), fieldtype: "Check", hidden: 1 },
	],
	formatter(value, row, column, data, default_formatter) {
		value = default_formatter(value, row, column, data);
		if (!data) return value;
		const suppressed = (data.suppressed_figures || "").split(", ");
		if (suppressed.includes(column.fieldname))
			return `<span class="text-muted">${__("suppressed")}</span>`;
		if (data.is_total && column.fieldname === "row_label") return `<b>${value}</b>`;
		return value;
	},
	onload(report) {
		frappe.db.get_single_value("CIS Settings", "current_school_year").then((year) => {
			if (year && !report.get_filter_value("school_year")) report.set_filter_value("school_year", year);
		});
	},
};
