"""The partner's portal: a partner contact's referrals on the website (/partner-referrals).

A partner contact is a Website User (role CIS Partner Contact) linked as the Website Login of a contact
row of an active Partner. They hold no permission on any DocType: the desk, REST and the list APIs
refuse them. What they see comes only from this module, which applies its own rule explicitly:

- only referrals sent to their partner (``core.referrals.PORTAL_STATUSES``, with a sent date);
- only while the consent recorded as the referral's legal basis is valid today
  (``core.referrals.portal_access_problem``), checked on every request, so revoking or the end of the
  consent cuts access at once; the referral itself stays, for the coordinator;
- of each, only the minimum necessary (``core.referrals.portal_referral`` / ``partner_view``).

A referral they may not open is answered exactly like one that does not exist (403, same words). Their
actions (accept, decline, record the service) go through the Referral Workflow's transitions for
their role and the Referral controller, with the core's rule for which action is theirs
(``core.referrals.PARTNER_STEPS``) and what they must enter (``partner_action_problems``).
"""

from __future__ import annotations

import frappe
from frappe import _, _lt
from frappe.model.workflow import apply_workflow, get_transitions, get_workflow
from frappe.utils import cint, nowdate

from cis_app.cis_partnerships.doctype.partner_contact.partner_contact import validate_contact_login
from cis_app.core import referrals as core
from cis_app.cis_case_management.disclosures import write_view_log
from cis_app.utils.exceptions import CISValidationError
from cis_app.utils.roles import PARTNER_CONTACT_ROLE


class PartnerPortalError(CISValidationError):
	"""A partner contact's action that the referral's status or the entered values do not allow."""


# What a partner contact entered wrong, by the core's codes.
ENTRY_PROBLEMS = {
	"decline_reason_missing": _lt(
		"Say why you decline the referral, so the coordinator can find another partner."
	),
	"date_invalid": _lt("Enter the dates as dates (for example 2026-10-05)."),
	"start_missing": _lt("Enter the day the service started."),
	"start_in_future": _lt(
		"The service start date is in the future. Record the service once it has started."
	),
	"end_missing": _lt("Enter the day the service ended."),
	"end_in_future": _lt(
		"The service end date is in the future. Record the service as completed once it has ended."
	),
	"start_before_sent": _lt(
		"The service start date is before the referral was sent. Enter the day the service started."
	),
	"start_outside_year": _lt(
		"The service start date is outside the referral's school year. Enter a day of that school year."
	),
	"end_before_start": _lt("The service end date is before its start date. Fix one of the dates."),
	"end_outside_year": _lt(
		"The service end date is outside the referral's school year. Enter a day of that school year."
	),
	"sessions_invalid": _lt("Sessions must be a whole number of 0 or more."),
	"sessions_missing": _lt("Enter how many sessions the student attended (at least 1)."),
	"outcome_missing": _lt("Write a short outcome note for the coordinator."),
}


def not_available() -> None:
	"""The one answer for a referral the user may not open, whether it exists or not."""
	frappe.throw(
		_("This referral is not available to you."), frappe.PermissionError, title=_("Not Permitted")
	)


# ---------------------------------------------------------------- who is a partner contact


def partners_of(user: str | None = None) -> list[str]:
	"""The active partners whose contact rows name ``user`` as their Website Login (normally one)."""
	user = user or frappe.session.user
	if user == "Guest":
		return []
	linked = frappe.get_all(
		"Partner Contact",
		filters={"user": user, "parenttype": "Partner", "parentfield": "contacts"},
		pluck="parent",
		distinct=True,
	)
	if not linked:
		return []
	return frappe.get_all(
		"Partner", filters={"name": ["in", linked], "status": "Active"}, pluck="name", order_by="name"
	)


def require_partner_contact() -> list[str]:
	"""The partners of the session user, or a 403 for anyone who is not a partner contact."""
	if frappe.session.user == "Guest":
		frappe.throw(_("Log in to see your referrals."), frappe.PermissionError, title=_("Not Permitted"))
	partners = partners_of() if PARTNER_CONTACT_ROLE in frappe.get_roles() else []
	if not partners:
		frappe.throw(
			_("The referrals page is for the contacts of our partners."),
			frappe.PermissionError,
			title=_("Not Permitted"),
		)
	return partners


