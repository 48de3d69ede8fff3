frappe.listview_settings["Needs Assessment"] = {
	add_fields: ["status"],
	get_indicator(doc) {
		const colors = { Draft: "red", Submitted: "orange", Approved: "green", Returned: "yellow" };
		// the app's Spanish for its states, by context: Frappe's own "Submitted" (Validado) stays Frappe's
		const label = __(doc.status, null, "Needs Assessment");
		return [label, colors[doc.status] || "gray", "status,=," + doc.status];
	},
};
