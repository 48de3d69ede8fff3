"""Date rules shared by every record with a period: school years, assignments, consents."""

from __future__ import annotations

from datetime import date, datetime


def to_date(value: object) -> date | None:
	"""A ``date`` from a date, datetime or ISO string (``"2025-08-15"``); None for empty values."""
	if value is None or value == "":
		return None
	if isinstance(value, datetime):
		return value.date()
	if isinstance(value, date):
		return value
	return date.fromisoformat(str(value)[:10])


def is_valid_range(start: object, end: object) -> bool:
	"""True unless both ends are set and the end is before the start (a one-day period is valid)."""
	start_date, end_date = to_date(start), to_date(end)
	if start_date is None or end_date is None:
		return True
	return end_date >= start_date


def is_active_on(on: object, from_date: object = None, to_date_: object = None) -> bool:
	"""True if ``on`` falls in the period; an open start or end means "since ever" / "until further notice"."""
	day = to_date(on)
	start, end = to_date(from_date), to_date(to_date_)
	if day is None:
		raise ValueError("a date is required")
	if start is not None and day < start:
		return False
	if end is not None and day > end:
		return False
	return True


def within(day: object, start: object, end: object) -> bool:
	"""True if ``day`` is between ``start`` and ``end`` inclusive (all three required)."""
	return is_active_on(day, start, end)


def overlaps(a_start: object, a_end: object, b_start: object, b_end: object) -> bool:
	"""True if two closed periods share at least one day (open ends count as unbounded)."""
	a0, a1, b0, b1 = to_date(a_start), to_date(a_end), to_date(b_start), to_date(b_end)
	if a1 is not None and b0 is not None and a1 < b0:
		return False
	if b1 is not None and a0 is not None and b1 < a0:
		return False
	return True
