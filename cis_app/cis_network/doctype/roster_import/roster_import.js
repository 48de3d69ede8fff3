// Copyright (c) 2026, cis_app contributors and contributors
// For license information, please see license.txt

const ROSTER_IMPORT = "cis_app.cis_network.doctype.roster_import.roster_import";

frappe.ui.form.on("Roster Import", {
	onload(frm) {
		frappe.realtime.off("roster_import_progress");
		frappe.realtime.on("roster_import_progress", (data) => {
			if (data.roster_import !== frm.doc.name) return;
			if (data.done) {
				frm.dashboard.hide_progress();
				frm.reload_doc();
				return;
			}
			frm.dashboard.show_progress(__("Roster Import"), data.percent, data.message);
		});
	},

	refresh(frm) {
		render_summary(frm);
		add_template_button(frm);
		// shown while running too: the server refuses a second run, and a worker that died must not
		// leave the import stuck
		if (!frm.is_new() && frm.doc.import_file) {
			const label = frm.doc.mode === "Apply" ? __("Apply Import") : __("Start Dry Run");
			frm.add_custom_button(label, () => {
				const run = () =>
					frappe.call(`${ROSTER_IMPORT}.start_import`, { name: frm.doc.name }).then((r) => {
						frappe.show_alert({ message: r.message, indicator: "blue" });
						frm.reload_doc();
					});
				if (frm.doc.mode === "Apply") {
					frappe.confirm(apply_question(frm), run);
				} else {
					run();
				}
			}).addClass("btn-primary");
		}
		if (frm.doc.row_log) {
			frm.add_custom_button(__("Download Log"), () => {
				window.open(
					`/api/method/${ROSTER_IMPORT}.download_log?name=${encodeURIComponent(frm.doc.name)}`
				);
			});
		}
	},
});

function render_summary(frm) {
	const wrapper = frm.fields_dict.summary_html.$wrapper;
	if (!frm.doc.summary) {
		wrapper.html("");
		return;
	}
	const summary = JSON.parse(frm.doc.summary);
	const esc = frappe.utils.escape_html;
	const labels = {
		new: __("New"),
		updated: __("Updated"),
		unchanged: __("Unchanged"),
		withdrawn: __("Withdrawn"),
		skipped: __("Skipped"),
		error: __("Errors"),
	};
	let html = "";
	if (summary.refused) {
		html += `<div class="alert alert-warning">${esc(summary.refusal_reason || "")}</div>`;
	}
	for (const warning of summary.warnings || []) {
		html += `<div class="text-muted small">${esc(warning)}</div>`;
	}
	for (const [action, label] of Object.entries(labels)) {
		const sample = (summary.samples || {})[action] || [];
		if (!sample.length) continue;
		html += `<h6 class="mt-3">${label} (${(summary.counts || {})[action] || 0})</h6><ul>`;
		for (const row of sample) {
			const changes = Object.keys(row.changes || {}).join(", ");
			const reasons = (row.reasons || []).join("; ");
			html += `<li>${esc(row.label || row.sourced_id || "")}`;
			if (changes) html += ` <span class="text-muted">${__("changes")}: ${esc(changes)}</span>`;
			if (reasons) html += ` <span class="text-muted">${esc(reasons)}</span>`;
			html += "</li>";
		}
		html += "</ul>";
	}
	const skipped_sites = summary.sites_skipped || [];
	if (skipped_sites.length) {
		html += `<h6 class="mt-3">${__("Schools skipped")}</h6><ul>`;
		for (const site of skipped_sites) {
			html += `<li>${esc(site.name)} (${esc(site.identifier || site.org_sourced_id)}): ${esc(
				site.reason
			)}</li>`;
		}
		html += "</ul>";
	}
	const errors = summary.row_error_sample || [];
	if (errors.length) {
		html += `<h6 class="mt-3">${__("First row errors (download the log for all)")}</h6><ul>`;
		for (const e of errors) {
			html += `<li>${esc(e.file)}:${esc(String(e.line || ""))} ${esc(e.sourced_id || "")} ${esc(
				e.field || ""
			)}: ${esc(e.message)}</li>`;
		}
		html += "</ul>";
	}
	wrapper.html(html);
}

// ABC Data and Year-End Status imports: the template, and what Apply does
const TEMPLATE_TYPES = ["ABC Data", "Year-End Status"];

function add_template_button(frm) {
	if (!TEMPLATE_TYPES.includes(frm.doc.import_type)) return;
	frm.add_custom_button(__("Download Template"), () => {
		window.open(
			`/api/method/${ROSTER_IMPORT}.download_template?import_type=${encodeURIComponent(
				frm.doc.import_type
			)}`
		);
	});
}

function apply_question(frm) {
	const district = frappe.utils.escape_html(frm.doc.school_district);
	if (frm.doc.import_type === "ABC Data") {
		return __(
			"Apply the ABC data of {0}? Student data points are created or updated, then risk is recomputed.",
			[district]
		);
	}
	if (frm.doc.import_type === "Year-End Status") {
		return __("Apply the year-end statuses of {0}? Statuses are created or updated.", [district]);
	}
	return __("Apply the roster of {0}? Students are created, updated and withdrawn.", [district]);
}

frappe.ui.form.on("Roster Import", {
	import_type(frm) {
		frm.refresh();
	},
});
