"""The disclosure record's rules (cis_app.core.disclosures) and the family print of it ("Student
Disclosure Record"): which students an export or print names, no row for 0 students, and a family
document in English or Spanish without any sensitive field. Framework-free."""

from __future__ import annotations

import datetime
import json
import re

import pytest
from jinja2.sandbox import SandboxedEnvironment

from cis_app.core import disclosures as rules
from tests.metadata import doctypes, json_files, modules, scrub
from tests.test_family_documents import LANGUAGES, sensitive_fieldnames

STUDENT_FIELDS = {
	"Student": "name",
	"Support Plan": "student",
	"Student Check-In": "student",
	"Group Session Attendee": "student",
}
FORMAT = "Student Disclosure Record"


# ------------------------------------------------------------------ where the students come from


def test_an_export_of_students_names_the_students_themselves():
	assert rules.student_column("Student", STUDENT_FIELDS, ["`tabStudent`.`first_name`"]) == (
		"Student",
		"name",
	)


def test_an_export_of_student_records_names_their_student():
	assert rules.student_column("Support Plan", STUDENT_FIELDS, ["`tabSupport Plan`.`status`"]) == (
		"Support Plan",
		"student",
	)


def test_a_group_session_export_names_students_only_with_attendee_columns():
	children = ["Group Session Attendee"]
	assert (
		rules.student_column("Group Session", STUDENT_FIELDS, ["`tabGroup Session`.`date`"], children) is None
	)
	assert rules.student_column(
		"Group Session",
		STUDENT_FIELDS,
		["`tabGroup Session`.`date`", "`tabGroup Session Attendee`.`student_name`"],
		children,
	) == ("Group Session Attendee", "student")


def test_a_child_table_of_another_doctype_does_not_count():
	assert (
		rules.student_column(
			"Partner", STUDENT_FIELDS, ["`tabGroup Session Attendee`.`student`"], ["Partner Site"]
		)
		is None
	)


def test_students_are_distinct_and_blank_values_left_out():
	assert rules.students_in(["STU-2", None, "", " ", "STU-1", "STU-2"]) == ["STU-1", "STU-2"]


def test_an_export_of_zero_students_gives_no_row():
	assert rules.disclosure_rows([], {}, {"what": "x"}) == []
	assert rules.disclosure_rows([None, ""], {"STU-1": "Site A"}, {"what": "x"}) == []


def test_one_row_per_student_with_the_students_site():
	common = {"what": "Report Builder export (CSV) of Student: First Name", "legal_basis": "School Official"}
	rows = rules.disclosure_rows(["STU-2", "STU-1", "STU-2", "STU-9"], {"STU-1": "A", "STU-2": "B"}, common)
	assert rows == [
		{**common, "student": "STU-1", "site": "A"},
		{**common, "student": "STU-2", "site": "B"},
	]


def test_legal_basis_defaults_to_school_official_and_refuses_others():
	assert rules.check_legal_basis(None) == "School Official"
	assert rules.check_legal_basis(" Consent ") == "Consent"
	with pytest.raises(rules.DisclosureRuleError):
		rules.check_legal_basis("Because I said so")


def test_legal_bases_match_the_disclosure_record_options():
	field = next(f for f in doctypes()["Disclosure Record"]["fields"] if f["fieldname"] == "legal_basis")
	assert set(field["options"].split("\n")) == set(rules.ALL_BASES)


def test_what_names_the_kind_file_type_and_columns():
	assert (
		rules.describe(rules.REPORT_BUILDER_EXPORT, "Student", ["ID", "First Name", ""], "CSV")
		== "Report Builder export (CSV) of Student: ID, First Name"
	)
	assert rules.describe(rules.PRINT, "Support Plan SP-1") == "Print of Support Plan SP-1"
	assert len(rules.describe("x", "y", ["z" * 2000])) == rules.MAX_WHAT


def test_students_from_report_rows_read_every_student_link_column():
	columns = [
		{"fieldname": "name", "fieldtype": "Link", "options": "Student"},
		{"fieldname": "site", "fieldtype": "Link", "options": "Site"},
		"Buddy:Link/Student:90",
	]
	rows = [{"name": "STU-1", "site": "A", 2: None}, ["STU-2", "A", "STU-3"], {"name": None}]
	# a dict row is read by fieldname, a list row by position
	assert rules.students_from_report(columns, rows) == ["STU-1", "STU-2", "STU-3"]


def test_an_aggregate_report_names_no_student():
	columns = [{"fieldname": "metric", "fieldtype": "Data"}, {"fieldname": "rate", "fieldtype": "Percent"}]
	assert rules.students_from_report(columns, [{"metric": "Promoted", "rate": 97}]) == []


