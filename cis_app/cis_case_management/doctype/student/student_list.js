frappe.listview_settings["Student"] = {
	add_fields: ["enrollment_status", "is_case_managed"],
	get_indicator(doc) {
		if (doc.enrollment_status !== "Enrolled") return [__(doc.enrollment_status), "gray", "enrollment_status,=," + doc.enrollment_status];
		if (doc.is_case_managed) return [__("Case Managed"), "blue", "is_case_managed,=,1"];
		return [__("Enrolled"), "green", "enrollment_status,=,Enrolled"];
	},
};
