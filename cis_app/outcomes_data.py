"""Load the outcome cohort of a school year and compute its metrics (``cis_app.core.outcomes``).

The cohort of a school year (issue 7): the students with a Student plan of that year whose
``activated_on`` is set, at the sites in scope. Each cohort row carries the plan's site (where the
student was case-managed; a student with plans at two sites is counted once, at the site of their first
activated plan), the grade and status of the student's Student Year-End Status of that year, or the
student's current grade when no status is recorded yet, and the site's affiliate, school district and
school level (so a report can group by them).

``frappe.qb`` bypasses permissions, so the sites are filtered here, explicitly: a user other than
Administrator gets only the sites they serve (``cis_app.permissions.get_permitted_sites``), and asking
for a site outside them is refused, not silently emptied. One query per table family: the cohort (plans
with their year-end status, student and site) and the goals of those plans.
"""

from __future__ import annotations

from collections.abc import Iterable

import frappe
import pandas as pd
from frappe import _
from frappe.query_builder.functions import Coalesce

from cis_app.core.outcomes import outcome_metrics, suppress_outcomes
from cis_app.core.suppression import DEFAULT_THRESHOLD
from cis_app.exceptions import CISValidationError, OutOfScopeError
from cis_app.permissions import get_permitted_sites

COHORT_FIELDS = (
	"student",
	"site",
	"grade_level",
	"year_end_status",
	"activated_on",
	"affiliate",
	"school_district",
	"school_level",
)
GOAL_FIELDS = ("student", "area", "progress_status")


def sites_in_scope(sites: Iterable[str] | None = None, user: str | None = None) -> list[str] | None:
	"""The sites to read: ``sites`` (all the user may see when empty). None means every site (only for
	Administrator). Raises OutOfScopeError for a requested site the user does not serve."""
	user = user or frappe.session.user
	requested = sorted({site for site in sites or [] if site})
	if user == "Administrator":
		return requested or None
	permitted = get_permitted_sites(user)
	outside = [site for site in requested if site not in permitted]
	if outside:
		frappe.throw(
			_("You do not serve {0}. Choose among the sites you serve.").format(", ".join(outside)),
			OutOfScopeError,
		)
	return requested or sorted(permitted)


def _plan_scope(query, plan, school_year: str, sites: list[str] | None):
	query = (
		query.where(plan.plan_type == "Student")
		.where(plan.school_year == school_year)
		.where(plan.activated_on.isnotnull())
	)
	return query if sites is None else query.where(plan.site.isin(sites))


def load_cohort(school_year: str, sites: list[str] | None) -> pd.DataFrame:
	"""Rows of ``COHORT_FIELDS``, one per activated Student plan of the year at ``sites`` (None: all),
	earliest activation first (``core.outcomes`` counts each student once)."""
	if sites is not None and not sites:
		return pd.DataFrame(columns=list(COHORT_FIELDS))
	plan = frappe.qb.DocType("Support Plan")
	status = frappe.qb.DocType("Student Year-End Status")
	student = frappe.qb.DocType("Student")
	site = frappe.qb.DocType("Site")
	query = (
		frappe.qb.from_(plan)
		.left_join(status)
		.on((status.student == plan.student) & (status.school_year == plan.school_year))
		.left_join(student)
		.on(student.name == plan.student)
		.left_join(site)
		.on(site.name == plan.site)
		.select(
			plan.student,
			plan.site,
			Coalesce(status.grade_level, student.grade_level).as_("grade_level"),
			status.year_end_status,
			plan.activated_on,
			site.affiliate,
			site.school_district,
			site.school_level,
		)
		.orderby(plan.activated_on)
		.orderby(plan.name)
	)
	rows = _plan_scope(query, plan, school_year, sites).run(as_dict=True)
	return pd.DataFrame.from_records(rows, columns=list(COHORT_FIELDS))


def load_goals(school_year: str, sites: list[str] | None) -> pd.DataFrame:
	"""The goals (student, area, progress) of the same plans as ``load_cohort``."""
	if sites is not None and not sites:
		return pd.DataFrame(columns=list(GOAL_FIELDS))
	plan = frappe.qb.DocType("Support Plan")
	goal = frappe.qb.DocType("Support Plan Goal")
	query = (
		frappe.qb.from_(goal)
		.join(plan)
		.on((goal.parent == plan.name) & (goal.parenttype == "Support Plan") & (goal.parentfield == "goals"))
		.select(plan.student, goal.area, goal.progress_status)
	)
	rows = _plan_scope(query, plan, school_year, sites).run(as_dict=True)
	return pd.DataFrame.from_records(rows, columns=list(GOAL_FIELDS))


def get_outcome_metrics(
	school_year: str,
	sites: Iterable[str] | None = None,
	group_by: str | None = None,
	suppress_small_cells: bool = True,
	threshold: int = DEFAULT_THRESHOLD,
	user: str | None = None,
) -> pd.DataFrame:
	"""The outcome metrics of ``school_year`` at the sites in scope (``core.outcomes.outcome_metrics``
	columns, plus ``suppressed`` when ``suppress_small_cells``). ``group_by``: a column of
	``COHORT_FIELDS`` (site, school_district, school_level, grade_level, affiliate).

	Whether a user may turn suppression off is the caller's decision (issue 7: only staff who can read
	every student behind the figures)."""
	if group_by and group_by not in COHORT_FIELDS:
		frappe.throw(_("Outcomes cannot be grouped by {0}.").format(group_by), CISValidationError)
	if not school_year or not frappe.db.exists("School Year", school_year):
		frappe.throw(_("School Year {0} does not exist.").format(school_year), frappe.DoesNotExistError)
	scope = sites_in_scope(sites, user)
	cohort = load_cohort(school_year, scope)
	goals = load_goals(school_year, scope)
	metrics = outcome_metrics(cohort, goals, group_by=group_by)
	return suppress_outcomes(metrics, threshold) if suppress_small_cells else metrics
