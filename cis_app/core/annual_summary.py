"""The affiliate's annual summary: the counts the network asks for, per site and per affiliate, for one
school year. Plain rows in, plain rows out; the Frappe layer loads the rows of the
year (already limited to the year and to the sites in scope) and this module computes.

Definitions, exactly as computed (``annual_summary``):

- **Sites served** (one row each): sites in scope that are active, or have any record of the year
  (a school-wide activity, a group session, an activated Student plan, a check-in, volunteer hours or
  a contribution at the site). A Site has no start or end date, so an active site counts as served in
  every year. **Schools served** = served sites of type School (community sites get a row, but are
  not schools).
- **Enrolment**: the site's ``enrollment_count``; 0 means "not entered" (Frappe stores an empty Int as
  0), shown as empty. The affiliate total is the sum over served schools with an enrolment entered;
  ``schools_without_enrollment`` counts the others. The figure is the site's current enrolment (the
  Site holds one figure, not one per year).
- **Students case-managed (Tier 3)**: distinct students with a Student plan of the year whose
  ``activated_on`` is set (the cohort of the CIS Outcomes report). A student with plans at two sites
  counts once, at the site of their earliest activated plan, so the sites add up to the total.
- **Case-managed share**: case-managed / enrolment, percent rounded half up to one decimal; empty when
  the enrolment is not entered. The total uses the served schools with an enrolment entered (numerator:
  the case-managed students counted at those schools). **Band** against the CIS standard of 5-10%,
  compared exactly (before rounding): ``Below`` (under 5%), ``Within`` (5% to 10% inclusive), ``Above``.
- **Tier 2**: ``tier2_students`` = distinct students marked present on the roster of at least one
  group session of the year at the site (the affiliate total counts a student once even when present
  at two sites, so it can be less than the sum); ``tier2_sessions`` = group sessions held (all
  sessions of the year, whoever attended).
- **Tier 1**: ``tier1_activities`` = school-wide activities of the year; ``tier1_head_count`` = the sum
  of their head counts (people reached, not unduplicated); ``tier1_reaching_75`` = activities whose
  head count is at least 75% of the site's enrolment (``head_count * 4 >= enrolment * 3``, exact). The
  site **meets the Tier 1 standard** when ``tier1_reaching_75 >= 4``; unknown (None) when its
  enrolment is not entered. The total row counts the sites that meet it (``tier1_sites_met``) out of
  the sites that could be assessed (``tier1_sites_assessed``).
- **Check-ins**: Student Check-Ins dated in the year at the site (whoever the contact was with) and
  the sum of their minutes.
- **Parents or guardians engaged**: ``family_check_ins`` = check-ins whose ``contact_with`` is Family
  (the option for parents and guardians); ``families_engaged`` = distinct students whose family had at
  least one such check-in (a check-in names the student, not the guardian, so families are counted
  through their students).
- **Partners active**: distinct partners that did something recorded in the year: a contribution, a
  group session they provided, a school-wide activity they ran, or approved hours of their volunteers.
  Per site, the partners with such a record at the site; the total counts each partner once, and also
  counts contributions without a site (affiliate-wide).
- **Contributions**: Partner Contributions dated in the year, counted and valued (``value``) by type
  (Monetary, In-Kind Goods, In-Kind Services) and in all. A contribution with a site counts at that
  site; one without a site counts only in its affiliate's total, and only when the caller includes
  them (``include_affiliate_wide``: when every site of the affiliate is in the result, so a total
  shown to a coordinator of one site stays the total of what they see).
- **Volunteers**: approved Volunteer Hours of the year: distinct volunteers, hours and their dollar
  value (the ``value`` stored on each entry, hours x the value of a volunteer hour of its year).

**Suppression** (``suppress_summary``; the rules of ``cis_app.core.suppression``): only the figures that
describe students are suppressed, because only they can re-identify a student: students case-managed
and their share (with its band), Tier 2 students, check-ins and their minutes, family check-ins and
families engaged (``STUDENT_COUNTS``). Schools, enrolment, sessions held, Tier 1 activities and head
counts (counted by head, no individual record), partners, contributions, volunteers and their hours
describe the program, not students, and are always shown. Each affiliate's rows are suppressed
together (its sites are the groups, its total row the total):

1. a count below the threshold (0 included) is suppressed;
2. the share is a rate (case-managed / enrolment): suppressed when the case-managed count, the
   enrolment or enrolment minus case-managed is below the threshold;
3. complementary suppression across sites (``core.suppression``, rule 3): when a hidden site value
   could be worked out as the total minus the shown sites (exactly one hidden), the site with the next
   smallest value is suppressed too (with no other site, the total). The Tier 2 total is unduplicated,
   so not always the sum of its sites: the rule still treats it as one, which only hides more;
4. the count and the share of one row go together (the share times the shown enrolment gives the
   count back): one suppressed suppresses the other;
5. minutes follow their check-ins, and the band follows the share: hidden wherever those are.
"""

