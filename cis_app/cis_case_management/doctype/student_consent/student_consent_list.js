frappe.listview_settings["Student Consent"] = {
	add_fields: ["status"],
	get_indicator(doc) {
		const colors = { Valid: "green", Pending: "orange", Expired: "gray", Revoked: "red" };
		return [__(doc.status), colors[doc.status] || "gray", "status,=," + doc.status];
	},
};