def test_period_covers_whole_days_and_refuses_a_reversed_one():
	start, end = rules.period(datetime.date(2026, 1, 1), datetime.date(2026, 1, 31))
	assert start == datetime.datetime(2026, 1, 1, 0, 0)
	assert end == datetime.datetime(2026, 1, 31, 23, 59, 59, 999999)
	assert rules.period(None, None) == (None, None)
	with pytest.raises(rules.DisclosureRuleError):
		rules.period(datetime.date(2026, 2, 1), datetime.date(2026, 1, 1))


@pytest.mark.parametrize(
	"languages, expected",
	[
		(["Spanish"], "Spanish"),
		(["English"], "English"),
		([""], "English"),
		([None], "English"),
		(["Other"], "English"),
		([], "English"),
		(["Spanish", "English"], "Spanish"),
	],
)
def test_family_language_is_the_first_guardians(languages, expected):
	assert rules.family_language(languages) == expected


# ------------------------------------------------------------------ the family print format


def template() -> str:
	return json_files("print_format")[FORMAT]["_path"].with_suffix(".html").read_text()


def texts() -> dict:
	match = re.search(r"\{%-? set texts = (.*?) -?%\}", template(), re.DOTALL)
	assert match
	env = SandboxedEnvironment()
	return json.loads(
		env.from_string("{% set texts = " + match.group(1) + " %}{{ texts | tojson }}").render()
	)


def test_the_format_is_a_standard_jinja_print_format_of_student():
	data = json_files("print_format")[FORMAT]
	assert data["doc_type"] == "Student"
	assert (data["standard"], data["custom_format"], data["print_format_type"]) == ("Yes", 1, "Jinja")
	assert data["module"] in modules()
	assert data["_path"].parent.name == scrub(FORMAT)


def test_no_sensitive_field_and_no_query_in_the_template():
	html = template()
	for fieldname in sorted(sensitive_fieldnames()):
		assert not re.search(rf"\b{re.escape(fieldname)}\b", html), fieldname
	for call in ("get_all", "get_list", "get_doc", "db.", "qb.", "sql", "call("):
		assert call not in html, call
	assert "disclosure_record_for_print(doc.name)" in html


def test_both_languages_say_the_same_things():
	words = texts()
	assert set(words) == set(LANGUAGES)

	def keys(value, prefix=""):
		if isinstance(value, dict):
			return {k for key, item in value.items() for k in keys(item, f"{prefix}{key}.")} | {prefix}
		assert isinstance(value, str) and value.strip(), prefix
		return {prefix}

	assert keys(words["English"]) == keys(words["Spanish"])
	for language in LANGUAGES:
		assert set(words[language]["bases"]) == set(rules.ALL_BASES)
		field = next(
			f for f in doctypes()["Disclosure Record"]["fields"] if f["fieldname"] == "recipient_type"
		)
		assert set(words[language]["recipient_types"]) == set(field["options"].split("\n"))
		# every purpose the app writes on its own (a person may type another, shown as typed)
		assert set(words[language]["purposes"]) == {
			rules.EXPORT_PURPOSE,
			rules.PRINT_PURPOSE,
			rules.FILE_PURPOSE,
			rules.EMAIL_PURPOSE,
		}


class FakeFrappe:
	def format(self, value, df=None):
		return str(value)


STUDENT = {"name": "STU-0000001", "student_name": "Ana Example", "site": "Example Middle"}
DISCLOSURES = [
	{
		"disclosed_on": datetime.datetime(2026, 10, 1, 9, 0),
		"disclosed_by": "Casey Coordinator",
		"recipient_type": "Partner",
		"recipient": "Example Tutors",
		"what": "Referral REF-1: first name, grade",
		"legal_basis": "Consent",
		"purpose": "Tutoring <b>twice</b> a week",
	},
	{
		"disclosed_on": datetime.datetime(2026, 11, 2, 10, 0),
		"disclosed_by": "Avery Admin",
		"recipient_type": "User",
		"recipient": "Avery Admin",
		"what": "Report Builder export (CSV) of Student: ID, First Name",
		"legal_basis": "School Official",
		"purpose": rules.EXPORT_PURPOSE,
	},
]


def render(record: dict) -> str:
	env = SandboxedEnvironment()
	env.globals["disclosure_record_for_print"] = lambda name: record if name == STUDENT["name"] else None
	return env.from_string(template()).render(doc=STUDENT, frappe=FakeFrappe())


