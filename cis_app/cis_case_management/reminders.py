"""Daily reminder digest: one mail and a few system notifications per member of staff.

Each reminder kind is a Frappe **Notification** ("CIS Reminder: ..."), created once at install so an
admin can reword its subject and message (Jinja) or switch it off (untick Enabled) without code. Its
event is "Custom": Frappe's own sender never fires it, because a Notification's recipients cannot
express "the staff of this record's site" and a role would reach every school's coordinator (FERPA).
Instead ``send_daily_digest`` (scheduler, daily) loads the rows with one query per table, lets
``cis_app.core.reminders`` decide what is due and who gets it (the current Site Staff of the item's
site; a partner's manager for its agreement), and sends each recipient one email (only where a default
outgoing email account exists) plus a Notification Log entry per item (in the desk's bell), both in the
recipient's language (User.language).

A partner agreement's renewal is a task, not a daily list item: it is assigned to the partner's manager
as a to-do once per renewal date (by whichever daily job runs first, this one or the partner job
``remind_agreement_renewals``) and listed only in that day's digest, so it reaches the manager once.

Templates see only the item's safe fields (``doc.name``, ``doc.title``, ``doc.site``, ``doc.due_date``,
``doc.days``), ``label`` and ``detail``: never the record itself, so no health, family or case note
can reach an email through an edited template.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta

import frappe
from frappe import _
from frappe.email.doctype.email_account.email_account import EmailAccount
from frappe.utils import escape_html, formatdate, get_url_to_form, getdate, nowdate

from cis_app.core import reminders as rules
from cis_app.core.plans import OPEN_STATUSES

LAST_RUN_KEY = "cis_reminders_last_digest"

# kind -> (Notification name, DocType of the item, date field the reminder is about)
REMINDER_NOTIFICATIONS = {
	rules.PLAN_REVIEW: ("CIS Reminder: Plan Review Due", "Support Plan", "next_review_date"),
	rules.CHECKIN_OVERDUE: ("CIS Reminder: No Check-In for a Month", "Student", None),
	rules.CONSENT_EXPIRING: ("CIS Reminder: Consent Expiring", "Student Consent", "expiry_date"),
	rules.HOURS_PENDING: ("CIS Reminder: Volunteer Hours Awaiting Approval", "Volunteer Hours", None),
	rules.AGREEMENT_RENEWAL: ("CIS Reminder: Partner Agreement Renewal", "Partner", "agreement_renewal_date"),
}
DEFAULT_SUBJECT = "{{ label }}: {{ doc.title }}"
DEFAULT_MESSAGE = "{{ doc.title }}: {{ detail }}"


def kind_labels() -> dict[str, str]:
	return {
		rules.PLAN_REVIEW: _("Support plan review due"),
		rules.CHECKIN_OVERDUE: _("No check-in for a month"),
		rules.CONSENT_EXPIRING: _("Consent expiring"),
		rules.HOURS_PENDING: _("Volunteer hours awaiting approval"),
		rules.AGREEMENT_RENEWAL: _("Partner agreement up for renewal"),
	}


def create_reminder_notifications() -> None:
	"""Create the default reminder Notifications once; an admin's later edits are never overwritten."""
	labels = kind_labels()
	for kind, (name, document_type, _date_field) in REMINDER_NOTIFICATIONS.items():
		if frappe.db.exists("Notification", name):
			continue
		frappe.get_doc(
			{
				"doctype": "Notification",
				"name": name,
				"enabled": 1,
				"is_standard": 0,
				"channel": "Email",
				"send_system_notification": 1,
				"event": "Custom",
				"document_type": document_type,
				"subject": DEFAULT_SUBJECT,
				"message_type": "Markdown",
				"message": "{# "
				+ _(
					"{0}. Sent by cis_app's daily digest to the staff of the record's site; untick Enabled to stop it."
				).format(labels[kind])
				+ " #}"
				+ DEFAULT_MESSAGE,
			}
		).insert(ignore_permissions=True)


