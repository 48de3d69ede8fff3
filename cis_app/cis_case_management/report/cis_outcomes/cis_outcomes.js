// Copyright (c) 2026, cis_app contributors and contributors
// For license information, please see license.txt

const CIS_OUTCOME_EXPORT = "cis_app.cis_network.outcome_export";
const CIS_NETWORK_ROLES = ["Evaluator", "CIS Administrator", "System Manager"];
const CIS_EXPORT_ROLES = ["CIS Administrator", "System Manager"];
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
			options: ["None", "Site", "School District", "School Level", "Grade", "Affiliate"],
			description: __("Affiliate: in network mode only."),
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
		{
			fieldname: "network_mode", label: __("Network Mode"), fieldtype: "Check",
			// the server refuses it to other roles; the box is shown to those who may use it
			hidden: !frappe.user.has_role(CIS_NETWORK_ROLES),
			description: __("Roll up the Outcome Exports imported from several affiliates (Network Outcome Import)."),
			on_change: (report) => {
				const network = report.get_filter_value("network_mode");
				const group_by = report.get_filter_value("group_by");
				if (network && group_by !== "Affiliate") return report.set_filter_value("group_by", "Affiliate");
				if (!network && group_by === "Affiliate") return report.set_filter_value("group_by", "None");
				report.refresh();
			},
		},
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
		if (frappe.user.has_role(CIS_EXPORT_ROLES)) {
			for (const [label, file_format] of [[__("JSON"), "json"], [__("CSV"), "csv"]]) {
				report.page.add_inner_button(label, () => cis_download_outcome_export(report, file_format), __("Outcome Export"));
			}
		}
		report.page.add_inner_button(__("Definitions"), () => {
			frappe.call("cis_app.cis_case_management.report.cis_outcomes.cis_outcomes.get_definitions").then((r) => {
				frappe.msgprint({ title: __("How each figure is computed"), message: r.message.replace("<details", "<details open"), wide: true });
			});
		});
	},
};

function cis_download_outcome_export(report, file_format) {
	if (report.get_filter_value("network_mode")) {
		frappe.msgprint(__("An Outcome Export holds your affiliate's own figures: turn Network Mode off first."));
		return;
	}
	const args = {
		school_year: report.get_filter_value("school_year"),
		affiliate: report.get_filter_value("affiliate") || "",
	};
	// check first, so a refusal shows as a message; then download (suppressed whatever the filters say)
	frappe.call({ method: `${CIS_OUTCOME_EXPORT}.check_outcome_export`, args, freeze: true }).then(() => {
		open_url_post(`/api/method/${CIS_OUTCOME_EXPORT}.download_outcome_export`, { ...args, file_format });
	});
}
