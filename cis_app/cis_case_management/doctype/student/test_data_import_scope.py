# Copyright (c) 2026, cis_app contributors and contributors
# For license information, please see license.txt

"""Frappe's own Data Import keeps the row-level access rules.

A Data Import is run the way its background job runs it (``data_import.start_import``), as the user
who would start it. Frappe's importer inserts each row through ``Document.insert``, so the app's
``has_permission`` and controller checks apply row by row. It commits after every row: the records a
test creates are deleted in ``tearDown``.
"""

import csv
import io
import json

import frappe
from frappe.core.doctype.data_import.data_import import start_import
from frappe.permissions import can_import
from frappe.tests.utils import FrappeTestCase

from cis_app.permissions.scope import clear_scope_cache
from cis_app.tests.factories import TwoSites, make_affiliate, make_user


def csv_file(rows: list[dict]) -> str:
	"""A private File holding ``rows`` as CSV; returns its URL."""
	buffer = io.StringIO()
	writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
	writer.writeheader()
	writer.writerows(rows)
	file = frappe.get_doc(
		{
			"doctype": "File",
			"file_name": f"import-{frappe.generate_hash(length=8)}.csv",
			"content": buffer.getvalue(),
			"is_private": 1,
		}
	).insert(ignore_permissions=True)
	return file.file_url


class DataImportCase(FrappeTestCase):
	def setUp(self):
		self.to_delete: list[tuple[str, str]] = []

	def tearDown(self):
		frappe.set_user("Administrator")
		for doctype, name in reversed(self.to_delete):
			if doctype == "Data Import":
				frappe.db.delete("Data Import Log", {"data_import": name})
			frappe.delete_doc(doctype, name, force=True, ignore_permissions=True)
		# the importer committed its rows: undo them for good
		frappe.db.commit()  # nosemgrep
		clear_scope_cache()

	def run_import(self, doctype: str, rows: list[dict], user: str) -> tuple[str, list[dict]]:
		"""Create a Data Import of ``rows`` (as Administrator: Frappe lets only System Managers create
		one) and run it as ``user``, as its job would. Returns the status and the log per row."""
		data_import = frappe.get_doc(
			{
				"doctype": "Data Import",
				"reference_doctype": doctype,
				"import_type": "Insert New Records",
				"import_file": csv_file(rows),
			}
		).insert(ignore_permissions=True)
		self.to_delete.append(("Data Import", data_import.name))
		frappe.db.commit()  # nosemgrep: the job reads it in its own transaction in real life
		frappe.set_user(user)
		try:
			start_import(data_import.name)
		finally:
			frappe.set_user("Administrator")
		logs = frappe.get_all(
			"Data Import Log",
			filters={"data_import": data_import.name},
			fields=["success", "docname", "messages", "exception", "row_indexes"],
			order_by="log_index asc",
		)
		for log in logs:
			if log.docname:
				self.to_delete.append((doctype, log.docname))
		status = frappe.db.get_value("Data Import", data_import.name, "status")
		return status, logs


class TestStudentDataImportScope(DataImportCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.net = TwoSites.build()

	def student_rows(self) -> list[dict]:
		key = frappe.generate_hash(length=6)
		return [
			{
				"First Name": "Imported",
				"Last Name": f"Own{key}",
				"Site": self.net.site_a,
				"District Student ID": f"DI-A-{key}",
				"Grade Level": "7",
			},
			{
				"First Name": "Imported",
				"Last Name": f"Other{key}",
				"Site": self.net.site_b,
				"District Student ID": f"DI-B-{key}",
				"Grade Level": "7",
			},
		]

	def test_the_import_screens_are_closed_to_a_coordinator(self):
		"""What Frappe lets through before any row: a coordinator can neither create a Data Import
		(System Manager only) nor pick Student in it (no role has import permission on Student)."""
		frappe.set_user(self.net.coordinator_a)
		self.assertFalse(frappe.has_permission("Data Import", "create"))
		self.assertFalse(can_import("Student"))

	def test_coordinator_imports_only_into_their_own_site(self):
		rows = self.student_rows()
		status, logs = self.run_import("Student", rows, self.net.coordinator_a)

		self.assertEqual(status, "Partial Success")
		self.assertEqual([(log.success, json.loads(log.row_indexes)) for log in logs], [(1, [2]), (0, [3])])
		own = frappe.get_all(
			"Student",
			filters={"district_student_id": rows[0]["District Student ID"]},
			fields=["name", "site", "owner"],
		)
		self.assertEqual([(s.site, s.owner) for s in own], [(self.net.site_a, self.net.coordinator_a)])
		self.assertFalse(frappe.db.exists("Student", {"district_student_id": rows[1]["District Student ID"]}))
		failed = logs[1]
		self.assertIn("PermissionError", failed.exception)
		messages = " ".join(str(m.get("message", m)) for m in json.loads(failed.messages or "[]"))
		self.assertIn("does not have access to this document: Student", messages)

	def test_coordinator_of_no_site_imports_nothing(self):
		rows = self.student_rows()
		status, logs = self.run_import("Student", rows, self.net.coordinator_none)
		self.assertEqual(status, "Error")
		self.assertEqual([log.success for log in logs], [0, 0])
		for row in rows:
			self.assertFalse(frappe.db.exists("Student", {"district_student_id": row["District Student ID"]}))


class TestPartnerDataImportScope(DataImportCase):
	other_affiliate = "_Test DI Other Affiliate"
	other_partner_manager = "di-other-partner-manager@example.com"

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.net = TwoSites.build()
		make_user(cls.other_partner_manager, "Partner Manager")
		# the importer commits: the affiliate may be there already (its staff row is added if missing)
		make_affiliate(cls.other_affiliate, staff=[(cls.other_partner_manager, "Partner Manager")])
		clear_scope_cache()

	def test_partner_manager_imports_partners_of_their_affiliate_only(self):
		key = frappe.generate_hash(length=6)
		rows = [
			{
				"Partner Name": f"_Test DI Own Partner {key}",
				"Partner Type": "Business",
				"Affiliate": self.net.affiliate,
			},
			{
				"Partner Name": f"_Test DI Other Partner {key}",
				"Partner Type": "Business",
				"Affiliate": self.other_affiliate,
			},
		]
		status, logs = self.run_import("Partner", rows, self.net.partner_manager)

		self.assertEqual(status, "Partial Success")
		self.assertEqual([log.success for log in logs], [1, 0])
		self.assertEqual(
			frappe.db.get_value("Partner", rows[0]["Partner Name"], ["affiliate", "owner"]),
			(self.net.affiliate, self.net.partner_manager),
		)
		self.assertFalse(frappe.db.exists("Partner", rows[1]["Partner Name"]))
		self.assertIn("PermissionError", logs[1].exception)
		messages = " ".join(str(m.get("message", m)) for m in json.loads(logs[1].messages or "[]"))
		self.assertIn("does not have access to this document: Partner", messages)

	def test_the_import_screens_are_closed_to_a_partner_manager(self):
		frappe.set_user(self.net.partner_manager)
		self.assertFalse(frappe.has_permission("Data Import", "create"))
		self.assertFalse(can_import("Partner"))
