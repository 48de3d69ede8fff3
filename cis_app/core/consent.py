"""Parental consent: a signed, dated record naming scope, purpose and recipient (FERPA).

Status is derived, never typed: Revoked if revoked on or before the day asked about, Expired after
the expiry date, Pending before the signed date, else Valid.
"""

from __future__ import annotations

from .dates import to_date

VALID = "Valid"
EXPIRED = "Expired"
REVOKED = "Revoked"
PENDING = "Pending"

STATUSES = (VALID, EXPIRED, REVOKED, PENDING)

SCOPE_CASE_MANAGEMENT = "Case Management"
SCOPE_SHARE_WITH_PARTNER = "Share with Partner"
SCOPES = (SCOPE_CASE_MANAGEMENT, SCOPE_SHARE_WITH_PARTNER, "Records Release", "Media Release")


def consent_status(signed_date: object, expiry_date: object, revoked_date: object, on: object) -> str:
	"""The status of a consent on the day ``on``.

	- revoked on or before ``on``: Revoked (revocation wins over everything);
	- ``on`` after the expiry date: Expired (a consent is valid through its expiry day);
	- ``on`` before the signed date: Pending;
	- otherwise Valid.
	"""
	day = to_date(on)
	signed, expiry, revoked = to_date(signed_date), to_date(expiry_date), to_date(revoked_date)
	if revoked is not None and revoked <= day:
		return REVOKED
	if expiry is not None and day > expiry:
		return EXPIRED
	if signed is not None and day < signed:
		return PENDING
	return VALID


def consent_problems(signed_date: object, expiry_date: object, revoked_date: object) -> list[str]:
	"""Codes of what is wrong with a consent's dates (empty when fine).

	``signed_after_expiry``: signed after it expires; ``revoked_before_signed``: revoked before signing.
	The Frappe layer turns each code into a translated sentence.
	"""
	signed, expiry, revoked = to_date(signed_date), to_date(expiry_date), to_date(revoked_date)
	problems = []
	if signed and expiry and signed > expiry:
		problems.append("signed_after_expiry")
	if signed and revoked and revoked < signed:
		problems.append("revoked_before_signed")
	return problems


def has_valid_consent(
	consents: list[dict], scope: str, school_year: str, on: object, partner: str | None = None
) -> bool:
	"""True if one of ``consents`` (dicts with scope, school_year, partner, signed/expiry/revoked dates)
	covers ``scope`` for ``school_year`` and is Valid on ``on``; for partner sharing it must name ``partner``."""
	for consent in consents:
		if consent.get("scope") != scope or consent.get("school_year") != school_year:
			continue
		if partner is not None and consent.get("partner") != partner:
			continue
		status = consent_status(
			consent.get("signed_date"), consent.get("expiry_date"), consent.get("revoked_date"), on
		)
		if status == VALID:
			return True
	return False


def check_day(today: object, year_end: object) -> object:
	"""The day a school year's consent must be valid on: today, or the year's last day for a year
	that is already over (a plan recorded after the fact needs that year's consent, which has since
	expired with the year)."""
	day, end = to_date(today), to_date(year_end)
	return min(day, end) if end is not None else day