@pytest.mark.parametrize(
	"language, phrases, absent",
	[
		(
			"English",
			[
				"Record of Disclosures",
				"Partner organization",
				"Your written consent",
				"From 2026-09-01 to 2026-11-30",
			],
			"Registro de divulgaciones",
		),
		(
			"Spanish",
			[
				"Registro de divulgaciones",
				"Organización aliada",
				"Su consentimiento por escrito",
				"Del 2026-09-01 al 2026-11-30",
			],
			"Record of Disclosures",
		),
	],
)
def test_the_record_lists_each_disclosure_in_the_familys_language(language, phrases, absent):
	record = {
		"language": language,
		"disclosures": DISCLOSURES,
		"from_date": datetime.date(2026, 9, 1),
		"to_date": datetime.date(2026, 11, 30),
	}
	html = render(record)
	purpose = texts()[language]["purposes"][rules.EXPORT_PURPOSE]
	for phrase in [
		*phrases,
		purpose,
		"Ana Example",
		"Example Tutors",
		"Referral REF-1: first name, grade",
		"2026-10-01",
	]:
		assert phrase in html, phrase
	assert absent not in html
	# values are escaped: a purpose cannot inject markup into the family's page
	assert "<b>twice</b>" not in html and "&lt;b&gt;twice&lt;/b&gt;" in html


def test_an_empty_record_says_so_for_all_time():
	html = render({"language": "Spanish", "disclosures": [], "from_date": None, "to_date": None})
	words = texts()["Spanish"]
	assert words["none"] in html
	assert words["all_records"] in html


# ------------------------------------------------------------------ a report's PDF (report_to_pdf)


def test_a_query_report_page_is_read_with_its_filters():
	page = rules.desk_page(
		"https://cis.example.org/app/query-report/Caseload?site=_Test%20Site%20A&tier=%5B%22Tier%202%22%5D"
	)
	assert page == (rules.QUERY_REPORT, "Caseload", {"site": "_Test Site A", "tier": ["Tier 2"]})
	assert rules.desk_page("http://t8.localhost:8000/app/query-report/CIS%20Outcomes") == (
		rules.QUERY_REPORT,
		"CIS Outcomes",
		{},
	)


def test_a_doctype_page_is_read_from_its_route():
	assert rules.desk_page("http://x.example/app/student/view/report?site=A") == (
		rules.DOCTYPE_PAGE,
		"student",
		{},
	)
	assert rules.desk_page("http://x.example/app/student-check-in") == (
		rules.DOCTYPE_PAGE,
		"student-check-in",
		{},
	)
	assert rules.desk_page("http://x.example/app/print/Student%20Check-In/SCI-1") == (
		rules.DOCTYPE_PAGE,
		"Student Check-In",
		{},
	)


@pytest.mark.parametrize(
	"url",
	[
		None,
		"",
		"not a url",
		"http://x.example/",
		"http://x.example/app",
		"http://x.example/app/",
		"http://x.example/app/query-report",
		"http://x.example/partner-referrals/REF-1",
		"http://x.example/app/print",
	],
)
def test_a_page_that_is_no_desk_page_is_unknown(url):
	assert rules.desk_page(url) is None


def test_a_route_names_its_doctype_by_slug_or_name():
	doctypes = ["Student", "Student Check-In", "Site", "Volunteer Hours"]
	assert rules.desk_slug("Student Check-In") == "student-check-in"
	assert rules.doctype_of_route("student-check-in", doctypes) == "Student Check-In"
	assert rules.doctype_of_route("Volunteer Hours", doctypes) == "Volunteer Hours"
	assert rules.doctype_of_route("volunteer-hours", doctypes) == "Volunteer Hours"
	assert rules.doctype_of_route("workspace-home", doctypes) is None


def test_a_doctype_names_students_itself_or_through_a_child_table():
	assert rules.doctype_names_students("Student", STUDENT_FIELDS) is True
	assert rules.doctype_names_students("Support Plan", STUDENT_FIELDS) is True
	assert rules.doctype_names_students("Group Session", STUDENT_FIELDS, ["Group Session Attendee"]) is True
	assert rules.doctype_names_students("Partner", STUDENT_FIELDS, ["Partner Contact"]) is False


@pytest.mark.parametrize(
	("student_level", "staff", "allowed"),
	[
		(True, True, False),
		(True, False, False),
		(False, True, True),
		(False, False, True),
		(None, True, False),
		(None, False, True),
	],
)
def test_a_report_pdf_of_student_rows_or_of_an_unknown_page_for_staff_is_refused(
	student_level, staff, allowed
):
	assert rules.may_print_report(student_level, staff) is allowed


def test_a_report_lists_students_when_a_column_links_to_student_even_without_rows():
	caseload = [
		{"fieldname": "name", "label": "Student", "fieldtype": "Link", "options": "Student"},
		{"fieldname": "tier", "label": "Tier", "fieldtype": "Data"},
	]
	assert rules.report_names_students(caseload) is True
	assert rules.report_names_students(["Student:Link/Student:120", "Grade::80"]) is True
	outcomes = [
		{"fieldname": "site", "label": "Site", "fieldtype": "Link", "options": "Site"},
		{"fieldname": "students", "label": "Students", "fieldtype": "Int"},
	]
	assert rules.report_names_students(outcomes) is False
	assert rules.report_names_students(["Site:Link/Site:120", "Students:Int:80"]) is False
	assert rules.report_names_students([]) is False
	assert rules.report_names_students(None) is False
