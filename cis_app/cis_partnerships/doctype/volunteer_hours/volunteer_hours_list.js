frappe.listview_settings["Volunteer Hours"] = {
	add_fields: ["status"],
	get_indicator(doc) {
		const colors = { Submitted: "orange", Approved: "green", Rejected: "red" };
		return [__(doc.status), colors[doc.status] || "gray", "status,=," + doc.status];
	},
};
