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
from cis_app.outcomes_data import load_cohort
from cis_app.settings import get_thresholds


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


def _data_points(school_year: str, sites: list[str] | None, students: list[str] | None = None) -> pd.DataFrame:
	conditions = ["dp.school_year = %(year)s"]
	values: dict = {"year": school_year}
	if sites is not None:
		conditions.append("dp.site in %(sites)s")
		values["sites"] = tuple(sites) or ("",)
	if students is not None:
		conditions.append("dp.student in %(students)s")
		values["students"] = tuple(students) or ("",)
	rows = frappe.db.sql(
		f"""select dp.student, dp.site, dp.as_of_date, dp.has_attendance, dp.days_enrolled, dp.days_absent,
			dp.has_behavior, dp.suspensions, dp.has_course, dp.failed_courses
		from `tabStudent Data Point` dp where {" and ".join(conditions)}""",
		values,
	)
	columns = [
		"student", "site", "as_of_date", "has_attendance", "days_enrolled", "days_absent",
		"has_behavior", "suspensions", "has_course", "failed_courses",
	]
	return pd.DataFrame(rows, columns=columns)


def latest_figures(points: pd.DataFrame, chronic_rate: float) -> pd.DataFrame:
	"""Per student, each indicator from the latest data point carrying it (NaN when none does)."""
	out = pd.DataFrame(index=pd.Index(points["student"].unique(), name="student"))
	for name in COVARIATES:
		out[name] = np.nan
	if points.empty:
		return out
	points = points.sort_values(["student", "as_of_date"], kind="stable")

	def last(flag: str) -> pd.DataFrame:
		carrying = points[points[flag].astype(int) == 1]
		return carrying.groupby("student", sort=False).tail(1).set_index("student")

	attendance = last("has_attendance")
	enrolled = pd.to_numeric(attendance["days_enrolled"], errors="coerce")
	absent = pd.to_numeric(attendance["days_absent"], errors="coerce")
	valid = enrolled > 0
	rate = (100 * (enrolled - absent) / enrolled).where(valid)
	out.loc[rate.index, "attendance_rate"] = rate
	absence = (absent / enrolled).where(valid)
	out.loc[absence.index, "chronic_absence"] = (absence >= chronic_rate).astype(float).where(absence.notna())
	behavior = last("has_behavior")
	out.loc[behavior.index, "suspensions"] = pd.to_numeric(behavior["suspensions"], errors="coerce")
	course = last("has_course")
	out.loc[course.index, "failed_courses"] = pd.to_numeric(course["failed_courses"], errors="coerce")
	return out


def load_impact_frame(school_year: str, previous_year: str, sites: list[str] | None, outcome: str) -> pd.DataFrame:
	if outcome not in OUTCOMES:
		raise ValueError(outcome)
	columns = ["student", "school", "district", "grade", "served", *(f"base_{c}" for c in COVARIATES), "outcome"]
	cohort = load_cohort(school_year, sites, site_fields=False)
	served = cohort.drop_duplicates("student", keep="first").set_index("student")
	points = _data_points(school_year, sites)
	if points.empty and served.empty:
		return pd.DataFrame(columns=columns)
	planned = set(load_cohort(school_year, None, site_fields=False)["student"]) | set(
		load_cohort(previous_year, None, site_fields=False)["student"]
	)
	candidates = set(points["student"]) - planned
	students = sorted(candidates | set(served.index))
	if not students:
		return pd.DataFrame(columns=columns)
	chronic = get_thresholds().chronic_absence_rate
	this_year = latest_figures(_data_points(school_year, None, students), chronic)
	last_year = latest_figures(_data_points(previous_year, None, students), chronic)
	latest_site = points.sort_values(["student", "as_of_date"], kind="stable").groupby("student").tail(1)
	school = dict(zip(latest_site["student"], latest_site["site"], strict=True))
	school.update(served["site"].to_dict())
	grades = dict(
		frappe.get_all("Student", filters={"name": ["in", students]}, fields=["name", "grade_level"], as_list=True)
	)
	grades.update({k: v for k, v in served["grade_level"].to_dict().items() if v})
	site_district = dict(frappe.get_all("Site", fields=["name", "school_district"], as_list=True))
	frame = pd.DataFrame({"student": students})
	frame["school"] = frame["student"].map(school)
	frame["district"] = frame["school"].map(site_district)
	frame["grade"] = frame["student"].map(grades)
	frame["served"] = frame["student"].isin(served.index)
	for name in COVARIATES:
		frame[f"base_{name}"] = frame["student"].map(last_year[name]).astype(float)
	frame["outcome"] = frame["student"].map(this_year[outcome]).astype(float)
	return frame[columns]
