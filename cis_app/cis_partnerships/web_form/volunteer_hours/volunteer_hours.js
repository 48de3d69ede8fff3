frappe.ready(function () {
	frappe.web_form.after_load = () => {
		if (!frappe.web_form.is_new) {
			return;
		}
		if (!frappe.web_form.get_value("date")) {
			frappe.web_form.set_value("date", frappe.datetime.get_today());
		}
		// the server lists only the sites the volunteer is cleared for: one site needs no choosing
		const sites = frappe.web_form.get_field("site")?.df.options;
		if (Array.isArray(sites) && sites.length === 1 && !frappe.web_form.get_value("site")) {
			frappe.web_form.set_value("site", sites[0]);
		}
	};
});
