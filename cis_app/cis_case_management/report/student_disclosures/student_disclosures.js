// Copyright (c) 2026, cis_app contributors and contributors
// For license information, please see license.txt

frappe.query_reports["Student Disclosures"] = {
	filters: [
		{ fieldname: "student", label: __("Student"), fieldtype: "Link", options: "Student" },
		{ fieldname: "site", label: __("Site"), fieldtype: "Link", options: "Site" },
		{
			fieldname: "from_date",
			label: __("From Date"),
			fieldtype: "Date",
			default: frappe.datetime.add_months(frappe.datetime.get_today(), -12),
		},
		{ fieldname: "to_date", label: __("To Date"), fieldtype: "Date", default: frappe.datetime.get_today() },
	],
	onload(report) {
		report.page.add_inner_button(__("Print for the Family"), () => {
			const filters = report.get_values();
			if (!filters.student) {
				frappe.msgprint(__("Choose a Student first: the family document is printed for one student."));
				return;
			}
			const params = new URLSearchParams({
				doctype: "Student",
				name: filters.student,
				format: "Student Disclosure Record",
				no_letterhead: 1,
			});
			if (filters.from_date) params.set("from_date", filters.from_date);
			if (filters.to_date) params.set("to_date", filters.to_date);
			window.open(`/printview?${params.toString()}`);
		});
	},
};
