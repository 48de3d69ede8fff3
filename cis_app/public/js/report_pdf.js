// Copyright (c) 2026, cis_app contributors
// For license information, please see license.txt

// A report's "PDF" posts the rendered page to report_to_pdf, which cis_app refuses for student rows
// (cis_app.cis_case_management.disclosures.report_to_pdf: Export records the disclosure, a PDF of rendered HTML cannot).
// Frappe's own frappe.render_pdf ignores any answer but 200, so the user would see nothing at all:
// this one does the same request and, on a refusal, shows the server's message.
frappe.render_pdf = function (html, opts = {}) {
	const form = new FormData();
	form.append("html", html);
	if (opts.orientation) form.append("orientation", opts.orientation);
	form.append("blob", new Blob([], { type: "text/xml" }));

	const xhr = new XMLHttpRequest();
	xhr.open("POST", "/api/method/frappe.utils.print_format.report_to_pdf");
	xhr.setRequestHeader("X-Frappe-CSRF-Token", frappe.csrf_token);
	xhr.responseType = "arraybuffer";
	xhr.onload = function () {
		if (this.status === 200) {
			const url = URL.createObjectURL(new Blob([this.response], { type: "application/pdf" }));
			const link = document.createElement("a");
			link.style.display = "none";
			link.href = url;
			link.download = opts.report_name || "report.pdf";
			document.body.appendChild(link);
			link.click();
			link.remove();
			window.URL.revokeObjectURL(url);
			return;
		}
		frappe.msgprint({
			title: __("PDF not made"),
			indicator: "red",
			message: refusal_message(this.response),
		});
	};
	xhr.onerror = () => frappe.msgprint(__("The PDF could not be made: the server did not answer."));
	xhr.send(form);
};

function refusal_message(buffer) {
	try {
		const answer = JSON.parse(new TextDecoder().decode(buffer));
		const messages = JSON.parse(answer._server_messages || "[]").map((m) => JSON.parse(m).message);
		if (messages.length) return messages.join("<br>");
	} catch (e) {
		// not a JSON answer: fall through to the generic message
	}
	return __("The server refused to make this PDF.");
}