# ---------------------------------------------------------------- what they see

REFERRAL_FIELDS = [
	"name",
	"student",
	"partner",
	"status",
	"sent_on",
	"consent",
	"support_type",
	"note_for_partner",
	"preferred_contact",
	*(field for field in core.PORTAL_PROCESS_FIELDS if field not in ("name", "status", "sent_on")),
]


def open_referrals(partners: list[str], name: str | None = None) -> list[dict]:
	"""The referrals of ``partners`` a partner contact may open today, newest first (``name``: just
	that one). Read with ``get_all`` on purpose: the portal user holds no DocType permission, and
	this function is the rule that scopes them (their partners, sent, consent valid today)."""
	if not partners:
		return []
	filters = {
		"partner": ["in", partners],
		"status": ["in", sorted(core.PORTAL_STATUSES)],
		"sent_on": ["is", "set"],
	}
	if name is not None:
		filters["name"] = name
	rows = frappe.get_all(
		"Referral", filters=filters, fields=REFERRAL_FIELDS, order_by="sent_on desc, name desc"
	)
	if not rows:
		return []
	consents = {
		row.name: row
		for row in frappe.get_all(
			"Student Consent",
			filters={"name": ["in", list({row.consent for row in rows if row.consent})]},
			fields=["name", "student", "scope", "partner", "signed_date", "expiry_date", "revoked_date"],
		)
	}
	today = nowdate()
	visible = []
	for row in rows:
		consent = consents.get(row.consent)
		if consent and (
			consent.student != row.student
			or consent.partner != row.partner
			or consent.scope != core.SCOPE_SHARE_WITH_PARTNER
		):
			consent = None  # only a consent to share with this partner about this student counts
		if core.portal_access_problem(row.status, row.sent_on, consent, today) is None:
			visible.append(row)
	return visible


def partner_views(rows: list[dict]) -> dict[str, dict]:
	"""``core.referrals.portal_referral`` for each referral row, by name: three queries in all."""
	students = {
		student.name: student
		for student in frappe.get_all(
			"Student",
			filters={"name": ["in", list({row["student"] for row in rows})]},
			fields=["name", "first_name", "last_name", "grade_level", "site"],
		)
	}
	site_names = dict(
		frappe.get_all(
			"Site",
			filters={"name": ["in", list({s.site for s in students.values() if s.site})]},
			fields=["name", "site_name"],
			as_list=True,
		)
	)
	guardians: dict[str, dict] = {}
	for guardian in frappe.get_all(
		"Student Guardian",
		filters={"parent": ["in", list(students)], "parenttype": "Student"},
		fields=["parent", "guardian_name", "phone", "email"],
		order_by="is_primary desc, idx asc",
	):
		guardians.setdefault(guardian.parent, guardian)
	views = {}
	for row in rows:
		student = dict(students.get(row["student"]) or {})
		student["school"] = site_names.get(student.get("site"), "")
		# the guardian's contact only through the channel chosen with them, and only under a consent
		allowed = {row["preferred_contact"]} if row.get("consent") and row.get("preferred_contact") else set()
		views[row["name"]] = core.portal_referral(row, student, guardians.get(row["student"]), allowed)
	return views


def portal_rows(name: str | None = None) -> list[dict]:
	"""What the session's partner contact sees: every referral they may open (or just ``name``)."""
	rows = open_referrals(require_partner_contact(), name)
	views = partner_views(rows)
	return [views[row.name] for row in rows]


def portal_referral(name: str) -> dict:
	"""One referral as its partner contact sees it; 403 (the same for one that does not exist)."""
	rows = portal_rows(name) if name and isinstance(name, str) else []
	if not rows:
		not_available()
	return rows[0]


def record_view(name: str) -> None:
	"""A partner contact opening a referral is recorded like a staff member's view (who looked)."""
	write_view_log("Referral", name)
	frappe.local.flags.commit = True  # the page is a GET: Frappe commits those only when asked


@frappe.whitelist()
def get_referrals() -> list[dict]:
	"""The session partner contact's referrals (the minimum necessary of each)."""
	return portal_rows()


