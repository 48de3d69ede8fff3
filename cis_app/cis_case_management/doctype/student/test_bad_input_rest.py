# Copyright (c) 2026, cis_app contributors and contributors
# For license information, please see license.txt
"""Bad input over /api/resource (token auth, as a script or an integration sends it): each mistake is
answered as the user's (417, a message naming the field), never with a server error, and nothing is
saved. The limits themselves are in cis_app.core.plausibility and tests/test_plausibility.py.

The requests run in another thread with their own database connection, so this test commits its
records and deletes them afterwards.
"""

import json

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, add_years, getdate, nowdate

from cis_app.tests.factories import (
	TwoSites,
	api_token,
	http,
	make_school_year,
	make_student,
	make_volunteer,
	school_year_covering,
)

MARK = "_Test Bad Input"
LAST_NAME = "Badinput"
FUTURE_YEAR = "_Test Bad Input 2090"
SETTINGS_FIELDS = ("default_volunteer_hour_value", "goal_progress_tolerance", "gpa_flag")


class TestBadInputOverREST(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		cls.net = TwoSites.build()
		# the deliveries below are dated yesterday: that day and today in one school year
		cls.school_year = school_year_covering(add_days(nowdate(), -1), nowdate())
		make_school_year(FUTURE_YEAR, "2090-08-01", "2091-07-31")
		cls.support_type = f"{MARK} Support"
		if not frappe.db.exists("Support Type", cls.support_type):
			frappe.get_doc(
				{
					"doctype": "Support Type",
					"support_type_name": cls.support_type,
					"category": "Academic",
					"tier_1": 1,
					"tier_2": 1,
				}
			).insert(ignore_permissions=True)
		cls.partner = f"{MARK} Partner"
		if not frappe.db.exists("Partner", cls.partner):
			frappe.get_doc(
				{
					"doctype": "Partner",
					"partner_name": cls.partner,
					"partner_type": "Business",
					"affiliate": cls.net.affiliate,
				}
			).insert(ignore_permissions=True)
		cls.volunteer = make_volunteer("cis-badinput-vol@example.com", [cls.net.site_a]).name
		cls.student = make_student(cls.net.site_a, last_name=LAST_NAME).name
		settings = frappe.get_doc("CIS Settings")
		cls.settings_before = {field: settings.get(field) for field in SETTINGS_FIELDS}
		cls.hour_values_before = [
			{"year": row.year, "hourly_value": row.hourly_value, "source": row.source}
			for row in settings.volunteer_hour_values
		]
		cls.tokens = {
			user: api_token(user) for user in (cls.net.coordinator_a, cls.net.partner_manager, cls.net.admin)
		}
		frappe.db.commit()  # nosemgrep: the WSGI thread reads through its own connection

	@classmethod
	def tearDownClass(cls):
		frappe.set_user("Administrator")
		frappe.db.rollback()
		students = frappe.get_all("Student", {"last_name": LAST_NAME}, pluck="name")
		leftovers = [
			("Volunteer Hours", {"volunteer": cls.volunteer}),
			("Partner Contribution", {"partner": ["in", [cls.partner, "NOPE"]]}),
			("Student Consent", {"student": ["in", students]}),
			("Student Year-End Status", {"student": ["in", students]}),
			("School-wide Activity", {"support_type": cls.support_type}),
			("Group Session", {"support_type": cls.support_type}),
			("Student", {"name": ["in", students]}),
			# the volunteer of setUpClass stays, with its portal login, for the next run (as in the other tests)
			("CIS Volunteer", {"email": ["like", "cis-badinput-%"], "name": ["!=", cls.volunteer]}),
			("Partner", {"name": ["like", f"{MARK}%"]}),
			("Site", {"name": ["like", f"{MARK}%"]}),
			("School District", {"name": ["like", f"{MARK}%"]}),
			("School Year", {"name": ["like", f"{MARK}%"]}),
			("Support Type", {"name": cls.support_type}),
		]
		for doctype, filters in leftovers:
			for name in frappe.get_all(doctype, filters, pluck="name"):
				frappe.delete_doc(doctype, name, force=True, ignore_permissions=True)
		settings = frappe.get_doc("CIS Settings")
		settings.update(cls.settings_before)
		settings.set("volunteer_hour_values", cls.hour_values_before)
		settings.flags.ignore_validate = True
		settings.save(ignore_permissions=True)
		frappe.db.commit()  # nosemgrep
		super().tearDownClass()

	# ------------------------------------------------------------------ helpers

	def send(self, method, user, path, data):
		return http(method, f"/api/resource/{path}", self.tokens[user], json=data)

	def assert_refused(self, response, *words):
		"""The answer to a user's mistake: 417 and a message that names what to fix."""
		body = response.json or {}
		messages = " ".join(
			json.loads(message).get("message", "")
			for message in json.loads(body.get("_server_messages") or "[]")
		)
		self.assertEqual(
			response.status_code, 417, f"{body.get('exc_type')}: {messages or body.get('exception')}"
		)
		for word in words:
			self.assertIn(word, messages)
		return body

	def assert_create_refused(self, user, doctype, data, *words):
		before = self.count(doctype)
		body = self.assert_refused(self.send("post", user, doctype, data), *words)
		self.assertEqual(self.count(doctype), before, f"a {doctype} was saved")
		return body

	def assert_update_refused(self, user, doctype, name, data, *words):
		fields = [field for field in data if not isinstance(data[field], list)]
		before = frappe.db.get_value(doctype, name, fields, as_dict=True)
		self.assert_refused(self.send("put", user, f"{doctype}/{name}", data), *words)
		frappe.db.rollback()  # read what the request's connection committed
		self.assertEqual(frappe.db.get_value(doctype, name, fields, as_dict=True), before)

	def count(self, doctype):
		frappe.db.rollback()  # read what the request's connection committed
		return frappe.db.count(doctype)

	def new_student(self, **values):
		return {
			"first_name": "Dana",
			"last_name": LAST_NAME,
			"site": self.net.site_a,
			"district_student_id": f"BAD-{frappe.generate_hash(length=8)}",
			"grade_level": "7",
			**values,
		}

	def hours(self, **values):
		return {
			"volunteer": self.volunteer,
			"site": self.net.site_a,
			"date": add_days(nowdate(), -1),
			"hours": 1,
			"activity": self.support_type,
			**values,
		}

	# ------------------------------------------------------------------ students

	def test_student_date_of_birth_must_be_a_past_k12_age(self):
		coordinator = self.net.coordinator_a
		future = str(add_years(nowdate(), 5))  # in the future whatever the year of the run
		self.assert_create_refused(
			coordinator, "Student", self.new_student(date_of_birth=future), "Date of Birth", "future"
		)
		self.assert_create_refused(
			coordinator,
			"Student",
			self.new_student(date_of_birth=add_years(nowdate(), -26)),
			"Date of Birth",
			"2 to 25 years",
		)
		self.assert_create_refused(
			coordinator, "Student", self.new_student(date_of_birth="not-a-date"), "Date of Birth"
		)
		self.assert_update_refused(
			coordinator, "Student", self.student, {"date_of_birth": future}, "Date of Birth"
		)
		twelve = add_years(nowdate(), -12)
		accepted = self.send("put", coordinator, f"Student/{self.student}", {"date_of_birth": twelve})
		self.assertEqual(accepted.status_code, 200, accepted.get_data(as_text=True)[:300])
		self.assertEqual(accepted.json["data"]["date_of_birth"], twelve)

	def test_markup_in_names_is_refused(self):
		self.assert_create_refused(
			self.net.coordinator_a,
			"Student",
			self.new_student(first_name="<script>alert(1)</script>Ann"),
			"First Name",
			"plain text",
		)
		self.assert_create_refused(
			self.net.coordinator_a,
			"Student",
			self.new_student(guardians=[{"guardian_name": "<img src=x onerror=alert(1)>Mom"}]),
			"Row #1: Guardian Name",
		)
		self.assert_create_refused(
			self.net.partner_manager,
			"CIS Volunteer",
			{
				"first_name": "<b>Vic</b>",
				"email": "cis-badinput-markup@example.com",
				"affiliate": self.net.affiliate,
			},
			"First Name",
		)

	def test_consent_dates(self):
		consent = {
			"student": self.student,
			"scope": "Case Management",
			"school_year": self.school_year,
			"guardian_name": "Pat Guardian",
			"signed_date": add_days(nowdate(), -2),
		}
		coordinator = self.net.coordinator_a
		self.assert_create_refused(
			coordinator, "Student Consent", {**consent, "revoked_date": add_days(nowdate(), 5)}, "Revoked On"
		)
		self.assert_create_refused(
			coordinator, "Student Consent", {**consent, "expiry_date": "31/31/2026"}, "Expires On"
		)

	def test_year_end_status_for_a_year_not_started(self):
		self.assert_create_refused(
			self.net.coordinator_a,
			"Student Year-End Status",
			{
				"student": self.student,
				"school_year": FUTURE_YEAR,
				"grade_level": "7",
				"year_end_status": "Promoted",
			},
			"School Year",
			FUTURE_YEAR,
		)

	# ------------------------------------------------------------------ deliveries

	def test_head_counts_and_minutes_within_limits(self):
		coordinator = self.net.coordinator_a
		activity = {
			"site": self.net.site_a,
			"support_type": self.support_type,
			"activity_date": add_days(nowdate(), -1),
		}
		for head_count in (0, 1_000_000):
			self.assert_create_refused(
				coordinator, "School-wide Activity", {**activity, "head_count": head_count}, "Head Count"
			)
		session = {
			"site": self.net.site_a,
			"support_type": self.support_type,
			"session_date": add_days(nowdate(), -1),
		}
		for minutes in (0, 100_000):
			self.assert_create_refused(
				coordinator, "Group Session", {**session, "minutes": minutes}, "Minutes"
			)

	def test_missing_support_type_is_named_not_mistaken_for_a_tier(self):
		body = self.assert_create_refused(
			self.net.coordinator_a,
			"School-wide Activity",
			{"site": self.net.site_a, "activity_date": add_days(nowdate(), -1), "head_count": 5},
			"Support Type",
		)
		self.assertEqual(body["exc_type"], "MandatoryError")

	# ------------------------------------------------------------------ partnerships

	def test_volunteer_hours(self):
		coordinator = self.net.coordinator_a
		self.assert_create_refused(
			coordinator, "Volunteer Hours", self.hours(volunteer="NOPE"), "Could not find Volunteer: NOPE"
		)
		self.assert_create_refused(
			coordinator, "Volunteer Hours", self.hours(students_served=10_000_000), "Students Served"
		)
		self.assert_create_refused(coordinator, "Volunteer Hours", self.hours(hours="two"), "Hours")
		self.assert_create_refused(
			coordinator, "Volunteer Hours", self.hours(date=add_days(nowdate(), 3)), "Date", "future"
		)

	def test_partner_contribution(self):
		manager = self.net.partner_manager
		contribution = {
			"partner": self.partner,
			"contribution_type": "Monetary",
			"contribution_date": add_days(nowdate(), -1),
			"amount": 500,
		}
		self.assert_create_refused(
			manager,
			"Partner Contribution",
			{**contribution, "partner": "NOPE"},
			"Could not find Partner: NOPE",
		)
		self.assert_create_refused(
			manager, "Partner Contribution", {**contribution, "amount": 10**13}, "Amount"
		)

	def test_partner_and_volunteer_dates_and_days(self):
		manager = self.net.partner_manager
		partner = {"partner_type": "Business", "affiliate": self.net.affiliate}
		cases = [
			({"agreement_signed_date": add_days(nowdate(), 10)}, "Signed On"),
			({"agreement_signed_date": "garbage"}, "Signed On"),
			({"reminder_days": 1_000_000}, "Remind Days Before"),
		]
		for number, (values, field) in enumerate(cases):
			self.assert_create_refused(
				manager, "Partner", {**partner, "partner_name": f"{MARK} P{number}", **values}, field
			)
		volunteer = {"first_name": "Val", "affiliate": self.net.affiliate}
		cases = [
			({"background_check_date": add_days(nowdate(), 10)}, "Checked On"),
			({"training_date": add_days(nowdate(), 10)}, "Trained On"),
			({"background_check_date": "garbage"}, "Checked On"),
		]
		for number, (values, field) in enumerate(cases):
			self.assert_create_refused(
				manager,
				"CIS Volunteer",
				{**volunteer, "email": f"cis-badinput-{number}@example.com", **values},
				field,
			)

	# ------------------------------------------------------------------ network and settings

	def test_sites_districts_and_school_years(self):
		admin = self.net.admin
		site = {"affiliate": self.net.affiliate, "site_type": "Community Site"}
		self.assert_create_refused(
			admin,
			"Site",
			{
				**site,
				"site_name": f"{MARK} Site 1",
				"staff": [{"user": "nobody-badinput@example.com", "staff_role": "Site Coordinator"}],
			},
			"Could not find Row #1: User: nobody-badinput@example.com",
		)
		self.assert_create_refused(
			admin, "Site", {**site, "site_name": f"{MARK} Site 2", "enrollment_count": 10**8}, "Enrollment"
		)
		self.assert_create_refused(
			admin,
			"School District",
			{
				"district_name": f"{MARK} District",
				"affiliate": self.net.affiliate,
				"agreement_start_date": "garbage",
			},
			"Agreement Start Date",
		)
		self.assert_create_refused(
			admin,
			"School Year",
			{
				"school_year_name": f"{MARK} Y1",
				"year_start_date": "2070-08-01",
				"year_end_date": "2080-07-31",
			},
			"End Date",
		)
		self.assert_create_refused(
			admin,
			"School Year",
			{"school_year_name": f"{MARK} Y2", "year_start_date": "garbage", "year_end_date": "2071-07-31"},
			"Start Date",
		)

	def test_settings_figures(self):
		admin = self.net.admin
		for values, field in (
			({"default_volunteer_hour_value": -5}, "Value of a Volunteer Hour"),
			({"goal_progress_tolerance": 500}, "No-Progress Band"),
			({"gpa_flag": 50}, "GPA Flag"),
		):
			self.assert_update_refused(admin, "CIS Settings", "CIS Settings", values, field)
		this_year = getdate(nowdate()).year  # a year the settings accept, whatever the year of the run
		for row, field in (
			({"year": this_year, "hourly_value": -3}, "Row #1: Value of an Hour"),
			({"year": 0, "hourly_value": 30}, "Row #1: Year"),
		):
			self.assert_refused(
				self.send("put", admin, "CIS Settings/CIS Settings", {"volunteer_hour_values": [row]}), field
			)
			frappe.db.rollback()
			self.assertEqual(
				frappe.get_all(
					"Volunteer Hour Value",
					{"parent": "CIS Settings"},
					["year", "hourly_value"],
					order_by="idx",
				),
				[{"year": r["year"], "hourly_value": r["hourly_value"]} for r in self.hour_values_before],
			)
