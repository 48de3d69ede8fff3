// Copyright (c) 2026, cis_app contributors and contributors
// For license information, please see license.txt

frappe.ui.form.on("Retention Run", {
	refresh(frm) {
		const list = (frm.doc.__onload || {}).cis_retention;
		const wrapper = frm.get_field("students_html").$wrapper;
		if (!list) {
			wrapper.html(
				frm.doc.status === "Erased"
					? `<p>${__("{0} students' identifying details were erased by {1} on {2}.", [
							frm.doc.students_erased,
							frappe.utils.escape_html(frm.doc.erased_by || ""),
							frappe.datetime.str_to_user(frm.doc.erased_on),
					  ])}</p>`
					: ""
			);
			return;
		}
		const esc = frappe.utils.escape_html;
		const rows = (items, withReason) =>
			items
				.map(
					(row) => `<tr><td><a href="/app/student/${encodeURIComponent(row.student)}">${esc(row.student)}</a></td>
						<td>${esc(row.student_name || "")}</td><td>${esc(row.site || "")}</td>
						<td>${esc(__(row.enrollment_status || ""))}</td>
						<td>${esc(frappe.datetime.str_to_user(row.left_on) || "")}</td>
						${withReason ? `<td>${esc(row.reason_text || "")}</td>` : ""}</tr>`
				)
				.join("");
		const head = (withReason) =>
			`<thead><tr><th>${__("Student")}</th><th>${__("Name")}</th><th>${__("Site")}</th>
				<th>${__("Enrollment Status")}</th><th>${__("Left On")}</th>
				${withReason ? `<th>${__("Reason")}</th>` : ""}</tr></thead>`;
		wrapper.html(
			`<h5>${__("Due for erasure ({0})", [list.due.length])}</h5>` +
				(list.due.length
					? `<table class="table table-bordered table-condensed">${head(false)}<tbody>${rows(list.due, false)}</tbody></table>`
					: `<p>${__("No student is due.")}</p>`) +
				`<h5>${__("Skipped ({0})", [list.skipped.length])}</h5>` +
				(list.skipped.length
					? `<table class="table table-bordered table-condensed">${head(true)}<tbody>${rows(list.skipped, true)}</tbody></table>`
					: `<p>${__("No student is skipped.")}</p>`)
		);
		if (frm.is_new() || frm.doc.status !== "Dry Run" || !list.due.length) return;
		frm.dashboard.set_headline_alert(
			__("Dry run: nothing has changed yet. {0} students are due for erasure.", [list.due.length]),
			"orange"
		);
		frm.add_custom_button(__("Erase"), () => {
			frappe.confirm(
				__(
					"Erase the names, ids, date of birth, guardians, notes and attachments of the {0} students listed as due? Outcome counts are kept. This cannot be undone.",
					[list.due.length]
				),
				() =>
					frm
						.call("erase", { students: list.due.map((row) => row.student) })
						.then(() => frm.reload_doc())
			);
		}).addClass("btn-danger");
	},
});
