"""The daily reminder digest: right people only (FERPA), one mail per person, switchable, once a day."""

from __future__ import annotations

from unittest.mock import patch

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, nowdate

from cis_app.reminders import (
	LAST_RUN_KEY,
	REMINDER_NOTIFICATIONS,
	create_reminder_notifications,
	send_daily_digest,
)
from cis_app.testing import (
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

	def users(self) -> list[str]:
		return [
			self.org.coordinator_a,
			self.org.coordinator_b,
			self.org.program_manager,
			self.org.partner_manager,
		]

	def run_digest(self) -> list[dict]:
		with (
			patch("cis_app.reminders.email_is_set_up", return_value=True),
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
			patch("cis_app.reminders.email_is_set_up", return_value=False),
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
