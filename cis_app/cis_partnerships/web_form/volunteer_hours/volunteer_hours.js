frappe.ready(function () {
	const set_new_entry_defaults = () => {
		const form = frappe.web_form;
		if (!form.is_new) {
			return;
		}
		if (!form.get_value("date")) {
			form.set_value("date", frappe.datetime.get_today());
		}
		// the server lists only the sites the volunteer is cleared for: one site needs no choosing
		const sites = form.get_field("site")?.df.options;
		if (Array.isArray(sites) && sites.length === 1 && !form.get_value("site")) {
			form.set_value("site", sites[0]);
		}
	};
	// Frappe v15 builds the form in an earlier ready handler (web_form.bundle.js), so its
	// after_load has already run by now: apply the defaults directly once the fields exist
	if (frappe.web_form.fields_dict) {
		set_new_entry_defaults();
	} else {
		frappe.web_form.after_load = set_new_entry_defaults;
	}
});