from __future__ import annotations

from collections.abc import Iterable
from fractions import Fraction

import pandas as pd

from .outcomes import percent
from .suppression import DEFAULT_THRESHOLD, primary_suppression, suppress

SCHOOL = "School"
FAMILY = "Family"
APPROVED = "Approved"
CONTRIBUTION_TYPES = {
	"Monetary": "monetary",
	"In-Kind Goods": "in_kind_goods",
	"In-Kind Services": "in_kind_services",
}
# sums of money or hours, rounded to cents / hundredths
AMOUNTS = (
	"contribution_value",
	"volunteer_hours",
	"volunteer_value",
	*(f"{key}_value" for key in CONTRIBUTION_TYPES.values()),
)
TIER1_ACTIVITIES_NEEDED = 4
TIER1_REACH = Fraction(3, 4)
TIER3_BAND = (Fraction(5, 100), Fraction(10, 100))
BELOW, WITHIN, ABOVE = "Below", "Within", "Above"

# the figures that describe students (suppressed); the share is handled with the case-managed count
STUDENT_COUNTS = ("case_managed", "tier2_students", "check_ins", "family_check_ins", "families_engaged")
SHARE = "case_managed_share"
# a hidden figure hides these with it (rule 5)
FOLLOWERS = {"check_ins": ("check_in_minutes",), SHARE: ("case_managed_band",)}
SUPPRESSIBLE = (*STUDENT_COUNTS, SHARE, "check_in_minutes", "case_managed_band")


def _enrollment(value) -> int | None:
	"""A site's enrolment: None when not entered (stored as 0)."""
	try:
		number = int(value or 0)
	except (TypeError, ValueError):
		return None
	return number if number > 0 else None


def band(case_managed: int, enrollment: int | None) -> str | None:
	"""Where case-managed / enrolment falls against the 5-10% standard, compared exactly."""
	if not enrollment:
		return None
	share = Fraction(case_managed, enrollment)
	if share < TIER3_BAND[0]:
		return BELOW
	return WITHIN if share <= TIER3_BAND[1] else ABOVE


def reaches_tier1(head_count, enrollment: int | None) -> bool:
	"""True when an activity's head count is at least 75% of the enrolment (exactly)."""
	return bool(enrollment) and int(head_count or 0) >= TIER1_REACH * enrollment


def tier1_standard_met(qualifying_activities: int, enrollment: int | None) -> bool | None:
	"""At least 4 activities each reaching 75% of the enrolment; None without an enrolment."""
	if not enrollment:
		return None
	return qualifying_activities >= TIER1_ACTIVITIES_NEEDED


def _get(row, key, default=None):
	value = row.get(key, default) if isinstance(row, dict) else getattr(row, key, default)
	return default if value is None else value


def _site_of_first_plan(plans: Iterable) -> dict[str, str]:
	"""student -> site of their earliest activated plan (ties: the first row)."""
	first: dict[str, tuple] = {}
	for position, plan in enumerate(plans):
		student, activated_on = _get(plan, "student"), _get(plan, "activated_on")
		if not student or not activated_on:
			continue
		key = (str(activated_on), position)
		if student not in first or key < first[student][0]:
			first[student] = (key, _get(plan, "site"))
	return {student: site for student, (_key, site) in first.items()}


def _empty_figures() -> dict:
	figures = {
		"case_managed": 0,
		"tier2_students": 0,
		"tier2_sessions": 0,
		"tier1_activities": 0,
		"tier1_head_count": 0,
		"tier1_reaching_75": 0,
		"check_ins": 0,
		"check_in_minutes": 0,
		"family_check_ins": 0,
		"families_engaged": 0,
		"partners_active": 0,
		"contributions": 0,
		"contribution_value": 0.0,
		"volunteers": 0,
		"volunteer_hours": 0.0,
		"volunteer_value": 0.0,
	}
	for key in CONTRIBUTION_TYPES.values():
		figures[f"{key}_contributions"] = 0
		figures[f"{key}_value"] = 0.0
	return figures


