frappe.ready(function () {
	frappe.web_form.after_load = () => {
		if (frappe.web_form.is_new && !frappe.web_form.get_value("date")) {
			frappe.web_form.set_value("date", frappe.datetime.get_today());
		}
	};
});
