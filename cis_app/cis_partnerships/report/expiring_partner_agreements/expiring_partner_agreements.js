// Copyright (c) 2026, cis_app contributors and contributors
// For license information, please see license.txt

frappe.query_reports["Expiring Partner Agreements"] = {
	filters: [
		{ fieldname: "days", label: __("Due Within (Days)"), fieldtype: "Int", default: 60 },
		{ fieldname: "include_lapsed", label: __("Include Lapsed"), fieldtype: "Check" },
		{ fieldname: "affiliate", label: __("Affiliate"), fieldtype: "Link", options: "Affiliate" },
		{ fieldname: "site", label: __("Site"), fieldtype: "Link", options: "Site" },
		{ fieldname: "partner", label: __("Partner"), fieldtype: "Link", options: "Partner" },
		{ fieldname: "partner_manager", label: __("Partner Manager"), fieldtype: "Link", options: "User" },
	],
};