class _Tally:
	"""The sets and sums behind one row (a site, or an affiliate's total)."""

	def __init__(self):
		self.case_managed: set = set()
		self.case_managed_counted = 0  # students counted by the caller (plan rows with ``count``)
		self.tier2_students: set = set()
		self.families: set = set()
		self.partners: set = set()
		self.volunteers: set = set()
		self.figures = _empty_figures()

	def add(self, key: str, amount=1):
		self.figures[key] += amount

	def result(self) -> dict:
		# sums of hours and money: to the cent, without the float noise of adding them up
		figures = {
			key: round(value, 2) if isinstance(value, float) else value for key, value in self.figures.items()
		}
		figures["case_managed"] = len(self.case_managed) + self.case_managed_counted
		figures["tier2_students"] = len(self.tier2_students)
		figures["families_engaged"] = len(self.families)
		figures["partners_active"] = len(self.partners)
		figures["volunteers"] = len(self.volunteers)
		for key in AMOUNTS:
			figures[key] = round(figures[key], 2)
		return figures


def annual_summary(
	sites: Iterable,
	plans: Iterable = (),
	sessions: Iterable = (),
	attendees: Iterable = (),
	activities: Iterable = (),
	check_ins: Iterable = (),
	contributions: Iterable = (),
	volunteer_hours: Iterable = (),
	include_affiliate_wide: Iterable[str] = (),
) -> list[dict]:
	"""One row per served site, then its affiliate's total row, affiliates and sites in name order.

	Rows (dicts or objects with these attributes), all of the school year and of the sites in scope:

	- ``sites``: name, affiliate, site_type, enrollment_count, is_active (every site in scope);
	- ``plans``: student, site, activated_on (Student plans of the year; rows without activated_on
	  are ignored); or, counted by SQL, rows of site and ``count`` without a student: the students
	  whose earliest activated plan of the year (among the sites in scope) is at that site;
	- ``sessions``: name, site, partner; ``attendees``: session (the Group Session's name) or site,
	  student, present (0 leaves the row out; taken as 1 when the row has no ``present``: the caller
	  selected the present ones);
	- ``activities``: site, head_count, partner (one row per activity: each is tested against 75%);
	- ``check_ins``: student, site, contact_with, minutes;
	- ``contributions``: partner, affiliate, site (may be empty), contribution_type, value;
	- ``volunteer_hours``: volunteer, site, partner, hours, value, status (only Approved count).

	Rows may come pre-aggregated by SQL (so a large affiliate does not ship a row per record): a
	session, check-in or contribution row may carry ``count`` (the records it stands for, 1 when
	absent) with ``minutes`` / ``value`` their sum; volunteer-hours rows may be sums per volunteer and
	site; attendee rows may be distinct (site, student) pairs.

	``include_affiliate_wide``: the affiliates whose contributions without a site count in their total.
	Records at a site not in ``sites`` are ignored. Each row has ``affiliate``, ``site`` (None on a
	total), ``is_total``, ``site_type``, ``schools_served``, ``enrollment``, the figures of the module
	docstring, ``case_managed_share`` and ``case_managed_band``.
	"""
	site_rows = {_get(site, "name"): site for site in sites}
	affiliate_of = {name: _get(site, "affiliate") for name, site in site_rows.items()}
	include_affiliate_wide = set(include_affiliate_wide)
	by_site = {name: _Tally() for name in site_rows}
	by_affiliate = {affiliate: _Tally() for affiliate in affiliate_of.values()}
	has_records: set = set()

	def tallies(site):
		return (by_site[site], by_affiliate[affiliate_of[site]])

	plans = list(plans)
	counted = [plan for plan in plans if not _get(plan, "student") and _get(plan, "count") is not None]
	for student, site in _site_of_first_plan(plans).items():
		if site in by_site:
			has_records.add(site)
			for tally in tallies(site):
				tally.case_managed.add(student)
	for plan in counted:
		site, count = _get(plan, "site"), int(_get(plan, "count"))
		if site in by_site and count:
			has_records.add(site)
			for tally in tallies(site):
				tally.case_managed_counted += count

	session_site = {}
	for session in sessions:
		site = _get(session, "site")
		if site not in by_site:
			continue
		if _get(session, "name"):
			session_site[_get(session, "name")] = site
		has_records.add(site)
		for tally in tallies(site):
			tally.add("tier2_sessions", int(_get(session, "count", 1)))
			if _get(session, "partner"):
				tally.partners.add(_get(session, "partner"))
	for attendee in attendees:
		site = _get(attendee, "site") or session_site.get(_get(attendee, "session"))
		if site in by_site and _get(attendee, "present", 1) and _get(attendee, "student"):
			for tally in tallies(site):
				tally.tier2_students.add(_get(attendee, "student"))

	for activity in activities:
		site = _get(activity, "site")
		if site not in by_site:
			continue
		has_records.add(site)
		head_count = int(_get(activity, "head_count", 0))
		reaches = reaches_tier1(head_count, _enrollment(_get(site_rows[site], "enrollment_count")))
		for tally in tallies(site):
			tally.add("tier1_activities")
			tally.add("tier1_head_count", head_count)
			tally.add("tier1_reaching_75", int(reaches))
			if _get(activity, "partner"):
				tally.partners.add(_get(activity, "partner"))

	for check_in in check_ins:
		site = _get(check_in, "site")
		if site not in by_site:
			continue
		has_records.add(site)
		count = int(_get(check_in, "count", 1))
		for tally in tallies(site):
			tally.add("check_ins", count)
			tally.add("check_in_minutes", int(_get(check_in, "minutes", 0)))
			if _get(check_in, "contact_with") == FAMILY:
				tally.add("family_check_ins", count)
				tally.families.add(_get(check_in, "student"))

	for contribution in contributions:
		site = _get(contribution, "site")
		if site:
			if site not in by_site:
				continue
			has_records.add(site)
			targets = tallies(site)
		else:
			affiliate = _get(contribution, "affiliate")
			if affiliate not in by_affiliate or affiliate not in include_affiliate_wide:
				continue
			targets = (by_affiliate[affiliate],)
		type_key = CONTRIBUTION_TYPES.get(_get(contribution, "contribution_type"))
		value = float(_get(contribution, "value", 0))
		count = int(_get(contribution, "count", 1))
		for tally in targets:
			tally.add("contributions", count)
			tally.add("contribution_value", value)
			if type_key:
				tally.add(f"{type_key}_contributions", count)
				tally.add(f"{type_key}_value", value)
			if _get(contribution, "partner"):
				tally.partners.add(_get(contribution, "partner"))

	for entry in volunteer_hours:
		site = _get(entry, "site")
		if site not in by_site or _get(entry, "status", APPROVED) != APPROVED:
			continue
		has_records.add(site)
		for tally in tallies(site):
			tally.add("volunteer_hours", float(_get(entry, "hours", 0)))
			tally.add("volunteer_value", float(_get(entry, "value", 0)))
			if _get(entry, "volunteer"):
				tally.volunteers.add(_get(entry, "volunteer"))
			if _get(entry, "partner"):
				tally.partners.add(_get(entry, "partner"))

	served = sorted(
		name for name, site in site_rows.items() if int(_get(site, "is_active", 0)) or name in has_records
	)
	rows: list[dict] = []
	for affiliate in sorted({affiliate_of[name] for name in served}, key=str):
		site_figures = []
		for name in (name for name in served if affiliate_of[name] == affiliate):
			site = site_rows[name]
			enrollment = _enrollment(_get(site, "enrollment_count"))
			figures = by_site[name].result()
			row = {
				"affiliate": affiliate,
				"site": name,
				"is_total": 0,
				"site_type": _get(site, "site_type", SCHOOL),
				"schools_served": int(_get(site, "site_type", SCHOOL) == SCHOOL),
				"enrollment": enrollment,
				**figures,
				SHARE: percent(figures["case_managed"], enrollment),
				"case_managed_band": band(figures["case_managed"], enrollment),
				"tier1_standard_met": tier1_standard_met(figures["tier1_reaching_75"], enrollment),
			}
			site_figures.append(row)
		rows.extend(site_figures)
		rows.append(_total_row(affiliate, site_figures, by_affiliate[affiliate].result()))
	return rows


