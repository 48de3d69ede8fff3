"""Entries made on a phone without a connection, and how the server takes them in.

A coordinator's phone keeps a queue of check-ins and group-session rosters. Each entry carries an id
made on the phone when the entry was created (``crypto.randomUUID()``), so sending it again (a retry,
a double tap, two tabs) never records it twice: the id is stored on the record (``client_id``, a
unique column) and an entry whose id already exists is answered "duplicate" with the existing record.

This module holds the rules that need no database: the id's format, which fields of an entry the
server accepts, the decision for each entry of a batch, and when the phone's cached caseload expires.
The Frappe layer (``cis_app.api.checkin``) loads what exists, inserts through the normal controllers
and turns the problem codes below into translated sentences.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

CHECK_IN = "check_in"
GROUP_SESSION = "group_session"
KINDS = (CHECK_IN, GROUP_SESSION)

# Answers per entry
CREATED = "created"
DUPLICATE = "duplicate"
REFUSED = "refused"

# Decisions per entry, before anything is written
INSERT = "insert"
SAME_AS_EARLIER = "same_as_earlier"  # the same id earlier in this batch: same answer as that entry

# Problem codes (the Frappe layer words them)
NOT_AN_ENTRY = "not_an_entry"
BAD_CLIENT_ID = "bad_client_id"
UNKNOWN_KIND = "unknown_kind"
NO_PAYLOAD = "no_payload"

MAX_BATCH = 200
DEFAULT_CACHE_HOURS = 12
MAX_CACHE_HOURS = 168  # a week: a phone left in a drawer must not keep student data longer

# A UUID as crypto.randomUUID() writes it (any version; upper case accepted, stored lower case).
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")

# What a phone may set, per kind. Everything else (site, owner, name, school year, timestamps) is the
# server's: the controllers derive it, and a value sent by the phone is dropped.
ALLOWED_FIELDS = {
	CHECK_IN: (
		"student",
		"checkin_date",
		"contact_with",
		"contact_method",
		"is_formal_meeting",
		"minutes",
		"follow_up_date",
		"support_plan",
		"notes",
		"goal_updates",
	),
	GROUP_SESSION: (
		"site",
		"support_type",
		"session_date",
		"minutes",
		"provider_type",
		"partner",
		"notes",
		"attendees",
	),
}
ALLOWED_ROW_FIELDS = {
	"goal_updates": ("goal", "new_value"),
	"attendees": ("student", "present"),
}


def normalize_client_id(value: object) -> str | None:
	"""The entry id in its stored form (lower case), or None when it is not a UUID."""
	if not isinstance(value, str):
		return None
	value = value.strip().lower()
	return value if _UUID.match(value) else None


def entry_problem(entry: object) -> str | None:
	"""Why an entry cannot be taken at all (a problem code), or None when its shape is right."""
	if not isinstance(entry, dict):
		return NOT_AN_ENTRY
	if normalize_client_id(entry.get("client_id")) is None:
		return BAD_CLIENT_ID
	if entry.get("kind") not in KINDS:
		return UNKNOWN_KIND
	if not isinstance(entry.get("payload"), dict) or not entry["payload"]:
		return NO_PAYLOAD
	return None


# The type of each field a phone may send (anything else in it is refused, never coerced: "abc"
# minutes are not 0, and an object in the notes is not text).
WHOLE_NUMBER_FIELDS = ("minutes",)
CHECK_FIELDS = ("is_formal_meeting", "present")
NUMBER_FIELDS = ("new_value",)


def _whole_number(value: object) -> bool:
	if isinstance(value, bool):
		return False
	if isinstance(value, int):
		return value >= 0
	return isinstance(value, str) and value.strip().isdigit()


def _number(value: object) -> bool:
	if isinstance(value, bool):
		return False
	if isinstance(value, int | float):
		return value == value and value not in (float("inf"), float("-inf"))
	if isinstance(value, str):
		try:
			float(value.strip())
		except ValueError:
			return False
		return value.strip().lower() not in ("nan", "inf", "-inf", "+inf", "infinity", "-infinity")
	return False


def _field_ok(field: str, value: object) -> bool:
	if value is None:
		return True
	if field in WHOLE_NUMBER_FIELDS:
		return _whole_number(value)
	if field in CHECK_FIELDS:
		return value in (0, 1) or value in ("0", "1")
	if field in NUMBER_FIELDS:
		return value == "" or _number(value)
	return isinstance(value, str)


def payload_problem(kind: str, payload: dict) -> str | None:
	"""The first field a phone may set (``ALLOWED_FIELDS``) whose value in ``payload`` is not of its
	type, as ``field`` or ``table.row.field`` (rows counted from 1), or None: a whole number of 0 or
	more for minutes, 0 or 1 for a check, a number for a goal's new value, text for the rest, a list
	for a table. Fields ``clean_payload`` drops are not looked at."""
	for field in ALLOWED_FIELDS[kind]:
		value = payload.get(field)
		if field in ALLOWED_ROW_FIELDS:
			if value is None:
				continue
			if not isinstance(value, list):
				return field
			for position, row in enumerate(value, start=1):
				for key in ALLOWED_ROW_FIELDS[field] if isinstance(row, dict) else ():
					if not _field_ok(key, row.get(key)):
						return f"{field}.{position}.{key}"
		elif not _field_ok(field, value):
			return field
	return None


def clean_payload(kind: str, payload: dict) -> dict:
	"""Only the fields a phone may set for ``kind`` (child rows likewise); the rest is dropped."""
	values = {}
	for field in ALLOWED_FIELDS[kind]:
		if field not in payload:
			continue
		value = payload[field]
		if field in ALLOWED_ROW_FIELDS:
			allowed = ALLOWED_ROW_FIELDS[field]
			value = [
				{key: row[key] for key in allowed if key in row}
				for row in (value or [])
				if isinstance(row, dict)
			]
		values[field] = value
	return values


def plan_batch(entries: list, existing: dict[str, str]) -> list[dict]:
	"""The decision for each entry of a batch, in order, before anything is written.

	``existing``: {client_id: name of the record already holding it}. Each decision is a dict with
	``client_id`` (normalised, or the raw value when invalid), ``action`` (INSERT, DUPLICATE,
	SAME_AS_EARLIER or REFUSED) and, as the action needs, ``name`` (the existing record), ``problem``
	(a code) or ``earlier`` (the index of the first entry with this id in the batch).
	"""
	decisions = []
	first_index: dict[str, int] = {}
	for index, entry in enumerate(entries):
		problem = entry_problem(entry)
		raw_id = entry.get("client_id") if isinstance(entry, dict) else None
		if problem:
			decisions.append({"client_id": raw_id, "action": REFUSED, "problem": problem})
			continue
		client_id = normalize_client_id(raw_id)
		if client_id in existing:
			decisions.append({"client_id": client_id, "action": DUPLICATE, "name": existing[client_id]})
		elif client_id in first_index:
			decisions.append(
				{"client_id": client_id, "action": SAME_AS_EARLIER, "earlier": first_index[client_id]}
			)
		else:
			first_index[client_id] = index
			decisions.append({"client_id": client_id, "action": INSERT})
	return decisions


def answer_like(earlier: dict, client_id: str) -> dict:
	"""The answer for a repeat of an entry in the same batch: a record the first one created is a
	duplicate of it; a refusal is repeated."""
	if earlier["status"] in (CREATED, DUPLICATE):
		return {"client_id": client_id, "status": DUPLICATE, "name": earlier["name"], "message": ""}
	return {**earlier, "client_id": client_id}


def cache_hours(value: object) -> int:
	"""The hours a phone may keep the caseload: the setting, or the default when it is not set (an
	empty Int is stored as 0); never more than a week."""
	try:
		hours = int(value or 0)
	except (TypeError, ValueError):
		hours = 0
	if hours <= 0:
		return DEFAULT_CACHE_HOURS
	return min(hours, MAX_CACHE_HOURS)


def cache_expires_at(fetched_at: datetime, hours: object) -> datetime:
	"""When a caseload fetched at ``fetched_at`` must no longer be shown."""
	return fetched_at + timedelta(hours=cache_hours(hours))


def is_cache_expired(fetched_at: datetime | None, now: datetime, hours: object) -> bool:
	"""True when there is no fetch time, the fetch lies in the future (a clock moved back: not to be
	trusted), or ``now`` is at or past the expiry."""
	if fetched_at is None or fetched_at > now:
		return True
	return now >= cache_expires_at(fetched_at, hours)
