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

import csv
import io

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
NUMERIC_COLUMNS = POINT_COLUMNS[4:]
# students named in one query when the rows are read by student: an IN list of ids, about 20 bytes
# each, so 200,000 make a query of about 4 MB, inside MariaDB's default max_allowed_packet (16 MB).
# Few queries of many: for a long list MariaDB reads the year's rows once and checks each id in its
# sorted list, where short lists each walk the student index (at 100,000 students, five lists of
# 20,000 took three times as long as one).
STUDENTS_PER_QUERY = 200_000


def read_points(year: str, sites: list[str] | None = None, students: list[str] | None = None) -> pd.DataFrame:
	"""The data points of ``year`` (``POINT_COLUMNS``) recorded at ``sites`` (all when None), or, when
	``students`` is given, those students' data points wherever they were recorded.

	Each row comes as one text (the driver decodes one value a row, not eleven) and pandas' CSV
	reader parses them all at once: fields split by the unit separator, rows by the record separator,
	so no character of a site's name can cut a row. Blank figures are NaN, never zero."""
	packed = "concat_ws(char(31), {})".format(
		", ".join(c if c in ("student", "name") else f"ifnull({c}, '')" for c in POINT_COLUMNS)
	)
	query = f"select {packed} from `tabStudent Data Point` where school_year = %(year)s"
	texts: list[str] = []
	if students is not None:
		ids = list(students)
		for start in range(0, len(ids), STUDENTS_PER_QUERY):
			batch = tuple(ids[start : start + STUDENTS_PER_QUERY])
			rows = frappe.db.sql(f"{query} and student in %(students)s", {"year": year, "students": batch})
			texts.extend(row[0] for row in rows)
	elif sites is not None:
		rows = frappe.db.sql(f"{query} and site in %(sites)s", {"year": year, "sites": tuple(sites) or ("",)})
		texts.extend(row[0] for row in rows)
	else:
		texts.extend(row[0] for row in frappe.db.sql(query, {"year": year}))
	if not texts:
		return pd.DataFrame({c: pd.Series(dtype=object if c not in NUMERIC_COLUMNS else float) for c in POINT_COLUMNS})
	return pd.read_csv(
		io.StringIO("\x1e".join(texts)),
		sep="\x1f",
		lineterminator="\x1e",
		header=None,
		names=POINT_COLUMNS,
		quoting=csv.QUOTE_NONE,
		dtype={c: str for c in POINT_COLUMNS[:4]},
		keep_default_na=False,  # a site called "NA" is a site
		na_values={c: [""] for c in NUMERIC_COLUMNS},
	)


def latest_figures(
	year: str,
	chronic_rate: float,
	sites: list[str] | None = None,
	students: list[str] | None = None,
) -> pd.DataFrame:
	"""Per student (the data points ``read_points`` reads), each indicator (``COVARIATES``) from the
	latest data point of ``year`` carrying it (ties on the date broken by the record's name; NaN when
	none does), and ``site``, the site of the latest."""
	points = read_points(year, sites, students)
	# ISO dates sort as text; after the sort each student's rows are together, the latest last
	points = points.sort_values(["student", "as_of_date", "name"], kind="stable").reset_index(drop=True)
	student = points["student"].to_numpy()
	last_of_student = np.ones(len(points), dtype=bool)
	last_of_student[:-1] = student[:-1] != student[1:]
	out = pd.DataFrame(index=pd.Index(student[last_of_student], name="student"))

	def latest(flag: str | None, column: str) -> pd.Series:
		"""``column`` of each student's latest row carrying ``flag`` (any row when None), by student."""
		carrying = points if flag is None else points[(points[flag] == 1).to_numpy()]
		ids = carrying["student"].to_numpy()
		last = np.ones(len(carrying), dtype=bool)
		last[:-1] = ids[:-1] != ids[1:]
		return pd.Series(carrying[column].to_numpy()[last], index=ids[last]).reindex(out.index)

	enrolled = latest("has_attendance", "days_enrolled").astype(float)
	absent = latest("has_attendance", "days_absent").astype(float)
	rate = (absent / enrolled).where(enrolled > 0)
	out["attendance_rate"] = 100 * (1 - rate)
	out["chronic_absence"] = (rate >= chronic_rate).astype(float).where(rate.notna())
	out["suspensions"] = latest("has_behavior", "suspensions").astype(float)
	out["failed_courses"] = latest("has_course", "failed_courses").astype(float)
	out["site"] = latest(None, "site").replace("", None)
	return out


def student_grades(students: list[str]) -> dict[str, str | None]:
	"""Each student's grade level (None when blank), one text a row as ``read_points`` reads."""
	grades: dict[str, str | None] = {}
	for start in range(0, len(students), STUDENTS_PER_QUERY):
		batch = tuple(students[start : start + STUDENTS_PER_QUERY])
		rows = frappe.db.sql(
			"select concat_ws(char(31), name, ifnull(grade_level, '')) from `tabStudent` where name in %(students)s",
			{"students": batch},
		)
		for (text,) in rows:
			name, grade = text.split("\x1f", 1)
			grades[name] = grade or None
	return grades


def load_impact_frame(school_year: str, previous_year: str, sites: list[str] | None, outcome: str) -> pd.DataFrame:
	if outcome not in OUTCOMES:
		raise ValueError(outcome)
	columns = ["student", "school", "district", "grade", "served", *(f"base_{c}" for c in COVARIATES), "outcome"]
	cohort = load_cohort(school_year, sites, site_fields=False)
	served = cohort.drop_duplicates("student", keep="first").set_index("student")
	chronic = get_thresholds().chronic_absence_rate
	# this year: the data points recorded at the sites (a served student is measured where served);
	# the year before: those students' data points, wherever they were then
	this_year = latest_figures(school_year, chronic, sites=sites)
	last_year = latest_figures(previous_year, chronic, students=list(this_year.index))
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
	grades = student_grades(students)
	grades.update({k: v for k, v in served["grade_level"].to_dict().items() if v})
	frame["grade"] = frame["student"].map(grades)
	frame["served"] = frame["student"].isin(served.index)
	for name in COVARIATES:
		frame[f"base_{name}"] = frame["student"].map(last_year[name]).astype(float)
	frame["outcome"] = frame["student"].map(this_year[outcome]).astype(float)
	return frame[columns]
