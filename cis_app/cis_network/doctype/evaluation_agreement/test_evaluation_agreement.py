# Copyright (c) 2026, cis_app contributors and contributors
# For license information, please see license.txt
"""Evaluation extracts over HTTP: made by the affiliate's CIS Administrator under an agreement in force,
de-identified and k-anonymous, logged, and recorded as a disclosure per student; refused without a
valid agreement, for fields outside it, and to anyone else.

The requests run in another thread with their own database connection, so this test commits its
records and deletes them afterwards.
"""

import csv
import datetime
import io
import json

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, nowdate

from cis_app.permissions.scope import clear_scope_cache
from cis_app.tests.factories import (
	TwoSites,
	api_token,
	http,
	make_affiliate,
	make_data_point,
	make_student,
	make_user,
	make_volunteer,
	school_year_covering,
)

LAST_NAME = "Zzevaluation"
OTHER_ADMIN = "cis-evaluation-other-admin@example.com"
OTHER_AFFILIATE = "_Test Evaluation Other Affiliate"
VOLUNTEER = "cis-evaluation-volunteer@example.com"
DAY = datetime.date(2021, 10, 4)  # a day of a past school year: data points are not dated ahead
AGREED = "student_code\nschool\ngrade_band\ngender\nbirth_year\ncase_managed\noutcome_attendance_rate"


def agreement(affiliate: str, **values) -> str:
	return (
		frappe.get_doc(
			{
				"doctype": "Evaluation Agreement",
				"affiliate": affiliate,
				"organisation": "Synthetic Evaluation Institute",
				"purpose": "Whether case management changed attendance",
				"signed_on": values.pop("signed_on", add_days(nowdate(), -30)),
				"end_date": values.pop("end_date", add_days(nowdate(), 300)),
				"destroy_by": values.pop("destroy_by", add_days(nowdate(), 400)),
				"agreed_fields": values.pop("agreed_fields", AGREED),
				**values,
			}
		)
		.insert(ignore_permissions=True)
		.name
	)


