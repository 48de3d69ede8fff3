"""The Spanish translation file (cis_app/translations/es.csv), read as Frappe v15 reads it.

Frappe loads ``<app>/translations/<lang>.csv`` with ``csv.reader`` (UTF-8): each row is
``source,translation`` or ``source,translation,context``, and ``_()``/``__()`` look the source up
as it is. A translation that loses a placeholder ({0}) breaks ``.format()`` or drops a value; one
that loses or changes an HTML tag breaks the page.
"""

from __future__ import annotations

import ast
import csv
import json
import re
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "cis_app"
ES_CSV = APP / "translations" / "es.csv"
PLACEHOLDER = re.compile(r"\{[A-Za-z_0-9]*\}")
HTML_TAG = re.compile(r"</?[a-zA-Z][^>]*>")
WEB_FORM = APP / "cis_partnerships" / "web_form" / "volunteer_hours" / "volunteer_hours.json"

# Words of the checked forms and messages that Frappe's own Spanish already translates: the app's
# csv leaves them to Frappe (it would change them on every screen of the site otherwise), or gives
# its own wording under a context (cis_app/tests/test_translations_es.py checks that against Frappe's file).
FRAPPE_TRANSLATES = {
	"Date",
	"Status",
	"Activity",
	"Rejected",
	"Not Permitted",
	"Not Allowed",
	"New {0}",
	"Submitted",
}

# What a family, a volunteer and a coordinator's inbox must never see in English.
MUST_HAVE = {
	# the volunteer hours web form
	"Volunteer Hours": "Horas de voluntariado",
	"My Volunteer Hours": "Mis horas de voluntariado",
	"Log Hours": "Registrar horas",
	"Thank you! Your hours were submitted for approval.": "¡Gracias! Sus horas se enviaron para su aprobación.",
	"Students Served (a number, no names)": "Estudiantes atendidos (un número, sin nombres)",
	"What You Did": "Lo que hizo",
	"You can only log your own hours.": "Solo puede registrar sus propias horas.",
	# a volunteer's hours waiting for approval must not read as approved (Frappe says "Validado"), where
	# the app names the status with its DocType as context (its list views)
	"Submitted:Volunteer Hours": "Enviado",
	# the reminder notifications and the daily digest mail
	"Your CIS reminders for {0}": "Sus recordatorios de CIS del {0}",
	"These need your attention today:": "Esto necesita su atención hoy:",
	"Support plan review due": "Revisión del plan de apoyo pendiente",
	"No check-in for a month": "Sin seguimiento en un mes",
	"Consent expiring": "Consentimiento por vencer",
	"Volunteer hours awaiting approval": "Horas de voluntariado pendientes de aprobación",
	"Partner agreement up for renewal": "Acuerdo con aliado por renovar",
	"Renew the partnership agreement with {0}: due {1}.": "Renovar el acuerdo de alianza con {0}: vence el {1}.",
	# the coordinator's most used desk names
	"Student Check-In": "Seguimiento del estudiante",
	"Support Plan": "Plan de apoyo",
	"Student Consent": "Consentimiento del estudiante",
	"Group Session": "Sesión grupal",
	"Referral": "Remisión",
	"Caseload": "Carga de casos",
}


def read_rows() -> list[list[str]]:
	with open(ES_CSV, encoding="utf-8", newline="") as handle:
		return list(csv.reader(handle))


def translations() -> dict[str, str]:
	return {row[0] if len(row) == 2 or not row[2] else f"{row[0]}:{row[2]}": row[1] for row in read_rows()}


def test_every_row_is_source_translation_or_with_a_context():
	rows = read_rows()
	assert len(rows) > 700
	for number, row in enumerate(rows, start=1):
		assert len(row) in (2, 3), f"row {number}: {row}"
		source, translated = row[0], row[1]
		assert source and translated.strip(), f"row {number}: empty source or translation"
		assert source == source.strip(), f"row {number}: Frappe strips the message it looks up"


def test_no_source_is_translated_twice():
	keys = Counter(row[0] if len(row) == 2 or not row[2] else f"{row[0]}:{row[2]}" for row in read_rows())
	assert [key for key, count in keys.items() if count > 1] == []


@pytest.mark.parametrize("source,translated", sorted(translations().items()))
def test_placeholders_and_html_tags_are_kept(source, translated):
	assert Counter(PLACEHOLDER.findall(translated)) == Counter(PLACEHOLDER.findall(source))
	assert Counter(HTML_TAG.findall(translated)) == Counter(HTML_TAG.findall(source))


def test_must_have_strings_are_translated_as_agreed():
	table = translations()
	assert {source: table.get(source) for source in MUST_HAVE} == MUST_HAVE


def test_the_volunteer_web_form_is_all_in_spanish():
	"""Title, list title, button, success message, introduction and every field label of the web form."""
	form = json.loads(WEB_FORM.read_text(encoding="utf-8"))
	texts = {
		form[key] for key in ("title", "list_title", "button_label", "success_message", "introduction_text")
	}
	texts |= {field["label"] for field in form["web_form_fields"] if field.get("label")}
	texts |= {
		option
		for field in form["web_form_fields"]
		if field["fieldtype"] == "Select"
		for option in (field.get("options") or "").split("\n")
		if option
	}
	table = translations()
	assert sorted(text for text in texts - FRAPPE_TRANSLATES if text not in table) == []


def translatable_literals(path: Path) -> set[str]:
	"""The string literals passed to ``_()`` in a Python file."""
	literals = set()
	for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
		if (
			isinstance(node, ast.Call)
			and isinstance(node.func, ast.Name)
			and node.func.id == "_"
			and node.args
			and isinstance(node.args[0], ast.Constant)
			and isinstance(node.args[0].value, str)
		):
			literals.add(node.args[0].value)
	return literals


@pytest.mark.parametrize(
	"module",
	[
		"cis_case_management/reminders.py",
		"cis_partnerships/web_form/volunteer_hours/volunteer_hours.py",
		"cis_partnerships/doctype/volunteer_hours/volunteer_hours.py",
		"cis_case_management/doctype/student_consent/student_consent.py",
		# the phone page's answers and the Outcomes workspace's words
		"api/checkin.py",
		"cis_case_management/outcomes_dashboard.py",
	],
)
def test_every_message_of_the_family_and_volunteer_facing_code_is_translated(module):
	literals = translatable_literals(APP / module)
	assert literals, f"{module} has no _() message: the test would pass for nothing"
	table = translations()
	assert sorted(literal for literal in literals - FRAPPE_TRANSLATES if literal not in table) == []
