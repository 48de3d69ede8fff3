# Copyright (c) 2026, cis_app contributors and contributors
# For license information, please see license.txt

"""The whole referral path by the right roles, and the partner's portal with its misuses: a coordinator
refers from the plan and sends, the partner contact accepts and records the service on the portal,
the plan shows the delivered support. Another partner's contact, a revoked or expired consent, a
partner contact on the desk APIs, and bad entries are refused with the database unchanged."""

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, getdate, nowdate

from cis_app.cis_partnerships import portal as partner_portal
from cis_app.cis_case_management.doctype.referral.test_referral import (
	INACTIVE_PARTNER,
	PARTNER,
	SUPPORT_TYPE,
	make_partner,
)
from cis_app.cis_partnerships.doctype.partner_contact.partner_contact import (
	PortalLoginError,
	create_website_login,
)
from cis_app.core import referrals as core
from cis_app.utils.exceptions import InactivePartnerError, WrongTierError
from cis_app.cis_partnerships.portal import PartnerPortalError
from cis_app.tests.factories import TwoSites, act, make_active_plan, make_consent, make_school_year, make_student

OTHER_PARTNER = "_Test Portal Other Agency"
PORTAL_PARTNER_EMAIL = "cis-portal-contact@example.com"
OTHER_PARTNER_EMAIL = "cis-portal-other-contact@example.com"
TIER_1_ONLY = "_Test Portal Assembly"
# what a referral row holds that the partner must never see
SECRETS = ("Synthetic reason for staff", "Quintana", "PORTAL-ID-", "Asthma")


def add_contact(partner: str, email: str, name: str) -> str:
	doc = frappe.get_doc("Partner", partner)
	row = next((row for row in doc.contacts if row.email == email), None)
	if row is None:
		row = doc.append("contacts", {"contact_name": name, "email": email, "designation": "Intake"})
		doc.save(ignore_permissions=True)
	return row.name


def portal_user(partner: str, email: str, name: str) -> str:
	contact = add_contact(partner, email, name)
	user = frappe.db.get_value("Partner Contact", contact, "user")
	return user or create_website_login(partner, contact)


def stored(referral: str) -> tuple:
	return frappe.db.get_value(
		"Referral",
		referral,
		[
			"status",
			"workflow_state",
			"service_start_date",
			"service_end_date",
			"sessions",
			"outcome_note",
			"decline_reason",
			"partner",
			"student",
			"modified",
		],
	)


def send(referral, coordinator: str, days_ago: int = 30):
	"""The coordinator sends the referral; its sent date is then moved ``days_ago`` back (a partner
	records only a service that started on or after it, and the tests record services of past days)."""
	referral = act(referral, "Send", coordinator)
	frappe.db.set_value("Referral", referral.name, "sent_on", add_days(nowdate(), -days_ago))
	return referral


