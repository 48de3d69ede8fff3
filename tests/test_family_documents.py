"""The print formats families sign and read (consent form, plan summary): shipped as standard Jinja print
formats, both languages complete, and no sensitive field ever on them. Framework-free: the templates are
read as text and rendered with Jinja's sandbox and a stand-in for the few Frappe calls they make."""

from __future__ import annotations

import datetime
import json
import re

import pytest
from jinja2.sandbox import SandboxedEnvironment

from tests.metadata import APP, doctypes, json_files, modules, scrub

FAMILY_FORMATS = {
	"Student Consent Form": "Student Consent",
	"Support Plan Family Summary": "Support Plan",
}
LANGUAGES = ("English", "Spanish")
# Free-text or sensitive fields that must never reach a family document, whatever their permlevel.
ALWAYS_SENSITIVE = {"health_notes", "family_situation", "notes", "closure_notes"}
# The only records a family document may read besides the printed one (and its child rows).
ALLOWED_QUERIES = {"Student Guardian", "Site Staff", "User"}


def print_formats() -> dict[str, dict]:
	return json_files("print_format")


def template(name: str) -> str:
	data = print_formats()[name]
	return data["_path"].with_suffix(".html").read_text()


def sensitive_fieldnames() -> set[str]:
	"""Every field above permlevel 0 of the student, check-in and plan DocTypes and their child tables."""
	found = set(ALWAYS_SENSITIVE)
	all_doctypes = doctypes()
	for doctype in ("Student", "Student Check-In", "Support Plan"):
		names = [doctype] + [
			field["options"] for field in all_doctypes[doctype]["fields"] if field["fieldtype"] == "Table"
		]
		for name in names:
			found |= {f["fieldname"] for f in all_doctypes[name]["fields"] if f.get("permlevel", 0) > 0}
	return found


def texts_of(name: str) -> dict:
	"""The ``texts`` dict at the top of a template, evaluated by Jinja."""
	match = re.search(r"\{%-? set texts = (.*?) -?%\}", template(name), re.DOTALL)
	assert match, f"{name}: no texts dict"
	env = SandboxedEnvironment()
	return json.loads(
		env.from_string("{% set texts = " + match.group(1) + " %}{{ texts | tojson }}").render()
	)


def options(doctype: str, fieldname: str) -> set[str]:
	field = next(f for f in doctypes()[doctype]["fields"] if f["fieldname"] == fieldname)
	return {option for option in field["options"].split("\n") if option}


def test_family_formats_are_standard_jinja_formats_of_their_doctype():
	formats = print_formats()
	for name, doctype in FAMILY_FORMATS.items():
		data = formats[name]
		path = data["_path"]
		assert data["doctype"] == "Print Format"
		assert data["doc_type"] == doctype
		assert data["module"] in modules()
		assert path.parent.parent.parent.name == scrub(data["module"])
		assert path.parent.name == scrub(name)
		assert (data["standard"], data["custom_format"], data["print_format_type"]) == ("Yes", 1, "Jinja")
		assert not data.get("disabled")
		assert path.with_suffix(".html").exists()


def test_guardian_preferred_language_offers_the_template_languages():
	field = next(
		f for f in doctypes()["Student Guardian"]["fields"] if f["fieldname"] == "preferred_language"
	)
	assert field["fieldtype"] == "Select"
	# every language a template speaks, plus Other (printed in English; kept so a family's need shows)
	assert options("Student Guardian", "preferred_language") == {*LANGUAGES, "Other"}
	assert field["default"] == "English"


def test_sensitive_fieldnames_cover_the_permlevel_fields():
	names = sensitive_fieldnames()
	assert {"health_notes", "family_situation", "notes"} <= names


@pytest.mark.parametrize("name", sorted(FAMILY_FORMATS))
def test_no_sensitive_field_in_a_family_document(name):
	html = template(name)
	for fieldname in sorted(sensitive_fieldnames()):
		assert not re.search(rf"\b{re.escape(fieldname)}\b", html), f"{name} mentions {fieldname}"


@pytest.mark.parametrize("name", sorted(FAMILY_FORMATS))
def test_family_documents_read_only_guardians_coordinators_and_users(name):
	html = template(name)
	for call in ("get_doc", "get_cached_doc", "get_last_doc", "get_list", "db.", "qb.", "call(", "sql"):
		assert call not in html, f"{name} uses {call}"
	queried = set(re.findall(r"get_all\(\s*\"([^\"]+)\"", html))
	assert queried, name
	assert queried <= ALLOWED_QUERIES, f"{name} reads {queried - ALLOWED_QUERIES}"


@pytest.mark.parametrize("name", sorted(FAMILY_FORMATS))
def test_both_languages_say_the_same_things(name):
	texts = texts_of(name)
	assert set(texts) == set(LANGUAGES)

	def keys(value, prefix=""):
		if isinstance(value, dict):
			return {k for key, item in value.items() for k in keys(item, f"{prefix}{key}.")} | {prefix}
		assert isinstance(value, str) and value.strip(), prefix
		return {prefix}

	assert keys(texts["English"]) == keys(texts["Spanish"])


def test_consent_texts_explain_every_scope():
	texts = texts_of("Student Consent Form")
	for language in LANGUAGES:
		assert set(texts[language]["scopes"]) == options("Student Consent", "scope")
		for scope in texts[language]["scopes"].values():
			assert set(scope) == {"name", "what", "why"}


