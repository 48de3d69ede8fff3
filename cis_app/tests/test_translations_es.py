"""Spanish through Frappe's own translation machinery: cis_app/translations/es.csv is merged into what
``_()`` and the desk's boot (``get_all_translations``) give a user whose language is Spanish."""

from __future__ import annotations

import frappe
from frappe import _
from frappe.tests.utils import FrappeTestCase
from frappe.translate import get_all_translations, get_user_lang

from cis_app.testing import make_user

SPANISH_COORDINATOR = "cis-coordinator-es@example.com"


class TestSpanishTranslations(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.translate.clear_cache()
		make_user(SPANISH_COORDINATOR, "Site Coordinator")
		frappe.db.set_value("User", SPANISH_COORDINATOR, "language", "es")
		frappe.cache.hdel("lang", SPANISH_COORDINATOR)

	def test_the_apps_csv_is_merged_into_the_spanish_dictionary(self):
		spanish = get_all_translations("es")
		self.assertEqual(spanish["Student Check-In"], "Seguimiento del estudiante")
		self.assertEqual(spanish["Your CIS reminders for {0}"], "Sus recordatorios de CIS del {0}")
		# Frappe's own Spanish still there beside ours
		self.assertEqual(spanish["Save"], "Guardar")
		# where Frappe's wording would mislead, ours wins: hours waiting for approval are not "Validado"
		self.assertEqual(spanish["Submitted"], "Enviado")

	def test_underscore_translates_for_spanish_and_leaves_english_alone(self):
		self.assertEqual(_("Support Plan", lang="es"), "Plan de apoyo")
		self.assertEqual(
			_("Renew the partnership agreement with {0}: due {1}.", lang="es").format(
				"Food Bank", "12-01-2026"
			),
			"Renovar el acuerdo de alianza con Food Bank: vence el 12-01-2026.",
		)
		self.assertEqual(_("Support Plan", lang="en"), "Support Plan")
		# a row with a context: a goal's progress "Decline" is a noun, the workflow action a verb
		self.assertEqual(_("Decline", lang="es", context="Support Plan Goal"), "Retroceso")
		self.assertEqual(_("Decline", lang="es"), "Rechazar")

	def test_a_spanish_coordinator_reads_the_check_in_form_in_spanish(self):
		"""What the desk does for a user whose language is Spanish: the boot carries
		get_all_translations(user's language) and every label goes through __()."""
		language = get_user_lang(SPANISH_COORDINATOR)
		self.assertEqual(language, "es")
		meta = frappe.get_meta("Student Check-In")
		labels = {
			field.label: _(field.label, lang=language)
			for field in meta.fields
			if field.label and field.fieldtype not in ("Section Break", "Column Break", "Tab Break")
		}
		self.assertEqual(labels.get("With"), "Con")
		self.assertEqual(labels.get("How"), "Cómo")
		self.assertEqual(labels.get("Goal Updates"), "Avances de las metas")
		self.assertEqual(labels.get("Follow-up Date"), "Fecha de seguimiento")
		self.assertEqual([label for label, spanish in labels.items() if spanish == label], [])
		options = {
			fieldname: {
				option: _(option, lang=language) for option in meta.get_options(fieldname).split("\n")
			}
			for fieldname in ("contact_with", "contact_method")
		}
		self.assertEqual(
			options,
			{
				"contact_with": {
					"Student": "Estudiante",
					"Family": "Familia",
					"Teacher": "Maestro",
					"Provider": "Proveedor",
					"School Support Team": "Equipo de apoyo escolar",
					"Other": "Otro",
				},
				"contact_method": {
					"In Person": "En persona",
					"Phone": "Teléfono",
					"Video": "Video",
					"Email or Text": "Correo electrónico o mensaje de texto",
					"Home Visit": "Visita al hogar",
				},
			},
		)
