"""Grade levels, PK to 12, as a student information system exports them."""

from __future__ import annotations

GRADE_LEVELS: tuple[str, ...] = ("PK", "K", *(str(n) for n in range(1, 13)))

# Spellings districts use in their exports, mapped to ours.
_ALIASES = {
	"PREK": "PK",
	"PRE-K": "PK",
	"PRE K": "PK",
	"P": "PK",
	"KG": "K",
	"KINDERGARTEN": "K",
	"00": "K",
	"0": "K",
}


def normalize_grade(value: object) -> str | None:
	"""Return the grade level in our spelling (``PK``, ``K``, ``1`` ... ``12``), or None if invalid.

	Accepts what rosters commonly carry: ``"KG"``, ``"Pre-K"``, ``"09"``, ``9``, ``" 9 "``.
	Anything else (``"13"``, ``"-1"``, ``"ninth"``, empty) is not a grade level: None.
	"""
	if value is None or isinstance(value, bool):
		return None
	text = str(value).strip().upper()
	if not text:
		return None
	if text in _ALIASES:
		return _ALIASES[text]
	if text in GRADE_LEVELS:
		return text
	if text.isdigit():
		number = int(text)
		if 1 <= number <= 12:
			return str(number)
	return None


def grade_rank(grade: str) -> int:
	"""Order of a grade level: PK is -1, K is 0, then 1 to 12. Raises ValueError if invalid."""
	normalized = normalize_grade(grade)
	if normalized is None:
		raise ValueError(f"not a grade level: {grade!r}")
	return GRADE_LEVELS.index(normalized) - 1
