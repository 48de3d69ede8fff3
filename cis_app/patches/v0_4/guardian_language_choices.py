"""A guardian's preferred language became a choice (English, Spanish, Other) that picks the language of
the family documents. Free text typed before is mapped: Spanish and English by their usual spellings,
any other language to Other, so the family still shows as needing something other than English."""

import frappe

SPANISH = ("es", "spa", "span", "espa")
ENGLISH = ("en", "eng")


def choice(value: str | None) -> str:
	text = (value or "").strip().lower()
	if not text:
		return "English"
	if text.startswith(SPANISH):
		return "Spanish"
	if text.startswith(ENGLISH):
		return "English"
	return "Other"


def execute():
	rows = frappe.get_all(
		"Student Guardian",
		filters={"preferred_language": ["not in", ["English", "Spanish", "Other"]]},
		fields=["name", "preferred_language"],
	)
	for row in rows:
		frappe.db.set_value(
			"Student Guardian",
			row.name,
			"preferred_language",
			choice(row.preferred_language),
			update_modified=False,
		)
