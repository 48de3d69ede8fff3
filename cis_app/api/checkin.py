"""The coordinator's phone (/cis/checkin): the caseload it caches and the queue it sends.

``caseload`` answers with the students the user may read (through ``frappe.get_list``, the same list
rule as the desk), their tier, flags, plan goals and days since the last check-in, and today's group
sessions at the user's sites. ``sync`` takes the entries the phone queued, each with an id made on the
phone, and inserts each one through its DocType's controller as the user (the desk's validation and
permission rules, nothing skipped), each in its own savepoint so one refusal does not stop the others.
An entry whose id is already stored is answered "duplicate" and never recorded twice.

The rules that need no database are in ``cis_app.core.offline_sync``. The page's shell (script,
style, manifest and service worker) is served from /cis/ by ``CheckinShellPage`` so the service
worker's scope covers the page.
"""

from __future__ import annotations

import json
import os
import time

import frappe
from frappe import _
from frappe.utils import (
	add_to_date,
	escape_html,
	get_datetime_str,
	now_datetime,
	nowdate,
	strip_html_tags,
)
from frappe.website.page_renderers.base_renderer import BaseRenderer
from werkzeug.wrappers import Response

from cis_app.cis_case_management.doctype.support_plan.support_plan import get_goals
from cis_app.cis_case_management.report.caseload.caseload import get_rows
from cis_app.cis_network.doctype.school_year.school_year import get_current_school_year
from cis_app.core import offline_sync
from cis_app.permissions.scope import can_see, is_staff
from cis_app.utils import services
from cis_app.utils.roles import SITE_WORK_ROLES

DOCTYPES = {offline_sync.CHECK_IN: "Student Check-In", offline_sync.GROUP_SESSION: "Group Session"}


# ---------------------------------------------------------------- who may use the page


def is_site_worker(user: str | None = None) -> bool:
	"""Staff who work with students at a site: the check-in page is theirs."""
	return is_staff(user, roles=SITE_WORK_ROLES)


def require_staff() -> None:
	"""Guests and users without a staff role are refused (403)."""
	if frappe.session.user == "Guest":
		frappe.throw(_("Your session has ended. Log in again to continue."), frappe.PermissionError)
	if not is_site_worker():
		frappe.throw(
			_("The check-in page is for site coordinators, program managers and CIS administrators."),
			frappe.PermissionError,
		)


def get_cache_hours() -> int:
	return offline_sync.cache_hours(frappe.db.get_single_value("CIS Settings", "offline_cache_hours"))


# ---------------------------------------------------------------- what the phone reads


@frappe.whitelist(methods=["GET"])
def session() -> dict:
	"""Who the phone is talking for, and a fresh CSRF token for the next ``sync`` (the page may have
	been opened from the phone's cache, with the token of an earlier session)."""
	require_staff()
	return {
		"user": frappe.session.user,
		"full_name": frappe.utils.get_fullname(frappe.session.user),
		"csrf_token": frappe.sessions.get_csrf_token(),
		"cache_hours": get_cache_hours(),
	}


@frappe.whitelist(methods=["GET"])
def caseload() -> dict:
	"""My students and today's group sessions, for the phone to cache (see module docstring)."""
	require_staff()

	fetched_at = now_datetime()
	hours = get_cache_hours()
	rows = get_rows(frappe._dict(show="All"), get_current_school_year())
	goals = plan_goals([row["support_plan"] for row in rows if row.get("support_plan")])
	students = [
		{
			"name": row["name"],
			"student_name": row.get("student_name"),
			"site": row.get("site"),
			"grade_level": row.get("grade_level"),
			"tier": row.get("tier") or "",
			"suggested_tier": row.get("suggested_tier") or "",
			"risk_score": row.get("risk_score") or 0,
			"flags": [flag.strip() for flag in (row.get("risk_flags") or "").split(",") if flag.strip()],
			"attendance_band": row.get("attendance_band") or "",
			"support_plan": row.get("support_plan"),
			"plan_status": row.get("plan_status"),
			"goals": goals.get(row.get("support_plan"), []),
			"days_since_checkin": row.get("days_since_checkin"),
			"meeting_overdue": bool(row.get("meeting_overdue")),
			"review_due": bool(row.get("review_due")),
		}
		for row in rows
	]
	return {
		"user": frappe.session.user,
		"fetched_at": get_datetime_str(fetched_at),
		"expires_at": get_datetime_str(add_to_date(fetched_at, hours=hours)),
		"cache_hours": hours,
		"today": nowdate(),
		"students": students,
		"sites": sorted({row["site"] for row in students if row.get("site")}),
		"support_types": tier_2_support_types(),
		"group_sessions": todays_group_sessions(),
		"options": select_options(),
	}


