"""Load the outcome cohort of a school year and compute its metrics (``cis_app.core.outcomes``).

The cohort of a school year: the students with a Student plan of that year whose
``activated_on`` is set, at the sites in scope. Each cohort row carries the plan's site (where the
student was case-managed; a student with plans at two sites is counted once, at the site of their first
activated plan), the grade and status of the student's Student Year-End Status of that year, or the
student's current grade when no status is recorded yet, and the site's affiliate, school district and
school level (so a report can group by them).

The rows are read with SQL, which bypasses permissions, so the sites are filtered here, explicitly: a
user other than Administrator gets only the sites they serve (``cis_app.permissions.scope.get_permitted_sites``),
and asking for a site outside them is refused, not silently emptied. Every query reads covering
indexes (``add_outcome_indexes``), and nothing is written (the reports run on a read replica when the
site has one: docs/administrator.md, "Reports on a read replica").

Two ways to the same figures: student by student (``load_cohort`` and ``load_goals``: the plans with
their year-end status, and the goals of those plans, for ``core.outcomes.outcome_metrics``), and
counted (``load_counted``: one query sending each plan's student and a key of its grade, status and
goals, counted by numpy into the frame of ``core.outcomes.counted_outcome_metrics``; the students it
cannot count alike are read student by student). The CIS Outcomes report takes the counted way: for
a network of 170,000 case-managed students it sends 1,500 counted rows to the core instead of
170,000 students and 340,000 goals (docs/benchmarks.md, "Outcome reports").
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import NamedTuple

import frappe
import numpy as np
import pandas as pd
from frappe import _

from cis_app.core.goals import AREAS as GOAL_AREAS
from cis_app.core.goals import PROGRESS_VALUES
from cis_app.core.outcomes import (
	COUNTED_COLUMNS,
	WEIGHT,
	goal_flags,
	student_goal_flags,
)
from cis_app.utils.exceptions import OutOfScopeError
from cis_app.permissions.scope import get_permitted_sites

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
COUNTED_FIELDS = COUNTED_COLUMNS


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


# Rows are sent packed (``_packed_rows``): MariaDB joins each row's fields with FIELD_SEPARATOR and the
# rows of a bucket with ROW_SEPARATOR, so the driver decodes a few long strings instead of every value
# in Python (about 1 s per 170,000 rows of four values; docs/benchmarks.md, "Outcome reports"). ASCII unit and record
# separators: a Data field cannot hold them in practice, and a row that does is caught (see there).
FIELD_SEPARATOR, ROW_SEPARATOR = "\x1f", "\x1e"
# One packed row per site: the plans are read in the order of ``PLAN_INDEX`` (site within the year),
# so MariaDB groups them as it reads, without sorting (grouping by anything else costs more than the
# rows: 2.7 s instead of 0.5 s for 170,000 plans). A site's rows must fit in group_concat_max_len,
# raised for the session to max_allowed_packet (16 MiB by default: some 300,000 plans of one site);
# a truncated group is detected and the rows are then read unpacked.
PLAN_INDEX = "cohort_index"
GOAL_INDEX = "outcome_goal_index"
STATUS_INDEX = "outcome_status_index"
STUDENT_GRADE_INDEX = "grade_lookup_index"


def add_outcome_indexes() -> None:
	"""The composite indexes the outcome reports read (created once; a schema sync keeps composite
	indexes). Each covers its query, so a report reads small indexes instead of whole rows: with
	MariaDB's default 128 MiB buffer pool, 170,000 plans, their statuses and 340,000 goals read as
	rows do not stay cached, read through these they do.

	- Support Plan (school_year, site, plan_type, activated_on, student): the cohort of a year, at
	  one affiliate's sites (a range on site within the year) or at every site;
	- Support Plan Goal (parent, parenttype, parentfield, area, progress_status): the goals of a plan;
	- Student Year-End Status (student, school_year, grade_level, year_end_status);
	- Student (name, grade_level): the current grade of a cohort student without a year-end status,
	  without reading the student's whole row (a network's Student table does not fit the pool)."""
	frappe.db.add_index(
		"Support Plan", ["school_year", "site", "plan_type", "activated_on", "student"], index_name=PLAN_INDEX
	)
	frappe.db.add_index(
		"Support Plan Goal",
		["parent", "parenttype", "parentfield", "area", "progress_status"],
		index_name=GOAL_INDEX,
	)
	frappe.db.add_index(
		"Student Year-End Status",
		["student", "school_year", "grade_level", "year_end_status"],
		index_name=STATUS_INDEX,
	)
	frappe.db.add_index("Student", ["name", "grade_level"], index_name=STUDENT_GRADE_INDEX)


class Source(NamedTuple):
	"""A query of the outcome data: ``select <fields> from <tables> where <conditions>`` (``values``:
	its parameters), sent packed, one packed row per value of ``key`` (``_packed_columns``)."""

	fields: list[str]
	tables: str
	conditions: str
	values: dict
	key: str
	prefix: str = ""  # e.g. SET STATEMENT ... FOR: a setting of this statement alone

	def plain_sql(self) -> str:
		return "{}select {} from {} where {}".format(
			self.prefix, ", ".join(self.fields), self.tables, self.conditions
		)

	def packed_sql(self) -> str:
		row = "concat_ws(char(31), {})".format(", ".join(f"ifnull({field}, '')" for field in self.fields))
		return f"""{self.prefix}select {self.key}, count(*), group_concat({row} separator '{ROW_SEPARATOR}')
			from {self.tables} where {self.conditions} group by {self.key}"""


def _plan_conditions(
	school_year: str, sites: list[str] | None, students: list[str] | None = None
) -> tuple[str, dict]:
	conditions = (
		"plan.plan_type = 'Student' and plan.school_year = %(school_year)s and plan.activated_on is not null"
	)
	values = {"school_year": school_year}
	if sites is not None:
		conditions += " and plan.site in %(sites)s"
		values["sites"] = tuple(sites)
	if students is not None:
		conditions += " and plan.student in %(students)s"
		values["students"] = tuple(students) or ("",)
	return conditions, values


COHORT_TABLES = """`tabSupport Plan` plan
		left join `tabStudent Year-End Status` status
			on status.student = plan.student and status.school_year = plan.school_year"""


def _grade_sql() -> str:
	"""The year-end status's grade, else the student's current grade (looked up only then)."""
	# MariaDB would read the student's whole row (PRIMARY) rather than the small grade index
	hint = f" force index ({STUDENT_GRADE_INDEX})" if _has_index("Student", STUDENT_GRADE_INDEX) else ""
	return (
		f"coalesce(status.grade_level, (select student.grade_level from `tabStudent` student{hint}"
		" where student.name = plan.student))"
	)


def cohort_source(school_year: str, sites: list[str] | None, students: list[str] | None = None) -> Source:
	"""The activated Student plans of the year at ``sites`` (None: all; of ``students`` only when
	given) with their year-end status; the student's current grade is looked up only where no status
	gives one."""
	conditions, values = _plan_conditions(school_year, sites, students)
	fields = [
		"plan.name",
		"plan.student",
		"plan.site",
		_grade_sql(),
		"status.year_end_status",
		"plan.activated_on",
	]
	return Source(fields, COHORT_TABLES, conditions, values, "plan.site")


# What the goals of one plan hold, as one number (``counted_source``): bit 8 x a + p is set when the
# plan has a goal whose area is value a of GOAL_AREA_VALUES and whose progress is value p of
# GOAL_PROGRESS_VALUES (field() numbers them from 1; 0: a value that is not one of them, compared
# exactly, byte by byte, where MariaDB's collation would ignore case and trailing spaces). MariaDB
# only records which (area, progress) pairs a plan has; the rules that make a flag of them are the
# core's (``core.outcomes.goal_flags``), applied to each pair in ``_goal_pairs``.
GOAL_AREA_VALUES = ("", *GOAL_AREAS)
GOAL_PROGRESS_VALUES = ("", *PROGRESS_VALUES)
PAIR_BITS = 8  # > len(GOAL_PROGRESS_VALUES); 8 x (len(GOAL_AREA_VALUES) + 1) <= 64, BIT_OR's width
KEY_SEPARATOR = "\x1d"  # ASCII group separator: between the grade, status and goals of a plan


def _goal_bits_sql() -> str:
	escape = frappe.db.escape

	def field(column: str, values) -> str:
		listed = ", ".join(escape(value) for value in values)
		return f"field(binary ifnull({column}, ''), {listed})"

	area, progress = field("goal.area", GOAL_AREA_VALUES), field("goal.progress_status", GOAL_PROGRESS_VALUES)
	return f"""(select bit_or(1 << ({area} * {PAIR_BITS} + {progress}))
		from `tabSupport Plan Goal` goal
		where goal.parent = plan.name and goal.parenttype = 'Support Plan' and goal.parentfield = 'goals')"""


def counted_source(school_year: str, sites: list[str] | None) -> Source:
	"""The plans of ``cohort_source`` with only what the figures need: the student, and as one text
	(the plan's key) the grade, the year-end status and the goals of the plan (``_goal_bits_sql``)."""
	conditions, values = _plan_conditions(school_year, sites)
	grade, goals = _grade_sql(), _goal_bits_sql()
	key = f"concat_ws(char(29), ifnull({grade}, ''), ifnull(status.year_end_status, ''), ifnull({goals}, 0))"
	# each plan's goals are a different subquery: MariaDB's cache of subquery results never hits, and
	# costs about 0.3 s per 170,000 plans
	prefix = "set statement optimizer_switch = 'subquery_cache=off' for "
	return Source(["plan.student", key], COHORT_TABLES, conditions, values, "plan.site", prefix)


def _goal_pairs(bits: int) -> list[tuple[str, str]] | None:
	"""The (area, progress) pairs of a plan's goals from ``_goal_bits_sql``; None when a goal holds a
	value that is not one of GOAL_AREA_VALUES / GOAL_PROGRESS_VALUES."""
	pairs = []
	for position in range(64):
		if bits >> position & 1:
			area, progress = divmod(position, PAIR_BITS)
			if (
				not area
				or not progress
				or area > len(GOAL_AREA_VALUES)
				or progress > len(GOAL_PROGRESS_VALUES)
			):
				return None
			pairs.append((GOAL_AREA_VALUES[area - 1], GOAL_PROGRESS_VALUES[progress - 1]))
	return pairs


def goal_source(school_year: str, sites: list[str] | None, students: list[str] | None = None) -> Source:
	"""The goals of the plans of ``cohort_source``: student, area, progress."""
	conditions, values = _plan_conditions(school_year, sites, students)
	tables = """`tabSupport Plan Goal` goal
		join `tabSupport Plan` plan on goal.parent = plan.name and goal.parenttype = 'Support Plan'
			and goal.parentfield = 'goals'"""
	fields = ["plan.student", "goal.area", "goal.progress_status"]
	return Source(fields, tables, conditions, values, "plan.site")


def _has_index(doctype: str, index_name: str) -> bool:
	"""Whether ``add_outcome_indexes`` ran on this site (a site not yet migrated has no such index, and a
	hint naming it would fail); asked once per request."""
	known = getattr(frappe.local, "cis_outcome_indexes", None)
	if known is None:
		known = frappe.local.cis_outcome_indexes = {}
	if (doctype, index_name) not in known:
		known[(doctype, index_name)] = bool(frappe.db.has_index(f"tab{doctype}", index_name))
	return known[(doctype, index_name)]


def _packed_columns(source: Source) -> list[list[str]] | None:
	"""The columns of ``source``'s rows (lists of strings, '' for NULL, rows in no particular order);
	None when a group came back truncated or a value holds a separator (the caller then reads the rows
	plainly)."""
	columns = _packed_groups(source)
	return None if columns is None else columns[2]


def _packed_groups(source: Source) -> tuple[list[str], list[int], list[list[str]]] | None:
	"""``_packed_columns`` with the key of each packed row and its number of rows."""
	# a session setting, not a write: allowed on a read-only replica
	frappe.db.sql("set session group_concat_max_len = @@max_allowed_packet")
	keys, counts, texts = [], [], []
	for key, count, text in frappe.db.sql(source.packed_sql(), source.values):
		keys.append("" if key is None else str(key))
		counts.append(count)
		texts.append(text or "")
	width, rows = len(source.fields), sum(counts)
	if not rows:
		return keys, counts, [[] for _field in source.fields]
	# every value split at once (C speed): a truncated group or a separator inside a value changes the
	# number of values, and is caught here
	values = ROW_SEPARATOR.join(texts).replace(ROW_SEPARATOR, FIELD_SEPARATOR).split(FIELD_SEPARATOR)
	if len(values) != rows * width:
		return None
	return keys, counts, [values[position::width] for position in range(width)]


def _columns(source: Source) -> list[list]:
	columns = _packed_columns(source)
	if columns is None:
		rows = frappe.db.sql(source.plain_sql(), source.values)
		columns = [
			["" if row[position] is None else str(row[position]) for row in rows]
			for position in range(len(source.fields))
		]
	return columns


def _blank_to_none(frame: pd.DataFrame, columns) -> None:
	for column in columns:
		frame[column] = frame[column].where(frame[column] != "", None)


def _dates(column: pd.Series) -> pd.Series:
	"""ISO date strings as dates (None for ''), parsed once per distinct date."""
	codes, distinct = pd.factorize(column)
	parsed = np.empty(len(distinct) + 1, dtype=object)
	parsed[:-1] = [date.fromisoformat(value) if value else None for value in distinct]
	return pd.Series(parsed[codes], index=column.index, dtype=object)


def load_cohort(
	school_year: str,
	sites: list[str] | None,
	students: list[str] | None = None,
	site_fields: bool = True,
) -> pd.DataFrame:
	"""Rows of ``COHORT_FIELDS``, one per activated Student plan of the year at ``sites`` (None: all;
	of ``students`` only, when given), earliest activation first (``core.outcomes`` counts each
	student once); without ``site_fields``, affiliate, district and level are left empty.

	One query (``cohort_source``), sent packed; the site's affiliate, district and level come from one
	query of the sites."""
	if sites is not None and not sites:
		return pd.DataFrame(columns=list(COHORT_FIELDS))
	names = ["plan", "student", "site", "grade_level", "year_end_status", "activated_on"]
	columns = _columns(cohort_source(school_year, sites, students))
	frame = pd.DataFrame(dict(zip(names, columns, strict=True)), columns=names, dtype=object)
	if frame.empty:
		return pd.DataFrame(columns=list(COHORT_FIELDS))
	# earliest activation first, then plan name (ISO dates sort as text)
	dates, _distinct = pd.factorize(frame["activated_on"], sort=True)
	plans, _distinct = pd.factorize(frame["plan"], sort=True)
	frame = frame.take(np.lexsort((plans, dates))).reset_index(drop=True)
	_blank_to_none(frame, ("student", "site", "grade_level", "year_end_status"))
	frame["activated_on"] = _dates(frame["activated_on"])
	if site_fields:
		_add_site_fields(frame)
	else:  # not asked for: the caller does not group by them
		for field in SITE_FIELDS:
			frame[field] = None
	return frame[list(COHORT_FIELDS)]


SITE_FIELDS = ("affiliate", "school_district", "school_level")


def _add_site_fields(frame: pd.DataFrame) -> None:
	"""The affiliate, district and level of each row's site (one query of the sites)."""
	site_codes, site_names = pd.factorize(frame["site"])
	site_rows = {
		site.name: site
		for site in frappe.get_all(
			"Site",
			filters={"name": ["in", list(site_names)]},
			fields=["name", "affiliate", "school_district", "school_level"],
		)
	}
	for field in SITE_FIELDS:
		values = np.empty(len(site_names) + 1, dtype=object)  # the last: a plan without a site
		values[:-1] = [(site_rows.get(name) or {}).get(field) for name in site_names]
		frame[field] = values[site_codes]


def load_goals(school_year: str, sites: list[str] | None, students: list[str] | None = None) -> pd.DataFrame:
	"""The goals (student, area, progress) of the same plans as ``load_cohort`` (one query,
	``goal_source``, sent packed)."""
	if sites is not None and not sites:
		return pd.DataFrame(columns=list(GOAL_FIELDS))
	columns = _columns(goal_source(school_year, sites, students))
	frame = pd.DataFrame(
		dict(zip(GOAL_FIELDS, columns, strict=True)), columns=list(GOAL_FIELDS), dtype=object
	)
	_blank_to_none(frame, GOAL_FIELDS)
	return frame


# Above this many students counted one by one (several plans, several year-end statuses, a goal value
# that is not an option), the whole cohort is read student by student: a list of names that long
# costs more than it saves.
MAX_STUDENTS_BY_NAME = 20_000


def load_counted(
	school_year: str, sites: list[str] | None, by_site: bool = False, cohort_filter=None
) -> tuple[pd.DataFrame, int]:
	"""The cohort of ``load_cohort`` as a counted frame (``core.outcomes.counted_outcome_metrics``):
	one row per (grade, year-end status, goal flags; and site with ``by_site``) with the number of
	students alike, and the number of plan rows of the cohort (0: no cohort).

	MariaDB sends each plan's student and key (grade, status, which goals: ``counted_source``; one
	packed row per site, read in the order of the cohort index), and numpy counts the keys. A student
	whose plan is not the only row of their own (several plans in the year, several year-end
	statuses of the year) or whose goals hold a value that is not an option is read and counted by
	the core student by student (``load_cohort``, ``load_goals``, ``student_goal_flags``), so the
	figures are exactly those of ``outcome_metrics``. ``cohort_filter``: a function of a cohort frame
	(the grade range), applied to the plans' rows as to ``load_cohort``'s."""
	columns = list(COUNTED_FIELDS) + (["site", *SITE_FIELDS] if by_site else [])
	empty = pd.DataFrame(columns=columns)
	if sites is not None and not sites:
		return empty, 0
	cohort_filter = cohort_filter or (lambda frame: frame)
	groups = _packed_groups(counted_source(school_year, sites))
	if groups is None:  # a truncated site, or a separator inside a value: student by student
		return _counted_by_student(school_year, sites, None, by_site, cohort_filter)
	site_names, counts, (students, plan_keys) = groups
	if not students:
		return empty, 0
	key_codes, keys = pd.factorize(np.array(plan_keys, dtype=object))
	plans = _plan_key_frame(keys)
	if plans is None:
		return _counted_by_student(school_year, sites, None, by_site, cohort_filter)
	# keys alike in every column (goals that differ only in ways no flag sees) are counted together
	classes = plans.groupby(list(plans.columns), dropna=False, sort=False).ngroup().to_numpy()
	first = pd.Series(np.arange(len(plans))).groupby(classes).first().to_numpy()
	plans = plans.iloc[first].reset_index(drop=True)
	key_codes = classes[key_codes]

	students = np.array(students, dtype=object)
	# a plan without a student counts for no one (``cohort_students``), but is a row of the cohort
	blank = {student for student in set(students) if not student.strip()}
	named = ~pd.Series(students).isin(blank).to_numpy() if blank else np.ones(len(students), bool)
	# decided on every row of the student, before the grade range
	by_name = named & (
		pd.Series(students).duplicated(keep=False).to_numpy() | plans["odd"].to_numpy()[key_codes]
	)
	by_name_students = sorted(set(students[by_name]))
	if len(by_name_students) > MAX_STUDENTS_BY_NAME:
		return _counted_by_student(school_year, sites, None, by_site, cohort_filter)

	plans["position"] = np.arange(len(plans))
	kept = np.zeros(len(plans), dtype=bool)
	kept[cohort_filter(plans)["position"].to_numpy(dtype=int)] = True
	in_range = kept[key_codes]
	plan_rows = int(in_range.sum())
	if not plan_rows:
		return empty, 0
	alike = in_range & named & ~by_name
	codes = key_codes
	if by_site:
		site_codes = np.repeat(np.arange(len(site_names)), counts)
		codes = site_codes * len(plans) + key_codes
	weights = np.bincount(codes[alike], minlength=1)
	present = np.flatnonzero(weights)
	counted = plans.iloc[present % len(plans)].reset_index(drop=True)
	counted[WEIGHT] = weights[present]
	if by_site:
		names = np.array(site_names, dtype=object)[present // len(plans)]
		counted["site"] = pd.Series(names, dtype=object).where(names != "", None)
		_add_site_fields(counted)
	parts = [counted[columns]]
	if by_name_students:
		parts.append(_counted_by_student(school_year, sites, by_name_students, by_site, cohort_filter)[0])
	parts = [part for part in parts if not part.empty]
	return (pd.concat(parts, ignore_index=True) if parts else empty), plan_rows


def _plan_key_frame(keys) -> pd.DataFrame | None:
	"""Per distinct plan key of ``counted_source``: grade_level, year_end_status (None for ''), the
	goal flags of ``core.outcomes.GOAL_FLAGS`` and ``odd`` (a goal value that is not an option);
	None when a key does not split in three (a separator inside a grade or status)."""
	rows, pairs_of = [], []
	for key in keys:
		parts = key.split(KEY_SEPARATOR)
		if len(parts) != 3:
			return None
		grade, status, bits = parts
		pairs = _goal_pairs(int(bits or 0))
		rows.append({"grade_level": grade or None, "year_end_status": status or None, "odd": pairs is None})
		pairs_of.append(pairs or [])
	plans = pd.DataFrame(rows, columns=["grade_level", "year_end_status", "odd"])
	goals = pd.DataFrame(
		[(position, area, progress) for position, pairs in enumerate(pairs_of) for area, progress in pairs],
		columns=["position", "area", "progress_status"],
	)
	flags = goal_flags(goals)  # the core's rules, once per (area, progress) pair of each key
	flags = flags.groupby(goals["position"].to_numpy()).any().reindex(range(len(plans)), fill_value=False)
	for column in flags.columns:
		plans[column] = flags[column].to_numpy(dtype=bool)
	return plans


def _counted_by_student(school_year, sites, students, by_site, cohort_filter) -> tuple[pd.DataFrame, int]:
	"""``load_counted`` student by student (``students`` only, when given): the core's own path."""
	cohort = cohort_filter(load_cohort(school_year, sites, students, site_fields=by_site))
	goals = load_goals(school_year, sites, students)
	flags = student_goal_flags(cohort, goals)
	columns = list(COUNTED_FIELDS) + (["site", *SITE_FIELDS] if by_site else [])
	return flags[columns], len(cohort)
