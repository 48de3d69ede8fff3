from datetime import datetime, timedelta

import pytest

from cis_app.core import offline_sync as sync

ID_A = "0b9d6c1e-2f4a-4c8e-9a51-3d2e7f6a1b01"
ID_B = "5f3c2a10-8b7d-4e6f-a1c2-9d8e7f6a5b02"
ID_C = "9e8d7c6b-5a49-4382-b716-05f4e3d2c103"


def entry(client_id=ID_A, kind="check_in", payload=None):
	return {"client_id": client_id, "kind": kind, "payload": payload or {"student": "STU-1"}}


# ---------------------------------------------------------------- the entry id


def test_a_uuid_from_the_phone_is_kept_in_lower_case():
	assert sync.normalize_client_id(ID_A) == ID_A
	assert sync.normalize_client_id(ID_A.upper()) == ID_A
	assert sync.normalize_client_id(f"  {ID_A} ") == ID_A


@pytest.mark.parametrize(
	"value",
	[None, "", 42, "not-a-uuid", ID_A[:-1], ID_A + "0", ID_A.replace("-", ""), "g" + ID_A[1:], [ID_A]],
)
def test_anything_but_a_uuid_is_not_an_entry_id(value):
	assert sync.normalize_client_id(value) is None


@pytest.mark.parametrize(
	"bad, problem",
	[
		("a string", sync.NOT_AN_ENTRY),
		(None, sync.NOT_AN_ENTRY),
		({"kind": "check_in", "payload": {"student": "S"}}, sync.BAD_CLIENT_ID),
		({"client_id": "123", "kind": "check_in", "payload": {"student": "S"}}, sync.BAD_CLIENT_ID),
		({"client_id": ID_A, "kind": "referral", "payload": {"student": "S"}}, sync.UNKNOWN_KIND),
		({"client_id": ID_A, "payload": {"student": "S"}}, sync.UNKNOWN_KIND),
		({"client_id": ID_A, "kind": "check_in", "payload": {}}, sync.NO_PAYLOAD),
		({"client_id": ID_A, "kind": "check_in", "payload": "student=S"}, sync.NO_PAYLOAD),
	],
)
def test_malformed_entries_are_named(bad, problem):
	assert sync.entry_problem(bad) == problem


def test_a_well_formed_entry_has_no_problem():
	assert sync.entry_problem(entry()) is None
	assert sync.entry_problem(entry(kind="group_session", payload={"site": "A"})) is None


# ---------------------------------------------------------------- what the phone may set


def test_only_the_fields_a_phone_may_set_are_kept():
	payload = {
		"student": "STU-1",
		"checkin_date": "2026-11-20",
		"minutes": 15,
		"site": "Another Site",
		"owner": "someone@example.com",
		"creation": "2020-01-01 00:00:00",
		"name": "SCI-X",
		"client_id": ID_B,
		"goal_updates": [{"goal": "G1", "new_value": 93, "previous_value": 10, "goal_label": "x"}, "junk"],
	}
	assert sync.clean_payload("check_in", payload) == {
		"student": "STU-1",
		"checkin_date": "2026-11-20",
		"minutes": 15,
		"goal_updates": [{"goal": "G1", "new_value": 93}],
	}


def test_a_roster_keeps_student_and_presence_only():
	payload = {
		"site": "A",
		"support_type": "Tutoring",
		"school_year": "2020-21",
		"attendance_count": 99,
		"attendees": [{"student": "S1", "present": 1, "student_name": "Ann"}, {"student": "S2"}],
	}
	assert sync.clean_payload("group_session", payload) == {
		"site": "A",
		"support_type": "Tutoring",
		"attendees": [{"student": "S1", "present": 1}, {"student": "S2"}],
	}


# ---------------------------------------------------------------- the decision per entry


def test_new_ids_are_inserted_and_known_ids_are_duplicates():
	decisions = sync.plan_batch([entry(ID_A), entry(ID_B)], existing={ID_B: "SCI-0007"})
	assert decisions == [
		{"client_id": ID_A, "action": sync.INSERT},
		{"client_id": ID_B, "action": sync.DUPLICATE, "name": "SCI-0007"},
	]


def test_a_known_id_in_another_case_is_still_a_duplicate():
	decisions = sync.plan_batch([entry(ID_A.upper())], existing={ID_A: "SCI-0001"})
	assert decisions == [{"client_id": ID_A, "action": sync.DUPLICATE, "name": "SCI-0001"}]


