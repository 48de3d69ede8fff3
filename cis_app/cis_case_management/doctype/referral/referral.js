// Copyright (c) 2026, cis_app contributors and contributors
// For license information, please see license.txt

frappe.ui.form.on("Referral", {
	setup(frm) {
		frm.set_query("partner", () => ({ filters: { status: "Active" } }));
		frm.set_query("support_type", () => ({ filters: { is_active: 1 } }));
		frm.set_query("support_plan", (doc) => ({ filters: { student: doc.student || "" } }));
	},
	onload(frm) {
		if (frm.is_new() && !frm.doc.school_year) {
			frappe.db.get_single_value("CIS Settings", "current_school_year").then((year) => year && frm.set_value("school_year", year));
		}
	},
	refresh(frm) {
		frm.events.show_consent(frm);
		if (!frm.is_new()) {
			frm.add_custom_button(__("What the Partner Sees"), () => frm.events.preview(frm), __("View"));
		}
	},
	student: (frm) => frm.events.show_consent(frm),
	partner: (frm) => frm.events.show_consent(frm),
	school_year: (frm) => frm.events.show_consent(frm),

	// which consent covers the referral, which is missing, or whether the partner still sees it
	show_consent(frm) {
		const { student, partner, school_year } = frm.doc;
		if (!student || !partner || !school_year) {
			frm.set_intro("");
			return;
		}
		const args = frm.is_new() || frm.is_dirty() ? { student, partner, school_year } : { student, referral: frm.doc.name };
		const asked = (frm._consent_check_asked = (frm._consent_check_asked || 0) + 1);
		frappe.call({ method: "cis_app.cis_case_management.doctype.referral.referral.get_consent_check", args }).then((r) => {
			if (asked !== frm._consent_check_asked) return; // a later question is on its way
			const check = r.message || {};
			const colour = { covered: "green", shared: "green", missing: "red", cut: "orange" }[check.state];
			frm.set_intro("");
			frm.set_intro(check.message || "", colour || "blue");
			if (check.state === "missing" && frappe.model.can_create("Student Consent")) {
				frm.add_custom_button(__("Record Consent"), () =>
					frappe.new_doc("Student Consent", { student, scope: "Share with Partner", partner, school_year }));
			} else {
				frm.remove_custom_button(__("Record Consent"));
			}
		});
	},

	preview(frm) {
		frappe.call({
			method: "cis_app.cis_case_management.doctype.referral.referral.get_partner_view",
			args: { referral: frm.doc.name },
		}).then((r) => {
			const view = r.message || {};
			const contact = view.contact || {};
			const rows = [
				[__("Student"), view.student],
				[__("Grade"), view.grade],
				[__("School"), view.school],
				[__("Support Asked For"), view.support_type && __(view.support_type)],
				[__("Note for the Partner"), view.note_for_partner],
				[__("Contact Details"), contact.value ? `${__(contact.channel)}: ${contact.guardian_name}, ${contact.value}` : __(contact.channel || "")],
			];
			frappe.msgprint({
				title: __("What the Partner Sees"),
				message: `<table class="table table-bordered">${rows
					.map(([label, value]) => `<tr><th>${label}</th><td>${frappe.utils.escape_html(value || "")}</td></tr>`)
					.join("")}</table><p class="text-muted">${__("Nothing else of the student: this is all the partner's portal shows, and only while the consent is valid.")}</p>`,
			});
		});
	},
});