def plan_goals(plans: list[str]) -> dict[str, list[dict]]:
	"""{plan: its goals} for plans the caller already read through the list rule."""
	if not plans:
		return {}
	by_plan: dict[str, list[dict]] = {}
	for goal in frappe.get_all(
		"Support Plan Goal",
		filters={"parent": ["in", plans], "parenttype": "Support Plan"},
		fields=["name", "parent", "area", "metric", "description", "baseline", "target", "current_value"],
		order_by="idx asc",
	):
		by_plan.setdefault(goal.parent, []).append(
			{
				"goal": goal.name,
				"label": f"{_(goal.area)}: {goal.description or _(goal.metric)} ({goal.baseline} \u2192 {goal.target})",
				"current_value": goal.current_value,
			}
		)
	return by_plan


def tier_2_support_types() -> list[dict]:
	return [
		{"name": row.name, "label": _(row.name)}
		for row in frappe.get_all(
			"Support Type",
			filters={"is_active": 1, "tier_2": 1},
			fields=["name"],
			order_by="name asc",
		)
	]


def todays_group_sessions() -> list[dict]:
	"""Group sessions dated today at the user's sites (the list rule), with their rosters."""
	sessions = frappe.get_list(
		"Group Session",
		filters={"session_date": nowdate()},
		fields=["name", "site", "support_type", "minutes", "attendance_count", "client_id"],
		order_by="creation asc",
		limit_page_length=0,
	)
	if not sessions:
		return []
	roster: dict[str, list[dict]] = {}
	for row in frappe.get_all(
		"Group Session Attendee",
		filters={"parent": ["in", [s.name for s in sessions]], "parenttype": "Group Session"},
		fields=["parent", "student", "student_name", "present"],
		order_by="idx asc",
	):
		roster.setdefault(row.parent, []).append(
			{"student": row.student, "student_name": row.student_name, "present": row.present}
		)
	return [{**session, "attendees": roster.get(session.name, [])} for session in sessions]


def select_options() -> dict[str, list[dict]]:
	"""The real options of the check-in's Select fields, with their translations."""
	meta = frappe.get_meta("Student Check-In")
	options = {}
	for field in ("contact_with", "contact_method"):
		values = [value for value in (meta.get_field(field).options or "").split("\n") if value]
		options[field] = [{"value": value, "label": _(value)} for value in values]
	return options


# ---------------------------------------------------------------- what the phone sends


@frappe.whitelist(methods=["POST"])
def sync(entries: list | str) -> list[dict]:
	"""Record the queued ``entries``; one answer per entry: {client_id, status, name, message}.

	While the database is not answering, the answer is HTTP 503 with Retry-After and a message saying
	that nothing was recorded (``cis_app.utils.services``); the page waits and sends the same entries."""
	with services.answering(
		_(
			"The server cannot reach its database just now. Nothing of this batch was recorded; the entries stay on "
			"the phone and the page sends them again in {0} seconds."
		).format(services.RETRY_SECONDS)
	):
		return _sync(entries)


def _sync(entries: list | str) -> list[dict]:
	require_staff()
	if isinstance(entries, str):
		try:
			entries = json.loads(entries)
		except (ValueError, RecursionError):
			entries = None
	if not isinstance(entries, list):
		frappe.throw(_("Send the queued entries as a list."), frappe.ValidationError)
	if len(entries) > offline_sync.MAX_BATCH:
		frappe.throw(
			_("Send at most {0} entries at a time; the page sends the rest next.").format(
				offline_sync.MAX_BATCH
			),
			frappe.ValidationError,
		)
	limit_sync_rate(len(entries))
	for attempt in range(1, SYNC_ATTEMPTS + 1):
		try:
			return record_batch(entries)
		except frappe.QueryDeadlockError:
			# two requests with the same entries at once (a phone with the page open in two tabs) can
			# deadlock on the unique index: nothing of this one is kept, so it runs again and answers
			# "duplicate" for what the other recorded
			frappe.db.rollback()
			if attempt == SYNC_ATTEMPTS:
				raise
			time.sleep(0.05 * attempt)


# tries of a batch that deadlocked with another request before the error reaches the phone (which
# sends the batch again itself)
SYNC_ATTEMPTS = 3


