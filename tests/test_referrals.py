from datetime import date

import pytest

from cis_app.core import referrals
from cis_app.core.consent import SCOPE_SHARE_WITH_PARTNER

YEAR = "2026-2027"


def consent(**values):
	row = {
		"name": "CONS-1",
		"scope": SCOPE_SHARE_WITH_PARTNER,
		"partner": "Helping Hands",
		"school_year": YEAR,
		"signed_date": date(2026, 9, 1),
		"expiry_date": date(2027, 7, 31),
		"revoked_date": None,
	}
	row.update(values)
	return row


ON = date(2026, 11, 2)


def test_a_valid_consent_naming_the_partner_covers_the_referral():
	assert referrals.covering_consent([consent()], "Helping Hands", YEAR, ON)["name"] == "CONS-1"


@pytest.mark.parametrize(
	"values",
	[
		{"partner": "Other Partner"},
		{"partner": None},
		{"scope": "Case Management"},
		{"school_year": "2025-2026"},
		{"revoked_date": date(2026, 10, 1)},
		{"revoked_date": ON},
		{"expiry_date": date(2026, 11, 1)},
		{"signed_date": date(2026, 11, 3)},
	],
)
def test_a_consent_that_does_not_cover_the_partner_year_or_day_is_refused(values):
	assert referrals.covering_consent([consent(**values)], "Helping Hands", YEAR, ON) is None


def test_no_consents_and_no_partner_cover_nothing():
	assert referrals.covering_consent([], "Helping Hands", YEAR, ON) is None
	assert referrals.covering_consent([consent(partner="")], "", YEAR, ON) is None


def test_the_consent_valid_through_the_day_of_expiry_and_revoked_later_still_covers():
	rows = [consent(expiry_date=ON, revoked_date=date(2026, 12, 1))]
	assert referrals.covering_consent(rows, "Helping Hands", YEAR, ON) is not None


def test_of_several_covering_consents_the_one_lasting_longest_is_the_basis():
	rows = [
		consent(name="SHORT", expiry_date=date(2027, 1, 31)),
		consent(name="REVOKED", expiry_date=date(2027, 12, 31), revoked_date=date(2026, 10, 1)),
		consent(name="LONG", expiry_date=date(2027, 6, 30)),
	]
	assert referrals.covering_consent(rows, "Helping Hands", YEAR, ON)["name"] == "LONG"


def test_statuses_and_transitions():
	assert referrals.STATUSES == (
		"Draft",
		"Sent",
		"Accepted",
		"Declined",
		"Service Started",
		"Completed",
		"Closed",
	)
	assert set(referrals.TRANSITIONS) == set(referrals.STATUSES)
	for targets in referrals.TRANSITIONS.values():
		assert set(targets.values()) <= set(referrals.STATUSES)


@pytest.mark.parametrize(
	"from_status, to_status",
	[
		(None, "Draft"),
		("Draft", "Sent"),
		("Sent", "Accepted"),
		("Sent", "Declined"),
		("Accepted", "Service Started"),
		("Service Started", "Completed"),
		("Draft", "Closed"),
		("Sent", "Closed"),
		("Completed", "Closed"),
		("Declined", "Closed"),
		("Sent", "Sent"),
	],
)
def test_allowed_transitions(from_status, to_status):
	assert referrals.can_transition(from_status, to_status)


@pytest.mark.parametrize(
	"from_status, to_status",
	[
		(None, "Sent"),
		("Draft", "Accepted"),
		("Draft", "Completed"),
		("Sent", "Completed"),
		("Declined", "Accepted"),
		("Closed", "Sent"),
		("Closed", "Draft"),
		("Completed", "Service Started"),
	],
)
def test_refused_transitions(from_status, to_status):
	assert not referrals.can_transition(from_status, to_status)


STUDENT = {
	"first_name": "Ana",
	"last_name": "Garcia",
	"grade_level": "7",
	"school": "Lincoln Middle",
	"date_of_birth": date(2014, 3, 1),
	"district_student_id": "D-123",
	"health_notes": "synthetic note",
	"family_situation": "synthetic",
}
REFERRAL = {
	"support_type": "Counselling",
	"note_for_partner": "Prefers afternoons",
	"reason": "internal reason, not for the partner",
	"urgency": "Soon",
	"preferred_contact": referrals.CONTACT_GUARDIAN_PHONE,
}
GUARDIAN = {"guardian_name": "Maria Garcia", "phone": "555-0100", "email": "maria@example.org"}


def test_the_partner_sees_the_minimum_necessary_and_nothing_else():
	view = referrals.partner_view(REFERRAL, STUDENT, GUARDIAN, {referrals.CONTACT_GUARDIAN_PHONE})
	assert view == {
		"student": "Ana G.",
		"grade": "7",
		"school": "Lincoln Middle",
		"support_type": "Counselling",
		"note_for_partner": "Prefers afternoons",
		"contact": {"channel": "Guardian Phone", "guardian_name": "Maria Garcia", "value": "555-0100"},
	}
	assert tuple(view) == tuple(field for field, _label in referrals.PARTNER_VIEW_FIELDS)
	text = repr(view)
	for secret in ("Ana Garcia", "D-123", "2014", "synthetic", "internal reason", "maria@example.org"):
		assert secret not in text


def test_contact_details_only_through_a_channel_the_consent_allows():
	view = referrals.partner_view(REFERRAL, STUDENT, GUARDIAN, {referrals.CONTACT_GUARDIAN_EMAIL})
	assert view["contact"] == {"channel": "Through the Coordinator"}
	view = referrals.partner_view(REFERRAL, STUDENT, GUARDIAN)
	assert view["contact"] == {"channel": "Through the Coordinator"}
	email = {**REFERRAL, "preferred_contact": referrals.CONTACT_GUARDIAN_EMAIL}
	view = referrals.partner_view(email, STUDENT, GUARDIAN, set(referrals.CONTACT_CHANNELS))
	assert view["contact"]["value"] == "maria@example.org"


def test_no_guardian_or_no_number_means_through_the_coordinator():
	allowed = set(referrals.CONTACT_CHANNELS)
	assert referrals.partner_view(REFERRAL, STUDENT, None, allowed)["contact"] == {
		"channel": "Through the Coordinator"
	}
	no_phone = {**GUARDIAN, "phone": ""}
	assert referrals.partner_view(REFERRAL, STUDENT, no_phone, allowed)["contact"] == {
		"channel": "Through the Coordinator"
	}


@pytest.mark.parametrize(
	"first, last, expected",
	[("Ana", "Garcia", "Ana G."), (" Li ", " wu", "Li w."), ("Sam", "", "Sam"), (None, None, "")],
)
def test_first_name_and_last_initial(first, last, expected):
	assert referrals.first_name_last_initial(first, last) == expected


def test_disclosed_fields_name_every_field_of_the_view():
	assert referrals.disclosed_fields() == (
		"First Name and Last Initial, Grade, School, Support Asked For, Note for the Partner, Contact Details"
	)