def test_plan_texts_put_every_option_in_plain_words():
	texts = texts_of("Support Plan Family Summary")
	for language in LANGUAGES:
		words = texts[language]
		assert set(words["areas"]) == options("Support Plan Goal", "area")
		assert set(words["metrics"]) == options("Support Plan Goal", "metric")
		assert set(words["directions"]) == options("Support Plan Goal", "direction")
		assert set(words["statuses"]) == options("Support Plan Goal", "progress_status")
		assert set(words["frequencies"]) == options("Support Plan Support", "frequency")


# ------------------------------------------------------------------ rendering with a stand-in for Frappe


class FakeFrappe:
	"""The calls the templates make: ``get_all`` answers from ``tables``, and records what was read."""

	def __init__(self, guardians: list[dict], coordinators: list[dict] | None = None):
		self.read: list[str] = []
		self.tables = {
			"Student Guardian": guardians,
			"Site Staff": coordinators
			if coordinators is not None
			else [
				{
					"user": "coord@example.com",
					"full_name": "Casey Coordinator",
					"from_date": None,
					"to_date": None,
				}
			],
			"User": [{"full_name": "Casey Coordinator", "email": "coord@example.com"}],
		}
		self.utils = {"getdate": lambda: datetime.date(2026, 11, 29)}

	def get_all(self, doctype, filters=None, fields=None, order_by=None, limit=None):
		self.read.append(doctype)
		rows = self.tables[doctype]
		return rows[:limit] if limit else rows

	def format(self, value, df=None):
		return str(value)


def render(name: str, doc: dict, fake: FakeFrappe) -> str:
	env = SandboxedEnvironment()
	return env.from_string(template(name)).render(doc=doc, frappe=fake)


CONSENT = {
	"name": "CONS-2026-00001",
	"student": "STU-0000001",
	"student_name": "Ana Example",
	"site": "Example Middle",
	"scope": "Share with Partner",
	"partner": "Example Tutors",
	"school_year": "2026-2027",
	"expiry_date": "2027-07-31",
	"guardian_name": "Rosa Example",
	"relationship": "Mother",
	"purpose": "",
	"records_covered": "",
}
PLAN = {
	"name": "SP-2026-00001",
	"student": "STU-0000001",
	"student_name": "Ana Example",
	"site": "Example Middle",
	"school_year": "2026-2027",
	"start_date": "2026-09-01",
	"end_date": "2027-05-31",
	"next_review_date": "2026-12-15",
	"goals": [
		{
			"area": "Attendance",
			"metric": "Attendance Rate (%)",
			"baseline": 90.0,
			"target": 92.0,
			"direction": "Up",
		},
		{
			"area": "Behavior",
			"metric": "Out-of-School Suspensions",
			"baseline": 4.0,
			"target": 3.0,
			"direction": "Down",
			"progress_status": "Progressing",
		},
	],
	"supports": [
		{
			"support_type": "Tutoring",
			"provider_type": "Partner",
			"partner": "Example Tutors",
			"frequency": "Weekly",
		}
	],
}


@pytest.mark.parametrize(
	"guardians, expected, absent",
	[
		([{"preferred_language": "Spanish"}], "Consentimiento para compartir", "Consent to Share"),
		([{"preferred_language": "English"}], "Consent to Share", "Consentimiento"),
		([{"preferred_language": ""}], "Consent to Share", "Consentimiento"),
		([{"preferred_language": None}], "Consent to Share", "Consentimiento"),
		([], "Consent to Share", "Consentimiento"),
	],
)
def test_consent_form_speaks_the_primary_guardians_language(guardians, expected, absent):
	fake = FakeFrappe(guardians)
	html = render("Student Consent Form", CONSENT, fake)
	assert expected in html
	assert absent not in html
	for value in ("Ana Example", "Example Tutors", "2026-2027", "Casey Coordinator", "coord@example.com"):
		assert value in html
	assert set(fake.read) <= ALLOWED_QUERIES


def test_consent_form_without_partner_or_coordinator_says_so():
	doc = {**CONSENT, "scope": "Case Management", "partner": None}
	html = render("Student Consent Form", doc, FakeFrappe([{"preferred_language": "Spanish"}], []))
	texts = texts_of("Student Consent Form")["Spanish"]
	assert texts["no_partner"] in html
	assert texts["no_contact"] in html
	assert texts["scopes"]["Case Management"]["what"] in html


def test_former_coordinators_are_not_listed():
	past = [
		{
			"user": "old@example.com",
			"full_name": "Old Coordinator",
			"from_date": None,
			"to_date": datetime.date(2025, 6, 1),
		}
	]
	html = render("Support Plan Family Summary", PLAN, FakeFrappe([], past))
	assert "Old Coordinator" not in html


@pytest.mark.parametrize(
	"language, phrases",
	[
		(
			"English",
			[
				"Attendance",
				"from 90 to 92",
				"A higher number is better.",
				"from 4 to 3",
				"A lower number is better.",
				"Making progress",
				"Partner: Example Tutors",
				"Every week",
			],
		),
		(
			"Spanish",
			[
				"Asistencia",
				"de 90 a 92",
				"Un número más alto es mejor.",
				"de 4 a 3",
				"Un número más bajo es mejor.",
				"Avanzando",
				"Organización aliada: Example Tutors",
				"Cada semana",
			],
		),
	],
)
def test_plan_summary_puts_goals_in_plain_words(language, phrases):
	html = render("Support Plan Family Summary", PLAN, FakeFrappe([{"preferred_language": language}]))
	for phrase in [*phrases, "Ana Example", "2026-2027", "coord@example.com"]:
		assert phrase in html
