"""How long the record of a student who left is kept, and what erasing it means (plain rules).

A student has *left* when their enrollment status is Withdrawn, Graduated, Transferred or Moved; the
day they left is ``left_on`` (set when the status changes). CIS Settings ``retention_years`` (default 5)
says how long after that their identifying details are kept. A student is *due* when they left more
than that many years ago, on or before today minus the years.

A due student is *skipped*, with the reason, when:
- they have an open support plan (any status but Closed, ``cis_app.core.plans.OPEN_STATUSES``): the plan
  is still being worked on, so the record is not finished;
- their identifying details were already erased.
A student who left without a recorded leaving day is never due (nothing says when the years started);
they are listed as skipped so an administrator can enter the day.

Erasing keeps every row the outcome reports count (plans, goals and their progress, year-end statuses,
check-ins with their dates and minutes, data points, group-session attendance) and removes what
identifies the student: ``ERASED_STUDENT_VALUES`` on the student, the guardians, free text on the
student's records, attachments, and the history (versions, comments) that holds old values.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping

from cis_app.core.plans import OPEN_STATUSES

LEFT_STATUSES = ("Withdrawn", "Graduated", "Transferred", "Moved")
DEFAULT_RETENTION_YEARS = 5
ERASED = "[erased]"

# Field values of an erased student. District ids are unique within a district, so each becomes a
# placeholder naming the record instead of a blank.
ERASED_STUDENT_VALUES = {
	"first_name": ERASED,
	"middle_name": None,
	"last_name": ERASED,
	"student_name": ERASED,
	"date_of_birth": None,
	"state_student_id": None,
	"oneroster_sourced_id": None,
	"health_notes": None,
	"family_situation": None,
}
ERASED_ID_PREFIX = "ERASED-"

# Field types holding free text that may name or describe the student (erased on their records).
FREE_TEXT_TYPES = frozenset(
	{"Small Text", "Text", "Long Text", "Text Editor", "Markdown Editor", "HTML Editor", "Code", "JSON"}
)

REASON_OPEN_PLAN = "open_plan"
REASON_ALREADY_ERASED = "already_erased"
REASON_NO_LEAVING_DATE = "no_leaving_date"
REASON_TEXT = {
	REASON_OPEN_PLAN: "Has an open support plan ({0}). Close the plan first.",
	REASON_ALREADY_ERASED: "Identifying details already erased on {0}.",
	REASON_NO_LEAVING_DATE: "Left ({0}) but no leaving date is recorded. Enter Left On to start the retention period.",
}


class RetentionRuleError(ValueError):
	"""Input the retention rule cannot use (negative years)."""


def has_left(enrollment_status: str | None) -> bool:
	return enrollment_status in LEFT_STATUSES


def left_on_for(
	enrollment_status: str | None, left_on: datetime.date | None, today: datetime.date
) -> datetime.date | None:
	"""The leaving day a student record should carry: kept if set while they are away, today when they
	have just left, none once they are enrolled again."""
	if not has_left(enrollment_status):
		return None
	return left_on or today


def cutoff(today: datetime.date, years: int) -> datetime.date:
	"""The last leaving day that is due: ``years`` years before ``today`` (Feb 29 -> Feb 28)."""
	if years is None or int(years) < 0:
		raise RetentionRuleError(years)
	years = int(years)
	try:
		return today.replace(year=today.year - years)
	except ValueError:
		return today.replace(year=today.year - years, day=28)


def students_due(
	students: Iterable[Mapping],
	open_plans: Mapping[str, Iterable[str]],
	today: datetime.date,
	years: int = DEFAULT_RETENTION_YEARS,
) -> tuple[list[dict], list[dict]]:
	"""(due, skipped) among ``students`` (dicts with name, enrollment_status, left_on and
	record_erased_on). ``open_plans``: the open plans of each student, by name.

	Due: left on or before ``cutoff(today, years)``, not erased, no open plan. Skipped (with ``reason``
	and ``detail``): would be due but has an open plan or was erased already, or has left without a
	leaving day. Students still enrolled, or who left more recently, are in neither list."""
	last_due_day = cutoff(today, years)
	due, skipped = [], []
	for student in students:
		if not has_left(student.get("enrollment_status")):
			continue
		row = {
			"student": student["name"],
			"enrollment_status": student.get("enrollment_status"),
			"left_on": student.get("left_on"),
		}
		left_on = student.get("left_on")
		if not left_on:
			skipped.append(
				{**row, "reason": REASON_NO_LEAVING_DATE, "detail": student.get("enrollment_status")}
			)
			continue
		if _as_date(left_on) > last_due_day:
			continue
		if student.get("record_erased_on"):
			skipped.append(
				{**row, "reason": REASON_ALREADY_ERASED, "detail": str(student.get("record_erased_on"))[:10]}
			)
			continue
		plans = sorted(open_plans.get(student["name"]) or [])
		if plans:
			skipped.append({**row, "reason": REASON_OPEN_PLAN, "detail": ", ".join(plans)})
			continue
		due.append(row)
	key = lambda row: (str(row.get("left_on") or ""), row["student"])  # noqa: E731
	return sorted(due, key=key), sorted(skipped, key=key)


def is_open_plan(status: str | None) -> bool:
	return status in OPEN_STATUSES


def erased_student_values(name: str) -> dict:
	"""The values an erased student record takes (its district id becomes a placeholder)."""
	return {**ERASED_STUDENT_VALUES, "district_student_id": f"{ERASED_ID_PREFIX}{name}"}


def free_text_fields(fields: Iterable[Mapping], keep: Iterable[str] = ()) -> list[str]:
	"""The free-text fields among a DocType's ``fields`` (dicts with fieldname and fieldtype)."""
	kept = set(keep)
	return [
		field["fieldname"]
		for field in fields
		if field.get("fieldtype") in FREE_TEXT_TYPES and field.get("fieldname") not in kept
	]


def mentions(text: str | None, old_values: Iterable[str]) -> bool:
	"""Whether ``text`` contains any of ``old_values`` (names, ids; case-insensitive, 3+ characters)."""
	if not text:
		return False
	lowered = str(text).lower()
	return any(value and len(str(value)) >= 3 and str(value).lower() in lowered for value in old_values)


def _as_date(value) -> datetime.date:
	if isinstance(value, datetime.datetime):
		return value.date()
	if isinstance(value, datetime.date):
		return value
	return datetime.date.fromisoformat(str(value)[:10])
