"""Volunteers, their hours, and partner agreements.

- An entry's hours are more than 0 and at most 24; one volunteer's entries on one day add up to at
  most 24 hours (``MAX_HOURS_PER_DAY``).
- A volunteer may log hours at a site only while Active, with a Cleared background check that has
  not expired on the day worked, at a site they are cleared for.
- The value of an hour is the figure for the calendar year of the day worked (CIS Settings' table),
  else the default (Independent Sector's latest national figure); value = hours x that figure.
- A partnership agreement's renewal cannot come before its signing; an agreement is *expiring* when
  its renewal date is within the next ``window`` days (60), and *lapsed* once the date has passed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal

from .dates import to_date

MAX_HOURS_PER_DAY = 24.0
INDEPENDENT_SECTOR_2024 = 34.79


def hours_problem(hours: float | None) -> str | None:
	"""``not_positive`` for 0, negative or missing hours; ``over_a_day`` above 24."""
	if hours is None or hours <= 0:
		return "not_positive"
	if hours > MAX_HOURS_PER_DAY:
		return "over_a_day"
	return None


def exceeds_daily_cap(other_entries_same_day: Iterable[float], hours: float) -> bool:
	"""True when this entry would take the volunteer's day past 24 hours."""
	return sum(float(h or 0) for h in other_entries_same_day) + float(hours or 0) > MAX_HOURS_PER_DAY + 1e-9


def clearance_problem(volunteer: Mapping, site: str, day: object) -> str | None:
	"""Why ``volunteer`` may not log hours at ``site`` on ``day`` (None when they may).

	``volunteer``: status, background_check_status, background_check_expiry, sites (list of names).
	Codes: ``inactive``, ``check_not_cleared``, ``check_lapsed``, ``site_not_cleared``.
	"""
	if volunteer.get("status") != "Active":
		return "inactive"
	if volunteer.get("background_check_status") != "Cleared":
		return "check_not_cleared"
	expiry = to_date(volunteer.get("background_check_expiry"))
	if expiry is not None and to_date(day) > expiry:
		return "check_lapsed"
	if site not in set(volunteer.get("sites") or ()):
		return "site_not_cleared"
	return None


def hour_value(
	day: object, values_by_year: Mapping[int, float], default: float = INDEPENDENT_SECTOR_2024
) -> float:
	"""The dollar value of one hour worked on ``day``."""
	year = to_date(day).year
	value = values_by_year.get(year)
	return float(value) if value else float(default)


def hours_value(hours: float, rate: float) -> float:
	"""Hours x rate, rounded half up to the cent (2.5 h x $34.79 = $86.98)."""
	cents = (Decimal(str(hours)) * Decimal(str(rate))).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
	return float(cents)


def agreement_problem(signed: object, renewal: object) -> str | None:
	"""``renewal_before_signing`` when the renewal date precedes the signing date."""
	signed_on, renewal_on = to_date(signed), to_date(renewal)
	if signed_on and renewal_on and renewal_on < signed_on:
		return "renewal_before_signing"
	return None


def days_until(day: object, today: object) -> int | None:
	target = to_date(day)
	return None if target is None else (target - to_date(today)).days


def is_expiring(renewal: object, today: object, window: int = 60) -> bool:
	"""Renewal due between today and ``window`` days from now (inclusive)."""
	remaining = days_until(renewal, today)
	return remaining is not None and 0 <= remaining <= window


def is_lapsed(renewal: object, today: object) -> bool:
	remaining = days_until(renewal, today)
	return remaining is not None and remaining < 0


def needs_reminder(renewal: object, today: object, reminder_days: int) -> bool:
	"""The partner manager is reminded once the renewal is ``reminder_days`` away or nearer."""
	remaining = days_until(renewal, today)
	return remaining is not None and 0 <= remaining <= max(0, int(reminder_days or 0))


def summarize_by_group(rows: Iterable[Mapping]) -> list[dict]:
	"""Fold rows of (group_value, volunteer, hours, value, entries), already summed per group and
	volunteer, into one row per group with its distinct volunteers; most hours first.

	Summing per (group, volunteer) in SQL and counting volunteers here is much cheaper than
	``count(distinct volunteer)`` over hundreds of thousands of rows."""
	groups: dict[object, dict] = {}
	for row in rows:
		group = groups.setdefault(
			row["group_value"],
			{"group_value": row["group_value"], "hours": 0.0, "value": 0.0, "volunteers": 0, "entries": 0},
		)
		group["hours"] += float(row["hours"] or 0)
		group["value"] += float(row["value"] or 0)
		group["entries"] += int(row["entries"] or 0)
		group["volunteers"] += 1 if row.get("volunteer") else 0
	result = []
	for group in groups.values():
		group["hours"], group["value"] = round(group["hours"], 2), round(group["value"], 2)
		result.append(group)
	return sorted(result, key=lambda g: (-g["hours"], str(g["group_value"])))
