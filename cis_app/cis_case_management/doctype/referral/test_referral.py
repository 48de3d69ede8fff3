# Copyright (c) 2026, cis_app contributors and contributors
# For license information, please see license.txt

import frappe
from frappe.model.workflow import WorkflowTransitionError
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, nowdate

from cis_app.utils.exceptions import (
	ConsentRequiredError,
	DisclosureRecordLockedError,
	InactivePartnerError,
	ReferralError,
)
from cis_app.tests.factories import (
	TwoSites,
	act,
	make_affiliate,
	make_consent,
	make_school_year,
	make_student,
)

PARTNER = "_Test Referral Counselling Center"
INACTIVE_PARTNER = "_Test Referral Closed Center"
OTHER_AFFILIATE_PARTNER = "_Test Referral Far Away Center"
SUPPORT_TYPE = "_Test Referral Counselling"


def make_partner(name: str, affiliate: str, status: str = "Active") -> str:
	if not frappe.db.exists("Partner", name):
		frappe.get_doc(
			{
				"doctype": "Partner",
				"partner_name": name,
				"partner_type": "Community Organization",
				"affiliate": affiliate,
				"status": status,
			}
		).insert(ignore_permissions=True)
	return name


def disclosures(referral: str) -> list[dict]:
	return frappe.get_all(
		"Disclosure Record",
		filters={"reference_doctype": "Referral", "reference_name": referral},
		fields=["student", "partner", "recipient_type", "legal_basis", "consent", "what", "disclosed_by"],
	)


