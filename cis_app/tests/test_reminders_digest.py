"""The daily reminder digest: right people only (FERPA), one mail per person, switchable, once a day."""

from __future__ import annotations

import email
from unittest.mock import patch

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, formatdate, getdate, nowdate

from cis_app.cis_partnerships.doctype.partner.partner import remind_agreement_renewals
from cis_app.cis_case_management.reminders import (
	LAST_RUN_KEY,
	REMINDER_NOTIFICATIONS,
	create_reminder_notifications,
	send_daily_digest,
)
from cis_app.tests.factories import (
	TwoSites,
	make_consent,
	make_hours,
	make_school_year,
	make_student,
	make_support_plan,
	make_volunteer_record,
)


class TestReminderDigest(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.org = TwoSites.build()
		make_school_year()
		create_reminder_notifications()
		today = nowdate()
		student_a = make_student(
			cls.org.site_a, first_name="Remy", last_name="Alpha", health_notes="SYNTHETIC-HEALTH-NOTE"
		)
		student_b = make_student(cls.org.site_b, first_name="Bea", last_name="Bravo")
		cls.plan_a = make_support_plan(student_a.name).name
		frappe.db.set_value("Support Plan", cls.plan_a, "next_review_date", add_days(today, 7))
		cls.plan_b_later = make_support_plan(student_b.name).name
		frappe.db.set_value("Support Plan", cls.plan_b_later, "next_review_date", add_days(today, 8))
		cls.consent_a = make_consent(student_a.name).name
		frappe.db.set_value(
			"Student Consent", cls.consent_a, {"status": "Valid", "expiry_date": add_days(today, 30)}
		)
		volunteer = make_volunteer_record("cis-reminder-volunteer@example.com", [cls.org.site_a])
		cls.hours_old = make_hours(volunteer, cls.org.site_a, date=add_days(today, -9)).name
		cls.hours_new = make_hours(volunteer, cls.org.site_a, date=add_days(today, -1)).name
		frappe.db.set_value(
			"Volunteer Hours",
			cls.hours_old,
			{"status": "Submitted", "creation": add_days(today, -10) + " 09:00:00"},
			update_modified=False,
		)
		frappe.db.set_value("Volunteer Hours", cls.hours_new, "status", "Submitted", update_modified=False)
		cls.student_no_checkin = make_student(cls.org.site_b, first_name="Cato", last_name="Bravo").name
		frappe.db.set_value("Student", cls.student_no_checkin, "is_case_managed", 1)
		cls.partner = (
			frappe.get_doc(
				{
					"doctype": "Partner",
					"partner_name": "_Test Reminder Partner",
					"partner_type": "Business",
					"affiliate": cls.org.affiliate,
					"partner_manager": cls.org.partner_manager,
				}
			)
			.insert(ignore_permissions=True)
			.name
		)
		frappe.db.set_value(
			"Partner",
			cls.partner,
			{
				"agreement_status": "Signed",
				"agreement_signed_date": add_days(today, -300),
				"agreement_renewal_date": add_days(today, 10),
				"reminder_days": 30,
			},
		)

	def setUp(self):
		frappe.db.set_global(LAST_RUN_KEY, "")
		frappe.db.delete("Notification Log", {"for_user": ["in", self.users()]})
		frappe.db.delete("ToDo", {"reference_type": "Partner", "reference_name": self.partner})

	def users(self) -> list[str]:
		return [
			self.org.coordinator_a,
			self.org.coordinator_b,
			self.org.program_manager,
			self.org.partner_manager,
		]

	def run_digest(self) -> list[dict]:
		with (
			patch("cis_app.cis_case_management.reminders.email_is_set_up", return_value=True),
			patch("frappe.sendmail") as sendmail,
		):
			send_daily_digest()
		return [call.kwargs for call in sendmail.call_args_list]

	def logs(self, user: str, document_type: str, name: str) -> int:
		return frappe.db.count(
			"Notification Log", {"for_user": user, "document_type": document_type, "document_name": name}
		)

	def test_defaults_are_created_once_and_keep_an_admins_edits(self):
		name = REMINDER_NOTIFICATIONS["plan_review"][0]
		default = frappe.db.get_value("Notification", name, "subject")
		frappe.db.set_value("Notification", name, "subject", "Review: {{ doc.title }}")
		try:
			create_reminder_notifications()
			self.assertEqual(frappe.db.get_value("Notification", name, "subject"), "Review: {{ doc.title }}")
			self.run_digest()  # the digest uses the admin's wording
			subject = frappe.db.get_value(
				"Notification Log",
				{"for_user": self.org.coordinator_a, "document_name": self.plan_a},
				"subject",
			)
			self.assertEqual(subject, "Review: Remy Alpha")
		finally:
			frappe.db.set_value("Notification", name, "subject", default)
		self.assertEqual(frappe.db.count("Notification", {"name": ["like", "CIS Reminder:%"]}), 5)

	def test_plan_review_reaches_site_staff_only(self):
		self.run_digest()
		self.assertEqual(self.logs(self.org.coordinator_a, "Support Plan", self.plan_a), 1)
		self.assertEqual(self.logs(self.org.program_manager, "Support Plan", self.plan_a), 1)
		self.assertEqual(self.logs(self.org.coordinator_b, "Support Plan", self.plan_a), 0)
		# a review 8 days away is not due yet
		self.assertEqual(self.logs(self.org.coordinator_b, "Support Plan", self.plan_b_later), 0)

	def test_consent_expiring_in_30_days_reaches_site_staff_only(self):
		self.run_digest()
		self.assertEqual(self.logs(self.org.coordinator_a, "Student Consent", self.consent_a), 1)
		self.assertEqual(self.logs(self.org.coordinator_b, "Student Consent", self.consent_a), 0)

	def test_hours_waiting_over_a_week_reach_the_sites_coordinator(self):
		self.run_digest()
		self.assertEqual(self.logs(self.org.coordinator_a, "Volunteer Hours", self.hours_old), 1)
		self.assertEqual(self.logs(self.org.coordinator_a, "Volunteer Hours", self.hours_new), 0)
		self.assertEqual(self.logs(self.org.coordinator_b, "Volunteer Hours", self.hours_old), 0)

	def test_case_managed_student_without_checkin_reaches_their_sites_staff(self):
		self.run_digest()
		self.assertEqual(self.logs(self.org.coordinator_b, "Student", self.student_no_checkin), 1)
		self.assertEqual(self.logs(self.org.coordinator_a, "Student", self.student_no_checkin), 0)
		self.assertEqual(self.logs(self.org.program_manager, "Student", self.student_no_checkin), 0)

	def test_agreement_renewal_reaches_the_partner_manager_only(self):
		self.run_digest()
		self.assertEqual(self.logs(self.org.partner_manager, "Partner", self.partner), 1)
		self.assertEqual(self.logs(self.org.coordinator_a, "Partner", self.partner), 0)

	def test_one_email_per_recipient_without_sensitive_fields(self):
		mails = self.run_digest()
		to_a = [mail for mail in mails if mail["recipients"] == [self.org.coordinator_a]]
		self.assertEqual(len(to_a), 1)
		self.assertIn(self.plan_a, to_a[0]["message"])
		self.assertIn(self.consent_a, to_a[0]["message"])
		to_b = "".join(mail["message"] for mail in mails if mail["recipients"] == [self.org.coordinator_b])
		self.assertNotIn(self.plan_a, to_b)
		self.assertNotIn(self.consent_a, to_b)
		self.assertIn("Remy Alpha", to_a[0]["message"])
		self.assertNotIn("SYNTHETIC-HEALTH-NOTE", to_a[0]["message"])
		for mail in mails:
			self.assertEqual(len(mail["recipients"]), 1)
		self.assertEqual(len({mail["recipients"][0] for mail in mails}), len(mails))

	def test_a_kind_switched_off_is_not_sent(self):
		frappe.db.set_value("Notification", REMINDER_NOTIFICATIONS["consent_expiring"][0], "enabled", 0)
		try:
			self.run_digest()
		finally:
			frappe.db.set_value("Notification", REMINDER_NOTIFICATIONS["consent_expiring"][0], "enabled", 1)
		self.assertEqual(self.logs(self.org.coordinator_a, "Student Consent", self.consent_a), 0)
		self.assertEqual(self.logs(self.org.coordinator_a, "Support Plan", self.plan_a), 1)

	def test_a_second_run_the_same_day_sends_nothing(self):
		first = self.run_digest()
		second = self.run_digest()
		self.assertEqual(len([m for m in first if m["recipients"] == [self.org.coordinator_a]]), 1)
		self.assertEqual(second, [])
		self.assertEqual(self.logs(self.org.coordinator_a, "Support Plan", self.plan_a), 1)

	def test_no_email_without_an_outgoing_account(self):
		with (
			patch("cis_app.cis_case_management.reminders.email_is_set_up", return_value=False),
			patch("frappe.sendmail") as sendmail,
		):
			send_daily_digest()
		sendmail.assert_not_called()
		subject = frappe.db.get_value(
			"Notification Log",
			{"for_user": self.org.coordinator_a, "document_name": self.plan_a},
			"subject",
		)
		self.assertEqual(subject, "Support plan review due: Remy Alpha")
		self.assertEqual(self.logs(self.org.coordinator_a, "Support Plan", self.plan_a), 1)

	def test_each_kind_fires_once_for_the_right_person(self):
		"""One item of each of the five kinds, each in the bell of exactly the people it is for."""
		self.run_digest()
		logs = frappe.get_all(
			"Notification Log",
			filters={"for_user": ["in", self.users()], "document_type": ["!=", "Student Check-In"]},
			fields=["for_user", "document_type", "document_name"],
		)
		mine = {self.plan_a, self.consent_a, self.hours_old, self.student_no_checkin, self.partner}
		got = sorted(
			(log.document_type, log.document_name, log.for_user) for log in logs if log.document_name in mine
		)
		self.assertEqual(
			got,
			sorted(
				[
					("Support Plan", self.plan_a, self.org.coordinator_a),
					("Support Plan", self.plan_a, self.org.program_manager),
					("Student", self.student_no_checkin, self.org.coordinator_b),
					("Student Consent", self.consent_a, self.org.coordinator_a),
					("Student Consent", self.consent_a, self.org.program_manager),
					("Volunteer Hours", self.hours_old, self.org.coordinator_a),
					("Volunteer Hours", self.hours_old, self.org.program_manager),
					("Partner", self.partner, self.org.partner_manager),
				]
			),
		)

	def test_the_digest_is_one_queued_mail_per_recipient(self):
		"""Through Frappe's real Email Queue (no mock): one mail for each person, listing all their items."""
		if not frappe.db.exists("Email Account", {"enable_outgoing": 1, "default_outgoing": 1}):
			frappe.get_doc(
				{
					"doctype": "Email Account",
					"email_account_name": "_Test CIS Outgoing",
					"email_id": "cis-outgoing@example.com",
					"enable_outgoing": 1,
					"default_outgoing": 1,
					"smtp_server": "localhost",
					"no_smtp_authentication": 1,
				}
			).insert(ignore_permissions=True)
		before = set(frappe.get_all("Email Queue", pluck="name"))
		send_daily_digest()
		queued = frappe.get_all(
			"Email Queue", filters={"name": ["not in", list(before) or [""]]}, fields=["name", "message"]
		)
		recipients = frappe.get_all(
			"Email Queue Recipient",
			filters={"parent": ["in", [q.name for q in queued] or [""]]},
			fields=["recipient", "parent"],
		)
		per_user = {}
		for row in recipients:
			per_user.setdefault(row.recipient, []).append(row.parent)
		for user in self.users():
			self.assertEqual(len(per_user.get(user, [])), 1, user)
		self.assertEqual(len(queued), len(recipients))  # one recipient per mail: no one sees another's list
		mail = {q.name: email.message_from_string(q.message) for q in queued}
		for parsed in mail.values():
			self.assertTrue(parsed["Subject"].startswith("Your CIS reminders for "), parsed["Subject"])

		def body(user: str) -> str:
			parsed = mail[per_user[user][0]]
			return "".join(
				part.get_payload(decode=True).decode()
				for part in parsed.walk()
				if part.get_content_type() == "text/html"
			)

		for name in (self.plan_a, self.consent_a, self.hours_old):
			self.assertIn(name, body(self.org.coordinator_a))
		self.assertNotIn(self.student_no_checkin, body(self.org.coordinator_a))
		self.assertIn(self.student_no_checkin, body(self.org.coordinator_b))
		self.assertIn(self.partner, body(self.org.partner_manager))

	def test_a_renewal_reaches_its_manager_once(self):
		"""The partner job and the digest share one to-do per renewal date, and the digest lists the renewal
		only on the day it is assigned (not a to-do plus a mail every day of the window)."""
		remind_agreement_renewals()
		mails = self.run_digest()
		remind_agreement_renewals()
		todos = frappe.get_all(
			"ToDo",
			filters={"reference_type": "Partner", "reference_name": self.partner},
			fields=["allocated_to", "date", "status"],
		)
		self.assertEqual(
			[(t.allocated_to, getdate(t.date), t.status) for t in todos],
			[(self.org.partner_manager, getdate(add_days(nowdate(), 10)), "Open")],
		)
		self.assertEqual(self.logs(self.org.partner_manager, "Partner", self.partner), 1)
		to_manager = [m for m in mails if m["recipients"] == [self.org.partner_manager]]
		self.assertEqual(len(to_manager), 1)
		self.assertIn(self.partner, to_manager[0]["message"])
		# the next day: the to-do was assigned yesterday, so no second mail or bell entry
		frappe.db.set_value(
			"ToDo",
			{"reference_type": "Partner", "reference_name": self.partner},
			"creation",
			add_days(nowdate(), -1) + " 06:00:00",
			update_modified=False,
		)
		frappe.db.set_global(LAST_RUN_KEY, "")
		frappe.db.delete("Notification Log", {"for_user": self.org.partner_manager})
		remind_agreement_renewals()
		mails = self.run_digest()
		self.assertEqual(self.logs(self.org.partner_manager, "Partner", self.partner), 0)
		self.assertEqual(
			"".join(m["message"] for m in mails if m["recipients"] == [self.org.partner_manager]).count(
				self.partner
			),
			0,
		)
		self.assertEqual(
			frappe.db.count("ToDo", {"reference_type": "Partner", "reference_name": self.partner}), 1
		)
		# a new renewal date is a new renewal
		frappe.db.set_value("Partner", self.partner, "agreement_renewal_date", add_days(nowdate(), 20))
		frappe.db.set_global(LAST_RUN_KEY, "")
		self.run_digest()
		self.assertEqual(self.logs(self.org.partner_manager, "Partner", self.partner), 1)
		self.assertEqual(
			frappe.db.count("ToDo", {"reference_type": "Partner", "reference_name": self.partner}), 2
		)
		frappe.db.set_value("Partner", self.partner, "agreement_renewal_date", add_days(nowdate(), 10))

	def test_renewal_switched_off_assigns_nothing(self):
		name = REMINDER_NOTIFICATIONS["agreement_renewal"][0]
		frappe.db.set_value("Notification", name, "enabled", 0)
		try:
			remind_agreement_renewals()
			self.run_digest()
		finally:
			frappe.db.set_value("Notification", name, "enabled", 1)
		self.assertEqual(
			frappe.db.count("ToDo", {"reference_type": "Partner", "reference_name": self.partner}), 0
		)
		self.assertEqual(self.logs(self.org.partner_manager, "Partner", self.partner), 0)

	def test_an_outgoing_account_that_is_not_the_default_sends_no_mail_and_breaks_nothing(self):
		"""frappe.sendmail uses only the default outgoing account: without one the digest must not try
		(it would raise and roll back the bell entries too)."""
		with (
			patch(
				"frappe.email.doctype.email_account.email_account.EmailAccount.find_default_outgoing",
				return_value=None,
			),
			patch("frappe.sendmail") as sendmail,
		):
			send_daily_digest()
		sendmail.assert_not_called()
		self.assertEqual(self.logs(self.org.coordinator_a, "Support Plan", self.plan_a), 1)
		self.assertEqual(self.logs(self.org.partner_manager, "Partner", self.partner), 1)

	def test_each_person_reads_the_digest_in_their_language(self):
		"""A coordinator whose User.language is Spanish gets the subject, headings and bell entries in
		Spanish (cis_app/translations/es.csv); the others stay in English."""
		frappe.db.set_value("User", self.org.coordinator_a, "language", "es")
		try:
			mails = self.run_digest()
		finally:
			frappe.db.set_value("User", self.org.coordinator_a, "language", None)
		to_a = next(m for m in mails if m["recipients"] == [self.org.coordinator_a])
		self.assertTrue(to_a["subject"].startswith("Sus recordatorios de CIS del "), to_a["subject"])
		self.assertIn("Esto necesita su atención hoy:", to_a["message"])
		self.assertIn("Revisión del plan de apoyo pendiente", to_a["message"])
		subject = frappe.db.get_value(
			"Notification Log", {"for_user": self.org.coordinator_a, "document_name": self.plan_a}, "subject"
		)
		self.assertEqual(subject, "Revisión del plan de apoyo pendiente: Remy Alpha")
		to_b = next(m for m in mails if m["recipients"] == [self.org.coordinator_b])
		self.assertTrue(to_b["subject"].startswith("Your CIS reminders for "), to_b["subject"])

	def test_the_renewal_to_do_is_written_in_the_managers_language(self):
		frappe.db.set_value("User", self.org.partner_manager, "language", "es")
		try:
			remind_agreement_renewals()
		finally:
			frappe.db.set_value("User", self.org.partner_manager, "language", None)
		description = frappe.db.get_value(
			"ToDo", {"reference_type": "Partner", "reference_name": self.partner}, "description"
		)
		self.assertEqual(
			description,
			f"Renovar el acuerdo de alianza con _Test Reminder Partner: vence el {formatdate(add_days(nowdate(), 10))}.",
		)
