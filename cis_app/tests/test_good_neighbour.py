# Copyright (c) 2026, cis_app contributors and contributors
# For license information, please see license.txt

"""A good neighbour on a shared site and a shared bench: every patch of Frappe acts on the app's own
DocTypes (and the records about them) only, and only on a site that has the app.

Frappe's own test modules that prove the same from Frappe's side run in the integration layer of the
test command (``scripts/cis_bench.py``, ``FRAPPE_MODULES``) on the site that ran this one.
"""

from contextlib import contextmanager
from unittest.mock import patch

import frappe
from frappe.custom.doctype.property_setter.property_setter import make_property_setter
from frappe.model import get_permitted_fields
from frappe.model.db_query import DatabaseQuery
from frappe.tests.utils import FrappeTestCase

from cis_app.permissions import field_guard
from cis_app.utils.installed import on_this_site
from cis_app.tests.factories import TwoSites, make_user

BLOGGER = "cis-neighbour-blogger@example.com"


@contextmanager
def a_site_without_the_app():
	"""What this process sees while it serves a site of the same bench without cis_app: that site's
	installed apps (its defaults) do not name it, and neither do its hooks. Nothing is written: the
	site's own cache of its hooks is left alone."""
	apps = [app for app in frappe.get_installed_apps() if app != "cis_app"]
	with patch("frappe.get_installed_apps", return_value=apps):
		hooks = frappe._dict(frappe._load_app_hooks())

		def get_hooks(hook=None, default="_KEEP_DEFAULT_LIST", app_name=None):
			source = frappe._dict(frappe._load_app_hooks(app_name)) if app_name else hooks
			if hook:
				return source.get(hook, [] if default == "_KEEP_DEFAULT_LIST" else default)
			return source

		with patch("frappe.get_hooks", get_hooks):
			yield


class TestGoodNeighbour(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		cls.net = TwoSites.build()
		make_user(BLOGGER, "Blogger")
		# Frappe's own test_db_query.test_permlevel_fields: Blog Post's "published" above permlevel 0,
		# so a Blogger may not read it
		cls.setter = make_property_setter("Blog Post", "published", "permlevel", 1, "Int").name
		frappe.clear_cache(doctype="Blog Post")
		field_guard.install()  # as the first request or job of a process does

	@classmethod
	def tearDownClass(cls):
		frappe.set_user("Administrator")
		frappe.delete_doc("Property Setter", cls.setter, force=True, ignore_permissions=True)
		frappe.clear_cache(doctype="Blog Post")
		super().tearDownClass()

	def tearDown(self):
		frappe.set_user("Administrator")

	def test_the_guard_is_in_the_process(self):
		"""Otherwise every test below would pass for nothing."""
		self.assertTrue(getattr(DatabaseQuery, "_cis_field_guard", False))
		self.assertTrue(on_this_site())

	def test_another_apps_permlevel_field_filters_sorts_and_groups_as_in_frappe(self):
		self.assertNotIn("published", get_permitted_fields("Blog Post", user=BLOGGER))
		frappe.set_user(BLOGGER)
		for params in (
			{"filters": {"published": 1}},
			{"filters": [["Blog Post", "published", "=", 1]]},
			{"or_filters": [["published", "=", 1], ["published", "=", 0]]},
			{"order_by": "published desc"},
			{"order_by": "`tabBlog Post`.`PUBLISHED` desc"},
			{"group_by": "published", "fields": ["count(name) as n"]},
			{"fields": ["name", "max(`published`) as p"]},
		):
			with self.subTest(**params):
				frappe.get_list("Blog Post", **{"fields": ["name"], "limit": 1, **params})
		# Frappe drops a column the user cannot read from the answer, with or without the app
		rows = frappe.get_list("Blog Post", fields=["name", "published"], limit=1)
		self.assertTrue(all("published" not in row for row in rows))

	def test_another_apps_count_is_frappes_count(self):
		from frappe.client import get_count as frappe_get_count

		from cis_app.overrides.generic_methods import get_count

		frappe.set_user(BLOGGER)
		self.assertEqual(
			get_count("Blog Post", filters={"published": 1}),
			frappe_get_count("Blog Post", filters={"published": 1}),
		)

	def test_the_apps_own_permlevel_field_is_still_guarded(self):
		frappe.set_user(self.net.admin)  # a CIS Administrator: reads students, not their health notes
		self.assertNotIn("health_notes", get_permitted_fields("Student", user=self.net.admin))
		with self.assertRaises(field_guard.UnreadableFieldError):
			frappe.get_list("Student", filters={"health_notes": ["like", "%asthma%"]}, limit=1)

	def test_a_site_without_the_app_gets_frappes_query_from_a_process_that_served_this_one(self):
		"""The wrapper stays in ``DatabaseQuery`` once a request of this site installed it; on a site of
		the same bench without cis_app (whose installed apps do not name it) it is Frappe's
		``build_conditions``: the same filter on a field the user cannot read is not refused."""
		frappe.set_user(self.net.admin)
		unreadable = {"filters": {"health_notes": ["like", "%asthma%"]}, "fields": ["name"], "limit": 1}
		with a_site_without_the_app():
			self.assertFalse(on_this_site())
			with patch.object(
				field_guard, "refuse_unreadable_fields", wraps=field_guard.refuse_unreadable_fields
			) as guard:
				rows = DatabaseQuery("Student", user=self.net.admin).execute(**unreadable)
				frappe.set_user(BLOGGER)
				frappe.get_list("Blog Post", filters={"published": 1}, limit=1)
				frappe.set_user(self.net.admin)
			self.assertIsInstance(rows, list)
			self.assertEqual(guard.call_count, 0)  # not a rule of the app was looked at
		# and back on this site, the next call refuses again
		with self.assertRaises(field_guard.UnreadableFieldError):
			DatabaseQuery("Student", user=self.net.admin).execute(**unreadable)

	def test_the_per_call_check_reads_the_sites_apps_once_per_request(self):
		getattr(frappe.local, "request_cache", {}).pop(frappe.get_installed_apps.__wrapped__, None)
		with patch.object(frappe.db, "get_global", wraps=frappe.db.get_global) as get_global:
			for _ in range(5):
				self.assertTrue(on_this_site())
		self.assertEqual(
			[call.args for call in get_global.call_args_list].count(("installed_apps",)),
			1,
		)

	def test_prepared_reports_of_other_apps_follow_frappes_rules(self):
		from cis_app.overrides.prepared_reports import (
			has_prepared_report_permission,
			is_app_report,
			prepared_report_conditions,
		)

		frappes_report = frappe.get_all("Report", filters={"module": "Core"}, pluck="name", limit=1)[0]
		self.assertTrue(is_app_report("Caseload"))
		self.assertFalse(is_app_report(frappes_report))
		for report, answer in ((frappes_report, None), ("Caseload", False)):
			with self.subTest(report=report):
				made = frappe.get_doc(
					{"doctype": "Prepared Report", "report_name": report, "owner": self.net.coordinator_b}
				)
				self.assertEqual(has_prepared_report_permission(made, "read", self.net.coordinator_a), answer)
		self.assertIn("not in", prepared_report_conditions(self.net.coordinator_a))
