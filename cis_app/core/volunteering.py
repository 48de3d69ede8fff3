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


def is_lapsed(renewal: object, today: object) -> bool:
	remaining = days_until(renewal, today)
	return remaining is not None and remaining < 0


def agreement_status(status: str | None, signed: object, renewal: object, today: object) -> str:
	"""The agreement's status after a save or the daily check: an agreement with a signing date is at
	least Signed, and a Signed one past its renewal date is Lapsed (None and Draft stay as they are
	without a signing date; Lapsed stays Lapsed until the dates are renewed)."""
	status = status or "None"
	if signed and status in ("None", "Draft"):
		status = "Signed"
	if status == "Lapsed" and renewal and not is_lapsed(renewal, today):
		status = "Signed"  # renewed: a new renewal date in the future
	if status == "Signed" and is_lapsed(renewal, today):
		status = "Lapsed"
	return status


def needs_reminder(renewal: object, today: object, reminder_days: int) -> bool:
	"""The partner manager is reminded once the renewal is ``reminder_days`` away or nearer."""
	remaining = days_until(renewal, today)
	return remaining is not None and 0 <= remaining <= max(0, int(reminder_days or 0))


def summarize_hours(rows: Iterable[Mapping], group_field: str) -> list[dict]:
	"""Fold rows of approved hours already summed at a finer grain (each with ``group_field``,
	volunteer, hours, value, entries) into one row per value of ``group_field``: its hours, value and
	entries, and how many distinct volunteers gave them; most hours first.

	The report sums in SQL per (site, volunteer, partner, activity), the order of its index, so the
	database groups while it reads the index; grouping by any one of the four is then done here.
	Sums are exact decimals, rounded half up to two places at the end."""
	groups: dict[object, dict] = {}
	for row in rows:
		group = groups.setdefault(
			row[group_field], {"hours": Decimal(0), "value": Decimal(0), "entries": 0, "volunteers": set()}
		)
		group["hours"] += _decimal(row["hours"])
		group["value"] += _decimal(row["value"])
		group["entries"] += int(row["entries"] or 0)
		if row.get("volunteer"):
			group["volunteers"].add(row["volunteer"])
	result = [
		{
			"group_value": group_value,
			"hours": _two_places(group["hours"]),
			"value": _two_places(group["value"]),
			"volunteers": len(group["volunteers"]),
			"entries": group["entries"],
		}
		for group_value, group in groups.items()
	]
	return sorted(result, key=lambda g: (-g["hours"], str(g["group_value"])))


def _decimal(number: object) -> Decimal:
	if isinstance(number, Decimal):
		return number
	return Decimal(str(number or 0))


def _two_places(number: Decimal) -> float:
	return float(number.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
