"""Row rules of the roster import, as pure functions: grades, dates, names, sex, guardians, escaping.

Each validator returns the clean value or raises ``RuleError`` with a message that says what to fix;
the plan turns that into a row error (file, line, sourcedId, field, message).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from cis_app.core.grades import GRADE_LEVELS, normalize_grade
from cis_app.core.spreadsheet import (
	escape_for_export,
	is_formula_like,
)  # the exports' rule, used by the row log


class RuleError(ValueError):
	"""A value that breaks a roster rule; ``code`` is stable for tests and the row log."""

	def __init__(self, code: str, message: str):
		self.code = code
		self.message = message
		super().__init__(message)


# CEDS Entry Grade Level codes the app does not serve (its grade levels are PK, K, 1-12). A student
# with one of them is a row error "grade not served", never mapped to a neighbouring grade by guess:
# TK is not PK, PR (preschool) is not PK, 13 is not 12.
GRADES_NOT_SERVED = {
	"IT": "infant/toddler",
	"PR": "preschool",
	"TK": "transitional kindergarten",
	"PS": "postsecondary",
	"UG": "ungraded",
	"13": "grade 13",
	"OTHER": "other",
}


def map_grade(value: object) -> str:
	"""The app's grade level for a CEDS code or a common variant: ``PK``, ``KG``/``K`` -> ``K``,
	``01``-``12``/``1``-``12`` -> ``1``-``12`` (plus the aliases of ``normalize_grade``).

	Raises RuleError ``grade_not_served`` for IT, PR, TK, PS, UG, 13, Other and ``unknown_grade`` for
	anything else (including empty).
	"""
	text = "" if value is None else str(value).strip()
	if not text:
		raise RuleError("unknown_grade", "the grade is empty")
	if text.upper() in GRADES_NOT_SERVED:
		label = GRADES_NOT_SERVED[text.upper()]
		raise RuleError(
			"grade_not_served",
			f"grade {text!r} ({label}) is not served: grade levels are {', '.join(GRADE_LEVELS)}",
		)
	grade = normalize_grade(text)
	if grade is None:
		raise RuleError("unknown_grade", f"unknown grade code {text!r}: use a CEDS code (PK, KG, 01-12)")
	return grade


def map_grades(value: object) -> str:
	"""The grade of a student from OneRoster ``grades`` (a comma-separated list): the values must all
	map to one grade level (``"09"`` and ``"9"`` agree; ``"09,10"`` is a row error)."""
	parts = [part.strip() for part in str(value or "").split(",") if part.strip()]
	if not parts:
		raise RuleError("unknown_grade", "the grade is empty")
	grades = {map_grade(part) for part in parts}
	if len(grades) > 1:
		raise RuleError("several_grades", f"a student has one grade level, the row lists {value!r}")
	return grades.pop()


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_date(value: object, *, required: bool = False) -> date | None:
	"""A ``date`` from an ISO ``YYYY-MM-DD`` string; None for empty unless ``required``.

	``1/05/2023`` (not ISO) and ``2023-13-01`` (no month 13) raise RuleError ``bad_date``.
	"""
	text = "" if value is None else str(value).strip()
	if not text:
		if required:
			raise RuleError("missing", "the date is empty: write it as YYYY-MM-DD")
		return None
	if not _ISO_DATE.fullmatch(text):
		raise RuleError("bad_date", f"{text!r} is not a date as YYYY-MM-DD")
	try:
		return date.fromisoformat(text)
	except ValueError as exc:
		raise RuleError("bad_date", f"{text!r} is not a valid date ({exc})")


def parse_school_year(value: object) -> int:
	"""OneRoster ``schoolYear``: the calendar year in which the school year ends (``2026`` for 2025-26)."""
	text = "" if value is None else str(value).strip()
	if not re.fullmatch(r"\d{4}", text):
		raise RuleError("bad_school_year", f"schoolYear {text!r} is not a year as YYYY")
	return int(text)


def school_year_name(end_year: int) -> str:
	"""The app's School Year name for a OneRoster ``schoolYear`` (``2026`` -> ``2025-2026``)."""
	return f"{end_year - 1}-{end_year}"


def require_name(value: object, column: str) -> str:
	"""A given or family name, trimmed; empty raises RuleError ``missing_name``."""
	text = "" if value is None else str(value).strip()
	if not text:
		raise RuleError("missing_name", f"{column} is empty")
	return text


# OneRoster ``sex``: 1.1 has male/female; 1.2 adds unspecified and other. "other" is the 1.2 value for
# a sex neither male nor female, which the Student form records as Non-binary.
_SEX_TO_GENDER = {
	"male": "Male",
	"m": "Male",
	"female": "Female",
	"f": "Female",
	"other": "Non-binary",
	"unspecified": "Not Reported",
}


def map_sex(value: object) -> str | None:
	"""The Student's gender for a OneRoster ``sex``; None when empty (the field is left as it is)."""
	text = "" if value is None else str(value).strip()
	if not text:
		return None
	gender = _SEX_TO_GENDER.get(text.lower())
	if gender is None:
		raise RuleError("bad_sex", f"sex {text!r} is not one of male, female, unspecified, other")
	return gender


GUARDIAN_ROLES = ("parent", "guardian", "relative")

# A OneRoster role says less than the Student Guardian relationship: "parent" does not say mother or
# father, so it is left blank rather than guessed.
_RELATIONSHIP = {"guardian": "Legal Guardian", "parent": "", "relative": "Other"}


def guardian_relationship(role: str) -> str:
	"""The Student Guardian relationship for a OneRoster guardian role ('' when it does not say)."""
	return _RELATIONSHIP.get(role, "")


def name_key(name: object) -> str:
	"""A person's name folded for matching a guardian entered by hand: the first and last word, with
	case, accents, punctuation and middle names ignored (``"María  J. Reyes-Díaz"`` -> ``"maria reyesdiaz"``).
	Empty for an empty name (which matches nothing)."""
	text = unicodedata.normalize("NFKD", str(name or "")).casefold()
	text = "".join(char for char in text if not unicodedata.combining(char))
	words = re.sub(r"[^\w\s]", "", text).split()
	if len(words) > 1:
		return f"{words[0]} {words[-1]}"
	return words[0] if words else ""


def split_list(value: object) -> list[str]:
	"""A OneRoster list cell (``"a,b"``) as its trimmed, non-empty items, in order, without repeats."""
	items: list[str] = []
	for part in str(value or "").split(","):
		part = part.strip()
		if part and part not in items:
			items.append(part)
	return items
