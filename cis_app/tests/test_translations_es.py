"""Spanish through Frappe's own translation machinery: cis_app/translations/es.csv is merged into what
``_()`` and the desk's boot (``get_all_translations``) give a user whose language is Spanish."""

from __future__ import annotations

import os

import frappe
from frappe import _
from frappe.tests.utils import FrappeTestCase
from frappe.translate import get_all_translations, get_user_lang, read_csv_file

from cis_app.tests.factories import make_user


def frappe_spanish() -> dict[tuple[str, str | None], str]:
	"""Frappe's own Spanish, ``{(source, context): translation}``, from the file Frappe v15 ships
	(``frappe/locale/es.po``, compiled to .mo at build; ``frappe/translations/es.csv`` before 15.x
	moved to gettext). Untranslated entries are left out: Frappe shows those in English."""
	po = frappe.get_app_path("frappe", "locale", "es.po")
	if os.path.exists(po):
		from babel.messages.pofile import read_po

		with open(po, "rb") as handle:
			catalog = read_po(handle)
		spanish = {}
		for message in catalog:
			source = message.id[0] if isinstance(message.id, list | tuple) else message.id
			text = message.string[0] if isinstance(message.string, list | tuple) else message.string
			if source and text:
				spanish[(source, message.context or None)] = text
		return spanish
	rows = read_csv_file(frappe.get_app_path("frappe", "translations", "es.csv"))
	return {(row[0], (row[2] if len(row) > 2 and row[2] else None)): row[1] for row in rows if row[1]}


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
		# Frappe's own Spanish still there beside ours, and Frappe's own words stay Frappe's on the whole
		# site ("Submitted" is a submitted document of any app)
		self.assertEqual(spanish["Save"], "Guardar")
		self.assertEqual(spanish["Submitted"], frappe_spanish()[("Submitted", None)])
		# where Frappe's wording would mislead on the app's own records, the app says it with a context:
		# hours waiting for approval are not "Validado" in the Volunteer Hours list
		self.assertEqual(spanish["Submitted:Volunteer Hours"], "Enviado")
		self.assertEqual(_("Submitted", lang="es", context="Volunteer Hours"), "Enviado")

	def test_the_csv_leaves_frappes_own_words_to_frappe(self):
		"""Frappe merges every installed app's translations of a language into one dictionary, later apps
		winning: a source string of ours that Frappe also translates would change Frappe's word on every
		screen of the site (every submitted document would read "Enviado"). Such a word is given its
		app-specific Spanish under a context (the DocType, as the desk passes it for labels)."""
		frappes = frappe_spanish()
		translated = {source for source, context in frappes}
		self.assertIn("Save", translated)  # the file was read: the test cannot pass for nothing
		clashes = []
		for row in filter(None, read_csv_file(frappe.get_app_path("cis_app", "translations", "es.csv"))):
			source, context = row[0], (row[2] if len(row) > 2 and row[2] else None)
			# Frappe uses a translation it has only with a context for the bare string too
			if (context is None and source in translated) or (source, context) in frappes:
				clashes.append(source if context is None else f"{source} ({context})")
		self.assertEqual(clashes, [])

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
