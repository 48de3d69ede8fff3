# Copyright (c) 2026, cis_app contributors
# For license information, please see license.txt
"""Every whitelisted method loaded on the site is classified once (cis_app.core.ways_out)."""

import frappe
from frappe.tests.utils import FrappeTestCase

from cis_app.permissions import ways_out
from cis_app.core import ways_out as routes


class TestEveryMethodIsClassified(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		ways_out.load_every_module()

	def test_every_loaded_whitelisted_method_is_classified(self):
		missing = ways_out.unclassified_methods()
		self.assertEqual(missing, [], "classify these in cis_app/core/ways_out.py (METHODS)")

	def test_the_list_names_no_method_that_is_gone(self):
		# a method Frappe or the app removed or renamed must leave the list too: its class would
		# otherwise be read for whatever comes to bear the name
		loaded = ways_out.whitelisted_keys()
		gone = sorted(key for key in routes.METHODS if key not in loaded)
		self.assertEqual(gone, [])

	def test_a_new_whitelisted_method_is_reported_unclassified(self):
		def brand_new_export():
			return None

		brand_new_export.__module__ = "cis_app.brand_new_module"
		brand_new_export.__qualname__ = "brand_new_export"
		registered = frappe.whitelist()(brand_new_export)
		try:
			self.assertIn("cis_app.brand_new_module.brand_new_export", ways_out.unclassified_methods())
		finally:
			frappe.whitelisted[:] = [f for f in frappe.whitelisted if f is not registered and f is not brand_new_export]
