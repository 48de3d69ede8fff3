# Copyright (c) 2026, cis_app contributors and contributors
# For license information, please see license.txt
"""A field the user cannot read, spelled as MariaDB also reads it (upper or mixed case, backticks, a table
prefix), is refused in every part of a list query, at every door, over HTTP (cis_app.permissions.field_guard).

The user is a CIS Administrator of the students' affiliate: reads students, not their health notes
(permlevel 1). Each probe below was answered before the guard matched names as MariaDB does. The
requests run in another thread with their own database connection, so this test commits its records
and deletes them afterwards.
"""

import frappe
from frappe.custom.doctype.property_setter.property_setter import make_property_setter
from frappe.tests.utils import FrappeTestCase

from cis_app.tests.factories import TwoSites, api_token, http, make_student

LAST_NAME = "Spellingcheck"
NOTES = "Asthma; inhaler in the nurse's office"


class TestFieldGuardSpellings(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		cls.net = TwoSites.build()
		student = make_student(cls.net.site_a, last_name=LAST_NAME)
		student.health_notes = NOTES
		student.save(ignore_permissions=True)
		cls.student = student.name
		cls.admin = cls.net.admin  # CIS Administrator: no permlevel 1 on Student
		cls.tokens = {user: api_token(user) for user in (cls.admin, cls.net.program_manager)}
		frappe.db.commit()  # nosemgrep: the WSGI thread reads through its own connection

	@classmethod
	def tearDownClass(cls):
		frappe.set_user("Administrator")
		frappe.delete_doc("Student", cls.student, force=True, ignore_permissions=True)
		frappe.db.commit()  # nosemgrep
		super().tearDownClass()

	def call(self, method, user=None, **params):
		response = http(
			"get",
			f"/api/method/{method}",
			self.tokens[user or self.admin],
			query_string={
				key: value if isinstance(value, str) else frappe.as_json(value)
				for key, value in params.items()
			},
		)
		return response.status_code, response.json or {}

	def assertRefused(self, result, status=403, exc_type="UnreadableFieldError"):
		code, body = result
		self.assertEqual(code, status, f"answered {code}: {str(body)[:300]}")
		self.assertEqual(body.get("exc_type"), exc_type)
		self.assertNotIn("message", body)

	# ------------------------------------------------------------ the list doors

	def test_get_list_sort_and_group_by_any_spelling(self):
		for params in (
			{"order_by": "HEALTH_NOTES desc"},
			{"order_by": "`Health_Notes` asc"},
			{"order_by": "`tabStudent`.`HEALTH_NOTES` desc"},
			{"group_by": "Health_Notes"},
			{"group_by": "`tabStudent`.`health_NOTES`"},
		):
			with self.subTest(**params):
				self.assertRefused(
					self.call(
						"frappe.client.get_list",
						doctype="Student",
						filters=[["last_name", "=", LAST_NAME]],
						**params,
					)
				)

	def test_reportview_sort_and_group_by_any_spelling(self):
		for params in (
			{"order_by": "`tabStudent`.`Health_Notes` desc"},
			{"group_by": "`HEALTH_NOTES`"},
			{
				"group_by": "`tabStudent`.`Health_Notes`",
				"aggregate_function": "count",
				"aggregate_on_doctype": "Student",
				"aggregate_on_field": "name",
			},
		):
			with self.subTest(**params):
				self.assertRefused(
					self.call(
						"frappe.desk.reportview.get",
						doctype="Student",
						fields=["`tabStudent`.`name`"],
						filters=[["Student", "last_name", "=", LAST_NAME]],
						**params,
					)
				)

	def test_rest_list_sort_filter_and_group_by_any_spelling(self):
		for params in (
			{"order_by": "HEALTH_NOTES asc"},
			{"order_by": "tabStudent.Health_Notes desc"},
			{"group_by": "HEALTH_NOTES", "fields": '["count(name) as n"]'},
		):
			with self.subTest(**params):
				response = http(
					"get",
					"/api/resource/Student",
					self.tokens[self.admin],
					query_string={"filters": frappe.as_json([["last_name", "=", LAST_NAME]]), **params},
				)
				self.assertEqual(response.status_code, 403, str(response.json)[:300])
				self.assertEqual(response.json.get("exc_type"), "UnreadableFieldError")
		# filters: Frappe refuses a name it does not know before the query is built (417); ours refuse
		# the names it does know (403); no spelling is answered
		for fieldname in ("HEALTH_NOTES", "Health_Notes", "`health_notes`", "tabStudent.health_notes"):
			with self.subTest(filter=fieldname):
				response = http(
					"get",
					"/api/resource/Student",
					self.tokens[self.admin],
					query_string={"filters": frappe.as_json([[fieldname, "like", "Asthma%"]])},
				)
				self.assertIn(response.status_code, (403, 417), str(response.json)[:300])
				self.assertNotIn("data", response.json)

	def test_counts_with_any_spelling(self):
		for filters in (
			{"HEALTH_NOTES": ["like", "Asthma%"]},
			[["Student", "Health_Notes", "like", "Asthma%"]],
			[["ifnull(HEALTH_NOTES, '')", "like", "Asthma%"]],
			[["`health_notes`", "like", "Asthma%"]],
			[["`tabStudent`.`Health_Notes`", "like", "Asthma%"]],
			[{"HEALTH_NOTES": ["like", "Asthma%"]}],
		):
			with self.subTest(filters=filters):
				self.assertRefused(self.call("frappe.client.get_count", doctype="Student", filters=filters))

	def test_number_cards_and_charts_compute_nothing_from_a_hidden_field(self):
		card = {"document_type": "Student", "function": "Sum"}
		for aggregate in ("length(HEALTH_NOTES) * 1", "length(health_notes) * 1", "`Health_Notes`"):
			with self.subTest(aggregate=aggregate):
				self.assertRefused(
					self.call(
						"frappe.desk.doctype.number_card.number_card.get_result",
						doc={**card, "aggregate_function_based_on": aggregate},
						filters=[["Student", "name", "=", self.student]],
					)
				)
		with self.subTest(card_filter="HEALTH_NOTES"):
			self.assertRefused(
				self.call(
					"frappe.desk.doctype.number_card.number_card.get_result",
					doc={"document_type": "Student", "function": "Count"},
					filters=[["Student", "HEALTH_NOTES", "like", "Asthma%"]],
				)
			)
		chart = {
			"name": "_Test spelling chart",
			"chart_type": "Group By",
			"document_type": "Student",
			"group_by_type": "Count",
			"type": "Bar",
		}
		for group_by in ("HEALTH_NOTES", "`Health_Notes`", "`tabStudent`.`health_notes`"):
			with self.subTest(group_by=group_by):
				self.assertRefused(
					self.call(
						"frappe.desk.doctype.dashboard_chart.dashboard_chart.get",
						chart={**chart, "group_by_based_on": group_by},
						no_cache=1,
					)
				)

	def test_or_filters_with_any_spelling(self):
		frappe.set_user(self.admin)
		try:
			for or_filters in (
				[["Student", "HEALTH_NOTES", "like", "Asthma%"]],
				{"Health_Notes": ["like", "Asthma%"]},
				[["`tabStudent`.`Health_Notes`", "like", "Asthma%"]],
			):
				with self.subTest(or_filters=or_filters), self.assertRaises(frappe.PermissionError):
					frappe.get_list("Student", or_filters=or_filters)
		finally:
			frappe.set_user("Administrator")

	# ------------------------------------------------------------ what still works

	def test_readable_fields_in_any_spelling_still_work(self):
		status, body = self.call(
			"frappe.client.get_list",
			doctype="Student",
			filters=[["last_name", "=", LAST_NAME]],
			order_by="`tabStudent`.`LAST_NAME` desc",
		)
		self.assertEqual((status, [row["name"] for row in body.get("message", [])]), (200, [self.student]))
		status, body = self.call(
			"frappe.client.get_count", doctype="Student", filters={"LAST_NAME": LAST_NAME}
		)
		self.assertEqual((status, body.get("message")), (200, 1))
		# a program manager reads health notes: any spelling is theirs to use
		status, body = self.call(
			"frappe.client.get_count",
			user=self.net.program_manager,
			doctype="Student",
			filters={"HEALTH_NOTES": ["like", "Asthma%"], "last_name": LAST_NAME},
		)
		self.assertEqual((status, body.get("message")), (200, 1))

	def test_a_backticked_filter_field_is_a_clear_417_not_a_500(self):
		for fieldname in ("`last_name`", "`tabStudent`.`last_name`", "tabStudent.last_name"):
			with self.subTest(fieldname=fieldname):
				status, body = self.call(
					"frappe.client.get_count", doctype="Student", filters=[[fieldname, "=", LAST_NAME]]
				)
				self.assertEqual(status, 417, str(body)[:300])
				self.assertEqual(body.get("exc_type"), "FilterFieldNameError")
				self.assertIn("without backticks", str(body.get("_server_messages")))

	def test_frappe_doctypes_behave_as_frappe_does(self):
		"""A permlevel on a DocType of Frappe itself is Frappe's business: filtering and sorting by it is
		allowed there, as on a site without this app."""
		setter = make_property_setter("ToDo", "description", "permlevel", 1, "Int", for_doctype=False)
		frappe.clear_cache(doctype="ToDo")
		frappe.db.commit()  # nosemgrep
		try:
			for params in (
				{"filters": [["description", "like", "%x%"]]},
				{"order_by": "description desc"},
				{"group_by": "Description", "fields": ["count(name) as n"]},
			):
				with self.subTest(**params):
					status, body = self.call("frappe.client.get_list", doctype="ToDo", **params)
					self.assertEqual(status, 200, str(body)[:300])
			status, body = self.call(
				"frappe.client.get_count", doctype="ToDo", filters={"DESCRIPTION": ["like", "%x%"]}
			)
			self.assertEqual(status, 200, str(body)[:300])
		finally:
			frappe.delete_doc("Property Setter", setter.name, force=True, ignore_permissions=True)
			frappe.clear_cache(doctype="ToDo")
			frappe.db.commit()  # nosemgrep