def record_batch(entries: list) -> list[dict]:
	"""One answer per entry (see ``sync``), in one transaction."""
	decisions = offline_sync.plan_batch(entries, existing_client_ids(entries))
	answers: list[dict] = []
	for index, (entry, decision) in enumerate(zip(entries, decisions, strict=True)):
		action = decision["action"]
		client_id = decision["client_id"]
		if action == offline_sync.REFUSED:
			answers.append(refused(client_id, problem_message(decision["problem"])))
		elif action == offline_sync.DUPLICATE:
			answers.append(duplicate(client_id, decision["name"]))
		elif action == offline_sync.SAME_AS_EARLIER:
			answers.append(offline_sync.answer_like(answers[decision["earlier"]], client_id))
		elif field := offline_sync.payload_problem(entry["kind"], entry["payload"]):
			answers.append(refused(client_id, bad_field_message(entry["kind"], field)))
		else:
			answers.append(insert_entry(index, client_id, entry["kind"], entry["payload"]))
	return answers


# One user's entries per minute: a phone's whole backlog after a weekend offline (three full batches)
# goes at once; a loop sending a full batch every second is stopped after a few seconds, answered 429
# with Retry-After, while everyone else's syncs go on (the count is per user, in Redis).
SYNC_ENTRIES_PER_MINUTE = 600
SYNC_WINDOW_SECONDS = 60


def limit_sync_rate(count: int) -> None:
	"""Count ``count`` entries against the user's minute; past ``SYNC_ENTRIES_PER_MINUTE`` refuse the
	batch (HTTP 429, nothing recorded) with the seconds to wait, also sent as Retry-After
	(``add_retry_after``). The page waits that long and sends the same entries again."""
	key = frappe.cache.make_key(f"cis-sync-rate:{frappe.session.user}")
	try:
		frappe.cache.set(key, 0, ex=SYNC_WINDOW_SECONDS, nx=True)
		used = frappe.cache.incrby(key, count)
		if used <= SYNC_ENTRIES_PER_MINUTE:
			return
		wait = max(1, int(frappe.cache.ttl(key) or SYNC_WINDOW_SECONDS))
	except services.REDIS_DOWN:
		# the count lives in the Redis cache: while it is down the batch is recorded uncounted (the
		# entries are the coordinator's work; the limit only guards against a runaway loop)
		return
	frappe.local.flags.cis_retry_after = wait
	frappe.throw(
		_(
			"Too many entries sent in a minute (at most {0}). Nothing of this batch was recorded; the page "
			"sends it again in {1} seconds."
		).format(SYNC_ENTRIES_PER_MINUTE, wait),
		frappe.RateLimitExceededError,
		title=_("Too Many Entries"),
	)


def add_retry_after(response=None, request=None) -> None:
	"""``after_request`` hook: a sync refused for its rate, or any request refused while Redis or MariaDB is
	down (``cis_app.utils.services``), says when to try again (Retry-After)."""
	wait = frappe.local.flags.get("cis_retry_after")
	if response is not None and wait and response.status_code in (429, 503):
		response.headers["Retry-After"] = str(wait)


def bad_field_message(kind: str, field: str) -> str:
	"""A refusal naming, by its label on the form, the field whose value is not of its type
	(``core.offline_sync.payload_problem``: ``field`` or ``table.row.field``)."""
	meta = frappe.get_meta(DOCTYPES[kind])
	name, *row = field.split(".")
	label = _(meta.get_label(name))
	if len(row) == 2:
		table = meta.get_field(name)
		cell = _(frappe.get_meta(table.options).get_label(row[1])) if table else row[1]
		return _("Row {0} of {1}: {2} is not a valid value. Fix or discard this entry.").format(
			row[0], label, cell
		)
	return _("{0} is not a valid value. Fix or discard this entry.").format(label)


def existing_client_ids(entries: list) -> dict[str, str]:
	"""{client_id: record name} for the batch's ids already stored (either DocType: an id is used once)."""
	ids = [
		client_id
		for entry in entries
		if isinstance(entry, dict) and (client_id := offline_sync.normalize_client_id(entry.get("client_id")))
	]
	if not ids:
		return {}
	existing = {}
	for doctype in DOCTYPES.values():
		# ids only, to answer "already recorded"; the record itself is named only if the user may read it
		for row in frappe.get_all(doctype, filters={"client_id": ["in", ids]}, fields=["name", "client_id"]):
			existing[row.client_id] = row.name
	return existing


