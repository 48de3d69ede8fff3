// Copyright (c) 2026, cis_app contributors and contributors
// For license information, please see license.txt

frappe.ui.form.on("Student", {
	setup(frm) {
		frm.set_query("site", () => ({ filters: { is_active: 1 } }));
	},
	refresh(frm) {
		if (frm.is_new()) return;
		if (frm.doc.directory_opt_out) {
			frm.dashboard.set_headline_alert(
				__("Directory information opt-out: do not list this student in rosters, programs or media."),
				"orange"
			);
		}
		frm.add_custom_button(__("Consent"), () =>
			frappe.new_doc("Student Consent", { student: frm.doc.name }), __("Create"));
		frm.add_custom_button(__("Consents"), () =>
			frappe.set_route("List", "Student Consent", { student: frm.doc.name }), __("View"));
		cis_render_record_trail(frm);
	},
});

// Disclosures and record views: sent in __onload to the student's administrators only (cis_app.cis_case_management.disclosures)
function cis_render_record_trail(frm) {
	const onload = frm.doc.__onload || {};
	if (!onload.cis_disclosures || !frm.get_field("disclosures_html")) return;
	const esc = frappe.utils.escape_html;
	const when = (value) => esc(frappe.datetime.str_to_user(value) || "");
	const disclosures = onload.cis_disclosures;
	const views = onload.cis_record_views || [];
	const recipient = (row) =>
		row.recipient_type === "Partner" ? row.partner : row.recipient_user || row.recipient_name || "";
	const table = (headers, rows) =>
		`<table class="table table-bordered table-condensed cis-record-trail">
			<thead><tr>${headers.map((h) => `<th>${esc(h)}</th>`).join("")}</tr></thead>
			<tbody>${rows.join("")}</tbody></table>`;
	frm.get_field("disclosures_html").$wrapper.html(
		`<div class="text-muted small">${__("The latest {0} disclosures of this student's information", [disclosures.length])}</div>` +
			(disclosures.length
				? table(
						[__("Disclosed On"), __("To"), __("What"), __("Legal Basis"), __("By")],
						disclosures.map(
							(row) => `<tr>
								<td><a href="/app/disclosure-record/${encodeURIComponent(row.name)}">${when(row.disclosed_on)}</a></td>
								<td>${esc(recipient(row))}</td><td>${esc(row.what || "")}</td>
								<td>${esc(__(row.legal_basis || ""))}</td><td>${esc(row.disclosed_by || "")}</td></tr>`
						)
				  )
				: `<p>${__("No disclosures recorded.")}</p>`)
	);
	frm.get_field("record_views_html").$wrapper.html(
		`<div class="text-muted small">${__("Who opened this student's record, check-ins or referrals (latest {0})", [views.length])}</div>` +
			(views.length
				? table(
						[__("Opened On"), __("By"), __("Record")],
						views.map(
							(row) => `<tr><td>${when(row.creation)}</td><td>${esc(row.viewer_name || row.viewed_by)}</td>
								<td>${esc(__(row.reference_doctype))} ${esc(row.reference_name)}</td></tr>`
						)
				  )
				: `<p>${__("No views recorded.")}</p>`)
	);
	frm.add_custom_button(__("Disclosures"), () =>
		frappe.set_route("query-report", "Student Disclosures", { student: frm.doc.name }), __("View"));
	frm.add_custom_button(__("Record Views"), () =>
		frappe.set_route("query-report", "Record Views", { student: frm.doc.name }), __("View"));
	frm.add_custom_button(__("Disclosure Record for the Family"), () => {
		const params = new URLSearchParams({
			doctype: "Student",
			name: frm.doc.name,
			format: "Student Disclosure Record",
			no_letterhead: 1,
		});
		window.open(`/printview?${params.toString()}`);
	}, __("Print"));
}