def send_daily_digest() -> None:
	"""Daily job: each recipient's reminders in one email and their Notification Log entries.
	A second run on the same day sends nothing."""
	today = getdate(nowdate())
	if rules.already_sent(frappe.db.get_global(LAST_RUN_KEY), today):
		return
	# recorded before sending: a failure rolls the whole job back, a success is never repeated today
	frappe.db.set_global(LAST_RUN_KEY, str(today))
	notifications = get_enabled_notifications()
	if not notifications:
		return
	items = load_items(today, set(notifications))
	assign_agreement_renewals(items)  # if the partner job has not run yet today
	sites = {item["site"] for item in items if item.get("site") and not item.get("recipients")}
	digests = rules.build_digests(items, rules.current_staff_by_site(load_site_staff(sites), today))
	if not digests:
		return
	users = {
		user.name: user
		for user in frappe.get_all(
			"User",
			filters={"name": ["in", list(digests)], "enabled": 1},
			fields=["name", "email", "language"],
		)
	}
	send_email = email_is_set_up()
	for user, user_items in digests.items():
		if user not in users:
			continue  # a disabled or deleted user
		with in_language(users[user].language):  # each person reads their reminders in their language
			rendered = [render_item(item, notifications[item["kind"]]) for item in user_items]
			for item, (subject, message) in zip(user_items, rendered, strict=True):
				create_notification_log(user, item, subject, message)
			if send_email and users[user].email:
				frappe.sendmail(
					recipients=[users[user].email],
					subject=_("Your CIS reminders for {0}").format(formatdate(today)),
					message=digest_html(user_items, rendered),
				)


@contextmanager
def in_language(language: str | None):
	"""Translate with ``_()`` in the user's language (User.language) inside the block; the site's
	language when the user has none."""
	previous = frappe.local.lang
	frappe.local.lang = language or previous
	try:
		yield
	finally:
		frappe.local.lang = previous


def get_enabled_notifications() -> dict[str, dict]:
	"""kind -> its Notification (subject, message), for the kinds an admin has left enabled."""
	kind_by_name = {spec[0]: kind for kind, spec in REMINDER_NOTIFICATIONS.items()}
	rows = frappe.get_all(
		"Notification",
		filters={"name": ["in", list(kind_by_name)], "enabled": 1},
		fields=["name", "subject", "message"],
	)
	return {kind_by_name[row.name]: row for row in rows}


def load_items(today, kinds: set[str]) -> list[dict]:
	"""The items due today of the given kinds: one query per table, the rules in the core."""
	items: list[dict] = []
	if rules.PLAN_REVIEW in kinds:
		plans = frappe.get_all(
			"Support Plan",
			filters={
				"plan_type": "Student",
				"status": ["in", list(OPEN_STATUSES)],
				"next_review_date": ["between", [today, today + timedelta(days=rules.PLAN_REVIEW_DAYS)]],
			},
			fields=["name", "site", "student_name", "status", "next_review_date"],
		)
		items += rules.plans_due_for_review(plans, today)
	if rules.CHECKIN_OVERDUE in kinds:
		students = frappe.get_all(
			"Student",
			filters={"is_case_managed": 1, "enrollment_status": "Enrolled"},
			fields=["name", "site", "student_name", "is_case_managed"],
		)
		checkins = []
		if students:
			checkins = frappe.get_all(
				"Student Check-In",
				filters={"student": ["in", [s.name for s in students]]},
				fields=["student", "max(checkin_date) as last_checkin"],
				group_by="student",
			)
		items += rules.students_without_checkin(students, checkins, today)
	if rules.CONSENT_EXPIRING in kinds:
		consents = frappe.get_all(
			"Student Consent",
			filters={
				"status": "Valid",
				"expiry_date": ["between", [today, today + timedelta(days=rules.CONSENT_EXPIRY_DAYS)]],
			},
			fields=["name", "site", "student_name", "status", "expiry_date"],
		)
		items += rules.consents_expiring(consents, today)
	if rules.HOURS_PENDING in kinds:
		hours = frappe.get_all(
			"Volunteer Hours",
			filters={
				"status": "Submitted",
				"creation": ["<", today - timedelta(days=rules.HOURS_PENDING_DAYS)],
			},
			fields=["name", "site", "volunteer_name", "status", "creation"],
		)
		items += rules.hours_waiting(hours, today)
	if rules.AGREEMENT_RENEWAL in kinds:
		partners = load_renewal_partners(today)
		items += rules.agreements_for_renewal(partners, today, load_renewal_assignments(partners))
	return items


def load_renewal_partners(today) -> list[dict]:
	return frappe.get_all(
		"Partner",
		filters={"agreement_status": "Signed", "agreement_renewal_date": [">=", today]},
		fields=[
			"name",
			"partner_name",
			"partner_manager",
			"agreement_status",
			"agreement_renewal_date",
			"reminder_days",
		],
	)


def load_renewal_assignments(partners: list[dict]) -> dict[tuple, object]:
	"""(partner, renewal date) -> the day a to-do for it was first assigned to the partner's current
	manager. Any to-do counts, open, closed (done) or cancelled (declined): each is a renewal reported."""
	managers = {p["name"]: p["partner_manager"] for p in partners if p.get("partner_manager")}
	if not managers:
		return {}
	todos = frappe.get_all(
		"ToDo",
		filters={
			"reference_type": "Partner",
			"reference_name": ["in", list(managers)],
			"date": ["is", "set"],
		},
		fields=["reference_name", "allocated_to", "date", "creation"],
	)
	first: dict[tuple, object] = {}
	for todo in todos:
		if todo.allocated_to != managers.get(todo.reference_name):
			continue  # a former manager's to-do: the new manager has not been told
		key = (todo.reference_name, getdate(todo.date))
		day = getdate(todo.creation)
		if key not in first or day < first[key]:
			first[key] = day
	return first


