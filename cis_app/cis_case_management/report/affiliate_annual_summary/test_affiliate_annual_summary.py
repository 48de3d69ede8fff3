# Copyright (c) 2026, cis_app contributors and contributors
# For license information, please see license.txt
"""Affiliate Annual Summary over a small synthetic affiliate whose every figure is worked out by hand.

North (enrolment 40): case-managed N1, N2, N3 (N4 has a plan that was never activated); group sessions
G1 (N1, N2 present; N4 absent; run by partner P1) and G2 (N1, N5); five school-wide activities with
head counts 30, 35, 40, 31, 29 (four reach 30 = 75% of 40, one run by partner P3); check-ins N1
(student, 20 min), N1 (family, 15 min), N2 (family, 10 min); a monetary contribution of 500 by P1;
approved hours: V1 (a P1 volunteer) 2 h, V2 1.5 h; V2's 4 h still waiting are not counted.
South (enrolment 20): case-managed S1; group session G3 (S1, S2 present); activities 15 and 10 (one
reaches 15); check-ins S1 (teacher, 5 min), S2 (family, 30 min); in-kind goods of 200 by P2; V1
approved 3 h.
Affiliate-wide: in-kind services of 300 by P2 without a site; a monetary contribution of 999 by P1
dated before the school year (not counted).
"""

from decimal import ROUND_HALF_UP, Decimal
from unittest.mock import patch

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, getdate, nowdate

from cis_app.cis_case_management.report.affiliate_annual_summary import affiliate_annual_summary
from cis_app.utils.exceptions import OutOfScopeError
from cis_app.tests.factories import (
	act,
	make_active_plan,
	make_affiliate,
	make_district,
	make_hours,
	make_site,
	make_student,
	make_support_plan,
	make_user,
	make_volunteer_record,
	school_year_covering,
)

AFFILIATE = "_Test AAS Affiliate"
DISTRICT = "_Test AAS District"
NORTH, SOUTH = "_Test AAS North", "_Test AAS South"
P1, P2, P3 = "_Test AAS Partner One", "_Test AAS Partner Two", "_Test AAS Partner Three"
COORDINATOR_NORTH = "aas-coordinator-north@example.com"
COORDINATOR_SOUTH = "aas-coordinator-south@example.com"
PROGRAM_MANAGER = "aas-program-manager@example.com"
EVALUATOR = "aas-evaluator@example.com"
PARTNER_MANAGER = "aas-partner-manager@example.com"
STUDENT_FIGURES = (
	"case_managed",
	"case_managed_share",
	"case_managed_band",
	"tier2_students",
	"check_ins",
	"check_in_minutes",
	"family_check_ins",
	"families_engaged",
)


def run(user, **filters):
	frappe.set_user(user)
	try:
		return affiliate_annual_summary.execute(filters)
	finally:
		frappe.set_user("Administrator")


