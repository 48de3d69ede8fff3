"""De-identified extracts for an outside evaluator, under an Evaluation Agreement.

Only a CIS Administrator of the agreement's affiliate (or a System Manager) makes one, only while the
agreement is in force, and only with fields the agreement names (rules: ``cis_app.core.evaluation``).
The extract has a row per student of the affiliate's sites with a data point or an activated Student
plan in the school year: the student's code under the agreement's key, the school (the site), the
grade band, gender and birth year (coarsened until every combination holds at least 5 students),
case management and its dosage in the year (check-ins, group sessions attended, supports on the plan),
the previous year's and this year's attendance rate, suspensions and failed courses, and the year-end
status. It is a CSV download; the app keeps no copy. Each extract writes an Evaluation Extract (the
log) and one Disclosure Record per student in it, with the studies exception as the legal basis and
the evaluating organisation as the recipient.
"""

from __future__ import annotations

import csv
import io

import frappe
from frappe import _
from frappe.utils import getdate, now_datetime, nowdate

from cis_app.cis_case_management.disclosures import write_disclosures
from cis_app.cis_case_management.impact_data import latest_figures, previous_school_year
from cis_app.cis_case_management.outcomes_data import load_cohort
from cis_app.cis_network.settings import get_thresholds
from cis_app.core import disclosures as disclosure_rules
from cis_app.core import evaluation as rules
from cis_app.permissions.scope import affiliate_run_conditions, has_affiliate_run_permission, stored_value
from cis_app.utils.exceptions import CISValidationError

EXTRACT_ROLES = ("CIS Administrator", "System Manager")


class ExtractRefused(frappe.PermissionError):
	"""An extract asked for without a valid agreement, by a role that may not make one."""


# ------------------------------------------------------------------ who sees agreements and extracts


def agreement_conditions(user: str | None = None, doctype: str | None = None) -> str:
	"""``permission_query_conditions`` of Evaluation Agreement and Evaluation Extract."""
	return affiliate_run_conditions(doctype or "Evaluation Agreement", user)


def has_agreement_permission(doc, ptype: str | None = None, user: str | None = None) -> bool:
	return has_affiliate_run_permission(doc, ptype, user, doc.get("affiliate"), lambda: stored_value(doc, "affiliate"))


# ------------------------------------------------------------------ the extract


def _fields(agreement, fields) -> list[str]:
	agreed = agreement.agreed()
	if fields in (None, "", []):
		return agreed
	if isinstance(fields, str):
		fields = frappe.parse_json(fields) if fields.strip().startswith("[") else fields.replace(",", "\n").split()
	if not isinstance(fields, list) or not all(isinstance(f, str) for f in fields):
		frappe.throw(_("Fields: give a list of field names."), CISValidationError)
	return [f.strip() for f in fields if f.strip()]


def check_request(agreement, school_year: str, fields) -> list[str]:
	"""The fields of the extract, after refusing what the rules refuse (a translated message)."""
	if not set(EXTRACT_ROLES) & set(frappe.get_roles()):
		frappe.throw(_("Only a CIS Administrator makes an evaluation extract."), ExtractRefused)
	agreement.check_permission("read")
	problem = rules.agreement_problem(
		getdate(agreement.signed_on) if agreement.signed_on else None,
		getdate(agreement.end_date) if agreement.end_date else None,
		getdate(agreement.destroy_by) if agreement.destroy_by else None,
		getdate(nowdate()),
	)
	if problem:
		frappe.throw(_("No extract can be made under {0}: {1}.").format(agreement.name, problem), ExtractRefused)
	if not isinstance(school_year, str) or not frappe.db.exists("School Year", school_year):
		frappe.throw(_("School Year {0} does not exist.").format(frappe.bold(str(school_year))), CISValidationError)
	fields = _fields(agreement, fields)
	problem = rules.field_problem(fields, agreement.agreed())
	if problem:
		frappe.throw(_("The extract cannot carry these fields: {0}.").format(problem), ExtractRefused)
	return fields


