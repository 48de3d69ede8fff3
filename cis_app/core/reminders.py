"""Reminders: which items need someone's attention on a day, and who gets them in one daily digest.

Five kinds:
- ``plan_review``: an open support plan whose next review date is 0 to ``PLAN_REVIEW_DAYS`` (7) days away;
- ``checkin_overdue``: a case-managed student with no check-in for more than a month (the caseload's
  meeting rule, ``cis_app.core.caseload``);
- ``consent_expiring``: a valid consent whose expiry date is 0 to ``CONSENT_EXPIRY_DAYS`` (30) days away;
- ``hours_pending``: volunteer hours still Submitted more than ``HOURS_PENDING_DAYS`` (7) days after
  they were entered;
- ``agreement_renewal``: a signed partner agreement within its reminder window
  (``cis_app.core.volunteering.needs_reminder``).

An item is listed every day its condition holds (a digest is the list of what needs attention today),
so a missed day loses nothing; except a partner agreement's renewal, which is a task assigned once (a
to-do for the partner's manager) and so is listed only on the day it is assigned.

Recipients (FERPA: only staff who may read the student): an item about a site goes to each user on a
current Site Staff row of that site (its coordinators and program managers), never to everyone holding
a role; a partner agreement goes to the partner's manager. Each recipient gets one digest a day.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date

from .caseload import build_caseload
from .dates import is_active_on, to_date
from .plans import OPEN_STATUSES
from .volunteering import needs_reminder

PLAN_REVIEW = "plan_review"
CHECKIN_OVERDUE = "checkin_overdue"
CONSENT_EXPIRING = "consent_expiring"
HOURS_PENDING = "hours_pending"
AGREEMENT_RENEWAL = "agreement_renewal"
KINDS = (PLAN_REVIEW, CHECKIN_OVERDUE, CONSENT_EXPIRING, HOURS_PENDING, AGREEMENT_RENEWAL)

PLAN_REVIEW_DAYS = 7
MEETING_INTERVAL_DAYS = 30
CONSENT_EXPIRY_DAYS = 30
HOURS_PENDING_DAYS = 7


def _item(kind: str, document_type: str, row: Mapping, due: date | None, days: int | None, **extra) -> dict:
	return {
		"kind": kind,
		"document_type": document_type,
		"name": row["name"],
		"site": row.get("site"),
		"title": row.get("student_name")
		or row.get("volunteer_name")
		or row.get("partner_name")
		or row["name"],
		"due_date": due,
		"days": days,
		**extra,
	}


def plans_due_for_review(plans: Iterable[Mapping], today: object, days: int = PLAN_REVIEW_DAYS) -> list[dict]:
	"""Open plans (name, site, student_name, status, next_review_date) reviewed within ``days`` days."""
	day = to_date(today)
	items = []
	for plan in plans:
		review = to_date(plan.get("next_review_date"))
		if review is None or plan.get("status") not in OPEN_STATUSES:
			continue
		remaining = (review - day).days
		if 0 <= remaining <= days:
			items.append(_item(PLAN_REVIEW, "Support Plan", plan, review, remaining))
	return items


def students_without_checkin(
	students: Iterable[Mapping],
	last_checkins: Iterable[Mapping],
	today: object,
	interval: int = MEETING_INTERVAL_DAYS,
) -> list[dict]:
	"""Case-managed students (name, site, student_name, is_case_managed) whose last check-in
	(rows of student, last_checkin) is more than ``interval`` days ago, or who have none."""
	rows = build_caseload(list(students), [], list(last_checkins), today, meeting_interval_days=interval)
	return [
		_item(
			CHECKIN_OVERDUE,
			"Student",
			row,
			row["last_checkin"],
			row["days_since_checkin"],
		)
		for row in rows
		if row["meeting_overdue"]
	]


def consents_expiring(
	consents: Iterable[Mapping], today: object, days: int = CONSENT_EXPIRY_DAYS
) -> list[dict]:
	"""Valid consents (name, site, student_name, status, expiry_date) expiring within ``days`` days."""
	day = to_date(today)
	items = []
	for consent in consents:
		expiry = to_date(consent.get("expiry_date"))
		if expiry is None or consent.get("status") != "Valid":
			continue
		remaining = (expiry - day).days
		if 0 <= remaining <= days:
			items.append(_item(CONSENT_EXPIRING, "Student Consent", consent, expiry, remaining))
	return items


def hours_waiting(hours: Iterable[Mapping], today: object, days: int = HOURS_PENDING_DAYS) -> list[dict]:
	"""Volunteer Hours (name, site, volunteer_name, status, creation) Submitted more than ``days`` ago."""
	day = to_date(today)
	items = []
	for entry in hours:
		entered = to_date(entry.get("creation"))
		if entered is None or entry.get("status") != "Submitted":
			continue
		waiting = (day - entered).days
		if waiting > days:
			items.append(_item(HOURS_PENDING, "Volunteer Hours", entry, entered, waiting))
	return items


def agreements_for_renewal(
	partners: Iterable[Mapping],
	today: object,
	first_reported: Mapping[tuple[str, date], object] | None = None,
) -> list[dict]:
	"""Signed agreements of partners (name, partner_name, partner_manager, agreement_status,
	agreement_renewal_date, reminder_days) inside their reminder window; to the partner's manager.

	A renewal is reported once: ``first_reported`` maps (partner, renewal date) to the day its manager
	was first told (the day its to-do was assigned). A renewal first reported before ``today`` is left
	out: the open to-do in the manager's list carries it from then on. A new renewal date is a new
	renewal."""
	day = to_date(today)
	reported = {
		(name, to_date(renewal)): to_date(on) for (name, renewal), on in (first_reported or {}).items()
	}
	items = []
	for partner in partners:
		renewal = to_date(partner.get("agreement_renewal_date"))
		if partner.get("agreement_status") != "Signed" or not partner.get("partner_manager"):
			continue
		if not needs_reminder(renewal, today, partner.get("reminder_days")):
			continue
		told_on = reported.get((partner["name"], renewal))
		if told_on is not None and told_on < day:
			continue
		remaining = (renewal - day).days
		items.append(
			_item(
				AGREEMENT_RENEWAL,
				"Partner",
				partner,
				renewal,
				remaining,
				recipients=[partner["partner_manager"]],
			)
		)
	return items


def current_staff_by_site(staff_rows: Iterable[Mapping], today: object) -> dict[str, list[str]]:
	"""Site -> users on a Site Staff row (site, user, from_date, to_date) current on ``today``."""
	by_site: dict[str, list[str]] = {}
	for row in staff_rows:
		if not row.get("user") or not row.get("site"):
			continue
		if not is_active_on(today, row.get("from_date"), row.get("to_date")):
			continue
		users = by_site.setdefault(row["site"], [])
		if row["user"] not in users:
			users.append(row["user"])
	return by_site


def build_digests(
	items: Iterable[Mapping],
	staff_by_site: Mapping[str, Iterable[str]],
	enabled_kinds: Iterable[str] = KINDS,
) -> dict[str, list[dict]]:
	"""User -> their items of the enabled kinds, in the order of ``KINDS`` then due date.

	An item with ``recipients`` goes to them; any other goes to the current staff of its site (an item
	without a site, or of a site without current staff, reaches no one rather than everyone)."""
	enabled = set(enabled_kinds)
	digests: dict[str, list[dict]] = {}
	for item in items:
		if item["kind"] not in enabled:
			continue
		recipients = item.get("recipients")
		if recipients is None:
			recipients = staff_by_site.get(item.get("site"), ()) if item.get("site") else ()
		for user in dict.fromkeys(recipients):
			digests.setdefault(user, []).append(dict(item))
	for user_items in digests.values():
		user_items.sort(key=lambda i: (KINDS.index(i["kind"]), i["due_date"] or date.min, i["name"]))
	return digests


def already_sent(last_run: object, today: object) -> bool:
	"""True when the digest already ran on ``today`` (a second run the same day sends nothing)."""
	return to_date(last_run) is not None and to_date(last_run) >= to_date(today)
