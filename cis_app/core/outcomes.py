"""Year-end statuses of case-managed students and what they mean for the outcome metrics.

Statuses (DOMAIN.md): Promoted, Retained, Graduated, GED, Dropped Out, Transferred, Moved, Deceased.
"Remained in school" is derived: every status but Dropped Out. Transferred, Moved and Deceased are
unknown outcomes, left out of every outcome denominator and counted separately.
"""

from __future__ import annotations

from .grades import grade_rank, normalize_grade

PROMOTED = "Promoted"
RETAINED = "Retained"
GRADUATED = "Graduated"
GED = "GED"
DROPPED_OUT = "Dropped Out"
TRANSFERRED = "Transferred"
MOVED = "Moved"
DECEASED = "Deceased"
STATUSES = (PROMOTED, RETAINED, GRADUATED, GED, DROPPED_OUT, TRANSFERRED, MOVED, DECEASED)
UNKNOWN_OUTCOME = frozenset({TRANSFERRED, MOVED, DECEASED})


def remained_in_school(status: str) -> bool:
	return status != DROPPED_OUT


def is_unknown_outcome(status: str) -> bool:
	return status in UNKNOWN_OUTCOME


def status_problem(status: str, grade: str) -> str | None:
	"""Why ``status`` cannot be a year-end status at ``grade`` (None when it can).

	- Graduated needs grade 12 (``graduation_needs_grade_12``);
	- a grade 12 student is not Promoted: they graduate, or stay enrolled as Retained
	  (``grade_12_cannot_be_promoted``);
	- GED needs grade 9 or above (``ged_needs_grade_9``);
	- PK has no outcome (``pk_has_no_outcome``).
	"""
	normalized = normalize_grade(grade)
	if normalized is None:
		return None  # the grade itself is reported by its own check
	rank = grade_rank(normalized)
	if rank < 0:
		return "pk_has_no_outcome"
	if status == GRADUATED and rank != 12:
		return "graduation_needs_grade_12"
	if status == PROMOTED and rank == 12:
		return "grade_12_cannot_be_promoted"
	if status == GED and rank < 9:
		return "ged_needs_grade_9"
	return None
