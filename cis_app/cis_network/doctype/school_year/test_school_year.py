# Copyright (c) 2026, cis_app contributors and contributors
# For license information, please see license.txt

import frappe
from frappe.tests.utils import FrappeTestCase

from cis_app.exceptions import InvalidDateRangeError, OverlappingPeriodError
from cis_app.testing import make_school_year


class TestSchoolYear(FrappeTestCase):
	def test_end_before_start_is_refused(self):
		with self.assertRaises(InvalidDateRangeError):
			make_school_year("1990-1991", "1991-05-30", "1990-08-15")
		self.assertFalse(frappe.db.exists("School Year", "1990-1991"))

	def test_overlapping_years_are_refused(self):
		make_school_year("1980-1981", "1980-08-15", "1981-05-30")
		with self.assertRaises(OverlappingPeriodError):
			make_school_year("1981-1982", "1981-05-01", "1982-05-30")
		make_school_year("1981-1982b", "1981-08-15", "1982-05-30")