class TestEvaluationExtract(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		cls.net = TwoSites.build()
		make_user(OTHER_ADMIN, "CIS Administrator")
		make_affiliate(OTHER_AFFILIATE, staff=[(OTHER_ADMIN, "CIS Administrator")])
		years_before = set(frappe.get_all("School Year", pluck="name"))
		cls.year = school_year_covering(DAY)
		# a school year made here is removed afterwards: another test may need those days for its own
		cls.made_years = set(frappe.get_all("School Year", pluck="name")) - years_before
		cls.students = [
			make_student(
				cls.net.site_a,
				first_name=f"Eva{n}",
				last_name=LAST_NAME,
				gender="Female",
				date_of_birth="2012-05-01",
				grade_level="3",
			).name
			for n in range(6)
		]
		cls.rare = make_student(
			cls.net.site_a, first_name="Rare", last_name=LAST_NAME, gender="Non-binary", date_of_birth="2009-01-01", grade_level="7"
		).name
		for student in [*cls.students, cls.rare]:
			make_data_point(student, as_of_date=DAY.isoformat(), has_attendance=1, days_enrolled=40, days_absent=2)
		cls.valid = agreement(cls.net.affiliate)
		cls.ended = agreement(
			cls.net.affiliate,
			signed_on=add_days(nowdate(), -400),
			end_date=add_days(nowdate(), -10),
			destroy_by=add_days(nowdate(), 100),
		)
		cls.volunteer = make_volunteer(VOLUNTEER, [cls.net.site_a]).user
		cls.outsiders = (
			cls.net.coordinator_a,
			cls.net.coordinator_b,
			cls.net.partner_manager,
			cls.net.evaluator,
			cls.volunteer,
			OTHER_ADMIN,
		)
		cls.tokens = {u: api_token(u) for u in (cls.net.admin, *cls.outsiders)}
		frappe.db.commit()
		clear_scope_cache()

	@classmethod
	def tearDownClass(cls):
		frappe.set_user("Administrator")
		students = [*cls.students, cls.rare]
		frappe.db.delete("Disclosure Record", {"student": ["in", students]})
		frappe.db.delete("Evaluation Extract", {"agreement": ["in", [cls.valid, cls.ended]]})
		frappe.db.delete("Evaluation Agreement", {"name": ["in", [cls.valid, cls.ended]]})
		frappe.db.delete("Student Data Point", {"student": ["in", students]})
		for student in students:
			frappe.delete_doc("Student", student, ignore_permissions=True, force=True)
		for year in cls.made_years:
			frappe.delete_doc("School Year", year, ignore_permissions=True, force=True)
		frappe.db.commit()
		super().tearDownClass()

	def extract(self, user: str, agreement_name: str, fields=None):
		data = {"agreement": agreement_name, "school_year": self.year}
		if fields is not None:
			data["fields"] = json.dumps(fields)
		return http("post", "/api/method/cis_app.cis_network.evaluation.download_extract", self.tokens[user], data=data)

	def counts(self) -> tuple[int, int]:
		frappe.db.rollback()
		return (
			frappe.db.count("Evaluation Extract", {"agreement": ["in", [self.valid, self.ended]]}),
			frappe.db.count("Disclosure Record", {"student": ["in", [*self.students, self.rare]]}),
		)

	def test_an_administrator_extracts_de_identified_rows_logged_and_recorded(self):
		response = self.extract(self.net.admin, self.valid)
		self.assertEqual(response.status_code, 200, response.get_data(as_text=True)[:500])
		text = response.get_data(as_text=True)
		rows = list(csv.DictReader(io.StringIO(text)))
		self.assertEqual(list(rows[0]), AGREED.split("\n"))
		ours = [row for row in rows if row["school"] == self.net.site_a and row["gender"] == "Female"]
		self.assertEqual(len(ours), 6)
		for student in [*self.students, self.rare]:
			self.assertNotIn(student, text)
		self.assertNotIn(LAST_NAME, text)
		self.assertTrue(all(row["student_code"].startswith("E") for row in ours))
		codes = [row["student_code"] for row in rows]
		self.assertEqual(codes, sorted(codes))  # rows in the order of their codes, not of the records
		self.assertEqual({row["outcome_attendance_rate"] for row in ours}, {"95.0"})
		# the one student whose combination nobody shares is not shown apart from the others
		self.assertFalse([row for row in rows if row["gender"] == "Non-binary"])
		# the same student keeps the same code in a second extract of the agreement
		again = list(csv.DictReader(io.StringIO(self.extract(self.net.admin, self.valid).get_data(as_text=True))))
		self.assertEqual({r["student_code"] for r in ours}, {r["student_code"] for r in again if r["gender"] == "Female" and r["school"] == self.net.site_a})
		frappe.db.rollback()
		log = frappe.get_all(
			"Evaluation Extract", filters={"agreement": self.valid}, fields=["name", "students", "extracted_by"], order_by="creation asc"
		)[0]
		self.assertEqual(log.extracted_by, self.net.admin)
		records = frappe.get_all(
			"Disclosure Record",
			filters={"student": ["in", self.students], "reference_name": log.name},
			fields=["legal_basis", "recipient_type", "recipient_name", "purpose"],
		)
		self.assertEqual(len(records), 6)
		self.assertEqual(
			{(r.legal_basis, r.recipient_type, r.recipient_name) for r in records},
			{("Studies Exception", "Other", "Synthetic Evaluation Institute")},
		)

	def test_no_extract_without_an_agreement_in_force_or_beyond_its_fields(self):
		before = self.counts()
		for agreement_name, fields, reason in (
			(self.ended, None, "the agreement ended on"),
			(self.valid, ["student_code", "tier"], "outside the agreement: tier"),
			(self.valid, ["student_code", "student_name"], "never in an extract: student_name"),
		):
			response = self.extract(self.net.admin, agreement_name, fields)
			self.assertEqual(response.status_code, 403, reason)
			self.assertIn(reason, response.get_data(as_text=True))
		self.assertEqual(self.counts(), before)

	def test_only_the_affiliates_administrator_extracts(self):
		before = self.counts()
		for user in self.outsiders:
			response = self.extract(user, self.valid)
			self.assertEqual(response.status_code, 403, user)
			self.assertNotIn("Female", response.get_data(as_text=True))
		self.assertEqual(self.counts(), before)

	def test_agreements_and_extracts_are_shut_to_everyone_else(self):
		"""Lists, counts, filters, documents and exports of agreements and extracts: nothing of them
		reaches a coordinator, the Partner Manager, the Evaluator, a website user or another affiliate's
		administrator (the organisation's name stands for the record)."""
		self.extract(self.net.admin, self.valid)
		frappe.db.rollback()
		log = frappe.get_all("Evaluation Extract", filters={"agreement": self.valid}, pluck="name")[0]
		filters = json.dumps([["organisation", "like", "Synthetic%"]])
		for user in self.outsiders:
			token = self.tokens[user]
			for doctype, name in (("Evaluation Agreement", self.valid), ("Evaluation Extract", log)):
				answers = {
					"list": http("get", f"/api/resource/{doctype}", token, query_string={"fields": '["name"]'}),
					"filtered": http(
						"get",
						"/api/method/frappe.client.get_list",
						token,
						query_string={"doctype": doctype, "filters": filters if doctype == "Evaluation Agreement" else "[]"},
					),
					"count": http("get", "/api/method/frappe.client.get_count", token, query_string={"doctype": doctype}),
					"document": http("get", f"/api/resource/{doctype}/{name}", token),
					"export": http(
						"post",
						"/api/method/frappe.desk.reportview.export_query",
						token,
						data={"doctype": doctype, "fields": json.dumps([f"`tab{doctype}`.`name`"]), "file_format_type": "CSV", "title": doctype},
					),
				}
				self.assertEqual(answers["document"].status_code, 403, (user, doctype))
				for what, response in answers.items():
					text = response.get_data(as_text=True)
					if what != "document":  # a refusal repeats the name it was asked about
						self.assertNotIn(name, text, (user, doctype, what))
					self.assertNotIn("Synthetic Evaluation Institute", text, (user, doctype, what))
					if what == "count" and response.status_code == 200:
						self.assertEqual(response.json["message"], 0, (user, doctype))

	def test_an_agreement_names_only_fields_an_extract_may_carry(self):
		with self.assertRaises(frappe.ValidationError):
			agreement(self.net.affiliate, agreed_fields="student_code\nstudent_name")
		with self.assertRaises(frappe.ValidationError):
			agreement(self.net.affiliate, destroy_by=add_days(nowdate(), 10))
		frappe.db.rollback()