def test_the_same_entry_twice_in_one_batch_is_inserted_once():
	decisions = sync.plan_batch([entry(ID_A), entry(ID_C), entry(ID_A)], existing={})
	assert [d["action"] for d in decisions] == [sync.INSERT, sync.INSERT, sync.SAME_AS_EARLIER]
	assert decisions[2] == {"client_id": ID_A, "action": sync.SAME_AS_EARLIER, "earlier": 0}


def test_a_malformed_entry_is_refused_without_stopping_the_others():
	decisions = sync.plan_batch([entry("nope"), "junk", entry(ID_B)], existing={})
	assert decisions == [
		{"client_id": "nope", "action": sync.REFUSED, "problem": sync.BAD_CLIENT_ID},
		{"client_id": None, "action": sync.REFUSED, "problem": sync.NOT_AN_ENTRY},
		{"client_id": ID_B, "action": sync.INSERT},
	]


def test_a_repeat_answers_like_the_first():
	created = {"client_id": ID_A, "status": sync.CREATED, "name": "SCI-9", "message": ""}
	assert sync.answer_like(created, ID_A) == {
		"client_id": ID_A,
		"status": sync.DUPLICATE,
		"name": "SCI-9",
		"message": "",
	}
	refused = {"client_id": ID_A, "status": sync.REFUSED, "name": None, "message": "Date is in the future"}
	assert sync.answer_like(refused, ID_A) == refused


# ---------------------------------------------------------------- how long the phone keeps the caseload


@pytest.mark.parametrize(
	"setting, hours", [(None, 12), (0, 12), ("", 12), (-3, 12), ("x", 12), (1, 1), (24, 24), (500, 168)]
)
def test_cache_hours_come_from_the_setting_within_limits(setting, hours):
	assert sync.cache_hours(setting) == hours


def test_the_cache_expires_exactly_after_the_set_hours():
	fetched = datetime(2026, 11, 28, 7, 30)
	assert sync.cache_expires_at(fetched, 12) == datetime(2026, 11, 28, 19, 30)
	assert not sync.is_cache_expired(fetched, fetched + timedelta(hours=11, minutes=59), 12)
	assert sync.is_cache_expired(fetched, fetched + timedelta(hours=12), 12)
	assert sync.is_cache_expired(fetched, fetched + timedelta(hours=2), 1)


def test_a_cache_without_a_time_or_from_the_future_is_expired():
	now = datetime(2026, 11, 28, 9, 0)
	assert sync.is_cache_expired(None, now, 12)
	assert sync.is_cache_expired(now + timedelta(minutes=5), now, 12)


# ---------------------------------------------------------------- types: refused, never coerced


@pytest.mark.parametrize(
	"kind, payload, problem",
	[
		("check_in", {"student": "S1", "minutes": 15, "notes": "ok", "is_formal_meeting": 1}, None),
		("check_in", {"student": "S1", "minutes": "20", "is_formal_meeting": True}, None),
		("check_in", {"student": "S1", "minutes": "abc"}, "minutes"),
		("check_in", {"student": "S1", "minutes": -5}, "minutes"),
		("check_in", {"student": "S1", "minutes": 1.5}, "minutes"),
		("check_in", {"student": "S1", "minutes": True}, "minutes"),
		("check_in", {"student": "S1", "notes": {"a": {"b": 1}}}, "notes"),
		("check_in", {"student": "S1", "notes": ["x"]}, "notes"),
		("check_in", {"student": ["S1"]}, "student"),
		("check_in", {"student": "S1", "is_formal_meeting": "yes"}, "is_formal_meeting"),
		("check_in", {"student": "S1", "goal_updates": {"goal": "G1"}}, "goal_updates"),
		("check_in", {"student": "S1", "goal_updates": [{"goal": "G1", "new_value": "9.5"}]}, None),
		(
			"check_in",
			{"student": "S1", "goal_updates": [{"goal": "G1", "new_value": "nan"}]},
			"goal_updates.1.new_value",
		),
		("check_in", {"student": "S1", "goal_updates": ["junk", {"goal": {"x": 1}}]}, "goal_updates.2.goal"),
		(
			"group_session",
			{"site": "A", "attendees": [{"student": "S1", "present": "yes"}]},
			"attendees.1.present",
		),
		("group_session", {"site": "A", "owner": {"not": "looked at"}}, None),
	],
)
def test_a_value_of_the_wrong_type_names_its_field(kind, payload, problem):
	assert sync.payload_problem(kind, payload) == problem