class TestReferral(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.net = TwoSites.build()
		cls.year = make_school_year()
		make_partner(PARTNER, cls.net.affiliate)
		make_partner(INACTIVE_PARTNER, cls.net.affiliate, status="Inactive")
		make_affiliate("_Test Referral Other Affiliate")
		make_partner(OTHER_AFFILIATE_PARTNER, "_Test Referral Other Affiliate")
		if not frappe.db.exists("Support Type", SUPPORT_TYPE):
			frappe.get_doc(
				{
					"doctype": "Support Type",
					"support_type_name": SUPPORT_TYPE,
					"category": "Mental Health",
					"is_active": 1,
					"tier_2": 1,
					"tier_3": 1,
				}
			).insert(ignore_permissions=True)

	def tearDown(self):
		frappe.set_user("Administrator")

	def student(self, site=None, consent_for=PARTNER, **consent_values):
		student = make_student(site or self.net.site_a, first_name="Rosa", last_name="Quintero")
		if consent_for:
			make_consent(
				student.name,
				scope="Share with Partner",
				school_year=self.year,
				partner=consent_for,
				**consent_values,
			)
		return student.name

	def referral(self, student, partner=PARTNER, user=None, **values):
		frappe.set_user(user or self.net.coordinator_a)
		try:
			return frappe.get_doc(
				{
					"doctype": "Referral",
					"student": student,
					"school_year": self.year,
					"partner": partner,
					"support_type": SUPPORT_TYPE,
					"urgency": "Soon",
					"reason": "Synthetic reason",
					"note_for_partner": "Synthetic note for the partner",
					**values,
				}
			).insert()
		finally:
			frappe.set_user("Administrator")

	def test_a_new_referral_is_for_the_current_school_year(self):
		from cis_app.cis_network.doctype.school_year.school_year import get_current_school_year

		referral = self.referral(self.student(), school_year=None)
		self.assertEqual(referral.school_year, get_current_school_year())
		self.assertTrue(referral.school_year)

	# ------------------------------------------------------------ the path

	def test_whole_path_by_the_right_roles(self):
		referral = self.referral(self.student())
		self.assertEqual((referral.workflow_state, referral.status), ("Draft", "Draft"))
		self.assertEqual(referral.site, self.net.site_a)
		referral = act(referral, "Send", self.net.coordinator_a)
		self.assertEqual(referral.status, "Sent")
		self.assertEqual(str(referral.sent_on), nowdate())
		self.assertTrue(referral.consent)
		with self.assertRaises(frappe.PermissionError):
			act(referral, "Accept", self.net.partner_manager)
		referral = act(referral, "Accept", self.net.program_manager)
		self.assertEqual(referral.status, "Accepted")
		referral = act(referral, "Start Service", self.net.coordinator_a)
		self.assertEqual(referral.status, "Service Started")
		referral = act(referral, "Complete", self.net.coordinator_a)
		self.assertEqual(referral.status, "Completed")
		referral = act(referral, "Close", self.net.coordinator_a)
		self.assertEqual((referral.workflow_state, referral.status), ("Closed", "Closed"))
		self.assertEqual(len(disclosures(referral.name)), 1)

	def test_a_declined_referral_is_closed(self):
		referral = act(self.referral(self.student()), "Send", self.net.coordinator_a)
		referral = act(referral, "Decline", self.net.coordinator_a)
		self.assertEqual(referral.status, "Declined")
		with self.assertRaises(WorkflowTransitionError):
			act(referral, "Start Service", self.net.coordinator_a)
		referral = act(referral, "Close", self.net.program_manager)
		self.assertEqual(referral.status, "Closed")

	def test_status_cannot_be_set_around_the_workflow(self):
		student = self.student()
		consent = frappe.db.get_value("Student Consent", {"student": student}, "name")
		referral = self.referral(student)
		frappe.set_user(self.net.coordinator_a)
		doc = frappe.get_doc("Referral", referral.name)
		doc.status = "Completed"
		doc.consent = consent
		doc.save()
		self.assertEqual(
			frappe.db.get_value("Referral", referral.name, ["status", "consent"]), ("Draft", None)
		)
		self.assertEqual(disclosures(referral.name), [])

	# ------------------------------------------------------------ consent

	def test_sending_without_the_partner_consent_is_refused_with_nothing_changed(self):
		cases = {
			"no consent": self.student(consent_for=None),
			"another partner": self.student(consent_for=INACTIVE_PARTNER),
			"revoked": self.student(revoked_date=add_days(nowdate(), -1)),
			"expired": self.student(
				signed_date=add_days(nowdate(), -20), expiry_date=add_days(nowdate(), -1)
			),
		}
		# a case-management consent is not a consent to share with a partner
		make_consent(cases["no consent"], school_year=self.year)
		for case, student in cases.items():
			referral = self.referral(student)
			before = frappe.db.get_value(
				"Referral", referral.name, ["status", "consent", "sent_on", "modified"]
			)
			with self.assertRaises(ConsentRequiredError, msg=case) as caught:
				act(referral, "Send", self.net.coordinator_a)
			self.assertIn(PARTNER, str(caught.exception))
			self.assertIn(self.year, str(caught.exception))
			after = frappe.db.get_value(
				"Referral", referral.name, ["status", "consent", "sent_on", "modified"]
			)
			self.assertEqual(after, before, case)
			self.assertEqual(disclosures(referral.name), [], case)

	def test_sending_with_consent_writes_exactly_one_disclosure_record(self):
		student = self.student()
		consent = frappe.db.get_value(
			"Student Consent", {"student": student, "scope": "Share with Partner"}, "name"
		)
		referral = act(self.referral(student), "Send", self.net.coordinator_a)
		self.assertEqual(referral.consent, consent)
		rows = disclosures(referral.name)
		self.assertEqual(len(rows), 1)
		row = rows[0]
		self.assertEqual(
			(row.student, row.partner, row.recipient_type, row.legal_basis, row.consent, row.disclosed_by),
			(student, PARTNER, "Partner", "Consent", consent, self.net.coordinator_a),
		)
		for label in ("First Name and Last Initial", "Grade", "School", "Note for the Partner"):
			self.assertIn(label, row.what)
		act(referral, "Accept", self.net.coordinator_a)
		self.assertEqual(len(disclosures(referral.name)), 1)

	def test_the_partner_view_is_the_minimum_necessary(self):
		student = self.student()
		guardian = frappe.get_doc("Student", student)
		guardian.append("guardians", {"guardian_name": "Synthetic Guardian", "phone": "555-0100"})
		guardian.save(ignore_permissions=True)
		referral = self.referral(student, preferred_contact="Guardian Phone")
		draft_view = referral.partner_view()
		self.assertEqual(draft_view["contact"], {"channel": "Through the Coordinator"})
		referral = act(referral, "Send", self.net.coordinator_a)
		view = frappe.get_doc("Referral", referral.name).partner_view()
		self.assertEqual(view["student"], "Rosa Q.")
		self.assertEqual(view["school"], self.net.site_a)
		self.assertEqual(view["contact"]["value"], "555-0100")
		self.assertNotIn("Synthetic reason", frappe.as_json(view))

	# ------------------------------------------------------------ partner

	def test_an_inactive_partner_or_one_of_another_affiliate_is_refused(self):
		student = self.student()
		for partner in (INACTIVE_PARTNER, OTHER_AFFILIATE_PARTNER):
			with self.assertRaises(InactivePartnerError):
				self.referral(student, partner=partner)
		self.assertFalse(frappe.db.exists("Referral", {"student": student}))

	def test_partner_cannot_change_once_sent(self):
		student = self.student()
		make_partner("_Test Referral Second Center", self.net.affiliate)
		referral = act(self.referral(student), "Send", self.net.coordinator_a)
		frappe.set_user(self.net.coordinator_a)
		doc = frappe.get_doc("Referral", referral.name)
		doc.partner = "_Test Referral Second Center"
		with self.assertRaises(ReferralError):
			doc.save()
		frappe.set_user("Administrator")
		self.assertEqual(frappe.db.get_value("Referral", referral.name, "partner"), PARTNER)

	# ------------------------------------------------------------ who sees it

	def test_a_coordinator_of_another_site_cannot_read_or_list_the_referral(self):
		referral = act(self.referral(self.student()), "Send", self.net.coordinator_a)
		disclosure = frappe.db.get_value("Disclosure Record", {"reference_name": referral.name}, "name")
		frappe.set_user(self.net.coordinator_b)
		self.assertNotIn(referral.name, frappe.get_list("Referral", pluck="name"))
		self.assertFalse(frappe.has_permission("Referral", "read", doc=referral.name))
		with self.assertRaises(frappe.PermissionError):
			frappe.get_doc("Referral", referral.name).check_permission("read")
		with self.assertRaises(frappe.PermissionError):
			frappe.get_list("Disclosure Record")
		self.assertFalse(frappe.has_permission("Disclosure Record", "read", doc=disclosure))
		frappe.set_user(self.net.coordinator_a)
		self.assertIn(referral.name, frappe.get_list("Referral", pluck="name"))

	def test_evaluators_and_partner_managers_read_no_referral_or_disclosure(self):
		referral = act(self.referral(self.student()), "Send", self.net.coordinator_a)
		disclosure = frappe.db.get_value("Disclosure Record", {"reference_name": referral.name}, "name")
		for user in (self.net.evaluator, self.net.partner_manager):
			frappe.set_user(user)
			for doctype, name in (("Referral", referral.name), ("Disclosure Record", disclosure)):
				with self.assertRaises(frappe.PermissionError, msg=f"{user} {doctype}"):
					frappe.get_list(doctype)
				self.assertFalse(frappe.has_permission(doctype, "read", doc=name), f"{user} {doctype}")

	def test_only_a_system_manager_changes_or_deletes_a_disclosure_record(self):
		referral = act(self.referral(self.student()), "Send", self.net.coordinator_a)
		name = frappe.db.get_value("Disclosure Record", {"reference_name": referral.name}, "name")
		frappe.set_user(self.net.admin)
		record = frappe.get_doc("Disclosure Record", name)
		record.check_permission("read")  # the affiliate's administrator reads it
		record.purpose = "Changed"
		with self.assertRaises(frappe.PermissionError):
			record.save()
		with self.assertRaises(frappe.PermissionError):
			frappe.delete_doc("Disclosure Record", name)
		# even code that skips the permission check cannot change it for them
		with self.assertRaises(DisclosureRecordLockedError):
			record.save(ignore_permissions=True)
		with self.assertRaises(DisclosureRecordLockedError):
			frappe.delete_doc("Disclosure Record", name, ignore_permissions=True)
		for user in (self.net.coordinator_a, self.net.program_manager):
			frappe.set_user(user)
			with self.assertRaises(frappe.PermissionError):
				frappe.get_doc(
					{
						"doctype": "Disclosure Record",
						"student": referral.student,
						"disclosed_on": frappe.utils.now_datetime(),
						"disclosed_by": user,
						"recipient_type": "Other",
						"what": "Synthetic",
						"legal_basis": "School Official",
					}
				).insert()
		frappe.set_user("Administrator")
		self.assertNotEqual(frappe.db.get_value("Disclosure Record", name, "purpose"), "Changed")
		record = frappe.get_doc("Disclosure Record", name)
		record.purpose = "Corrected by the System Manager"
		record.save()
		frappe.delete_doc("Disclosure Record", name)
		self.assertFalse(frappe.db.exists("Disclosure Record", name))
