"""Referrals of a student to a community partner (brokering services under consent, FERPA 34 CFR 99.30).

A partner is not a school official: telling it who a student is needs a parent's signed consent naming
that partner for the school year, valid on the day the referral is sent. What the partner then sees is
the minimum necessary (``partner_view``), and the sending is a disclosure to record (99.32).
"""

from __future__ import annotations

from .consent import SCOPE_SHARE_WITH_PARTNER, VALID, consent_status
from .dates import to_date

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


# ---------------------------------------------------------------- the partner's portal

# Statuses in which a partner contact may open the referral: sent, and everything after it. A Draft is
# not theirs yet; a referral closed before it was ever sent never reached them (``sent_on`` is empty).
PORTAL_STATUSES = frozenset({SENT, ACCEPTED, DECLINED, SERVICE_STARTED, COMPLETED, CLOSED})

# What a partner contact may do, from which status, as which workflow actions (each one of
# ``TRANSITIONS``). Recording a finished service on an accepted referral is two steps in one go.
PARTNER_STEPS: dict[tuple[str, str], tuple[str, ...]] = {
	(SENT, "Accept"): ("Accept",),
	(SENT, "Decline"): ("Decline",),
	(ACCEPTED, "Start Service"): ("Start Service",),
	(ACCEPTED, "Complete"): ("Start Service", "Complete"),
	(SERVICE_STARTED, "Complete"): ("Complete",),
}

# The referral fields each partner action writes: nothing else a client sends is taken.
PARTNER_ACTION_FIELDS: dict[str, tuple[str, ...]] = {
	"Accept": (),
	"Decline": ("decline_reason",),
	"Start Service": ("service_start_date", "sessions", "outcome_note"),
	"Complete": ("service_start_date", "service_end_date", "sessions", "outcome_note"),
}

# The referral's own process fields the partner sees beside ``partner_view`` (what they were sent
# and what they recorded themselves; nothing about the student).
PORTAL_PROCESS_FIELDS = (
	"name",
	"status",
	"sent_on",
	"decline_reason",
	"service_start_date",
	"service_end_date",
	"sessions",
	"outcome_note",
)


def partner_actions(status: str | None) -> list[str]:
	"""The actions a partner contact may take on a referral in ``status``, in the order offered."""
	return [action for (from_status, action) in PARTNER_STEPS if from_status == status]


def partner_steps(status: str | None, action: str) -> tuple[str, ...] | None:
	"""The workflow actions that carry out the partner's ``action`` from ``status`` (None: not theirs)."""
	return PARTNER_STEPS.get((status, action))


def portal_access_problem(
	status: str | None, sent_on: object, consent: dict | None, on: object
) -> str | None:
	"""Why a partner contact may not open a referral of their own partner on ``on`` (None: they may).

	Codes: ``not_sent`` (a draft, or closed before it was sent), ``no_consent`` (no consent recorded
	as its basis), or the consent's status on ``on`` when not Valid: ``Revoked``, ``Expired`` or
	``Pending``. Checked on every request, so revoking or the end of a consent cuts access at once.
	``consent``: the referral's recorded consent (signed_date, expiry_date, revoked_date).
	"""
	if status not in PORTAL_STATUSES or not sent_on:
		return "not_sent"
	if not consent:
		return "no_consent"
	state = consent_status(
		consent.get("signed_date"), consent.get("expiry_date"), consent.get("revoked_date"), on
	)
	return None if state == VALID else state


def _number(value: object) -> int | None:
	if value in (None, ""):
		return None
	try:
		number = float(value)
		return int(number) if number == int(number) else None
	except (TypeError, ValueError, OverflowError):
		return None


def partner_action_problems(
	action: str,
	values: dict,
	on: object,
	sent_on: object = None,
	year: tuple[object, object] | None = None,
) -> list[str]:
	"""What is wrong with what a partner contact entered for ``action`` (codes; empty when fine).

	``decline_reason_missing``; ``start_missing``, ``start_in_future``, ``start_before_sent`` (before
	``sent_on``, the day the referral was sent: the partner cannot have served a student they did not
	know of), ``start_outside_year`` (outside ``year``, the referral's school year as (first day, last
	day)); ``end_missing``, ``end_in_future``, ``end_before_start``, ``end_outside_year``;
	``sessions_invalid`` (not a whole number of 0 or more), ``sessions_missing`` (a completed service
	had at least one session); ``outcome_missing``. Dates are ``datetime.date`` or ISO strings; the
	Frappe layer turns each code into a sentence.
	"""
	today = to_date(on)
	sent = to_date(sent_on)
	first, last = (to_date(day) for day in year) if year else (None, None)

	def outside_year(day) -> bool:
		return (first is not None and day < first) or (last is not None and day > last)

	problems: list[str] = []
	if action == "Decline" and not (values.get("decline_reason") or "").strip():
		problems.append("decline_reason_missing")
	if action not in ("Start Service", "Complete"):
		return problems
	try:
		start = to_date(values.get("service_start_date"))
		end = to_date(values.get("service_end_date"))
	except (TypeError, ValueError):
		return [*problems, "date_invalid"]
	if start is None:
		problems.append("start_missing")
	elif start > today:
		problems.append("start_in_future")
	elif sent is not None and start < sent:
		problems.append("start_before_sent")
	elif outside_year(start):
		problems.append("start_outside_year")
	sessions = values.get("sessions")
	number = _number(sessions)
	if sessions not in (None, "") and (number is None or number < 0):
		problems.append("sessions_invalid")
	if action == "Complete":
		if end is None:
			problems.append("end_missing")
		elif end > today:
			problems.append("end_in_future")
		elif start is not None and end < start:
			problems.append("end_before_start")
		elif outside_year(end):
			problems.append("end_outside_year")
		if "sessions_invalid" not in problems and not number:
			problems.append("sessions_missing")
		if not (values.get("outcome_note") or "").strip():
			problems.append("outcome_missing")
	return problems


def portal_referral(
	referral: dict,
	student: dict,
	guardian: dict | None = None,
	allowed_channels: set[str] | frozenset[str] = frozenset(),
) -> dict:
	"""One referral as the partner's portal shows it: its process fields (``PORTAL_PROCESS_FIELDS``),
	the student's part only through ``partner_view``, and the actions open to the partner."""
	row = {field: referral.get(field) for field in PORTAL_PROCESS_FIELDS}
	row["view"] = partner_view(referral, student, guardian, allowed_channels)
	row["actions"] = partner_actions(referral.get("status"))
	return row


# ---------------------------------------------------------------- on the student's plan


def delivered_tier(offers_tier_2: bool, offers_tier_3: bool) -> str | None:
	"""The tier a completed referral is recorded at on the student's plan: an individual referral is a
	Tier 3 support where its support type is offered at Tier 3, else Tier 2 (None: neither)."""
	if offers_tier_3:
		return "Tier 3"
	if offers_tier_2:
		return "Tier 2"
	return None


def plan_for_referral(plans: list[dict], linked_plan: str | None = None) -> str | None:
	"""The plan a completed referral is shown on: the plan it was made from, if it is among ``plans``
	(the student's plans of the referral's school year: name, status, modified), else the most recently
	changed plan that is not Closed, else the most recently changed one."""
	names = [plan.get("name") for plan in plans]
	if linked_plan and linked_plan in names:
		return linked_plan
	if not plans:
		return None
	open_plans = [plan for plan in plans if plan.get("status") != CLOSED]
	chosen = max(open_plans or plans, key=lambda plan: str(plan.get("modified") or ""))
	return chosen.get("name")
