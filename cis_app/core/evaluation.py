"""The rules of a de-identified extract for a third-party evaluator (FERPA's studies exception).

An affiliate may give an outside evaluator student-level data only under a written agreement (the
organisation, the purpose, the fields agreed, an end date and a date by which the data is destroyed),
and only de-identified. These rules decide, without Frappe:

- ``agreement_problem``: whether an agreement is in force on a day (signed, not ended, data not due for
  destruction); a reason to refuse otherwise.
- ``field_problem``: whether the fields asked for are within the agreement and among the fields an
  extract may ever carry (``EXTRACT_FIELDS``); a name, an id, a birth date or free text never is.
- ``student_code``: a code per student, stable across years for one agreement, different for another
  agreement, and impossible to turn back into the student without the affiliate's secret for that
  agreement (an HMAC-SHA256 of the student's record name under the agreement's key).
- ``grade_band``: K-2, 3-5, 6-8 or 9-12 (PK with K-2), the only grade an extract shows.
- ``coarsen``: the quasi-identifiers (school, grade band, gender, birth year) made coarse enough that
  every combination in the file holds at least ``k`` students (5 by default). Birth years are first
  grouped in two-year, then five-year spans, the finest that is enough; when none is, the span that
  leaves the fewest rows rare is kept, and a row whose combination is still rarer than ``k`` has its
  values blanked, one at a time (gender, birth year, grade band, school), until its combination is
  shared by ``k`` rows; rows that stay rarer even with every value blank are left out and counted.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
from collections import Counter
from collections.abc import Iterable, Mapping

from cis_app.core.grades import grade_rank, normalize_grade

K_ANONYMITY = 5
QUASI_IDENTIFIERS = ("school", "grade_band", "gender", "birth_year")
# the order in which a rare row's values are blanked: the least useful to an evaluation first
BLANK_ORDER = ("gender", "birth_year", "grade_band", "school")
BIRTH_YEAR_SPANS = (1, 2, 5)
BLANK = None

# What an extract may ever carry; the agreement chooses among these.
EXTRACT_FIELDS = (
	"student_code",
	"school",
	"grade_band",
	"gender",
	"birth_year",
	"tier",
	"case_managed",
	"check_ins",
	"group_sessions",
	"supports",
	"baseline_attendance_rate",
	"outcome_attendance_rate",
	"baseline_suspensions",
	"outcome_suspensions",
	"baseline_failed_courses",
	"outcome_failed_courses",
	"year_end_status",
)
# Never in an extract, whatever an agreement says: they identify a student or may (free text).
NEVER = frozenset(
	{
		"name",
		"student",
		"student_name",
		"first_name",
		"last_name",
		"middle_name",
		"district_student_id",
		"state_student_id",
		"oneroster_sourced_id",
		"date_of_birth",
		"health_notes",
		"family_situation",
		"notes",
		"guardians",
		"email",
		"phone",
	}
)

GRADE_BANDS = ((-1, 2, "K-2"), (3, 5, "3-5"), (6, 8, "6-8"), (9, 12, "9-12"))


class EvaluationRuleError(ValueError):
	"""An input the rules cannot use (an empty key, a k below 2)."""


# ------------------------------------------------------------------ the agreement and its fields


def agreement_problem(
	signed_on: datetime.date | None,
	end_date: datetime.date | None,
	destroy_by: datetime.date | None,
	on: datetime.date,
) -> str | None:
	"""None when the agreement is in force ``on`` that day; otherwise why not, in words."""
	if not signed_on:
		return "the agreement is not signed"
	if on < signed_on:
		return f"the agreement is signed for {signed_on.isoformat()}, after this day"
	if not end_date:
		return "the agreement has no end date"
	if on > end_date:
		return f"the agreement ended on {end_date.isoformat()}"
	if destroy_by and on >= destroy_by:
		return f"the data was to be destroyed by {destroy_by.isoformat()}"
	if destroy_by and destroy_by < end_date:
		return "the data would have to be destroyed before the agreement ends"
	return None


def field_problem(asked: Iterable[str], agreed: Iterable[str]) -> str | None:
	"""None when every field asked for is agreed and may be extracted; otherwise which are not."""
	asked, agreed = list(asked), set(agreed)
	never = sorted(set(asked) & NEVER)
	if never:
		return f"never in an extract: {', '.join(never)}"
	unknown = sorted(set(asked) - set(EXTRACT_FIELDS))
	if unknown:
		return f"not fields an extract can carry: {', '.join(unknown)}"
	outside = sorted(set(asked) - agreed)
	if outside:
		return f"outside the agreement: {', '.join(outside)}"
	if not asked:
		return "no field asked for"
	return None


# ------------------------------------------------------------------ codes and bands


def student_code(key: bytes | str, student: str) -> str:
	"""The student's code under one agreement's ``key``: 20 hexadecimal characters of an HMAC-SHA256.

	The same student gets the same code in every extract of the agreement (so years can be linked);
	another agreement's key gives an unrelated code; without the key, the code cannot be traced back."""
	if not key:
		raise EvaluationRuleError("an agreement's key is required")
	if isinstance(key, str):
		key = key.encode()
	digest = hmac.new(key, str(student).encode(), hashlib.sha256).hexdigest()
	return "E" + digest[:20]


