"""The students the CIS Impact report compares, with their figures of two school years.

One row per student for ``cis_app.core.impact.estimate``: ``student``, ``school`` (the site),
``district``, ``grade``, ``served``, ``base_<indicator>`` (previous school year) and ``outcome`` (the
chosen indicator at the end of the chosen year).

- **Served**: students with an activated Student plan in the chosen year at the sites read (the cohort
  of CIS Outcomes, ``outcomes_data.load_cohort``).
- **Comparison**: students with a data point of the chosen year at those sites who have no activated
  Student plan that year (anywhere) nor the year before (anywhere).
- **School**: the site of the student's latest data point of the chosen year (a served student: the
  site of the plan). District: that site's district.
- **Which data points**: of the chosen year, those recorded at the sites read (a served student is
  measured where served: one without a data point there has no outcome, and is left out and counted);
  of the year before, those students' data points wherever they were recorded.
- **Figures**: per indicator, the latest data point of the year whose indicator group carries it
  (``has_attendance``, ``has_behavior``, ``has_course``); a group left blank is unknown, never zero.
  Attendance rate: 100 x (days enrolled - days absent) / days enrolled; chronic absence: 1 when the
  absence rate reaches CIS Settings' chronic threshold, else 0.

Sites are explicit (the caller scopes them, as for CIS Outcomes): the rows are read with SQL, so a user
without Student permission (an Evaluator) gets only what the report aggregates.
"""

from __future__ import annotations

import frappe
import numpy as np
import pandas as pd

from cis_app.core.impact import COVARIATES, OUTCOMES
from cis_app.cis_case_management.outcomes_data import load_cohort
from cis_app.cis_network.settings import get_thresholds


def previous_school_year(school_year: str) -> str | None:
	start = frappe.db.get_value("School Year", school_year, "year_start_date")
	rows = frappe.get_all(
		"School Year",
		filters={"year_end_date": ["<", start]},
		order_by="year_end_date desc",
		limit=1,
		pluck="name",
	)
	return rows[0] if rows else None


POINT_COLUMNS = [
	"student", "name", "site", "as_of_date", "has_attendance", "days_enrolled", "days_absent",
	"has_behavior", "suspensions", "has_course", "failed_courses",
]


def latest_figures(year: str, scope: str, values: dict, chronic_rate: float) -> pd.DataFrame:
	"""Per student of ``scope`` (SQL on the data point's columns), each indicator (``COVARIATES``) from
	the latest data point of ``year`` carrying it (ties on the date broken by the record's name; NaN
	when none does), and ``site``, the site of the latest. One plain query of the year's rows; the
	latest are picked in pandas (MariaDB's window functions were slower here)."""
	# each row sent as one text (the driver decodes one value a row, not eleven), split by pandas
	packed = "concat_ws(char(31), {})".format(", ".join(f"ifnull({c}, '')" for c in POINT_COLUMNS))
	rows = frappe.db.sql(
		f"select {packed} from `tabStudent Data Point` where school_year = %(year)s and ({scope})",
		{**values, "year": year},
	)
	texts = pd.Series([row[0] for row in rows], dtype=object)
	points = texts.str.split("\x1f", expand=True, regex=False) if len(texts) else pd.DataFrame(
		columns=range(len(POINT_COLUMNS))
	)
	points.columns = POINT_COLUMNS
	points = points.replace("", None)
	# ISO dates sort as text
	points = points.sort_values(["student", "as_of_date", "name"], kind="stable")
	out = pd.DataFrame(index=pd.Index(points["student"].drop_duplicates(), name="student"))

	def latest(flag: str | None) -> pd.DataFrame:
		carrying = points if flag is None else points[pd.to_numeric(points[flag]) == 1]
		return carrying.drop_duplicates("student", keep="last").set_index("student")

	attendance = latest("has_attendance")
	enrolled = pd.to_numeric(attendance["days_enrolled"], errors="coerce").astype(float)
	absent = pd.to_numeric(attendance["days_absent"], errors="coerce").astype(float)
	valid = enrolled > 0
	rate = (absent / enrolled).where(valid)
	out["attendance_rate"] = (100 * (1 - rate)).reindex(out.index)
	out["chronic_absence"] = (rate >= chronic_rate).astype(float).where(rate.notna()).reindex(out.index)
	behavior = latest("has_behavior")
	out["suspensions"] = pd.to_numeric(behavior["suspensions"], errors="coerce").astype(float).reindex(out.index)
	course = latest("has_course")
	out["failed_courses"] = pd.to_numeric(course["failed_courses"], errors="coerce").astype(float).reindex(out.index)
	out["site"] = latest(None)["site"].reindex(out.index)
	return out


def load_impact_frame(school_year: str, previous_year: str, sites: list[str] | None, outcome: str) -> pd.DataFrame:
	if outcome not in OUTCOMES:
		raise ValueError(outcome)
	columns = ["student", "school", "district", "grade", "served", *(f"base_{c}" for c in COVARIATES), "outcome"]
	cohort = load_cohort(school_year, sites, site_fields=False)
	served = cohort.drop_duplicates("student", keep="first").set_index("student")
	chronic = get_thresholds().chronic_absence_rate
	values: dict = {"this_year": school_year}
	at_sites = "site in %(sites)s" if sites is not None else "1 = 1"
	if sites is not None:
		values["sites"] = tuple(sites) or ("",)
	# this year: the data points recorded at the sites (a served student is measured where served);
	# the year before: those students' data points, wherever they were then
	this_year = latest_figures(school_year, at_sites, values, chronic)
	last_year = latest_figures(
		previous_year,
		f"student in (select student from `tabStudent Data Point` where school_year = %(this_year)s and {at_sites})",
		values,
		chronic,
	)
	planned = set(load_cohort(school_year, None, site_fields=False)["student"]) | set(
		load_cohort(previous_year, None, site_fields=False)["student"]
	)
	students = sorted((set(this_year.index) - planned) | set(served.index))
	if not students:
		return pd.DataFrame(columns=columns)
	frame = pd.DataFrame({"student": students})
	school = this_year["site"].to_dict()
	school.update(served["site"].to_dict())
	frame["school"] = frame["student"].map(school)
	site_district = dict(frappe.get_all("Site", fields=["name", "school_district"], as_list=True))
	frame["district"] = frame["school"].map(site_district)
	grades = dict(
		frappe.db.sql(
			"select name, grade_level from `tabStudent` where name in %(students)s", {"students": tuple(students)}
		)
	)
	grades.update({k: v for k, v in served["grade_level"].to_dict().items() if v})
	frame["grade"] = frame["student"].map(grades)
	frame["served"] = frame["student"].isin(served.index)
	for name in COVARIATES:
		frame[f"base_{name}"] = frame["student"].map(last_year[name]).astype(float)
	frame["outcome"] = frame["student"].map(this_year[outcome]).astype(float)
	return frame[columns]
