"""Support plan statuses, in one place.

A plan moves Draft -> Pending Approval -> Active -> Under Review -> Closed (the default workflow; an
admin may rename states, but each state still sets one of these statuses).

- ``CASE_MANAGED_STATUSES``: a student plan in these is delivering Tier 3 services. It needs a valid
  case-management consent, and its student is *case-managed* while at least one of their plans is in
  one of them.
- ``OPEN_STATUSES``: every status but Closed; the goals of open plans follow the data points.
"""

from __future__ import annotations

from collections.abc import Iterable

DRAFT = "Draft"
PENDING_APPROVAL = "Pending Approval"
ACTIVE = "Active"
UNDER_REVIEW = "Under Review"
CLOSED = "Closed"
PLAN_STATUSES = (DRAFT, PENDING_APPROVAL, ACTIVE, UNDER_REVIEW, CLOSED)
CASE_MANAGED_STATUSES = (ACTIVE, UNDER_REVIEW)
OPEN_STATUSES = (DRAFT, PENDING_APPROVAL, ACTIVE, UNDER_REVIEW)


def is_case_managed(student_plan_statuses: Iterable[str]) -> bool:
	"""True while any of the student's plans (of plan type Student) is Active or Under Review."""
	return any(status in CASE_MANAGED_STATUSES for status in student_plan_statuses)