def duplicate(client_id: str, name: str | None, committed_meanwhile: bool = False) -> dict:
	""""Already recorded", naming the record when the user may read it. ``committed_meanwhile``: the
	record was committed by another request after this transaction's snapshot, so it is read with a
	lock (which sees it) rather than from the snapshot (which does not)."""
	if committed_meanwhile and name:
		readable = any(
			frappe.db.get_value(doctype, name, "name", for_update=True)
			and frappe.has_permission(doctype, "read", doc=frappe.get_doc(doctype, name, for_update=True))
			for doctype in DOCTYPES.values()
		)
	else:
		readable = name and any(
			frappe.db.exists(doctype, name) and frappe.has_permission(doctype, "read", doc=name)
			for doctype in DOCTYPES.values()
		)
	return {
		"client_id": client_id,
		"status": offline_sync.DUPLICATE,
		"name": name if readable else None,
		"message": _("Already recorded."),
	}


def refused(client_id: str | None, message: str) -> dict:
	return {"client_id": client_id, "status": offline_sync.REFUSED, "name": None, "message": message}


def problem_message(problem: str) -> str:
	return {
		offline_sync.NOT_AN_ENTRY: _("This entry is not a check-in or a group session. Discard it."),
		offline_sync.BAD_CLIENT_ID: _(
			"This entry has no valid entry id. Discard it and record it again on the page."
		),
		offline_sync.UNKNOWN_KIND: _("This entry is neither a check-in nor a group session. Discard it."),
		offline_sync.NO_PAYLOAD: _("This entry is empty. Discard it and record it again."),
	}[problem]


def insert_entry(index: int, client_id: str, kind: str, payload: dict) -> dict:
	"""Insert one entry through its controller, as the user, inside a savepoint."""
	savepoint = f"cis_sync_{index}"
	messages_before = len(frappe.local.message_log)
	frappe.db.savepoint(savepoint)
	try:
		doc = build_document(kind, client_id, offline_sync.clean_payload(kind, payload))
		doc.insert()
	except (frappe.UniqueValidationError, frappe.DuplicateEntryError) as error:
		frappe.db.rollback(save_point=savepoint)
		# another request stored the same id between our look-up and this insert (if another unique
		# value clashed, it is a refusal like any other)
		# a locking read: it sees the other request's committed row, which this transaction's snapshot
		# (taken before that commit) does not
		name = frappe.db.get_value(DOCTYPES[kind], {"client_id": client_id}, "name", for_update=True)
		message = "" if name else refusal_message(error, kind, payload, messages_before)
		del frappe.local.message_log[messages_before:]
		return duplicate(client_id, name, committed_meanwhile=True) if name else refused(client_id, message)
	except (frappe.QueryDeadlockError, frappe.QueryTimeoutError):
		raise  # a passing database problem: the whole batch fails and the phone sends it again
	except Exception as error:
		frappe.db.rollback(save_point=savepoint)
		message = refusal_message(error, kind, payload, messages_before)
		del frappe.local.message_log[messages_before:]
		if not isinstance(error, frappe.ValidationError | frappe.PermissionError | frappe.DoesNotExistError):
			frappe.log_error(title=_("Check-in sync failed"), reference_doctype=DOCTYPES[kind])
		return refused(client_id, message)
	return {"client_id": client_id, "status": offline_sync.CREATED, "name": doc.name, "message": ""}


def build_document(kind: str, client_id: str, values: dict):
	if kind == offline_sync.CHECK_IN:
		if values.get("notes"):
			values["notes"] = "<p>{}</p>".format(escape_html(str(values["notes"])).replace("\n", "<br>"))
		if values.get("goal_updates"):
			values["goal_updates"] = goal_update_rows(values.get("support_plan"), values["goal_updates"])
		return frappe.get_doc({"doctype": "Student Check-In", **values, "client_id": client_id})
	for row in values.get("attendees") or []:
		row.setdefault("present", 1)
	return frappe.get_doc({"doctype": "Group Session", **values, "client_id": client_id})


def goal_update_rows(support_plan: str | None, rows: list[dict]) -> list[dict]:
	"""The phone sends goal and new value; the label and previous value are the plan's now (server
	wins), read with the desk's own method (read permission on the plan)."""
	if not support_plan:
		return rows  # the controller says "choose the support plan"

	goals = {goal["goal"]: goal for goal in get_goals(support_plan)}
	return [{**goals.get(row.get("goal"), {}), **row} for row in rows]