class TestAffiliateAnnualSummary(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		# a year that began at least 60 days ago: the records below are dated up to 31 days after its
		# start, and must not be in the future (a year made on its first days would put them there)
		cls.year = school_year_covering(add_days(nowdate(), -60), nowdate())
		cls.start = getdate(frappe.db.get_value("School Year", cls.year, "year_start_date"))
		make_user(COORDINATOR_NORTH, "Site Coordinator")
		make_user(COORDINATOR_SOUTH, "Site Coordinator")
		make_user(PROGRAM_MANAGER, "Program Manager")
		make_user(EVALUATOR, "Evaluator")
		make_user(PARTNER_MANAGER, "Partner Manager")
		make_affiliate(AFFILIATE, staff=[(EVALUATOR, "Evaluator"), (PARTNER_MANAGER, "Partner Manager")])
		make_district(DISTRICT, AFFILIATE)
		make_site(
			NORTH,
			AFFILIATE,
			DISTRICT,
			staff=[(COORDINATOR_NORTH, "Site Coordinator"), (PROGRAM_MANAGER, "Program Manager")],
		)
		make_site(
			SOUTH,
			AFFILIATE,
			DISTRICT,
			staff=[(COORDINATOR_SOUTH, "Site Coordinator"), (PROGRAM_MANAGER, "Program Manager")],
		)
		frappe.db.set_value("Site", NORTH, "enrollment_count", 40)
		frappe.db.set_value("Site", SOUTH, "enrollment_count", 20)
		for partner in (P1, P2, P3):
			frappe.get_doc(
				{
					"doctype": "Partner",
					"partner_name": partner,
					"partner_type": "Business",
					"affiliate": AFFILIATE,
				}
			).insert(ignore_permissions=True)

		north = {key: make_student(NORTH).name for key in ("N1", "N2", "N3", "N4", "N5")}
		south = {key: make_student(SOUTH).name for key in ("S1", "S2")}
		for key in ("N1", "N2", "N3"):
			make_active_plan(north[key], school_year=cls.year)
		make_active_plan(south["S1"], school_year=cls.year)
		make_support_plan(north["N4"], school_year=cls.year)  # Draft: never activated

		cls.session(NORTH, 1, [(north["N1"], 1), (north["N2"], 1), (north["N4"], 0)], partner=P1)
		cls.session(NORTH, 2, [(north["N1"], 1), (north["N5"], 1)])
		cls.session(SOUTH, 3, [(south["S1"], 1), (south["S2"], 1)])
		for offset, head_count, partner in (
			(1, 30, None),
			(2, 35, P3),
			(3, 40, None),
			(4, 31, None),
			(5, 29, None),
		):
			cls.activity(NORTH, offset, head_count, partner)
		for offset, head_count in ((1, 15), (2, 10)):
			cls.activity(SOUTH, offset, head_count)
		for student, contact_with, minutes in (
			(north["N1"], "Student", 20),
			(north["N1"], "Family", 15),
			(north["N2"], "Family", 10),
			(south["S1"], "Teacher", 5),
			(south["S2"], "Family", 30),
		):
			frappe.get_doc(
				{
					"doctype": "Student Check-In",
					"student": student,
					"checkin_date": cls.day(10),
					"contact_with": contact_with,
					"minutes": minutes,
				}
			).insert(ignore_permissions=True)
		for partner, contribution_type, value, site, date in (
			(P1, "Monetary", 500, NORTH, cls.day(20)),
			(P2, "In-Kind Goods", 200, SOUTH, cls.day(21)),
			(P2, "In-Kind Services", 300, None, cls.day(22)),
			(P1, "Monetary", 999, None, cls.day(-30)),  # the summer before: another year
		):
			frappe.get_doc(
				{
					"doctype": "Partner Contribution",
					"partner": partner,
					"contribution_type": contribution_type,
					"amount" if contribution_type == "Monetary" else "fair_value": value,
					"site": site,
					"contribution_date": date,
				}
			).insert(ignore_permissions=True)
		v1 = make_volunteer_record("aas-volunteer-one@example.com", [NORTH, SOUTH], AFFILIATE, partner=P1)
		v2 = make_volunteer_record("aas-volunteer-two@example.com", [NORTH], AFFILIATE)
		for volunteer, site, hours, coordinator in (
			(v1, NORTH, 2, COORDINATOR_NORTH),
			(v2, NORTH, 1.5, COORDINATOR_NORTH),
			(v1, SOUTH, 3, COORDINATOR_SOUTH),
		):
			act(make_hours(volunteer, site, hours, date=cls.day(30)), "Approve", coordinator)
		make_hours(v2, NORTH, 4, date=cls.day(31))  # submitted, not approved
		# the value of a volunteer hour of the year (CIS Settings): each entry is worth hours x it, in cents
		rates = set(
			frappe.get_all("Volunteer Hours", filters={"volunteer": ["in", [v1, v2]]}, pluck="hourly_value")
		)
		cls.rate = rates.pop()

		def worth(*hours):  # each entry: hours x the rate, rounded half up to the cent
			cents = Decimal("0.01")
			return float(
				sum((Decimal(str(h)) * Decimal(str(cls.rate))).quantize(cents, ROUND_HALF_UP) for h in hours)
			)

		cls.hour_value = {NORTH: worth(2, 1.5), SOUTH: worth(3)}
		from cis_app.permissions.scope import clear_scope_cache

		clear_scope_cache()

	@classmethod
	def day(cls, offset: int) -> str:
		"""A date ``offset`` days after the school year's start (early in the year, so never future)."""
		return str(add_days(cls.start, offset))

	@classmethod
	def session(cls, site, offset, roster, partner=None):
		frappe.get_doc(
			{
				"doctype": "Group Session",
				"site": site,
				"support_type": "Tutoring",
				"session_date": cls.day(offset),
				"provider_type": "Partner" if partner else "Staff",
				"partner": partner,
				"minutes": 45,
				"attendees": [{"student": student, "present": present} for student, present in roster],
			}
		).insert(ignore_permissions=True)

	@classmethod
	def activity(cls, site, offset, head_count, partner=None):
		frappe.get_doc(
			{
				"doctype": "School-wide Activity",
				"site": site,
				"support_type": "School-wide Assembly",
				"activity_date": cls.day(offset),
				"head_count": head_count,
				"partner": partner,
			}
		).insert(ignore_permissions=True)

	def rows(self, user="Administrator", **filters):
		_columns, data, _message, _chart, _summary = run(
			user, school_year=self.year, affiliate=AFFILIATE, **filters
		)
		return {row["site"]: row for row in data}

	def test_every_figure_by_hand(self):
		rows = self.rows(suppress_small_cells=0)
		self.assertEqual(set(rows), {NORTH, SOUTH, None})
		north, south, total = rows[NORTH], rows[SOUTH], rows[None]
		expected = {
			# field: (North, South, affiliate total)
			"schools_served": (1, 1, 2),
			"enrollment": (40, 20, 60),
			"case_managed": (3, 1, 4),
			"case_managed_share": (7.5, 5.0, 6.7),  # 3/40, 1/20, 4/60 = 6.67
			"tier2_students": (3, 2, 5),  # N1, N2, N5 | S1, S2
			"tier2_sessions": (2, 1, 3),
			"tier1_activities": (5, 2, 7),
			"tier1_head_count": (165, 25, 190),
			"tier1_reaching_75": (4, 1, 5),
			"check_ins": (3, 2, 5),
			"check_in_minutes": (45, 35, 80),
			"family_check_ins": (2, 1, 3),
			"families_engaged": (2, 1, 3),
			"partners_active": (2, 2, 3),  # P1, P3 | P1 (V1's hours), P2 | P1, P2, P3
			"contributions": (1, 1, 3),  # the total has P2's contribution without a site
			"monetary_contributions": (1, 0, 1),
			"monetary_value": (500, 0, 500),
			"in_kind_goods_value": (0, 200, 200),
			"in_kind_services_contributions": (0, 0, 1),
			"in_kind_services_value": (0, 0, 300),
			"contribution_value": (500, 200, 1000),
			"volunteers": (2, 1, 2),  # V1, V2 | V1 | V1, V2
			"volunteer_hours": (3.5, 3, 6.5),
			"suppressed": (0, 0, 0),
		}
		for field, values in expected.items():
			self.assertEqual((north[field], south[field], total[field]), values, field)
		self.assertEqual(north["volunteer_value"], self.hour_value[NORTH])
		self.assertEqual(south["volunteer_value"], self.hour_value[SOUTH])
		self.assertAlmostEqual(total["volunteer_value"], self.hour_value[NORTH] + self.hour_value[SOUTH])
		self.assertGreater(self.rate, 0)
		self.assertEqual(
			(north["case_managed_band"], south["case_managed_band"], total["case_managed_band"]),
			("Within 5-10%", "Within 5-10%", "Within 5-10%"),
		)
		self.assertEqual(
			(north["tier1_standard"], south["tier1_standard"], total["tier1_standard"]),
			("Met", "Not met", "1 of 2 sites"),
		)

	def test_chart_summary_and_message(self):
		_columns, _data, message, chart, summary = run(
			"Administrator", school_year=self.year, affiliate=AFFILIATE, suppress_small_cells=0
		)
		self.assertEqual(chart["data"]["labels"], [NORTH, SOUTH])
		self.assertEqual(chart["data"]["datasets"][0]["values"], [7.5, 5.0])
		values = {item["label"]: item["value"] for item in summary}
		self.assertEqual(values["Students Case-Managed"], 4)
		self.assertEqual(values["Case-Managed Share of Enrolment"], 6.7)
		self.assertEqual(values["Schools Served"], 2)
		self.assertEqual(values["Contribution Value"], 1000)
		self.assertIn("Definitions", message)

	def test_evaluator_gets_suppressed_counts_whatever_the_filter(self):
		for user, suppress in ((EVALUATOR, 1), (EVALUATOR, 0), (EVALUATOR, "0"), (PARTNER_MANAGER, 0)):
			rows = self.rows(user, suppress_small_cells=suppress)
			self.assertEqual(set(rows), {NORTH, SOUTH, None})
			for site, row in rows.items():
				for field in STUDENT_FIGURES:
					self.assertIsNone(row[field], (user, site, field))
				self.assertEqual(row["suppressed"], 1)
			# the program's figures are not about students: shown
			self.assertEqual(
				(rows[None]["schools_served"], rows[None]["enrollment"], rows[None]["volunteer_hours"]),
				(2, 60, 6.5),
			)
			self.assertEqual(rows[NORTH]["tier1_standard"], "Met")
		_columns, _data, _message, chart, summary = run(
			EVALUATOR, school_year=self.year, affiliate=AFFILIATE, suppress_small_cells=0
		)
		self.assertIsNone(chart)  # every share suppressed: nothing drawn
		labels = {item["label"] for item in summary}
		self.assertNotIn("Students Case-Managed", labels)
		self.assertIn("Schools Served", labels)

	def test_evaluator_through_query_report_run(self):
		from frappe.desk.query_report import run as run_report

		frappe.set_user(EVALUATOR)
		try:
			result = run_report(
				"Affiliate Annual Summary",
				filters={"school_year": self.year, "affiliate": AFFILIATE, "suppress_small_cells": 0},
			)
		finally:
			frappe.set_user("Administrator")
		rows = [
			row for row in result["result"] if isinstance(row, dict) and row.get("affiliate") == AFFILIATE
		]
		self.assertEqual(len(rows), 3)
		for row in rows:
			self.assertIsNone(row["case_managed"])
			self.assertIsNone(row["tier2_students"])
			self.assertIsNone(row["families_engaged"])
		self.assertEqual(rows[-1]["contribution_value"], 1000)

	def test_partial_suppression_with_a_lower_threshold(self):
		with patch.object(affiliate_annual_summary, "get_threshold", return_value=3):
			rows = self.rows()
		# South's 1 case-managed student is suppressed, North's 3 with it (else total minus North)
		self.assertEqual((rows[NORTH]["case_managed"], rows[SOUTH]["case_managed"]), (None, None))
		self.assertEqual(rows[None]["case_managed"], 4)
		self.assertEqual((rows[NORTH]["case_managed_share"], rows[SOUTH]["case_managed_share"]), (None, None))
		self.assertEqual(rows[None]["case_managed_share"], 6.7)
		# check-ins 3 and 2: South's below 3, North's suppressed with it, minutes follow
		self.assertEqual((rows[NORTH]["check_ins"], rows[NORTH]["check_in_minutes"]), (None, None))
		self.assertEqual((rows[None]["check_ins"], rows[None]["check_in_minutes"]), (5, 80))
		self.assertEqual(rows[SOUTH]["volunteers"], 1)  # not about students: never suppressed

	def test_program_manager_of_both_sites_may_turn_suppression_off(self):
		rows = self.rows(PROGRAM_MANAGER, suppress_small_cells=0)
		self.assertEqual((rows[NORTH]["case_managed"], rows[None]["case_managed"]), (3, 4))
		rows = self.rows(PROGRAM_MANAGER)  # on by default
		self.assertIsNone(rows[None]["case_managed"])
		# the desk sends no filter whose value is 0: an unticked box arrives as show_small_cells
		rows = self.rows(PROGRAM_MANAGER, suppress_small_cells=None, show_small_cells=1)
		self.assertEqual(rows[None]["case_managed"], 4)
		rows = self.rows(EVALUATOR, show_small_cells=1)
		self.assertIsNone(rows[None]["case_managed"])

	def test_coordinator_sees_only_their_site(self):
		rows = self.rows(COORDINATOR_NORTH, suppress_small_cells=0)
		self.assertEqual(set(rows), {NORTH, None})
		# the total of what they see: North alone, without the contribution that has no site
		for field in ("case_managed", "tier2_students", "check_ins", "contributions", "volunteers"):
			self.assertEqual(rows[None][field], rows[NORTH][field], field)
		self.assertEqual(rows[None]["contribution_value"], 500)
		rows = self.rows(COORDINATOR_NORTH)
		self.assertIsNone(rows[NORTH]["case_managed"])
		self.assertRaises(OutOfScopeError, self.rows, COORDINATOR_NORTH, site=SOUTH)
		rows = self.rows(COORDINATOR_SOUTH, site=SOUTH, suppress_small_cells=0)
		self.assertEqual(set(rows), {SOUTH, None})
		self.assertEqual(rows[SOUTH]["tier2_students"], 2)

	def test_user_without_sites_gets_no_figures(self):
		nobody = make_user("aas-coordinator-nowhere@example.com", "Site Coordinator")
		_columns, data, message, chart, summary = run(nobody, school_year=self.year)
		self.assertEqual((data, chart, summary), ([], None, []))
		self.assertIn("You serve no site", message)
		self.assertRaises(OutOfScopeError, run, nobody, school_year=self.year, affiliate=AFFILIATE)

	def test_suppressed_figures_cannot_be_recovered_by_differencing(self):
		"""With a threshold of 3 the affiliate's total of 4 case-managed students is shown while South's
		1 is suppressed: the total minus North alone (3) would give South's. For a viewer whose figures
		are always suppressed, narrowing to a site is refused; the whole, or an affiliate that holds every
		site they see, is no narrowing."""
		with patch.object(affiliate_annual_summary, "get_threshold", return_value=3):
			whole = self.rows(EVALUATOR)
			self.assertEqual((whole[None]["case_managed"], whole[SOUTH]["case_managed"]), (4, None))
			for user in (EVALUATOR, PARTNER_MANAGER):
				for site in (NORTH, SOUTH):
					with self.assertRaises(OutOfScopeError, msg=(user, site)) as caught:
						self.rows(user, site=site)
					self.assertIn("each site's row is shown beside the total", str(caught.exception))
					with self.assertRaises(OutOfScopeError):
						run(user, school_year=self.year, site=site, suppress_small_cells=0)
			# staff who may read every student behind the figures narrow as they like
			self.assertEqual(self.rows(PROGRAM_MANAGER, site=NORTH)[None]["case_managed"], 3)
			self.assertEqual(
				self.rows("Administrator", site=SOUTH, suppress_small_cells=0)[None]["case_managed"], 1
			)

	def test_unknown_school_year_is_refused(self):
		self.assertRaises(
			frappe.DoesNotExistError, run, "Administrator", school_year="_Test AAS No Such Year"
		)
