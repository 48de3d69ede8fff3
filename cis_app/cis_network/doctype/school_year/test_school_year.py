# Copyright (c) 2026, cis_app contributors and contributors
# For license information, please see license.txt

import frappe
from frappe.tests.utils import FrappeTestCase

from cis_app.utils.exceptions import InvalidDateError, InvalidDateRangeError, OverlappingPeriodError
from cis_app.cis_network.settings import school_year_of
from cis_app.tests.factories import make_school_year


class TestSchoolYear(FrappeTestCase):
	def test_end_before_start_is_refused(self):
		with self.assertRaises(InvalidDateRangeError):
			make_school_year("1990-1991", "1991-05-30", "1990-08-15")
		self.assertFalse(frappe.db.exists("School Year", "1990-1991"))

	def test_overlapping_years_are_refused(self):
		make_school_year("1980-1981", "1980-08-15", "1981-05-30")
		with self.assertRaises(OverlappingPeriodError):
			make_school_year("1981-1982", "1981-05-01", "1982-04-30")
		self.assertFalse(frappe.db.exists("School Year", "1981-1982"))
		make_school_year("1981-1982b", "1981-08-15", "1982-05-30")
		self.assertEqual(
			frappe.db.get_value("School Year", "1981-1982b", ["year_start_date", "year_end_date"]),
			(frappe.utils.getdate("1981-08-15"), frappe.utils.getdate("1982-05-30")),
		)

	def test_each_day_falls_in_one_year_or_none(self):
		make_school_year("1984-1985", "1984-08-15", "1985-05-30")
		make_school_year("1985-1986", "1985-08-15", "1986-05-30")
		self.assertEqual(school_year_of("1984-08-15"), "1984-1985")  # first day
		self.assertEqual(school_year_of("1985-05-30"), "1984-1985")  # last day
		self.assertIsNone(school_year_of("1985-07-04"))  # summer between the two
		self.assertEqual(school_year_of("1985-08-15"), "1985-1986")

	def test_a_year_longer_than_a_year_or_without_dates_is_refused(self):
		with self.assertRaises(InvalidDateRangeError):
			make_school_year("1970-1980", "1970-08-01", "1980-07-31")
		with self.assertRaises(InvalidDateError):
			make_school_year("1971-1972", "not a date", "1972-07-31")
		self.assertEqual(frappe.db.count("School Year", {"name": ["in", ["1970-1980", "1971-1972"]]}), 0)
		make_school_year("1972-1973", "1972-08-01", "1973-07-31")  # 365 days: a school year with its summer
		self.assertEqual(school_year_of("1973-07-31"), "1972-1973")
