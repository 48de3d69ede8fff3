"""The rules a Student's own values must keep, as one pure function.

The Student controller (``validate``) and the roster import's bulk path
(``cis_app.cis_network.district_data.roster_job``) both call ``student_problems``, so a student written in bulk keeps
exactly the rules of one saved through the form. Rules that need the database (the site is active, the
district student id is unique in the district) are checked by each caller against what it loaded; the
Frappe layer turns a problem into its translated message (``student.student_problem_message``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from .grades import normalize_grade
from .plausibility import age_on, birth_date_problem, has_markup

NAME_FIELDS = ("first_name", "middle_name", "last_name")
GUARDIAN_TEXT_FIELDS = ("guardian_name", "preferred_language")


@dataclass(frozen=True)
class StudentProblem:
	"""One broken rule. ``code``: markup, future_birth_date, implausible_birth_date, grade_level,
	several_primaries (and, from callers, inactive_site, duplicate_district_id)."""

	code: str
	field: str
	value: object = None
	row: int | None = None  # the guardian row (idx) of a problem in the guardians table
	age: int | None = None


def _as_date(value: object) -> date | None:
	if value in (None, ""):
		return None
	if isinstance(value, datetime):
		return value.date()
	if isinstance(value, date):
		return value
	return date.fromisoformat(str(value)[:10])


def student_problems(values: dict, *, today: date, check_birth_date: bool = True) -> list[StudentProblem]:
	"""The rules ``values`` (a Student as a dict, guardians as a list of dicts) breaks, in the order the
	form checks them: names are plain text, the date of birth is not in the future and gives an age a
	student can have (checked when entered or changed: ``check_birth_date``), the grade level is one
	the app knows, at most one guardian is the primary contact."""
	problems: list[StudentProblem] = []
	for field in NAME_FIELDS:
		if has_markup(values.get(field)):
			problems.append(StudentProblem("markup", field, values.get(field)))
	for index, guardian in enumerate(values.get("guardians") or (), start=1):
		for field in GUARDIAN_TEXT_FIELDS:
			if has_markup(guardian.get(field)):
				problems.append(
					StudentProblem("markup", field, guardian.get(field), row=guardian.get("idx") or index)
				)
	born = _as_date(values.get("date_of_birth")) if check_birth_date else None
	if born is not None:
		if born > today:
			problems.append(StudentProblem("future_birth_date", "date_of_birth", born))
		elif birth_date_problem(born, today):
			problems.append(
				StudentProblem("implausible_birth_date", "date_of_birth", born, age=age_on(born, today))
			)
	if normalize_grade(values.get("grade_level")) is None:
		problems.append(StudentProblem("grade_level", "grade_level", values.get("grade_level") or ""))
	primaries = [
		str(guardian.get("idx") or index)
		for index, guardian in enumerate(values.get("guardians") or (), start=1)
		if guardian.get("is_primary")
	]
	if len(primaries) > 1:
		problems.append(StudentProblem("several_primaries", "guardians", ", ".join(primaries)))
	return problems