def assign_agreement_renewals(items: list[dict]) -> None:
	"""A to-do for the partner's manager for each renewal item, once per renewal date: the task stays in
	their to-do list (and on the partner) until done; the digest of the day it is assigned lists it."""
	for item in items:
		if item["kind"] != rules.AGREEMENT_RENEWAL:
			continue
		for user in item.get("recipients") or ():
			todo = {
				"reference_type": "Partner",
				"reference_name": item["name"],
				"allocated_to": user,
				"date": item["due_date"],
			}
			if frappe.db.exists("ToDo", todo):
				continue
			with in_language(frappe.db.get_value("User", user, "language")):
				description = _("Renew the partnership agreement with {0}: due {1}.").format(
					escape_html(item.get("title") or item["name"]), formatdate(item["due_date"])
				)
			frappe.get_doc(
				{"doctype": "ToDo", **todo, "description": description, "priority": "High"}
			).insert(ignore_permissions=True)


def assign_due_agreement_renewals(today) -> None:
	"""The partner job's half of the renewal reminder: assign what is due today (if the kind is on)."""
	if rules.AGREEMENT_RENEWAL not in get_enabled_notifications():
		return
	assign_agreement_renewals(rules.agreements_for_renewal(load_renewal_partners(today), today))


def load_site_staff(sites: set[str]) -> list[dict]:
	if not sites:
		return []
	return frappe.get_all(
		"Site Staff",
		filters={"parenttype": "Site", "parent": ["in", list(sites)]},
		fields=["parent as site", "user", "from_date", "to_date"],
	)


def email_is_set_up() -> bool:
	"""True when ``frappe.sendmail`` has an account to send from: the default outgoing account (or the
	mail server of the site config). An enabled account that is not the default is not one: sendmail
	would raise and roll back the whole digest, bell entries included."""
	return bool(EmailAccount.find_default_outgoing())


def item_detail(item: dict) -> str:
	due = formatdate(item["due_date"]) if item.get("due_date") else ""
	kind = item["kind"]
	if kind == rules.PLAN_REVIEW:
		return _("plan review due on {0}").format(due)
	if kind == rules.CHECKIN_OVERDUE:
		if item.get("due_date"):
			return _("last check-in on {0}, {1} days ago").format(due, item["days"])
		return _("no check-in recorded yet")
	if kind == rules.CONSENT_EXPIRING:
		return _("consent expires on {0}").format(due)
	if kind == rules.HOURS_PENDING:
		return _("hours entered {0} days ago are waiting for approval").format(item["days"])
	return _("agreement renewal due on {0}").format(due)


def render_item(item: dict, notification: dict) -> tuple[str, str]:
	"""The item's subject and message from its Notification's templates (safe fields only)."""
	context = {
		"doc": frappe._dict(
			name=item["name"],
			title=escape_html(item.get("title") or item["name"]),
			site=item.get("site"),
			due_date=item.get("due_date"),
			days=item.get("days"),
		),
		"label": kind_labels()[item["kind"]],
		"detail": item_detail(item),
	}
	subject = frappe.render_template(notification.subject or DEFAULT_SUBJECT, context).strip()
	message = frappe.render_template(notification.message or DEFAULT_MESSAGE, context).strip()
	return subject, message


def create_notification_log(user: str, item: dict, subject: str, message: str) -> None:
	frappe.get_doc(
		{
			"doctype": "Notification Log",
			"for_user": user,
			"from_user": "Administrator",
			"type": "Alert",  # Frappe mails no Alert by itself: the digest is the one email
			"document_type": item["document_type"],
			"document_name": item["name"],
			"subject": subject,
			"email_content": message,
		}
	).insert(ignore_permissions=True)


def digest_html(items: list[dict], rendered: list[tuple[str, str]]) -> str:
	labels = kind_labels()
	intro = _("These need your attention today:")
	parts = [f"<p>{escape_html(intro)}</p>"]
	current_kind = None
	for item, (_subject, message) in zip(items, rendered, strict=True):
		if item["kind"] != current_kind:
			if current_kind is not None:
				parts.append("</ul>")
			current_kind = item["kind"]
			parts.append(f"<h4>{escape_html(labels[current_kind])}</h4><ul>")
		url = get_url_to_form(item["document_type"], item["name"])
		parts.append(f'<li><a href="{url}">{message}</a></li>')
	parts.append("</ul>")
	return "".join(parts)