def _total_row(affiliate: str, site_rows: list[dict], figures: dict) -> dict:
	schools = [row for row in site_rows if row["site_type"] == SCHOOL]
	with_enrollment = [row for row in schools if row["enrollment"]]
	enrollment = sum(row["enrollment"] for row in with_enrollment) or None
	share_numerator = sum(row["case_managed"] for row in with_enrollment)
	assessed = [row for row in site_rows if row["tier1_standard_met"] is not None]
	return {
		"affiliate": affiliate,
		"site": None,
		"is_total": 1,
		"site_type": None,
		"schools_served": len(schools),
		"sites_served": len(site_rows),
		"enrollment": enrollment,
		"schools_without_enrollment": len(schools) - len(with_enrollment),
		**figures,
		"case_managed_in_enrolled_schools": share_numerator,
		SHARE: percent(share_numerator, enrollment),
		"case_managed_band": band(share_numerator, enrollment),
		"tier1_standard_met": None,
		"tier1_sites_met": sum(1 for row in assessed if row["tier1_standard_met"]),
		"tier1_sites_assessed": len(assessed),
	}


def _cells(members: list[dict]) -> list[tuple]:
	"""The suppressible cells of one affiliate's rows: (position, metric, group, is_total, numerator,
	denominator)."""
	cells = []
	for position, row in enumerate(members):
		group = None if row["is_total"] else row["site"]
		for metric in STUDENT_COUNTS:
			cells.append((position, metric, group, row["is_total"], row[metric], None))
		share_numerator = row["case_managed_in_enrolled_schools"] if row["is_total"] else row["case_managed"]
		if row["enrollment"]:
			cells.append((position, SHARE, group, row["is_total"], share_numerator, row["enrollment"]))
	return cells


