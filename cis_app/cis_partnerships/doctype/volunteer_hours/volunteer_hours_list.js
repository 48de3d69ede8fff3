frappe.listview_settings["Volunteer Hours"] = {
	add_fields: ["status"],
	get_indicator(doc) {
		const colors = { Submitted: "orange", Approved: "green", Rejected: "red" };
		// the app's Spanish for its states, by context: Frappe's own "Submitted" (Validado) stays Frappe's
		const label = __(doc.status, null, "Volunteer Hours");
		return [label, colors[doc.status] || "gray", "status,=," + doc.status];
	},
};
