"""The partner's portal rules (cis_app.core.referrals): who may open a referral, what a partner contact
may do and enter, what they see, and where a completed referral shows on the student's plan."""

from datetime import date

import pytest

from cis_app.core import referrals

ON = date(2026, 11, 2)
CONSENT = {"signed_date": date(2026, 9, 1), "expiry_date": date(2027, 7, 31), "revoked_date": None}


# ------------------------------------------------------------ access


@pytest.mark.parametrize("status", sorted(referrals.PORTAL_STATUSES))
def test_a_sent_referral_under_a_valid_consent_is_open_to_the_partner(status):
	assert referrals.portal_access_problem(status, ON, CONSENT, ON) is None


def test_the_portal_statuses_are_sent_and_later():
	assert referrals.PORTAL_STATUSES == set(referrals.STATUSES) - {"Draft"}


@pytest.mark.parametrize(
	"status, sent_on, consent, expected",
	[
		("Draft", None, CONSENT, "not_sent"),
		("Draft", ON, CONSENT, "not_sent"),
		("Closed", None, CONSENT, "not_sent"),  # closed before it was ever sent
		(None, ON, CONSENT, "not_sent"),
		("Sent", ON, None, "no_consent"),
		("Sent", ON, {**CONSENT, "revoked_date": ON}, "Revoked"),
		("Completed", ON, {**CONSENT, "revoked_date": date(2026, 10, 1)}, "Revoked"),
		("Accepted", ON, {**CONSENT, "expiry_date": date(2026, 11, 1)}, "Expired"),
		("Sent", ON, {**CONSENT, "signed_date": date(2026, 11, 3)}, "Pending"),
	],
)
def test_access_is_cut_unless_sent_under_a_consent_valid_today(status, sent_on, consent, expected):
	assert referrals.portal_access_problem(status, sent_on, consent, ON) == expected


def test_access_holds_through_the_expiry_day_and_until_the_revocation_day():
	assert referrals.portal_access_problem("Sent", ON, {**CONSENT, "expiry_date": ON}, ON) is None
	revoked_tomorrow = {**CONSENT, "revoked_date": date(2026, 11, 3)}
	assert referrals.portal_access_problem("Sent", ON, revoked_tomorrow, ON) is None
	assert referrals.portal_access_problem("Sent", ON, revoked_tomorrow, date(2026, 11, 3)) == "Revoked"


# ------------------------------------------------------------ the partner's transitions


def test_partner_steps_are_workflow_transitions_the_core_allows():
	for (from_status, _action), steps in referrals.PARTNER_STEPS.items():
		status = from_status
		for step in steps:
			assert step in referrals.TRANSITIONS[status], (from_status, step)
			target = referrals.TRANSITIONS[status][step]
			assert referrals.can_transition(status, target)
			status = target


@pytest.mark.parametrize(
	"status, actions",
	[
		("Draft", []),
		("Sent", ["Accept", "Decline"]),
		("Accepted", ["Start Service", "Complete"]),
		("Service Started", ["Complete"]),
		("Declined", []),
		("Completed", []),
		("Closed", []),
		(None, []),
	],
)
def test_what_a_partner_contact_may_do_in_each_status(status, actions):
	assert referrals.partner_actions(status) == actions


@pytest.mark.parametrize(
	"status, action, steps",
	[
		("Sent", "Accept", ("Accept",)),
		("Sent", "Decline", ("Decline",)),
		("Accepted", "Start Service", ("Start Service",)),
		("Accepted", "Complete", ("Start Service", "Complete")),
		("Service Started", "Complete", ("Complete",)),
	],
)
def test_allowed_partner_actions_and_their_steps(status, action, steps):
	assert referrals.partner_steps(status, action) == steps


@pytest.mark.parametrize(
	"status, action",
	[
		("Draft", "Send"),  # sending is the coordinator's
		("Draft", "Accept"),  # not sent yet
		("Sent", "Send"),
		("Sent", "Close"),  # closing is the coordinator's
		("Sent", "Complete"),  # accept first
		("Sent", "Start Service"),
		("Accepted", "Accept"),
		("Accepted", "Decline"),
		("Declined", "Accept"),
		("Completed", "Complete"),
		("Completed", "Close"),
		("Closed", "Accept"),
		("Service Started", "Decline"),
		("Service Started", "Start Service"),
		(None, "Accept"),
	],
)
def test_refused_partner_actions(status, action):
	assert referrals.partner_steps(status, action) is None


