// Copyright (c) 2026, cis_app contributors and contributors
// For license information, please see license.txt

frappe.query_reports["Volunteer Hours Summary"] = {
	filters: [
		{ fieldname: "group_by", label: __("Group By"), fieldtype: "Select", options: ["Site", "Partner", "Volunteer", "Activity"], default: "Site" },
		{ fieldname: "affiliate", label: __("Affiliate"), fieldtype: "Link", options: "Affiliate" },
		{ fieldname: "site", label: __("Site"), fieldtype: "Link", options: "Site" },
		{ fieldname: "partner", label: __("Partner"), fieldtype: "Link", options: "Partner" },
		{ fieldname: "from_date", label: __("From"), fieldtype: "Date", default: frappe.datetime.add_months(frappe.datetime.get_today(), -12) },
		{ fieldname: "to_date", label: __("To"), fieldtype: "Date", default: frappe.datetime.get_today() },
	],
};