def grade_band(grade: object) -> str | None:
	"""K-2, 3-5, 6-8 or 9-12 (PK counted with K-2); None for an unknown grade."""
	grade = normalize_grade(grade)
	if not grade:
		return None
	rank = grade_rank(grade)
	for low, high, band in GRADE_BANDS:
		if low <= rank <= high:
			return band
	return None


def birth_year_span(year: object, span: int) -> str | None:
	"""A birth year grouped in spans of ``span`` years ("2012-2013"); the year itself for a span of 1."""
	if year in (None, ""):
		return None
	year = int(year)
	if span <= 1:
		return str(year)
	start = year - year % span
	return f"{start}-{start + span - 1}"


# ------------------------------------------------------------------ k-anonymity


def _key(row: Mapping) -> tuple:
	return tuple(row.get(field) for field in QUASI_IDENTIFIERS)


def smallest_group(rows: list[dict]) -> int:
	"""The size of the rarest combination of quasi-identifiers (0 for no row)."""
	counts = Counter(_key(row) for row in rows)
	return min(counts.values()) if counts else 0


def _rare_rows(rows: list[dict], k: int) -> int:
	counts = Counter(_key(row) for row in rows)
	return sum(count for count in counts.values() if count < k)


def coarsen(rows: Iterable[Mapping], k: int = K_ANONYMITY) -> tuple[list[dict], dict]:
	"""``rows`` (dicts with the quasi-identifiers, ``birth_year`` as a year) made ``k``-anonymous.

	Returns (rows, what was done): ``birth_year_span`` (1, 2 or 5), ``blanked`` (values blanked, by
	field) and ``left_out`` (rows that could not be made to share a combination with ``k`` rows)."""
	if k < 2:
		raise EvaluationRuleError("k must be at least 2")
	source = [dict(row) for row in rows]
	done = {"birth_year_span": 1, "blanked": Counter(), "left_out": 0}
	candidates = []
	for span in BIRTH_YEAR_SPANS:
		spanned = [{**row, "birth_year": birth_year_span(row.get("birth_year"), span)} for row in source]
		if smallest_group(spanned) >= k:
			done["birth_year_span"] = span
			done["blanked"] = {}
			return spanned, done
		candidates.append((_rare_rows(spanned, k), span, spanned))
	# no span is enough: start from the one that leaves the fewest rows rare (the finer on a tie)
	_, done["birth_year_span"], current = min(candidates, key=lambda c: (c[0], c[1]))
	# then blank the rare rows' values, the least useful first
	for field in BLANK_ORDER:
		counts = Counter(_key(row) for row in current)
		for row in current:
			if counts[_key(row)] < k and row.get(field) is not BLANK:
				row[field] = BLANK
				done["blanked"][field] += 1
		if smallest_group(current) >= k:
			break
	counts = Counter(_key(row) for row in current)
	kept = [row for row in current if counts[_key(row)] >= k]
	done["left_out"] = len(current) - len(kept)
	done["blanked"] = dict(done["blanked"])
	return kept, done