def build_rows(agreement, school_year: str) -> list[dict]:
	"""One row per student of the affiliate's sites with a data point or an activated plan in the year."""
	sites = frappe.get_all("Site", filters={"affiliate": agreement.affiliate}, pluck="name")
	if not sites:
		return []
	chronic = get_thresholds().chronic_absence_rate
	this_year = latest_figures(school_year, chronic, sites=sites)
	previous = previous_school_year(school_year)
	last_year = latest_figures(previous, chronic, students=list(this_year.index)) if previous else None
	cohort = load_cohort(school_year, sites, site_fields=False)
	served = set(cohort["student"])
	students = sorted(set(this_year.index) | served)
	if not students:
		return []
	people = {
		row.name: row
		for row in frappe.get_all(
			"Student",
			filters={"name": ["in", students]},
			fields=["name", "site", "grade_level", "gender", "date_of_birth"],
		)
	}
	year = frappe.db.get_value("School Year", school_year, ["year_start_date", "year_end_date"], as_dict=True)
	span = {"start": year.year_start_date, "end": year.year_end_date, "students": tuple(students)}
	check_ins = dict(
		frappe.db.sql(
			"""select student, count(*) from `tabStudent Check-In` where student in %(students)s
			and checkin_date between %(start)s and %(end)s group by student""",
			span,
		)
	)
	sessions = dict(
		frappe.db.sql(
			"""select a.student, count(*) from `tabGroup Session Attendee` a
			join `tabGroup Session` g on g.name = a.parent
			where a.student in %(students)s and g.session_date between %(start)s and %(end)s
			group by a.student""",
			span,
		)
	)
	supports = dict(
		frappe.db.sql(
			"""select p.student, count(*) from `tabSupport Plan Support` s join `tabSupport Plan` p on p.name = s.parent
			where p.student in %(students)s and p.school_year = %(year)s group by p.student""",
			{**span, "year": school_year},
		)
	)
	statuses = dict(
		frappe.db.sql(
			"select student, year_end_status from `tabStudent Year-End Status` where student in %(students)s and school_year = %(year)s",
			{**span, "year": school_year},
		)
	)

	def figure(frame, student, name):
		if frame is None or student not in frame.index or name not in frame.columns:
			return None
		value = frame.at[student, name]
		return None if value != value else round(float(value), 1)  # NaN: unknown, never zero

	rows = []
	for student in students:
		person = people.get(student)
		if not person:
			continue
		rows.append(
			{
				"student": student,
				"school": person.site,
				"grade_band": rules.grade_band(person.grade_level),
				"gender": person.gender or None,
				"birth_year": getdate(person.date_of_birth).year if person.date_of_birth else None,
				"tier": "Tier 3" if student in served else None,
				"case_managed": int(student in served),
				"check_ins": int(check_ins.get(student, 0)),
				"group_sessions": int(sessions.get(student, 0)),
				"supports": int(supports.get(student, 0)),
				"baseline_attendance_rate": figure(last_year, student, "attendance_rate"),
				"outcome_attendance_rate": figure(this_year, student, "attendance_rate"),
				"baseline_suspensions": figure(last_year, student, "suspensions"),
				"outcome_suspensions": figure(this_year, student, "suspensions"),
				"baseline_failed_courses": figure(last_year, student, "failed_courses"),
				"outcome_failed_courses": figure(this_year, student, "failed_courses"),
				"year_end_status": statuses.get(student),
			}
		)
	return rows


@frappe.whitelist(methods=["POST"])
def download_extract(agreement: str, school_year: str, fields=None) -> None:
	"""The de-identified CSV of ``school_year`` under ``agreement``, logged and recorded."""
	doc = frappe.get_doc("Evaluation Agreement", agreement)
	fields = check_request(doc, school_year, fields)
	rows, done = rules.coarsen(build_rows(doc, school_year))
	key = doc.get_password("extract_key")
	for row in rows:
		row["student_code"] = rules.student_code(key, row["student"])
	rows.sort(key=lambda row: row["student_code"])  # the order of the records would tell their age
	out = io.StringIO()
	writer = csv.writer(out, lineterminator="\n")
	writer.writerow(fields)
	for row in rows:
		writer.writerow(["" if row.get(f) is None else row.get(f) for f in fields])
	students = [row["student"] for row in rows]
	log = frappe.get_doc(
		{
			"doctype": "Evaluation Extract",
			"agreement": doc.name,
			"affiliate": doc.affiliate,
			"school_year": school_year,
			"extracted_by": frappe.session.user,
			"extracted_on": now_datetime(),
			"students": len(rows),
			"left_out": done["left_out"],
			"birth_year_span": done["birth_year_span"],
			"fields_extracted": "\n".join(fields),
		}
	).insert(ignore_permissions=True)
	write_disclosures(
		students,
		disclosure_rules.describe(disclosure_rules.EVALUATION_EXTRACT, f"{_('Evaluation Agreement')} {doc.name}", fields, "CSV"),
		disclosure_rules.STUDIES,
		doc.purpose,
		"Evaluation Extract",
		log.name,
		recipient={"recipient_type": "Other", "recipient_name": doc.organisation},
	)
	frappe.response["filename"] = f"{doc.name}-{frappe.scrub(school_year)}.csv"
	frappe.response["filecontent"] = out.getvalue().encode("utf-8")
	frappe.response["type"] = "download"
