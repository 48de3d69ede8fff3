# Copyright (c) 2026, cis_app contributors and contributors
# For license information, please see license.txt
"""The family documents (Student Consent Form, Support Plan Family Summary) print through Frappe's print
system in the primary guardian's language, never show a sensitive field, and only for users who may
read the record."""

import os

import frappe
from frappe import _
from frappe.tests.utils import FrappeTestCase
from frappe.utils import nowdate

from cis_app.permissions.scope import clear_scope_cache
from cis_app.tests.factories import (
	TwoSites,
	asset_server,
	make_consent,
	make_school_year,
	make_student,
	make_support_plan,
)

CONSENT_FORM = "Student Consent Form"
PLAN_SUMMARY = "Support Plan Family Summary"
HEALTH_MARKER = "SYNTHETIC-HEALTH-MARKER-4471"
FAMILY_MARKER = "SYNTHETIC-FAMILY-MARKER-9302"
PARTNER = "_Test Print Partner"


def render_pdf(doctype: str, name: str, print_format: str) -> bytes:
	with asset_server():
		return frappe.get_print(doctype, name, print_format=print_format, as_pdf=True)


class TestConsentPrint(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.build_families()

	@classmethod
	def build_families(cls):
		cls.net = TwoSites.build()
		cls.year = make_school_year()
		if not frappe.db.exists("Partner", PARTNER):
			frappe.get_doc(
				{
					"doctype": "Partner",
					"partner_name": PARTNER,
					"partner_type": "Community Organization",
					"affiliate": cls.net.affiliate,
					"sites_served": [{"site": cls.net.site_a}],
				}
			).insert(ignore_permissions=True)
		cls.spanish = cls.make_family("Lucia", "Ramos", "Spanish")
		cls.english = cls.make_family("Oliver", "Bennett", "English")
		clear_scope_cache()

	@classmethod
	def make_family(cls, first_name: str, last_name: str, language: str) -> frappe._dict:
		"""A student at site A whose primary guardian reads ``language`` (a second guardian, not primary,
		reads the other language), with a partner consent and a student plan."""
		other = "English" if language == "Spanish" else "Spanish"
		student = make_student(
			cls.net.site_a,
			first_name=first_name,
			last_name=last_name,
			guardians=[
				{"guardian_name": f"Sam {last_name}", "preferred_language": other, "is_primary": 0},
				{"guardian_name": f"Alex {last_name}", "preferred_language": language, "is_primary": 1},
			],
		)
		# sensitive fields hold markers that must never reach a family document
		frappe.db.set_value(
			"Student", student.name, {"health_notes": HEALTH_MARKER, "family_situation": FAMILY_MARKER}
		)
		consent = make_consent(
			student.name,
			scope="Share with Partner",
			school_year=cls.year,
			partner=PARTNER,
			purpose="Tutoring twice a week",
			guardian_name=f"Alex {last_name}",
			relationship="Parent",
		)
		plan = make_support_plan(
			student.name,
			school_year=cls.year,
			goals=[
				{
					"area": "Attendance",
					"metric": "Attendance Rate (%)",
					"baseline": 90,
					"target": 95,
					"direction": "Up",
				},
				{
					"area": "Behavior",
					"metric": "Out-of-School Suspensions",
					"baseline": 4,
					"target": 3,
					"direction": "Down",
				},
			],
			supports=[{"support_type": "Attendance Club", "tier": "Tier 2", "frequency": "Weekly"}],
			start_date=nowdate(),
			end_date=frappe.db.get_value("School Year", cls.year, "year_end_date"),
		)
		return frappe._dict(student=student, consent=consent.name, plan=plan.name)

	def tearDown(self):
		frappe.set_user("Administrator")
		clear_scope_cache()

	def print_as(self, user: str, doctype: str, name: str, print_format: str) -> str:
		clear_scope_cache()
		frappe.set_user(user)
		try:
			return frappe.get_print(doctype, name, print_format=print_format)
		finally:
			frappe.set_user("Administrator")

	def assert_nothing_sensitive(self, html: str):
		self.assertNotIn(HEALTH_MARKER, html)
		self.assertNotIn(FAMILY_MARKER, html)

	def assert_common(self, html: str, family: frappe._dict):
		self.assertIn(family.student.student_name, html)
		self.assertIn(self.year, html)
		self.assertIn(self.net.coordinator_a, html)  # who to call: the site's coordinator, by email
		self.assertNotIn(self.net.coordinator_b, html)
		self.assert_nothing_sensitive(html)

	def test_consent_form_in_spanish(self):
		html = self.print_as(self.net.coordinator_a, "Student Consent", self.spanish.consent, CONSENT_FORM)
		self.assert_common(html, self.spanish)
		self.assertIn(PARTNER, html)
		for phrase in (
			"Consentimiento para compartir información del estudiante",
			"Compartir con una organización aliada",
			"Qué se comparte y por qué",
			"Cómo revocar (cancelar) este consentimiento",
			"Firma del padre, la madre o el tutor",
			"Año escolar",
		):
			self.assertIn(phrase, html)
		self.assertNotIn("Consent to Share Student Information", html)
		self.assertNotIn("How to revoke", html)

	def test_consent_form_in_english(self):
		html = self.print_as(self.net.coordinator_a, "Student Consent", self.english.consent, CONSENT_FORM)
		self.assert_common(html, self.english)
		self.assertIn(PARTNER, html)
		for phrase in (
			"Consent to Share Student Information",
			"Sharing with a partner organization",
			"What is shared and why",
			"How to revoke (cancel) this consent",
			"Signature of parent or guardian",
			"School year",
		):
			self.assertIn(phrase, html)
		self.assertNotIn("Consentimiento para compartir", html)

	def test_plan_summary_in_spanish(self):
		html = self.print_as(self.net.coordinator_a, "Support Plan", self.spanish.plan, PLAN_SUMMARY)
		self.assert_common(html, self.spanish)
		for phrase in (
			"El plan de apoyo de su hijo o hija",
			"Asistencia",
			"Tasa de asistencia",
			"de 90 a 95",
			"Un número más alto es mejor.",
			"Suspensiones fuera de la escuela",
			"de 4 a 3",
			"Un número más bajo es mejor.",
			"Attendance Club",
			"Cada semana",
			"A quién llamar",
		):
			self.assertIn(phrase, html)
		self.assertNotIn("A higher number is better", html)

	def test_plan_summary_in_english(self):
		html = self.print_as(self.net.coordinator_a, "Support Plan", self.english.plan, PLAN_SUMMARY)
		self.assert_common(html, self.english)
		self.assertIn("Plan dates", html)
		for phrase in (
			"Your Child's Support Plan",
			"Attendance rate",
			"from 90 to 95",
			"A higher number is better.",
			"from 4 to 3",
			"A lower number is better.",
			"Every week",
			"Who to call",
		):
			self.assertIn(phrase, html)
		self.assertNotIn("Un número más alto es mejor", html)

	def test_no_preference_falls_back_to_english(self):
		student = make_student(
			self.net.site_a, guardians=[{"guardian_name": "No Preference Guardian", "is_primary": 1}]
		)
		frappe.db.set_value("Student Guardian", {"parent": student.name}, "preferred_language", "")
		consent = make_consent(student.name, school_year=self.year)
		html = self.print_as(self.net.coordinator_a, "Student Consent", consent.name, CONSENT_FORM)
		self.assertIn("Consent to Share Student Information", html)
		self.assertIn("Individual support (case management)", html)
		self.assertIn("No partner is named on this form.", html)

	def test_pdf(self):
		clear_scope_cache()
		frappe.set_user(self.net.coordinator_a)
		try:
			pdf = render_pdf("Student Consent", self.spanish.consent, CONSENT_FORM)
		finally:
			frappe.set_user("Administrator")
		self.assertTrue(pdf.startswith(b"%PDF"), pdf[:20])

	def test_coordinator_of_another_site_is_refused(self):
		for doctype, name, print_format in (
			("Student Consent", self.spanish.consent, CONSENT_FORM),
			("Support Plan", self.spanish.plan, PLAN_SUMMARY),
		):
			with self.subTest(doctype=doctype):
				# Frappe's print view answers "not found" rather than "not permitted", so a refused user
				# does not even learn that the record exists
				with self.assertRaises(frappe.DoesNotExistError):
					self.print_as(self.net.coordinator_b, doctype, name, print_format)


def save_sample_pdfs(folder: str) -> list[str]:
	"""Writes the Spanish consent form and the English plan summary of the test families to ``folder``
	(for the docs' screenshots), then rolls everything back. Run on a test site only:
	``bench --site <test site> execute <this module>.save_sample_pdfs --kwargs "{'folder': '<folder>'}"``."""
	if not frappe.conf.allow_tests:
		frappe.throw(_("Run this on a site where allow_tests is set."))
	frappe.set_user("Administrator")
	try:
		TestConsentPrint.build_families()
		written = []
		for family, doctype, field, print_format, file_name in (
			(TestConsentPrint.spanish, "Student Consent", "consent", CONSENT_FORM, "consent-form-es.pdf"),
			(TestConsentPrint.english, "Support Plan", "plan", PLAN_SUMMARY, "plan-summary-en.pdf"),
		):
			path = os.path.join(folder, file_name)
			with open(path, "wb") as pdf:
				pdf.write(render_pdf(doctype, family[field], print_format))
			written.append(path)
		return written
	finally:
		frappe.db.rollback()
