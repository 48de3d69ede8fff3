"""The coordinator's caseload: each student with their tier, risk, plan and last contact.

The Tier 3 standard: at least one formal case-management meeting a month. A case-managed
student whose last check-in is more than ``meeting_interval_days`` (30) ago, or who has none, is
*overdue*. A plan review is *due* when its next review date is within ``review_window_days`` (14).
"""

from __future__ import annotations

from datetime import date

from .dates import to_date


def build_caseload(
	students: list[dict],
	plans: list[dict],
	checkins: list[dict],
	today: object,
	meeting_interval_days: int = 30,
	review_window_days: int = 14,
) -> list[dict]:
	"""Join students (dicts with name ...), their open plans (student, name, status, goals_total,
	goals_on_track, next_review_date; the latest-reviewed one wins) and their last check-in
	(student, last_checkin) into caseload rows, most urgent first: overdue meetings, then reviews
	due, then by risk score (high first) and name."""
	day = to_date(today)
	plan_by_student: dict[str, dict] = {}
	for plan in plans:
		current = plan_by_student.get(plan["student"])
		if current is None or (to_date(plan.get("next_review_date")) or date.max) < (
			to_date(current.get("next_review_date")) or date.max
		):
			plan_by_student[plan["student"]] = plan
	last_by_student = {row["student"]: to_date(row.get("last_checkin")) for row in checkins}
	rows = []
	for student in students:
		plan = plan_by_student.get(student["name"], {})
		last = last_by_student.get(student["name"])
		days_since = (day - last).days if last else None
		case_managed = bool(student.get("is_case_managed"))
		review = to_date(plan.get("next_review_date"))
		rows.append(
			{
				**student,
				"tier": "Tier 3" if case_managed else "",
				"support_plan": plan.get("name"),
				"plan_status": plan.get("status"),
				"goals_total": plan.get("goals_total") or 0,
				"goals_on_track": plan.get("goals_on_track") or 0,
				"next_review_date": review,
				"last_checkin": last,
				"days_since_checkin": days_since,
				"meeting_overdue": case_managed
				and (days_since is None or days_since > meeting_interval_days),
				"review_due": review is not None and (review - day).days <= review_window_days,
			}
		)
	rows.sort(
		key=lambda r: (
			not r["meeting_overdue"],
			not r["review_due"],
			-(r.get("risk_score") or 0),
			r.get("student_name") or "",
		)
	)
	return rows


def summarize(rows: list[dict]) -> dict:
	"""Counts for the report's summary cards."""
	return {
		"students": len(rows),
		"case_managed": sum(1 for r in rows if r["tier"] == "Tier 3"),
		"meetings_overdue": sum(1 for r in rows if r["meeting_overdue"]),
		"reviews_due": sum(1 for r in rows if r["review_due"]),
		"high_risk": sum(1 for r in rows if (r.get("suggested_tier") or "") == "Tier 3"),
	}
