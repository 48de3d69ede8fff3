"""Referrals of a student to a community partner (brokering services under consent, FERPA 34 CFR 99.30).

A partner is not a school official: telling it who a student is needs a parent's signed consent naming
that partner for the school year, valid on the day the referral is sent. What the partner then sees is
the minimum necessary (``partner_view``), and the sending is a disclosure to record (99.32).
"""

from __future__ import annotations

from .consent import SCOPE_SHARE_WITH_PARTNER, VALID, consent_status

DRAFT = "Draft"
SENT = "Sent"
ACCEPTED = "Accepted"
DECLINED = "Declined"
SERVICE_STARTED = "Service Started"
COMPLETED = "Completed"
CLOSED = "Closed"

STATUSES = (DRAFT, SENT, ACCEPTED, DECLINED, SERVICE_STARTED, COMPLETED, CLOSED)

# from status: {action: to status}. Any open referral can be closed by the coordinator.
TRANSITIONS: dict[str, dict[str, str]] = {
	DRAFT: {"Send": SENT, "Close": CLOSED},
	SENT: {"Accept": ACCEPTED, "Decline": DECLINED, "Close": CLOSED},
	ACCEPTED: {"Start Service": SERVICE_STARTED, "Close": CLOSED},
	DECLINED: {"Close": CLOSED},
	SERVICE_STARTED: {"Complete": COMPLETED, "Close": CLOSED},
	COMPLETED: {"Close": CLOSED},
	CLOSED: {},
}

# Statuses in which the partner has been told who the student is.
DISCLOSED_STATUSES = frozenset({SENT, ACCEPTED, SERVICE_STARTED, COMPLETED})

# Ways the partner may get in touch, as chosen with the guardian.
CONTACT_THROUGH_COORDINATOR = "Through the Coordinator"
CONTACT_GUARDIAN_PHONE = "Guardian Phone"
CONTACT_GUARDIAN_EMAIL = "Guardian Email"
CONTACT_CHANNELS = (CONTACT_THROUGH_COORDINATOR, CONTACT_GUARDIAN_PHONE, CONTACT_GUARDIAN_EMAIL)

# The minimum necessary a partner sees of a referral, in this order (labels for the disclosure record).
PARTNER_VIEW_FIELDS = (
	("student", "First Name and Last Initial"),
	("grade", "Grade"),
	("school", "School"),
	("support_type", "Support Asked For"),
	("note_for_partner", "Note for the Partner"),
	("contact", "Contact Details"),
)


def can_transition(from_status: str | None, to_status: str) -> bool:
	"""True if a referral may go from ``from_status`` to ``to_status`` (staying put is always allowed;
	a new referral starts as Draft)."""
	if not from_status:
		return to_status == DRAFT
	if from_status == to_status:
		return True
	return to_status in TRANSITIONS.get(from_status, {}).values()


def covering_consent(consents: list[dict], partner: str, school_year: str, on: object) -> dict | None:
	"""The consent that lets a referral to ``partner`` for ``school_year`` be sent on ``on``, or None.

	It must be of scope "Share with Partner", name ``partner``, be for ``school_year`` and be Valid on
	``on`` (``core.consent.consent_status``: not revoked by then, not expired, already signed). When
	several cover it, the one expiring last is chosen (ties: the latest signed), so the recorded legal
	basis is the one that lasts longest.
	"""
	covering = [
		row
		for row in consents
		if row.get("scope") == SCOPE_SHARE_WITH_PARTNER
		and partner
		and row.get("partner") == partner
		and row.get("school_year") == school_year
		and consent_status(row.get("signed_date"), row.get("expiry_date"), row.get("revoked_date"), on)
		== VALID
	]
	if not covering:
		return None
	return max(
		covering, key=lambda row: (str(row.get("expiry_date") or ""), str(row.get("signed_date") or ""))
	)


def first_name_last_initial(first_name: str | None, last_name: str | None) -> str:
	"""'Ana G.' from ('Ana', 'Garcia'); the first name alone when there is no last name."""
	first = (first_name or "").strip()
	last = (last_name or "").strip()
	return f"{first} {last[0]}." if last else first


def contact_details(
	preferred_contact: str | None, guardian: dict | None, allowed_channels: set[str] | frozenset[str]
) -> dict:
	"""What the partner may use to get in touch: the guardian's name and the one channel chosen, only
	if that channel is allowed; otherwise (or through the coordinator) nothing of the family."""
	channel = preferred_contact or CONTACT_THROUGH_COORDINATOR
	if channel == CONTACT_THROUGH_COORDINATOR or channel not in allowed_channels or not guardian:
		return {"channel": CONTACT_THROUGH_COORDINATOR}
	value = guardian.get("phone") if channel == CONTACT_GUARDIAN_PHONE else guardian.get("email")
	if not value:
		return {"channel": CONTACT_THROUGH_COORDINATOR}
	return {"channel": channel, "guardian_name": guardian.get("guardian_name") or "", "value": value}


def partner_view(
	referral: dict,
	student: dict,
	guardian: dict | None = None,
	allowed_channels: set[str] | frozenset[str] = frozenset(),
) -> dict:
	"""The minimum necessary a partner sees of a referral (``PARTNER_VIEW_FIELDS``), nothing else.

	``referral``: support_type, note_for_partner, preferred_contact; ``student``: first_name,
	last_name, grade_level, school (the site's name); ``guardian``: guardian_name, phone, email;
	``allowed_channels``: the contact channels the consent allows.
	"""
	return {
		"student": first_name_last_initial(student.get("first_name"), student.get("last_name")),
		"grade": student.get("grade_level") or "",
		"school": student.get("school") or "",
		"support_type": referral.get("support_type") or "",
		"note_for_partner": referral.get("note_for_partner") or "",
		"contact": contact_details(referral.get("preferred_contact"), guardian, allowed_channels),
	}


def disclosed_fields() -> str:
	"""The fields of the partner's view, as the disclosure record names them."""
	return ", ".join(label for _field, label in PARTNER_VIEW_FIELDS)
