frappe.listview_settings["Needs Assessment"] = {
	add_fields: ["status"],
	get_indicator(doc) {
		const colors = { Draft: "red", Submitted: "orange", Approved: "green", Returned: "yellow" };
		return [__(doc.status), colors[doc.status] || "gray", "status,=," + doc.status];
	},
};