def refusal_message(error: Exception, kind: str, payload: dict, messages_before: int) -> str:
	"""The reason a user can act on, translated, as plain text."""
	student = payload.get("student") if kind == offline_sync.CHECK_IN else None
	if (
		isinstance(error, frappe.LinkValidationError | frappe.PermissionError | frappe.DoesNotExistError)
		and student
		and not can_see("Student", student)
	):
		# said the same way whether the student moved or never existed: nothing leaks about other sites
		return _(
			"{0} is not among the students of the sites you serve (moved to another site?). Check the student, then fix or discard this entry."
		).format(student)
	message = str(error) if isinstance(error, frappe.ValidationError | frappe.PermissionError) else ""
	if not message:
		logged = [
			(m if isinstance(m, dict) else frappe.parse_json(m)).get("message") or ""
			for m in frappe.local.message_log[messages_before:]
		]
		message = " ".join(str(m) for m in logged if m)
	if not message and isinstance(error, frappe.PermissionError):
		message = frappe.flags.pop("error_message", None) or _("You are not permitted to record this.")
	if not message:
		message = _("This entry could not be saved. Check it, then send it again or discard it.")
	return strip_html_tags(message).strip()


# ---------------------------------------------------------------- logging out anywhere

LOGOUT_PATHS = frozenset({"/api/method/logout", "/api/method/web_logout"})
# set by the phone page's script (www/cis/checkin_shell/app.js): this browser keeps the page's storage
PHONE_COOKIE = "cis_phone_storage"


def clear_phone_on_logout(response=None, request=None) -> None:
	"""``after_request`` hook: a browser that logs out (from the desk as well as from the page) is told
	to drop what this origin stored (``Clear-Site-Data``), so the cached caseload and queue never outlive
	the session on a shared phone. Only a browser that logs itself out and has opened the phone page
	(its script sets the ``PHONE_COOKIE``) gets it: another app's storage on the same site (a point of
	sale kept offline, say) is left alone in every other browser, as Frappe leaves it."""
	if not (response and request) or response.status_code != 200:
		return
	if not request.cookies.get(PHONE_COOKIE):
		return
	if request.path in LOGOUT_PATHS or (request.path == "/" and frappe.form_dict.get("cmd") == "logout"):
		response.headers["Clear-Site-Data"] = '"storage"'
		response.delete_cookie(PHONE_COOKIE, path="/")


# ---------------------------------------------------------------- the page's shell under /cis/

SHELL_DIR = os.path.join(os.path.dirname(os.path.dirname(__file__)), "www", "cis", "checkin_shell")
SHELL_FILES = {
	# route: (file, content type, extra headers)
	"cis/checkin-app.js": ("app.js", "text/javascript; charset=utf-8", {}),
	"cis/checkin-app.css": ("app.css", "text/css; charset=utf-8", {}),
	# served from /cis/ so its default scope already covers /cis/; the header says so explicitly
	"cis/checkin-sw.js": ("sw.js", "text/javascript; charset=utf-8", {"Service-Worker-Allowed": "/cis/"}),
}
MANIFEST_ROUTE = "cis/checkin.webmanifest"


def manifest() -> dict:
	"""The web app manifest: installs the page on the home screen, opening standalone."""
	return {
		"name": _("CIS Quick Check-In"),
		"short_name": _("Check-In"),
		"description": _("Record check-ins and group rosters on a phone, online or offline."),
		"start_url": "/cis/checkin",
		"scope": "/cis/",
		"display": "standalone",
		"background_color": "#ffffff",
		"theme_color": "#1d4ed8",
		"lang": frappe.local.lang or "en",
		"icons": [
			{
				"src": f"/cis/checkin-icon-{size}.png",
				"sizes": f"{size}x{size}",
				"type": "image/png",
				"purpose": "any maskable",
			}
			for size in (192, 512)
		],
	}


class CheckinShellPage(BaseRenderer):
	"""Serves the page's script, style, manifest and service worker under /cis/ (Frappe's own static
	renderer refuses .js, .css and .json files in www). They hold no user or student data."""

	def can_render(self) -> bool:
		return self.path in SHELL_FILES or self.path == MANIFEST_ROUTE

	def render(self):
		if self.path == MANIFEST_ROUTE:
			body, content_type, headers = (
				frappe.as_json(manifest()),
				"application/manifest+json; charset=utf-8",
				{},
			)
		else:
			filename, content_type, headers = SHELL_FILES[self.path]
			with open(os.path.join(SHELL_DIR, filename), "rb") as shell_file:
				body = shell_file.read()
		response = Response(body, status=200, content_type=content_type)
		# no stale shell after an upgrade: the service worker keeps its own copy for offline use
		response.headers["Cache-Control"] = "no-cache"
		for key, value in headers.items():
			response.headers[key] = value
		return response