class TestReferralPortal(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		cls.net = TwoSites.build()
		cls.year = make_school_year()
		make_partner(PARTNER, cls.net.affiliate)
		make_partner(OTHER_PARTNER, cls.net.affiliate)
		make_partner(INACTIVE_PARTNER, cls.net.affiliate, status="Inactive")
		for name, tiers in ((SUPPORT_TYPE, (0, 1, 1)), (TIER_1_ONLY, (1, 0, 0))):
			if not frappe.db.exists("Support Type", name):
				frappe.get_doc(
					{
						"doctype": "Support Type",
						"support_type_name": name,
						"category": "Mental Health",
						"is_active": 1,
						"tier_1": tiers[0],
						"tier_2": tiers[1],
						"tier_3": tiers[2],
					}
				).insert(ignore_permissions=True)
		cls.contact_user = portal_user(PARTNER, PORTAL_PARTNER_EMAIL, "Pat Intake")
		cls.other_user = portal_user(OTHER_PARTNER, OTHER_PARTNER_EMAIL, "Olive Intake")

	def tearDown(self):
		frappe.set_user("Administrator")

	# ------------------------------------------------------------ factories

	def student(self, consent: bool = True, **consent_values) -> tuple[str, str | None]:
		student = make_student(
			self.net.site_a,
			first_name="Rosa",
			last_name="Quintana",
			district_student_id=f"PORTAL-ID-{frappe.generate_hash(length=6)}",
			health_notes="Asthma",
		)
		student.append(
			"guardians", {"guardian_name": "Synthetic Guardian", "phone": "555-0142", "is_primary": 1}
		)
		student.save(ignore_permissions=True)
		name = None
		if consent:
			name = make_consent(
				student.name,
				scope="Share with Partner",
				school_year=self.year,
				partner=PARTNER,
				**consent_values,
			).name
		return student.name, name

	def draft(self, student: str, **values):
		frappe.set_user(self.net.coordinator_a)
		try:
			return frappe.get_doc(
				{
					"doctype": "Referral",
					"student": student,
					"school_year": self.year,
					"partner": PARTNER,
					"support_type": SUPPORT_TYPE,
					"urgency": "Soon",
					"reason": "Synthetic reason for staff",
					"note_for_partner": "Afternoons suit the family best",
					"preferred_contact": "Guardian Phone",
					**values,
				}
			).insert()
		finally:
			frappe.set_user("Administrator")

	def sent(self, **values):
		student, consent = self.student()
		referral = send(self.draft(student, **values), self.net.coordinator_a)
		return referral.name, student, consent

	def as_partner(self, function, *args, user=None, **kwargs):
		frappe.set_user(user or self.contact_user)
		try:
			return function(*args, **kwargs)
		finally:
			frappe.set_user("Administrator")

	def refused_unchanged(
		self, referral: str, function, *args, error=frappe.PermissionError, user=None, **kw
	):
		before = stored(referral)
		with self.assertRaises(error):
			self.as_partner(function, *args, user=user, **kw)
		self.assertEqual(stored(referral), before)

	# ------------------------------------------------------------ the whole path

	def test_whole_path_coordinator_refers_partner_accepts_and_records_plan_shows_it(self):
		student, consent = self.student()
		plan = make_active_plan(student, school_year=self.year)
		# the coordinator refers from the plan (the form's "Refer to Partner" prefills these)
		referral = self.draft(student, support_plan=plan.name)
		frappe.set_user(self.net.coordinator_a)
		check = frappe.get_doc("Referral", referral.name).consent_check()
		self.assertEqual((check["state"], check["consent"]), ("covered", consent))
		frappe.set_user("Administrator")
		self.assertNotIn(
			referral.name, [row["name"] for row in self.as_partner(partner_portal.get_referrals)]
		)
		referral = send(referral, self.net.coordinator_a)
		self.assertEqual((referral.status, referral.consent), ("Sent", consent))

		listed = self.as_partner(partner_portal.get_referrals)
		self.assertIn(referral.name, [row["name"] for row in listed])
		row = self.as_partner(partner_portal.get_referral, referral.name)
		self.assertEqual(
			row["view"],
			{
				"student": "Rosa Q.",
				"grade": "7",
				"school": self.net.site_a,
				"support_type": SUPPORT_TYPE,
				"note_for_partner": "Afternoons suit the family best",
				"contact": {
					"channel": "Guardian Phone",
					"guardian_name": "Synthetic Guardian",
					"value": "555-0142",
				},
			},
		)
		self.assertEqual(row["actions"], ["Accept", "Decline"])

		row = self.as_partner(partner_portal.act, referral.name, "Accept")
		self.assertEqual((row["status"], row["actions"]), ("Accepted", ["Start Service", "Complete"]))
		start, end = add_days(nowdate(), -20), add_days(nowdate(), -1)
		row = self.as_partner(
			partner_portal.act,
			referral.name,
			"Start Service",
			{"service_start_date": start},
		)
		self.assertEqual(row["status"], "Service Started")
		row = self.as_partner(
			partner_portal.act,
			referral.name,
			"Complete",
			frappe.as_json(
				{"service_end_date": end, "sessions": "6", "outcome_note": "Attended every session"}
			),
		)
		self.assertEqual(row["status"], "Completed")
		self.assertEqual(row["actions"], [])
		doc = frappe.get_doc("Referral", referral.name)
		self.assertEqual(
			(doc.workflow_state, doc.status, str(doc.service_start_date), str(doc.service_end_date)),
			("Completed", "Completed", start, end),
		)
		self.assertEqual((doc.sessions, doc.outcome_note), (6, "Attended every session"))
		# each step is the partner contact's own, in the referral's history
		comments = frappe.get_all(
			"Comment",
			filters={
				"reference_doctype": "Referral",
				"reference_name": referral.name,
				"comment_type": "Workflow",
			},
			pluck="owner",
		)
		self.assertEqual(comments.count(self.contact_user), 3)

		# the coordinator sees it on the plan as a delivered Tier 3 support
		frappe.set_user(self.net.coordinator_a)
		plan = frappe.get_doc("Support Plan", plan.name)
		plan.check_permission("read")
		rows = [row for row in plan.supports if row.referral == referral.name]
		self.assertEqual(len(rows), 1)
		self.assertEqual(
			(rows[0].support_type, rows[0].tier, rows[0].provider_type, rows[0].partner),
			(SUPPORT_TYPE, "Tier 3", "Partner", PARTNER),
		)
		self.assertEqual((str(rows[0].start_date), str(rows[0].end_date)), (start, end))
		frappe.set_user("Administrator")
		# a correction of the dates by the coordinator keeps the one row in step
		doc.service_start_date = add_days(nowdate(), -15)
		doc.save()
		plan.reload()
		rows = [row for row in plan.supports if row.referral == referral.name]
		self.assertEqual([str(row.start_date) for row in rows], [add_days(nowdate(), -15)])

	def test_recording_a_finished_service_on_an_accepted_referral_is_one_step_and_finds_the_plan(self):
		student, _consent = self.student()
		plan = make_active_plan(student, school_year=self.year)
		referral = send(self.draft(student), self.net.coordinator_a).name  # no plan linked
		self.as_partner(partner_portal.act, referral, "Accept")
		values = {
			"service_start_date": add_days(nowdate(), -10),
			"service_end_date": nowdate(),
			"sessions": 3,
			"outcome_note": "Done",
		}
		row = self.as_partner(partner_portal.act, referral, "Complete", values)
		self.assertEqual(row["status"], "Completed")
		self.assertEqual(frappe.db.get_value("Referral", referral, "support_plan"), plan.name)
		self.assertEqual(
			frappe.get_all("Support Plan Support", filters={"referral": referral}, pluck="parent"),
			[plan.name],
		)

	def test_a_completed_referral_without_a_plan_of_that_year_completes_all_the_same(self):
		referral, _student, _consent = self.sent()
		self.as_partner(partner_portal.act, referral, "Accept")
		values = {
			"service_start_date": nowdate(),
			"service_end_date": nowdate(),
			"sessions": 1,
			"outcome_note": "x",
		}
		self.assertEqual(
			self.as_partner(partner_portal.act, referral, "Complete", values)["status"], "Completed"
		)
		self.assertEqual(frappe.get_all("Support Plan Support", filters={"referral": referral}), [])

	def test_a_partner_contact_may_decline_with_a_reason(self):
		referral, *_ = self.sent()
		self.refused_unchanged(
			referral,
			partner_portal.act,
			referral,
			"Decline",
			{"decline_reason": "  "},
			error=PartnerPortalError,
		)
		row = self.as_partner(
			partner_portal.act, referral, "Decline", {"decline_reason": "Waiting list is full"}
		)
		self.assertEqual((row["status"], row["decline_reason"]), ("Declined", "Waiting list is full"))
		self.assertEqual(stored(referral)[:2], ("Declined", "Declined"))

	# ------------------------------------------------------------ what they see

	def test_the_partner_sees_the_minimum_necessary_and_nothing_of_the_staff_side(self):
		referral, student, consent = self.sent()
		row = self.as_partner(partner_portal.get_referral, referral)
		self.assertEqual(list(row), [*core.PORTAL_PROCESS_FIELDS, "view", "actions"])
		self.assertEqual(list(row["view"]), [field for field, _label in core.PARTNER_VIEW_FIELDS])
		text = frappe.as_json(row)
		for secret in (*SECRETS, student, consent, self.net.coordinator_a, "Soon"):
			self.assertNotIn(secret, text)
		self.assertEqual(
			frappe.get_all(
				"View Log",
				filters={
					"reference_doctype": "Referral",
					"reference_name": referral,
					"viewed_by": self.contact_user,
				},
				pluck="name",
			),
			[],
		)
		self.as_partner(partner_portal.record_view, referral)
		self.assertEqual(
			frappe.db.count(
				"View Log",
				{"reference_doctype": "Referral", "reference_name": referral, "viewed_by": self.contact_user},
			),
			1,
		)

	def test_a_draft_is_not_the_partners(self):
		student, _consent = self.student()
		draft = self.draft(student).name
		self.assertNotIn(draft, [row["name"] for row in self.as_partner(partner_portal.get_referrals)])
		self.refused_unchanged(draft, partner_portal.get_referral, draft)
		self.refused_unchanged(draft, partner_portal.act, draft, "Accept")

	# ------------------------------------------------------------ misuse

	def test_another_partners_contact_gets_the_answer_of_a_referral_that_does_not_exist(self):
		referral, *_ = self.sent()
		self.assertNotIn(
			referral,
			[row["name"] for row in self.as_partner(partner_portal.get_referrals, user=self.other_user)],
		)
		messages = []
		for name in (referral, "REF-0000-99999"):
			with self.assertRaises(frappe.PermissionError) as caught:
				self.as_partner(partner_portal.get_referral, name, user=self.other_user)
			messages.append(str(caught.exception))
		self.assertEqual(messages[0], messages[1])
		self.assertNotIn("Rosa", messages[0])
		for action in ("Accept", "Decline"):
			self.refused_unchanged(
				referral, partner_portal.act, referral, action, {"decline_reason": "x"}, user=self.other_user
			)

	def test_revoking_the_consent_cuts_the_partners_access_at_once(self):
		referral, _student, consent = self.sent()
		self.as_partner(partner_portal.act, referral, "Accept")
		doc = frappe.get_doc("Student Consent", consent)
		doc.revoked_date = nowdate()
		doc.save(ignore_permissions=True)
		self.assertNotIn(referral, [row["name"] for row in self.as_partner(partner_portal.get_referrals)])
		self.refused_unchanged(referral, partner_portal.get_referral, referral)
		values = {"service_start_date": nowdate()}
		self.refused_unchanged(referral, partner_portal.act, referral, "Start Service", values)
		# the referral stays for the coordinator, who is told the partner no longer sees it
		frappe.set_user(self.net.coordinator_a)
		doc = frappe.get_doc("Referral", referral)
		doc.check_permission("read")
		self.assertEqual(doc.status, "Accepted")
		self.assertEqual(doc.consent_check()["state"], "cut")

	def test_the_end_of_the_consent_cuts_the_partners_access(self):
		referral, _student, consent = self.sent()
		self.assertEqual(self.as_partner(partner_portal.get_referral, referral)["name"], referral)
		frappe.db.set_value(
			"Student Consent",
			consent,
			{"signed_date": add_days(nowdate(), -30), "expiry_date": add_days(nowdate(), -1)},
		)
		self.refused_unchanged(referral, partner_portal.get_referral, referral)
		self.refused_unchanged(referral, partner_portal.act, referral, "Accept")

	def test_an_inactive_partners_contacts_lose_the_portal(self):
		referral, *_ = self.sent()
		frappe.db.set_value("Partner", PARTNER, "status", "Inactive")
		try:
			self.refused_unchanged(referral, partner_portal.get_referrals)
			self.refused_unchanged(referral, partner_portal.act, referral, "Accept")
		finally:
			frappe.db.set_value("Partner", PARTNER, "status", "Active")

	def test_a_partner_contact_moves_only_along_their_transitions(self):
		referral, *_ = self.sent()
		for action in ("Send", "Close", "Complete", "Start Service", "Approve", ""):
			self.refused_unchanged(referral, partner_portal.act, referral, action, error=PartnerPortalError)
		self.as_partner(partner_portal.act, referral, "Accept")
		for action in ("Accept", "Decline", "Close"):
			self.refused_unchanged(referral, partner_portal.act, referral, action, error=PartnerPortalError)

	def test_only_the_actions_fields_are_taken_from_the_client(self):
		referral, student, consent = self.sent()
		other_student, _ = self.student()
		self.as_partner(
			partner_portal.act,
			referral,
			"Accept",
			{
				"student": other_student,
				"partner": OTHER_PARTNER,
				"status": "Completed",
				"reason": "changed",
				"consent": None,
				"service_start_date": nowdate(),
			},
		)
		doc = frappe.get_doc("Referral", referral)
		self.assertEqual(
			(doc.status, doc.student, doc.partner, doc.reason, doc.consent, doc.service_start_date),
			("Accepted", student, PARTNER, "Synthetic reason for staff", consent, None),
		)

	def test_bad_service_records_are_refused_with_the_reason_and_nothing_written(self):
		referral, *_ = self.sent()
		self.as_partner(partner_portal.act, referral, "Accept")
		good = {
			"service_start_date": add_days(nowdate(), -5),
			"service_end_date": nowdate(),
			"sessions": 2,
			"outcome_note": "ok",
		}
		for bad, words in (
			({"service_end_date": add_days(nowdate(), -6)}, "before its start date"),
			({"service_end_date": add_days(nowdate(), 3)}, "in the future"),
			({"sessions": -2}, "whole number"),
			({"sessions": 0}, "at least 1"),
			({"outcome_note": ""}, "outcome note"),
			({"service_start_date": "yesterday"}, "as dates"),
		):
			before = stored(referral)
			with self.assertRaises(PartnerPortalError) as caught:
				self.as_partner(partner_portal.act, referral, "Complete", {**good, **bad})
			self.assertIn(words, str(caught.exception))
			self.assertEqual(stored(referral), before)
		self.refused_unchanged(
			referral,
			partner_portal.act,
			referral,
			"Start Service",
			{"service_start_date": add_days(nowdate(), 2)},
			error=PartnerPortalError,
		)

	def test_service_dates_before_the_referral_was_sent_or_outside_its_school_year_are_refused(self):
		student, _consent = self.student()
		referral = act(self.draft(student), "Send", self.net.coordinator_a).name  # sent today
		self.as_partner(partner_portal.act, referral, "Accept")
		year_start = frappe.db.get_value("School Year", self.year, "year_start_date")
		for start, words in (
			("0001-01-01", "before the referral was sent"),
			(add_days(nowdate(), -1), "before the referral was sent"),
		):
			self.refused_unchanged(
				referral,
				partner_portal.act,
				referral,
				"Start Service",
				{"service_start_date": start},
				error=PartnerPortalError,
			)
			with self.assertRaises(PartnerPortalError) as caught:
				self.as_partner(
					partner_portal.act,
					referral,
					"Complete",
					{
						"service_start_date": start,
						"service_end_date": nowdate(),
						"sessions": 1,
						"outcome_note": "x",
					},
				)
			self.assertIn(words, str(caught.exception))
		# sent (by the record) before its school year began: a start before the year is refused
		frappe.db.set_value("Referral", referral, "sent_on", add_days(year_start, -30))
		with self.assertRaises(PartnerPortalError) as caught:
			self.as_partner(
				partner_portal.act,
				referral,
				"Start Service",
				{"service_start_date": add_days(year_start, -1)},
			)
		self.assertIn("outside the referral's school year", str(caught.exception))
		self.assertEqual(frappe.db.get_value("Referral", referral, "status"), "Accepted")
		row = self.as_partner(
			partner_portal.act, referral, "Start Service", {"service_start_date": year_start}
		)
		self.assertEqual(row["status"], "Service Started")

	def test_an_admin_who_removes_the_partners_transitions_takes_the_action_away(self):
		referral, *_ = self.sent()
		workflow = frappe.get_doc("Workflow", "Referral Workflow")
		kept = [row for row in workflow.transitions if row.allowed != partner_portal.PARTNER_CONTACT_ROLE]
		removed = [
			row.as_dict()
			for row in workflow.transitions
			if row.allowed == partner_portal.PARTNER_CONTACT_ROLE
		]
		self.assertEqual(len(removed), 4)
		workflow.transitions = kept
		workflow.save()
		try:
			self.refused_unchanged(referral, partner_portal.act, referral, "Accept", error=PartnerPortalError)
		finally:
			workflow.reload()
			for row in removed:
				workflow.append(
					"transitions",
					{
						key: row[key]
						for key in ("state", "action", "next_state", "allowed", "allow_self_approval")
					},
				)
			workflow.save()
		self.assertEqual(self.as_partner(partner_portal.act, referral, "Accept")["status"], "Accepted")

	def test_a_partner_contact_has_no_desk_access_to_referrals_or_students(self):
		referral, student, _consent = self.sent()
		frappe.set_user(self.contact_user)
		for doctype, name in (("Referral", referral), ("Student", student), ("Partner", PARTNER)):
			with self.assertRaises(frappe.PermissionError, msg=doctype):
				frappe.get_list(doctype)
			self.assertFalse(frappe.has_permission(doctype, "read", doc=name), doctype)
		from frappe.model.workflow import apply_workflow, get_transitions

		with self.assertRaises(frappe.PermissionError):
			get_transitions(frappe.get_doc("Referral", referral))
		with self.assertRaises(frappe.PermissionError):
			apply_workflow(frappe.get_doc("Referral", referral).as_dict(), "Accept")
		frappe.set_user("Administrator")
		self.assertEqual(stored(referral)[0], "Sent")

	def test_staff_and_other_website_users_are_not_partner_contacts(self):
		referral, *_ = self.sent()
		website_user = "cis-portal-stranger@example.com"
		if not frappe.db.exists("User", website_user):
			frappe.get_doc(
				{
					"doctype": "User",
					"email": website_user,
					"first_name": "Stranger",
					"user_type": "Website User",
					"send_welcome_email": 0,
				}
			).insert(ignore_permissions=True)
		frappe.get_doc("User", website_user).add_roles(
			partner_portal.PARTNER_CONTACT_ROLE
		)  # role, no contact row
		for user in (self.net.coordinator_a, self.net.partner_manager, self.net.admin, website_user, "Guest"):
			self.refused_unchanged(referral, partner_portal.get_referrals, user=user)
			self.refused_unchanged(referral, partner_portal.get_referral, referral, user=user)
			self.refused_unchanged(referral, partner_portal.act, referral, "Accept", user=user)

	# ------------------------------------------------------------ refusals at sending

	def test_sending_to_a_partner_that_became_inactive_is_refused_with_nothing_changed(self):
		student, _consent = self.student()
		referral = self.draft(student)
		frappe.db.set_value("Partner", PARTNER, "status", "Inactive")
		try:
			before = stored(referral.name)
			with self.assertRaises(InactivePartnerError):
				act(referral, "Send", self.net.coordinator_a)
			self.assertEqual(stored(referral.name), before)
			self.assertEqual(frappe.db.count("Disclosure Record", {"reference_name": referral.name}), 0)
		finally:
			frappe.db.set_value("Partner", PARTNER, "status", "Active")

	def test_the_form_names_the_missing_consent_and_a_tier_1_support_is_not_referred(self):
		student, _ = self.student(consent=False)
		frappe.set_user(self.net.coordinator_a)
		from cis_app.cis_case_management.doctype.referral.referral import get_consent_check

		check = get_consent_check(student, PARTNER, self.year)
		self.assertEqual(check["state"], "missing")
		self.assertIn(PARTNER, check["message"])
		self.assertIn(self.year, check["message"])
		frappe.set_user(self.net.coordinator_b)
		with self.assertRaises(frappe.PermissionError):
			get_consent_check(student, PARTNER, self.year)
		frappe.set_user("Administrator")
		with self.assertRaises(WrongTierError):
			self.draft(student, support_type=TIER_1_ONLY)
		self.assertEqual(frappe.db.count("Referral", {"student": student}), 0)

	# ------------------------------------------------------------ website logins

	def test_create_website_login_makes_a_new_website_user_for_the_contact_only(self):
		user = frappe.get_doc("User", self.contact_user)
		self.assertEqual(user.user_type, "Website User")
		self.assertEqual([row.role for row in user.roles], [partner_portal.PARTNER_CONTACT_ROLE])
		self.assertEqual(
			frappe.db.get_value(
				"Partner Contact", {"parent": PARTNER, "email": PORTAL_PARTNER_EMAIL}, "user"
			),
			self.contact_user,
		)
		# an email that already belongs to a user (a staff member's) is refused, nothing linked
		contact = add_contact(PARTNER, self.net.coordinator_b, "Staff Person")
		frappe.set_user(self.net.partner_manager)
		with self.assertRaises(PortalLoginError):
			create_website_login(PARTNER, contact)
		frappe.set_user("Administrator")
		self.assertIsNone(frappe.db.get_value("Partner Contact", contact, "user"))
		self.assertNotIn(partner_portal.PARTNER_CONTACT_ROLE, frappe.get_roles(self.net.coordinator_b))
		# only those who may edit the partner create logins
		for user in (self.net.coordinator_a, self.net.evaluator, self.contact_user):
			frappe.set_user(user)
			with self.assertRaises(frappe.PermissionError, msg=user):
				create_website_login(PARTNER, contact)
		frappe.set_user("Administrator")

	def test_a_staff_user_or_another_contacts_login_cannot_be_linked_by_editing_the_partner(self):
		for user in (self.net.coordinator_b, self.other_user):
			doc = frappe.get_doc("Partner", PARTNER)
			doc.append("contacts", {"contact_name": "Linked By Hand", "user": user})
			with self.assertRaises(PortalLoginError, msg=user):
				doc.save(ignore_permissions=True)
		self.assertEqual(frappe.db.count("Partner Contact", {"contact_name": "Linked By Hand"}), 0)