def test_each_partner_action_writes_only_its_own_fields():
	assert set(referrals.PARTNER_ACTION_FIELDS) == {
		step for steps in referrals.PARTNER_STEPS.values() for step in steps
	}
	assert referrals.PARTNER_ACTION_FIELDS["Accept"] == ()
	assert referrals.PARTNER_ACTION_FIELDS["Decline"] == ("decline_reason",)
	written = {field for fields in referrals.PARTNER_ACTION_FIELDS.values() for field in fields}
	assert not written & {"student", "partner", "school_year", "consent", "status", "sent_on", "reason"}


# ------------------------------------------------------------ what the partner enters

SERVICE = {
	"service_start_date": date(2026, 10, 5),
	"service_end_date": date(2026, 11, 1),
	"sessions": 6,
	"outcome_note": "Attended all sessions",
}


def test_a_complete_service_record_is_accepted():
	assert referrals.partner_action_problems("Complete", SERVICE, ON) == []
	assert referrals.partner_action_problems("Complete", {**SERVICE, "sessions": "6"}, ON) == []
	iso = {**SERVICE, "service_start_date": "2026-10-05", "service_end_date": "2026-11-02"}
	assert referrals.partner_action_problems("Complete", iso, ON) == []
	assert referrals.partner_action_problems("Start Service", {"service_start_date": ON}, ON) == []
	assert referrals.partner_action_problems("Accept", {}, ON) == []


@pytest.mark.parametrize(
	"action, values, expected",
	[
		("Decline", {}, ["decline_reason_missing"]),
		("Decline", {"decline_reason": "   "}, ["decline_reason_missing"]),
		("Start Service", {}, ["start_missing"]),
		("Start Service", {"service_start_date": date(2026, 11, 3)}, ["start_in_future"]),
		("Start Service", {"service_start_date": ON, "sessions": -1}, ["sessions_invalid"]),
		("Start Service", {"service_start_date": ON, "sessions": "two"}, ["sessions_invalid"]),
		("Start Service", {"service_start_date": ON, "sessions": 1.5}, ["sessions_invalid"]),
		("Start Service", {"service_start_date": "not a date"}, ["date_invalid"]),
		("Complete", {**SERVICE, "service_end_date": None}, ["end_missing"]),
		("Complete", {**SERVICE, "service_end_date": date(2026, 11, 3)}, ["end_in_future"]),
		("Complete", {**SERVICE, "service_end_date": date(2026, 10, 4)}, ["end_before_start"]),
		("Complete", {**SERVICE, "sessions": 0}, ["sessions_missing"]),
		("Complete", {**SERVICE, "sessions": None}, ["sessions_missing"]),
		("Complete", {**SERVICE, "sessions": "inf"}, ["sessions_invalid"]),
		("Complete", {**SERVICE, "outcome_note": ""}, ["outcome_missing"]),
		("Complete", {}, ["start_missing", "end_missing", "sessions_missing", "outcome_missing"]),
	],
)
def test_what_is_wrong_with_a_partner_entry_is_named(action, values, expected):
	assert referrals.partner_action_problems(action, values, ON) == expected


# ------------------------------------------------------------ what the portal shows

STUDENT = {
	"first_name": "Ana",
	"last_name": "Garcia",
	"grade_level": "7",
	"school": "Lincoln Middle",
	"date_of_birth": date(2014, 3, 1),
	"district_student_id": "D-123",
	"health_notes": "synthetic health note",
}
REFERRAL = {
	"name": "REF-2026-00001",
	"student": "STU-0001",
	"student_name": "Ana Garcia",
	"status": "Sent",
	"sent_on": ON,
	"support_type": "Counselling",
	"note_for_partner": "Prefers afternoons",
	"reason": "internal reason, not for the partner",
	"urgency": "Soon",
	"preferred_contact": referrals.CONTACT_GUARDIAN_PHONE,
	"consent": "CONS-1",
	"support_plan": "SP-1",
	"site": "Lincoln Middle",
}
GUARDIAN = {"guardian_name": "Maria Garcia", "phone": "555-0100", "email": "maria@example.org"}


