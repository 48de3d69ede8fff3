// Copyright (c) 2026, cis_app contributors and contributors
// For license information, please see license.txt

frappe.query_reports["Record Views"] = {
	filters: [
		{ fieldname: "student", label: __("Student"), fieldtype: "Link", options: "Student" },
		{ fieldname: "site", label: __("Site"), fieldtype: "Link", options: "Site" },
		{ fieldname: "viewed_by", label: __("Opened By"), fieldtype: "Link", options: "User" },
		{
			fieldname: "from_date",
			label: __("From Date"),
			fieldtype: "Date",
			default: frappe.datetime.add_months(frappe.datetime.get_today(), -1),
		},
		{ fieldname: "to_date", label: __("To Date"), fieldtype: "Date", default: frappe.datetime.get_today() },
	],
};