# metrics whose cells the rules relate to each other: rule 3 within one metric, rule 4 the linked pair
COMPONENTS = (("case_managed", SHARE), *((metric,) for metric in STUDENT_COUNTS if metric != "case_managed"))


def _suppressed_cells(frame: pd.DataFrame, threshold: int) -> pd.Series:
	"""Which cells of one affiliate ``suppress`` hides (a boolean Series on ``frame``'s index).

	The rules relate cells only within a component (``COMPONENTS``), so each is decided on its own:
	one with no cell hidden by rules 1-2 keeps every cell (rules 3-4 start from a hidden cell), one with
	every cell hidden by them has nothing left to hide; only the others go through ``suppress`` (it
	costs tens of milliseconds a call, and a network has a hundred affiliates)."""
	primary = primary_suppression(frame, threshold)
	hidden = primary.copy()
	mixed = []
	for component in COMPONENTS:
		in_component = frame["metric"].isin(component)
		flags = primary[in_component]
		if flags.any() and not flags.all():
			mixed.append(in_component)
	if mixed:
		rows = frame[pd.concat(mixed, axis=1).any(axis=1)]
		flags = suppress(rows, threshold, linked=(("case_managed", SHARE),))
		hidden[rows.index] = flags["suppressed"].astype(bool).to_numpy()
	return hidden


def suppress_summary(rows: list[dict], threshold: int = DEFAULT_THRESHOLD) -> list[dict]:
	"""``rows`` (of ``annual_summary``) with the student figures suppressed (module docstring): a
	suppressed figure becomes None, and ``suppressed`` lists the figures hidden in the row."""
	result = [dict(row, suppressed=[]) for row in rows]
	by_affiliate: dict = {}
	for row in result:
		by_affiliate.setdefault(row["affiliate"], []).append(row)
	for members in by_affiliate.values():
		frame = pd.DataFrame.from_records(
			_cells(members), columns=["position", "metric", "group", "is_total", "numerator", "denominator"]
		)
		frame["percent"] = None
		hidden = _suppressed_cells(frame, threshold)
		for cell in frame[hidden].itertuples(index=False):
			row = members[cell.position]
			for metric in (cell.metric, *FOLLOWERS.get(cell.metric, ())):
				row[metric] = None
				row["suppressed"].append(metric)
		for row in members:
			# a share not computed (no enrolment) cannot be suppressed by rule 2; its count still can
			if row["case_managed"] is None and SHARE not in row["suppressed"]:
				row[SHARE] = row["case_managed_band"] = None
				row["suppressed"] += [SHARE, "case_managed_band"]
			if row["is_total"] and row["case_managed"] is None:
				row["case_managed_in_enrolled_schools"] = None
			elif row["is_total"] and SHARE in row["suppressed"]:
				row["case_managed_in_enrolled_schools"] = None
			row["suppressed"] = [metric for metric in SUPPRESSIBLE if metric in row["suppressed"]]
	return result
