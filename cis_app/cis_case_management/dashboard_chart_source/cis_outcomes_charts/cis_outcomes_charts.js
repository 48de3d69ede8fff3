// The Outcomes workspace's charts (cis_app.cis_case_management.outcomes_dashboard.chart): each chart
// names its view in its filters (years, targets or impact); the figures are the reports' own.
frappe.provide("frappe.dashboards.chart_sources");

frappe.dashboards.chart_sources["CIS Outcomes Charts"] = {
	method: "cis_app.cis_case_management.outcomes_dashboard.chart",
	filters: [],
};