@frappe.whitelist()
def get_referral(referral: str) -> dict:
	"""One referral of the session partner contact's partner (403 otherwise)."""
	return portal_referral(referral)


# ---------------------------------------------------------------- what they do


@frappe.whitelist(methods=["POST"])
def act(referral: str, action: str, values: dict | str | None = None) -> dict:
	"""Accept, Decline, Start Service or Complete a referral of the session's partner.

	Only the fields of that action (``core.referrals.PARTNER_ACTION_FIELDS``) are taken from
	``values``; the change goes through the Referral Workflow's transitions for the partner contact's
	role and the Referral controller. Nothing is written unless every step is allowed.
	"""
	row = portal_referral(referral)  # 403 unless theirs and open to them today
	steps = core.partner_steps(row["status"], action)
	if not steps:
		frappe.throw(
			_("This referral is {0}: you cannot {1} it.").format(_(row["status"]), _(action).lower()),
			PartnerPortalError,
			title=_("Not Allowed"),
		)
	sent = frappe.parse_json(values) if values else {}
	if not isinstance(sent, dict):
		sent = {}
	fields = dict.fromkeys(field for step in steps for field in core.PARTNER_ACTION_FIELDS[step])
	# what they leave empty keeps what they recorded before (the start date, when completing)
	entered = {field: clean(field, sent.get(field)) for field in fields}
	entered = {field: row.get(field) if value is None else value for field, value in entered.items()}
	sent_on, school_year = frappe.db.get_value("Referral", referral, ["sent_on", "school_year"])
	year = frappe.db.get_value("School Year", school_year, ["year_start_date", "year_end_date"])
	problems = core.partner_action_problems(action, entered, nowdate(), sent_on, year)
	if problems:
		frappe.throw(
			"<br>".join(str(ENTRY_PROBLEMS[problem]) for problem in problems),
			PartnerPortalError,
			title=_("Check the Service Record"),
		)
	doc = frappe.get_doc("Referral", referral, for_update=True)
	for step in steps:
		apply_step(doc, step, entered)
	return portal_referral(referral)


def clean(field: str, value):
	"""A partner's entry as it is stored: text stripped and without markup, sessions a whole number."""
	if value in (None, ""):
		return None
	if field == "sessions":
		return value if isinstance(value, int) else str(value).strip()
	text = str(value).strip()
	if field in ("decline_reason", "outcome_note"):
		return frappe.utils.strip_html(text)[:2000]
	return text


def apply_step(doc, step: str, values: dict) -> None:
	"""One workflow action on the referral for the partner contact, through Frappe's
	``apply_workflow`` (the transition must exist for their role in the Referral Workflow an admin may
	have edited, with Frappe's approval checks); what they entered is saved first, and the controller
	validates both saves."""
	doc.flags.ignore_permissions = True  # the portal's rule above is their permission
	if not any(t.action == step for t in get_transitions(doc, get_workflow("Referral"))):
		frappe.throw(
			_(
				"The referral workflow does not let partner contacts {0} a referral that is {1}. Ask the coordinator who sent it."
			).format(_(step).lower(), _(doc.status)),
			PartnerPortalError,
			title=_("Not Allowed"),
		)
	entries = {
		field: cint(values[field]) if field == "sessions" else values[field]
		for field in core.PARTNER_ACTION_FIELDS[step]
		if values.get(field) is not None
	}
	if any(doc.get(field) != value for field, value in entries.items()):
		doc.update(entries)
		doc.save()
	apply_workflow(doc, step)


# ---------------------------------------------------------------- who may be a partner contact


def validate_contact_logins(partner, method: str | None = None) -> None:
	"""Partner ``validate`` hook: a contact's Website Login reads the partner's referrals, so it may
	only be a Website User without CIS staff roles, linked to one contact row only. Create Website
	Login makes one; a REST PUT or an import that links another user is refused here."""
	before = {
		row.name: row.user for row in (partner.get_doc_before_save() or frappe._dict()).get("contacts") or []
	}
	for row in partner.get("contacts") or []:
		if row.user and row.user != before.get(row.name):
			validate_contact_login(row, partner.name)
