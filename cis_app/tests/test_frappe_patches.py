# Copyright (c) 2026, cis_app contributors
# For license information, please see license.txt
"""Each change the app makes to Frappe without a hook is still on Frappe's live path.

``cis_app.overrides.register.PATCHES`` lists them; each names a test here. When a Frappe update routes
around a patched function (list queries built elsewhere, a renamed method, a desk script that no longer
calls the replaced function), these go red instead of the guard going quiet.
"""

import inspect
import json

import frappe
from frappe.tests.utils import FrappeTestCase

from cis_app import hooks

from cis_app.overrides import register as frappe_patches
from cis_app.permissions.scope import clear_scope_cache
from cis_app.tests.factories import TwoSites, api_token, http, make_student

LAST_NAME = "Zzfrappepatches"


class TestFrappePatchesAreLive(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		cls.net = TwoSites.build()
		cls.a1 = make_student(
			cls.net.site_a, first_name="Quinn", last_name=LAST_NAME, health_notes="Synthetic asthma note"
		).name
		cls.tokens = {
			user: api_token(user) for user in (cls.net.admin, cls.net.coordinator_a, cls.net.coordinator_b)
		}
		frappe.db.commit()
		clear_scope_cache()

	@classmethod
	def tearDownClass(cls):
		frappe.set_user("Administrator")
		frappe.db.delete("Version", {"docname": cls.a1})
		frappe.db.delete("Document Follow", {"ref_docname": cls.a1})
		frappe.delete_doc("Student", cls.a1, ignore_permissions=True, force=True)
		frappe.db.commit()
		super().tearDownClass()

	def test_the_list_names_every_override_of_the_hooks_and_a_test_here_for_each_patch(self):
		self.assertEqual(frappe_patches.overrides(), hooks.override_whitelisted_methods)
		for patch in frappe_patches.PATCHES:
			self.assertTrue(callable(getattr(self, patch.live_test, None)), patch.live_test)
			self.assertEqual(patch.live_test, patch.live_test.strip())

	def test_field_guard_is_on_every_list_route(self):
		# a CIS Administrator reads students but not their health notes: filtering by them is refused
		# through every list route Frappe has
		token = self.tokens[self.net.admin]
		filters = json.dumps([["Student", "health_notes", "like", "%asthma%"]])
		routes = (
			("get", "/api/method/frappe.client.get_list", {"doctype": "Student", "filters": filters}),
			("get", "/api/method/frappe.desk.reportview.get", {"doctype": "Student", "filters": filters, "fields": '["name"]'}),
			("get", "/api/method/frappe.desk.reportview.get_count", {"doctype": "Student", "filters": filters}),
			("get", "/api/resource/Student", {"filters": filters}),
			("get", "/api/v2/document/Student", {"filters": filters}),
		)
		for verb, path, args in routes:
			response = http(verb, path, token, query_string=args)
			self.assertEqual(response.status_code, 403, f"{path}: {response.get_data(as_text=True)[:300]}")
			self.assertNotIn(self.a1, response.get_data(as_text=True), path)
		# and the same user's plain list still answers
		plain = http("get", "/api/resource/Student", token, query_string={"filters": json.dumps([["Student", "last_name", "=", LAST_NAME]])})
		self.assertEqual(plain.status_code, 200)
		self.assertIn(self.a1, plain.get_data(as_text=True))

	def test_query_report_export_records_its_students(self):
		# the export reads its rows through the module's own run(): the capture sits there
		from frappe.desk import query_report

		from cis_app.cis_case_management.disclosures import _install_report_capture

		_install_report_capture()
		self.assertTrue(getattr(query_report.run, "_cis_capture", False))
		source = inspect.getsource(query_report.export_query)
		self.assertIn("run(", source, "Frappe's export_query no longer runs the report through query_report.run")
		self.assertIn("frappe.desk.query_report.run", frappe.get_hooks("override_whitelisted_methods"))

	def test_follow_digest_leaves_out_unreadable_fields(self):
		from frappe.desk.form import document_follow

		frappe_patches.install()
		frappe.set_user(self.net.coordinator_a)
		student = frappe.get_doc("Student", self.a1)
		student.first_name = "Quincy"
		student.health_notes = "Synthetic change of the note"
		student.save(ignore_version=False)  # Frappe keeps no Version in tests unless asked
		frappe.set_user("Administrator")

		def fields_in_digest(user):
			items = document_follow.get_version("Student", self.a1, "Hourly", user)
			return {item["data"].get("field") for item in items}

		# the administrator may read the student but not its health notes; the program manager both
		versions = frappe.get_all("Version", filters={"docname": self.a1}, fields=["modified", "modified_by", "data"])
		self.assertIn("first_name", fields_in_digest(self.net.admin), versions)
		self.assertNotIn("health_notes", fields_in_digest(self.net.admin))
		self.assertIn("health_notes", fields_in_digest(self.net.program_manager))
		# the digest is built through the module's get_version: the filter sits on its live path
		self.assertIn("get_version(", inspect.getsource(document_follow.get_message))
		message = document_follow.get_message(self.a1, "Student", "Hourly", self.net.admin)
		self.assertNotIn("Synthetic change of the note", json.dumps(message, default=str))

	def test_form_timeline_leaves_out_unreadable_fields(self):
		# a change to the health notes, then the administrator (who may not read them) opens the
		# student through the desk's own route: the timeline shows the name change, not the notes
		frappe.set_user(self.net.coordinator_a)
		student = frappe.get_doc("Student", self.a1)
		student.last_name = f"{LAST_NAME}x"
		student.health_notes = "Synthetic timeline note"
		student.save(ignore_version=False)
		frappe.set_user("Administrator")
		frappe.db.commit()
		for user, sees_note in ((self.net.admin, False), (self.net.coordinator_a, True)):
			for method in ("frappe.desk.form.load.getdoc", "frappe.desk.form.load.get_docinfo"):
				token = self.tokens[user]
				response = http("get", f"/api/method/{method}", token, query_string={"doctype": "Student", "name": self.a1})
				self.assertEqual(response.status_code, 200, method)
				text = response.get_data(as_text=True)
				self.assertIn(f"{LAST_NAME}x", text, (user, method))
				self.assertEqual("Synthetic timeline note" in text, sees_note, (user, method))

	def test_exports_escape_formula_like_cells_through_frappes_writers(self):
		# Frappe's export still writes through the two writers the app wraps, and a Report Builder
		# export through the app's override escapes a formula-like cell
		from frappe.desk import reportview

		source = inspect.getsource(reportview.export_query)
		self.assertIn("get_csv_bytes", source)
		self.assertIn("make_xlsx", source)
		partner = frappe.get_doc(
			{"doctype": "Partner", "partner_name": "=HYPERLINK(1)", "affiliate": self.net.affiliate}
		).insert(ignore_permissions=True)
		frappe.db.commit()
		try:
			response = http(
				"post",
				"/api/method/frappe.desk.reportview.export_query",
				self.tokens[self.net.admin],
				data={
					"doctype": "Partner",
					"fields": json.dumps(["`tabPartner`.`name`", "`tabPartner`.`partner_name`"]),
					"filters": json.dumps([["Partner", "name", "=", partner.name]]),
					"file_format_type": "CSV",
					"title": "Partner",
				},
			)
			self.assertEqual(response.status_code, 200, response.get_data(as_text=True)[:300])
			self.assertIn("'=HYPERLINK(1)", response.get_data(as_text=True))
		finally:
			frappe.delete_doc("Partner", partner.name, ignore_permissions=True, force=True)
			frappe.db.commit()

	def test_report_pdf_script_replaces_render_pdf(self):
		# Frappe still defines frappe.render_pdf where the app's script expects it, and the query
		# report page still prints through it; the app's script replaces it on every desk page
		frappe_js = open(frappe.get_app_path("frappe", "public", "js", "frappe", "microtemplate.js")).read()
		self.assertIn("frappe.render_pdf = function (html, opts = {})", frappe_js)
		report_js = open(
			frappe.get_app_path("frappe", "public", "js", "frappe", "views", "reports", "query_report.js")
		).read()
		self.assertIn("frappe.render_pdf(", report_js)
		self.assertIn("/assets/cis_app/js/report_pdf.js", frappe.get_hooks("app_include_js"))
		ours = open(frappe.get_app_path("cis_app", "public", "js", "report_pdf.js")).read()
		self.assertIn("frappe.render_pdf = function (html, opts = {})", ours)
		self.assertIn("/api/method/frappe.utils.print_format.report_to_pdf", ours)

	def test_overrides_are_on_the_live_path(self):
		overrides = frappe.get_hooks("override_whitelisted_methods")
		for target, by in frappe_patches.overrides().items():
			# the last hook is the one Frappe runs: another app overriding the same method routes around
			self.assertEqual(overrides.get(target, [None])[-1], by, target)
			original = frappe.get_attr(target)
			self.assertIn(original, frappe.whitelisted, f"{target} is no longer a whitelisted method of Frappe")
			ours = frappe.get_attr(by)
			self.assertIn(ours, frappe.whitelisted, by)
			theirs = set(inspect.signature(original).parameters) - {"args", "kwargs"}
			mine = inspect.signature(ours).parameters
			takes_any = any(p.kind == p.VAR_KEYWORD for p in mine.values())
			self.assertTrue(
				takes_any or theirs <= set(mine),
				f"{by} does not take {sorted(theirs - set(mine))} of Frappe's {target} any more",
			)
		# one of them, through a request: a count of another site's student answers 0, as the list does
		response = http(
			"get",
			"/api/method/frappe.client.get_count",
			self.tokens[self.net.coordinator_b],
			query_string={"doctype": "Student", "filters": json.dumps({"name": self.a1})},
		)
		self.assertEqual(response.json["message"], 0)
		frappe_version = frappe.__version__
		self.assertTrue(frappe_version.startswith("15."), frappe_version)
