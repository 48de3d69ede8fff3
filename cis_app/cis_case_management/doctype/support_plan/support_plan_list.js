frappe.listview_settings["Support Plan"] = {
	add_fields: ["status", "goals_total", "goals_on_track", "next_review_date"],
	get_indicator(doc) {
		const colors = { Draft: "red", "Pending Approval": "orange", Active: "green", "Under Review": "yellow", Closed: "gray" };
		return [__(doc.status), colors[doc.status] || "gray", "status,=," + doc.status];
	},
	formatters: {
		goals_on_track(value, df, doc) {
			if (!doc.goals_total) return "";
			const color = value === doc.goals_total ? "green" : value ? "orange" : "red";
			return `<span class="indicator-pill ${color}">${value} / ${doc.goals_total}</span>`;
		},
	},
};
