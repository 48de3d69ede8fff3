"""Records that describe a scoped record follow that record's rule.

A Version of a support plan holds its changes, a File attached to a consent is the signed form, a
Workflow Action names a plan and its state, a Comment or Communication quotes a case, a ToDo, Tag Link
or Notification Log carries the record's title. Frappe lists and counts these by their own rules,
which know nothing of sites and affiliates, so a coordinator could read about another school's
students without opening a single one of their records.

Each DocType of ``TRAIL`` gets a list condition (``trail_conditions``) and a document check
(``has_trail_permission``): a row that refers to a scoped DocType is visible only to a user whose
scope reaches the referred record, with the referred DocType's own list condition. Rows about anything
else are left to Frappe's rules. The document check only ever denies (it returns None otherwise):
Frappe takes the last app's answer, and its own checks for files and to-dos must keep working.
"""

from __future__ import annotations

import frappe

from cis_app.permissions.scope import app_list_rules, is_unrestricted
from cis_app.utils.roles import RECORD_TRAIL

# DocType -> (field naming the referred DocType, field naming the referred record)
TRAIL: dict[str, tuple[str, str]] = RECORD_TRAIL


def scoped_targets() -> dict[str, str]:
	"""Every non-child DocType cis_app scopes, with its list-condition hook."""
	return {
		doctype: method
		for doctype, method in app_list_rules().items()
		if doctype not in TRAIL and not frappe.get_meta(doctype).istable
	}


def trail_conditions(user: str | None = None, doctype: str | None = None) -> str:
	"""``permission_query_conditions`` for a trail DocType: rows about a scoped record only where the
	user's scope reaches that record."""
	user = user or frappe.session.user
	if is_unrestricted(user) or doctype not in TRAIL:
		return ""
	doctype_field, name_field = TRAIL[doctype]
	table = f"`tab{doctype}`"
	targets = scoped_targets()
	quoted = ", ".join(frappe.db.escape(target) for target in sorted(targets))
	parts = [f"ifnull({table}.`{doctype_field}`, '') not in ({quoted})"]
	for target, method in sorted(targets.items()):
		condition = frappe.get_attr(method)(user, doctype=target) or "1=1"
		parts.append(
			f"({table}.`{doctype_field}` = {frappe.db.escape(target)} and {table}.`{name_field}` in "
			f"(select `tab{target}`.`name` from `tab{target}` where {condition}))"
		)
	return "(" + " or ".join(parts) + ")"


def has_trail_permission(doc, ptype: str | None = None, user: str | None = None) -> bool | None:
	"""``has_permission`` for a trail DocType: False when the referred scoped record is out of the
	user's reach; None otherwise, leaving the answer to Frappe's own rules."""
	user = user or frappe.session.user
	if is_unrestricted(user) or doc.doctype not in TRAIL:
		return None
	doctype_field, name_field = TRAIL[doc.doctype]
	target, name = doc.get(doctype_field), doc.get(name_field)
	if not target or target not in scoped_targets():
		return None
	if not name:
		return None
	if not frappe.db.exists(target, name):
		# nothing to protect: a file uploaded to a form not saved yet ("new-student-consent-1"), linked
		# to the record when it is saved (Frappe deletes a record's attachments with the record)
		return None
	referred = frappe.get_doc(target, name)
	for method in frappe.get_hooks("has_permission").get(target, []):
		if (
			method.startswith("cis_app.")
			and frappe.call(method, doc=referred, ptype="read", user=user) is False
		):
			return False
	return None