def test_the_portal_row_is_the_process_fields_plus_the_minimum_necessary_view():
	row = referrals.portal_referral(REFERRAL, STUDENT, GUARDIAN, {referrals.CONTACT_GUARDIAN_PHONE})
	assert list(row) == [*referrals.PORTAL_PROCESS_FIELDS, "view", "actions"]
	assert row["view"] == referrals.partner_view(
		REFERRAL, STUDENT, GUARDIAN, {referrals.CONTACT_GUARDIAN_PHONE}
	)
	assert row["actions"] == ["Accept", "Decline"]
	assert (row["name"], row["status"], row["sent_on"]) == ("REF-2026-00001", "Sent", ON)
	text = repr(row)
	for secret in (
		"Ana Garcia",
		"STU-0001",
		"D-123",
		"2014",
		"synthetic health",
		"internal reason",
		"maria@example.org",
		"CONS-1",
		"SP-1",
		"Soon",
	):
		assert secret not in text, secret


# ------------------------------------------------------------ on the student's plan


@pytest.mark.parametrize(
	"tier_2, tier_3, expected",
	[(True, True, "Tier 3"), (False, True, "Tier 3"), (True, False, "Tier 2"), (False, False, None)],
)
def test_a_completed_referral_is_a_tier_3_support_where_offered(tier_2, tier_3, expected):
	assert referrals.delivered_tier(tier_2, tier_3) == expected


def test_the_plan_a_completed_referral_shows_on():
	plans = [
		{"name": "SP-OLD", "status": "Closed", "modified": "2026-10-01 10:00:00"},
		{"name": "SP-OPEN", "status": "Active", "modified": "2026-09-01 10:00:00"},
		{"name": "SP-DRAFT", "status": "Draft", "modified": "2026-09-15 10:00:00"},
	]
	assert referrals.plan_for_referral(plans, "SP-OPEN") == "SP-OPEN"
	assert referrals.plan_for_referral(plans, "SP-OLD") == "SP-OLD"
	assert referrals.plan_for_referral(plans) == "SP-DRAFT"
	assert referrals.plan_for_referral(plans, "SP-OF-ANOTHER-YEAR") == "SP-DRAFT"
	assert referrals.plan_for_referral(plans[:1]) == "SP-OLD"
	assert referrals.plan_for_referral([]) is None
	assert referrals.plan_for_referral([], "SP-OPEN") is None


def test_a_service_starts_on_or_after_the_day_the_referral_was_sent_and_inside_its_school_year():
	year = (date(2025, 8, 1), date(2026, 7, 31))
	sent = date(2025, 9, 10)
	on = date(2026, 8, 20)  # after the year: its last days are in the past

	def problems(start, end=None, action="Complete"):
		values = {**SERVICE, "service_start_date": start, "service_end_date": end or start}
		return referrals.partner_action_problems(action, values, on, sent, year)

	assert problems(date(2025, 9, 10), date(2026, 7, 31)) == []
	assert problems("0001-01-01", date(2025, 10, 1)) == ["start_before_sent"]
	assert problems(date(2025, 9, 9), date(2025, 10, 1)) == ["start_before_sent"]
	assert problems(date(2025, 10, 1), date(2026, 8, 1)) == ["end_outside_year"]
	assert problems(date(2026, 8, 2), action="Start Service") == ["start_outside_year"]
	# sent before the year began (by a record put right later): the year still bounds the start
	early = referrals.partner_action_problems(
		"Start Service", {"service_start_date": date(2025, 7, 31)}, on, date(2025, 7, 1), year
	)
	assert early == ["start_outside_year"]
	# without a sent date or a year (an old record), only the other rules apply
	assert referrals.partner_action_problems("Start Service", {"service_start_date": "0001-01-01"}, on) == []
