"""Limits on what people type: they catch typos (an extra zero, a wrong century, a pasted tag) and
values a script sent by mistake, without second-guessing real figures.

- A student's date of birth is not in the future (``cis_app.utils.validation.validate_not_future``) and gives
  an age of ``MIN_STUDENT_AGE`` (2) to ``MAX_STUDENT_AGE`` (25) years on the day it is entered: PK
  starts at 3, and over-age students (special education serves to 21, GED and credit recovery a little
  longer) stay well below 25.
- Counts of people (a school-wide activity's head count, the students a volunteer served, a site's
  enrollment) are at most ``MAX_PEOPLE`` (10,000): more than the largest US high schools hold.
- A group session lasts 1 minute to a day (``MAX_SESSION_MINUTES``).
- A contribution's amount or fair value is at most ``MAX_AMOUNT`` ($100 million; the column would
  hold 10^12, beyond which the database refuses the row).
- A renewal reminder comes at most ``MAX_REMINDER_DAYS`` (a year) before the renewal.
- A school year lasts at most ``MAX_SCHOOL_YEAR_DAYS`` (366) days.
- The value of a volunteer hour is more than $0 and at most ``MAX_HOURLY_VALUE`` ($1,000; the national
  figure is about $35), for a calendar year from ``FIRST_HOUR_VALUE_YEAR`` (1980, the first published
  figures) to next year; a GPA flag lies on a 0 to ``MAX_GPA`` (5.0, weighted) scale.
- Names are plain text: no ``<`` or ``>`` (markup), which would be stored and shown to others.
- Dates are ISO dates (``YYYY-MM-DD``, as the desk sends them), optionally with a time.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from .early_warning import MAX_GPA  # one scale for data points and settings

MIN_STUDENT_AGE = 2
MAX_STUDENT_AGE = 25
MAX_PEOPLE = 10_000
MAX_SESSION_MINUTES = 24 * 60
MAX_AMOUNT = 100_000_000
MAX_REMINDER_DAYS = 365
MAX_SCHOOL_YEAR_DAYS = 366
MAX_HOURLY_VALUE = 1_000
FIRST_HOUR_VALUE_YEAR = 1980

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?$")


def is_date(value: object) -> bool:
	"""True for a date, a datetime, or an ISO date string (``"2026-08-15"``, optionally with a time)."""
	if isinstance(value, date | datetime):
		return True
	text = str(value).strip()
	if not _ISO_DATE.match(text):
		return False
	try:
		date.fromisoformat(text[:10])
	except ValueError:  # 2026-02-30
		return False
	return True


def age_on(birth: date, today: date) -> int:
	"""Completed years between ``birth`` and ``today``."""
	return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def birth_date_problem(birth: date, today: date) -> str | None:
	"""``too_young`` below ``MIN_STUDENT_AGE`` years, ``too_old`` above ``MAX_STUDENT_AGE`` (a birth
	date in the future is refused before this, as any future date is)."""
	age = age_on(birth, today)
	if age < MIN_STUDENT_AGE:
		return "too_young"
	if age > MAX_STUDENT_AGE:
		return "too_old"
	return None


def out_of_range(value: float, minimum: float, maximum: float) -> bool:
	"""True when ``value`` lies outside ``minimum`` .. ``maximum`` (both included)."""
	return not (minimum <= value <= maximum)


def has_markup(text: object) -> bool:
	"""True when ``text`` holds ``<`` or ``>``: a name with them is markup, never a name."""
	return isinstance(text, str) and ("<" in text or ">" in text)


def period_days(start: date, end: date) -> int:
	"""Days in the closed period ``start`` .. ``end`` (a one-day period has 1)."""
	return (end - start).days + 1
