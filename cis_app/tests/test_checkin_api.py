# Copyright (c) 2026, cis_app contributors and contributors
# For license information, please see license.txt
"""The coordinator's phone: the caseload it caches and the queue it sends (cis_app.api.checkin)."""

from __future__ import annotations

import uuid
from threading import Thread
from unittest.mock import patch

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, get_test_client, nowdate

from cis_app.api import checkin as checkin_api
from cis_app.permissions.scope import clear_scope_cache
from cis_app.tests.factories import (
	TwoSites,
	api_token,
	http,
	make_active_plan,
	make_consent,
	make_school_year,
	make_student,
	school_year_covering,
)

WEBSITE_USER = "cis-phone-website-user@example.com"


def new_id() -> str:
	return str(uuid.uuid4())


def check_in(student: str, client_id: str | None = None, **values) -> dict:
	payload = {
		"student": student,
		"checkin_date": values.pop("checkin_date", nowdate()),
		"contact_with": "Student",
		"contact_method": "In Person",
		"minutes": 15,
		"notes": "Talked about the math test.",
		**values,
	}
	return {
		"client_id": client_id or new_id(),
		"kind": "check_in",
		"payload": payload,
		"recorded_at_device": "2026-01-01T08:00:00Z",
	}


def group_session(site: str, students: list[str], client_id: str | None = None, **values) -> dict:
	payload = {
		"site": site,
		"support_type": "Tutoring",
		"session_date": nowdate(),
		"minutes": 30,
		"attendees": [{"student": student, "present": 1} for student in students],
		**values,
	}
	return {"client_id": client_id or new_id(), "kind": "group_session", "payload": payload}


def make_website_user(email: str = WEBSITE_USER) -> str:
	if not frappe.db.exists("User", email):
		frappe.get_doc(
			{"doctype": "User", "email": email, "first_name": "Web", "user_type": "Website User"}
		).insert(ignore_permissions=True)
	return email


def count(doctype: str, client_id: str, fresh: bool = False) -> int:
	if fresh:
		frappe.db.rollback()  # a new snapshot: see what the WSGI thread committed
	return frappe.db.count(doctype, {"client_id": client_id})


class TestCheckinSync(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		cls.net = TwoSites.build()
		# check-ins are dated today and up to 3 days before: one school year holds them all
		school_year_covering(add_days(nowdate(), -3), nowdate())
		cls.student_a = make_student(cls.net.site_a, first_name="Phone", last_name="Alpha").name
		cls.student_a2 = make_student(cls.net.site_a, first_name="Phone", last_name="Beta").name
		cls.student_b = make_student(cls.net.site_b, first_name="Phone", last_name="Gamma").name
		make_website_user()
		clear_scope_cache()

	def setUp(self):
		clear_scope_cache()
		frappe.set_user(self.net.coordinator_a)

	def tearDown(self):
		frappe.set_user("Administrator")

	def sync(self, *entries) -> list[dict]:
		return checkin_api.sync(list(entries))

	# ------------------------------------------------------------ idempotence

	def test_the_same_entry_sent_twice_is_one_check_in(self):
		entry = check_in(self.student_a)
		first = self.sync(entry)
		second = self.sync(entry)
		self.assertEqual(first[0]["status"], "created")
		self.assertEqual(
			second,
			[
				{
					"client_id": entry["client_id"],
					"status": "duplicate",
					"name": first[0]["name"],
					"message": "Already recorded.",
				}
			],
		)
		self.assertEqual(count("Student Check-In", entry["client_id"]), 1)
		stored = frappe.get_doc("Student Check-In", first[0]["name"])
		self.assertEqual(
			(stored.student, stored.site, stored.owner, stored.minutes, stored.contact_with),
			(self.student_a, self.net.site_a, self.net.coordinator_a, 15, "Student"),
		)

	def test_a_double_tap_in_one_batch_is_one_check_in(self):
		entry = check_in(self.student_a)
		answers = self.sync(entry, entry)
		self.assertEqual([a["status"] for a in answers], ["created", "duplicate"])
		self.assertEqual(answers[0]["name"], answers[1]["name"])
		self.assertEqual(count("Student Check-In", entry["client_id"]), 1)

	def test_an_id_in_capitals_is_the_same_entry(self):
		entry = check_in(self.student_a)
		self.sync(entry)
		again = {**entry, "client_id": entry["client_id"].upper()}
		self.assertEqual(self.sync(again)[0]["status"], "duplicate")
		self.assertEqual(count("Student Check-In", entry["client_id"]), 1)

	def test_a_race_on_the_unique_index_answers_duplicate(self):
		"""Another request stores the id between the look-up and the insert: the unique index refuses
		the second insert and the answer is the first record."""
		entry = check_in(self.student_a)
		first = self.sync(entry)[0]
		answer = checkin_api.insert_entry(0, entry["client_id"], "check_in", entry["payload"])
		self.assertEqual((answer["status"], answer["name"]), ("duplicate", first["name"]))
		self.assertEqual(count("Student Check-In", entry["client_id"]), 1)

	# ------------------------------------------------------------ refusals

	def test_one_refusal_does_not_stop_the_others(self):
		good_1, future, good_2 = (
			check_in(self.student_a),
			check_in(self.student_a, checkin_date=add_days(nowdate(), 2)),
			check_in(self.student_a2, notes="Second"),
		)
		messages_before = len(frappe.local.message_log)
		answers = self.sync(good_1, future, good_2)
		self.assertEqual([a["status"] for a in answers], ["created", "refused", "created"])
		self.assertIn("future", answers[1]["message"].lower())
		self.assertIsNone(answers[1]["name"])
		self.assertEqual(
			[count("Student Check-In", e["client_id"]) for e in (good_1, future, good_2)], [1, 0, 1]
		)
		# nothing of the refusal is left in the response's messages (no error popup on the desk)
		self.assertEqual(len(frappe.local.message_log), messages_before)

	def test_a_student_of_another_site_is_refused_with_the_reason(self):
		entry = check_in(self.student_b)
		answer = self.sync(entry)[0]
		self.assertEqual(answer["status"], "refused")
		self.assertEqual(
			answer["message"],
			f"{self.student_b} is not among the students of the sites you serve (moved to another site?). "
			"Check the student, then fix or discard this entry.",
		)
		self.assertEqual(count("Student Check-In", entry["client_id"]), 0)

	def test_a_student_who_moved_site_while_queued_is_refused(self):
		frappe.set_user("Administrator")
		mover = make_student(self.net.site_a).name
		frappe.set_user(self.net.coordinator_a)
		entry = check_in(mover)  # queued on the phone while the student was at site A
		frappe.db.set_value("Student", mover, "site", self.net.site_b)
		answer = self.sync(entry)[0]
		self.assertEqual(answer["status"], "refused")
		self.assertIn("is not among the students of the sites you serve", answer["message"])
		self.assertEqual(count("Student Check-In", entry["client_id"]), 0)

	def test_a_revoked_consent_refuses_check_ins_from_that_day(self):
		frappe.set_user("Administrator")
		student = make_student(self.net.site_a).name
		make_consent(student, signed_date=add_days(nowdate(), -30), revoked_date=add_days(nowdate(), -2))
		frappe.set_user(self.net.coordinator_a)
		after, before = check_in(student), check_in(student, checkin_date=add_days(nowdate(), -3))
		answers = self.sync(after, before)
		self.assertEqual([a["status"] for a in answers], ["refused", "created"])
		self.assertIn("revoked the case-management consent", answers[0]["message"])
		self.assertEqual(count("Student Check-In", after["client_id"]), 0)

	def test_a_new_consent_after_a_revocation_allows_check_ins_again(self):
		frappe.set_user("Administrator")
		student = make_student(self.net.site_a).name
		make_consent(student, signed_date=add_days(nowdate(), -30), revoked_date=add_days(nowdate(), -5))
		make_consent(student, signed_date=add_days(nowdate(), -1))
		frappe.set_user(self.net.coordinator_a)
		self.assertEqual(self.sync(check_in(student))[0]["status"], "created")

	def test_malformed_entries_are_refused_one_by_one(self):
		good = check_in(self.student_a)
		answers = self.sync(
			{**check_in(self.student_a), "client_id": "12345"},
			{**check_in(self.student_a), "kind": "referral"},
			good,
		)
		self.assertEqual([a["status"] for a in answers], ["refused", "refused", "created"])
		self.assertEqual(
			answers[0]["message"],
			"This entry has no valid entry id. Discard it and record it again on the page.",
		)
		with self.assertRaises(frappe.ValidationError):
			checkin_api.sync({"client_id": new_id()})

	def test_values_of_the_wrong_type_are_refused_for_that_entry_not_coerced(self):
		entries = [
			check_in(self.student_a, minutes="abc"),
			check_in(self.student_a, notes={"a": {"b": {"c": "nested"}}}),
			check_in(self.student_a, minutes=-5),
			group_session(self.net.site_a, [], attendees=[{"student": self.student_a, "present": "yes"}]),
			check_in(self.student_a, minutes="20"),
		]
		answers = self.sync(*entries)
		self.assertEqual([a["status"] for a in answers], ["refused"] * 4 + ["created"])
		self.assertEqual(answers[0]["message"], "Minutes is not a valid value. Fix or discard this entry.")
		self.assertEqual(answers[1]["message"], "Notes is not a valid value. Fix or discard this entry.")
		self.assertIn("Row 1 of Students", answers[3]["message"])
		for entry in entries[:4]:
			self.assertEqual(count("Student Check-In", entry["client_id"]), 0)
			self.assertEqual(count("Group Session", entry["client_id"]), 0)
		self.assertEqual(frappe.db.get_value("Student Check-In", answers[4]["name"], "minutes"), 20)

	def test_entries_that_are_not_json_are_a_clear_refusal(self):
		for entries in ("not json", "[{", "{}", "[" * 100_000 + "]" * 100_000):
			with self.assertRaises(frappe.ValidationError):
				checkin_api.sync(entries)

	def test_the_phone_cannot_set_what_the_server_decides(self):
		entry = check_in(self.student_a, site=self.net.site_b, owner="someone@example.com", name="SCI-HIJACK")
		answer = self.sync(entry)[0]
		stored = frappe.get_doc("Student Check-In", answer["name"])
		self.assertEqual(
			(stored.site, stored.owner, stored.name != "SCI-HIJACK"),
			(self.net.site_a, self.net.coordinator_a, True),
		)
		self.assertEqual(stored.notes, "<p>Talked about the math test.</p>")

	def test_a_note_is_kept_as_text_not_markup(self):
		answer = self.sync(check_in(self.student_a, notes="<img src=x onerror=alert(1)>\nline two"))[0]
		notes = frappe.db.get_value("Student Check-In", answer["name"], "notes")
		self.assertNotIn("<img", notes)
		self.assertIn("&lt;img", notes)

	def test_goal_updates_reach_the_plan_with_the_servers_previous_value(self):
		frappe.set_user("Administrator")
		student = make_student(self.net.site_a).name
		plan = make_active_plan(student)
		goal = plan.goals[0].name
		frappe.set_user(self.net.coordinator_a)
		entry = check_in(
			student,
			support_plan=plan.name,
			goal_updates=[{"goal": goal, "new_value": 93, "previous_value": 1}],
		)
		answer = self.sync(entry)[0]
		self.assertEqual(answer["status"], "created", answer["message"])
		row = frappe.get_doc("Student Check-In", answer["name"]).goal_updates[0]
		self.assertEqual((row.goal, row.previous_value, row.new_value), (goal, 0, 93))
		self.assertEqual(frappe.db.get_value("Support Plan Goal", goal, "current_value"), 93)

	# ------------------------------------------------------------ group sessions

	def test_a_group_session_roster_is_recorded_once(self):
		entry = group_session(self.net.site_a, [self.student_a, self.student_a2])
		first = self.sync(entry)[0]
		self.assertEqual(first["status"], "created", first["message"])
		session = frappe.get_doc("Group Session", first["name"])
		self.assertEqual(
			(sorted(row.student for row in session.attendees), session.attendance_count, session.client_id),
			(sorted([self.student_a, self.student_a2]), 2, entry["client_id"]),
		)
		self.assertEqual(self.sync(entry)[0]["status"], "duplicate")
		self.assertEqual(count("Group Session", entry["client_id"]), 1)

	def test_a_roster_with_a_student_of_another_site_is_refused(self):
		entry = group_session(self.net.site_a, [self.student_a, self.student_b])
		answer = self.sync(entry)[0]
		self.assertEqual(answer["status"], "refused")
		self.assertIn(f"Could not find Row #2: Student: {self.student_b}", answer["message"])
		self.assertEqual(count("Group Session", entry["client_id"]), 0)

	def test_a_group_session_at_a_site_not_served_is_refused(self):
		answer = self.sync(group_session(self.net.site_b, [self.student_b]))[0]
		self.assertEqual(answer["status"], "refused")
		self.assertNotEqual(answer["message"], "")

	# ------------------------------------------------------------ the caseload

	def test_the_caseload_holds_my_sites_students_only(self):
		data = checkin_api.caseload()
		names = {row["name"] for row in data["students"]}
		self.assertIn(self.student_a, names)
		self.assertNotIn(self.student_b, names)
		self.assertEqual(data["sites"], [self.net.site_a])
		self.assertEqual(data["user"], self.net.coordinator_a)
		self.assertEqual(data["cache_hours"], checkin_api.get_cache_hours())
		self.assertEqual([o["value"] for o in data["options"]["contact_method"]][:2], ["In Person", "Phone"])
		frappe.set_user(self.net.coordinator_none)
		clear_scope_cache()
		self.assertEqual(checkin_api.caseload()["students"], [])

	def test_todays_group_sessions_are_listed_with_their_roster(self):
		created = self.sync(group_session(self.net.site_a, [self.student_a]))[0]
		sessions = {s["name"]: s for s in checkin_api.caseload()["group_sessions"]}
		self.assertEqual([a["student"] for a in sessions[created["name"]]["attendees"]], [self.student_a])
		frappe.set_user(self.net.coordinator_b)
		clear_scope_cache()
		self.assertNotIn(created["name"], {s["name"] for s in checkin_api.caseload()["group_sessions"]})

	def test_the_cache_hours_come_from_cis_settings(self):
		before = frappe.db.get_single_value("CIS Settings", "offline_cache_hours")
		try:
			frappe.db.set_single_value("CIS Settings", "offline_cache_hours", 5)
			self.assertEqual(checkin_api.caseload()["cache_hours"], 5)
			frappe.db.set_single_value("CIS Settings", "offline_cache_hours", 0)
			self.assertEqual(checkin_api.session()["cache_hours"], 12)
		finally:
			frappe.db.set_single_value("CIS Settings", "offline_cache_hours", before)

	# ------------------------------------------------------------ who may call it

	def test_only_staff_may_call_it(self):
		entry = check_in(self.student_a)
		for user in (self.net.partner_manager, self.net.evaluator, WEBSITE_USER, "Guest"):
			frappe.set_user(user)
			for method, args in (
				(checkin_api.caseload, ()),
				(checkin_api.session, ()),
				(checkin_api.sync, ([entry],)),
			):
				with self.assertRaises(frappe.PermissionError, msg=f"{user} {method.__name__}"):
					method(*args)
		frappe.set_user("Administrator")
		self.assertEqual(count("Student Check-In", entry["client_id"]), 0)


def guest_request(method: str, path: str, **kwargs):
	"""One request without credentials, through Frappe's WSGI application."""
	site = frappe.local.site
	client = get_test_client(use_cookies=False)
	result = {}

	def run():
		with patch("frappe.app.get_site_name", return_value=site):
			result["response"] = getattr(client, method)(path, **kwargs)

	thread = Thread(target=run)
	thread.start()
	thread.join()
	return result["response"]


class TestCheckinHttp(FrappeTestCase):
	"""The page and the API over HTTP (token auth). The requests run in another thread with their own
	database connection, so this class commits its records and deletes them afterwards."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		cls.net = TwoSites.build()
		make_school_year()
		make_website_user()
		cls.student_a = make_student(cls.net.site_a).name
		cls.tokens = {
			user: api_token(user)
			for user in (
				cls.net.coordinator_a,
				cls.net.coordinator_b,
				cls.net.partner_manager,
				cls.net.evaluator,
				WEBSITE_USER,
			)
		}
		frappe.db.commit()  # nosemgrep: the WSGI thread reads through its own connection

	@classmethod
	def tearDownClass(cls):
		frappe.set_user("Administrator")
		for name in frappe.get_all("Student Check-In", {"student": cls.student_a}, pluck="name"):
			frappe.delete_doc("Student Check-In", name, force=True, ignore_permissions=True)
		frappe.delete_doc("Student", cls.student_a, force=True, ignore_permissions=True)
		frappe.db.commit()  # nosemgrep
		super().tearDownClass()

	def test_the_page_is_for_staff_only(self):
		ok = http("get", "/cis/checkin", self.tokens[self.net.coordinator_a])
		self.assertEqual(ok.status_code, 200)
		self.assertIn('id="checkin-config"', ok.get_data(as_text=True))
		for user in (self.net.partner_manager, self.net.evaluator, WEBSITE_USER):
			self.assertEqual(http("get", "/cis/checkin", self.tokens[user]).status_code, 403, user)
		guest = guest_request("get", "/cis/checkin")
		self.assertEqual(guest.status_code, 302)
		self.assertEqual(guest.headers["Location"], "/login?redirect-to=/cis/checkin")

	def test_the_api_refuses_everyone_but_staff(self):
		entry = check_in(self.student_a)
		for user in (self.net.partner_manager, self.net.evaluator, WEBSITE_USER):
			token = self.tokens[user]
			self.assertEqual(
				http("get", "/api/method/cis_app.api.checkin.caseload", token).status_code, 403, user
			)
			self.assertEqual(
				http(
					"post", "/api/method/cis_app.api.checkin.sync", token, json={"entries": [entry]}
				).status_code,
				403,
				user,
			)
		self.assertEqual(guest_request("get", "/api/method/cis_app.api.checkin.caseload").status_code, 403)
		self.assertEqual(
			guest_request(
				"post", "/api/method/cis_app.api.checkin.sync", json={"entries": [entry]}
			).status_code,
			403,
		)
		self.assertEqual(count("Student Check-In", entry["client_id"], fresh=True), 0)

	def test_a_coordinator_of_another_site_neither_sees_nor_records(self):
		token = self.tokens[self.net.coordinator_b]
		caseload = http("get", "/api/method/cis_app.api.checkin.caseload", token)
		self.assertEqual(caseload.status_code, 200)
		self.assertNotIn(self.student_a, {row["name"] for row in caseload.json["message"]["students"]})
		entry = check_in(self.student_a)
		answer = http("post", "/api/method/cis_app.api.checkin.sync", token, json={"entries": [entry]})
		self.assertEqual(answer.status_code, 200)
		self.assertEqual(answer.json["message"][0]["status"], "refused")
		self.assertEqual(count("Student Check-In", entry["client_id"], fresh=True), 0)

	def test_entries_that_are_not_json_are_answered_417_not_500(self):
		token = self.tokens[self.net.coordinator_a]
		for entries in ("not json", "[" * 100_000 + "]" * 100_000):
			answer = http("post", "/api/method/cis_app.api.checkin.sync", token, data={"entries": entries})
			self.assertEqual(answer.status_code, 417, answer.get_data(as_text=True)[:300])
			self.assertIn("Send the queued entries as a list", answer.get_data(as_text=True))

	def test_a_retry_over_http_records_once(self):
		token = self.tokens[self.net.coordinator_a]
		entry = check_in(self.student_a)
		answers = [
			http("post", "/api/method/cis_app.api.checkin.sync", token, json={"entries": [entry]}).json[
				"message"
			][0]
			for _ in range(2)
		]
		self.assertEqual([a["status"] for a in answers], ["created", "duplicate"])
		self.assertEqual(answers[0]["name"], answers[1]["name"])
		self.assertEqual(count("Student Check-In", entry["client_id"], fresh=True), 1)

	def test_the_same_batch_from_two_tabs_at_once_is_recorded_once_and_answered_so(self):
		"""Two requests carry the same entries at the same moment (a phone with the page open in two
		tabs): each entry is stored once, and both answers say so: "created" to one request and
		"duplicate" with the same record to the other, never a refusal, never an error."""
		from threading import Barrier, Thread

		token = self.tokens[self.net.coordinator_a]
		path = "/api/method/cis_app.api.checkin.sync"
		site = frappe.local.site
		for _ in range(3):  # a race is a matter of timing: three tries at it
			batch = [check_in(self.student_a) for _ in range(5)]
			start = Barrier(2)
			answers = [None, None]

			def tab(number):
				start.wait()
				answers[number] = http("post", path, token, site=site, json={"entries": batch})

			tabs = [Thread(target=tab, args=(number,)) for number in (0, 1)]
			for thread in tabs:
				thread.start()
			for thread in tabs:
				thread.join()
			self.assertEqual([a.status_code for a in answers], [200, 200], [a.get_data(as_text=True)[:300] for a in answers])
			for index, entry in enumerate(batch):
				pair = [a.json["message"][index] for a in answers]
				statuses = sorted(answer["status"] for answer in pair)
				self.assertIn(statuses, (["created", "duplicate"], ["duplicate", "duplicate"]), pair)
				self.assertEqual(pair[0]["name"], pair[1]["name"], pair)
				self.assertEqual(count("Student Check-In", entry["client_id"], fresh=True), 1)

	def test_a_flood_of_entries_is_answered_429_with_retry_after_and_records_nothing(self):
		"""Past the per-user minute (``SYNC_ENTRIES_PER_MINUTE``, lowered here to 3 entries) a batch is
		refused whole with 429 and Retry-After, nothing of it recorded; another coordinator syncs on."""
		from unittest import mock

		from cis_app.api import checkin

		token = self.tokens[self.net.coordinator_a]
		for user in (self.net.coordinator_a, self.net.coordinator_b):
			frappe.cache.delete(frappe.cache.make_key(f"cis-sync-rate:{user}"))
		path = "/api/method/cis_app.api.checkin.sync"
		try:
			with mock.patch.object(checkin, "SYNC_ENTRIES_PER_MINUTE", 3):
				first = [check_in(self.student_a), check_in(self.student_a)]
				answer = http("post", path, token, json={"entries": first})
				self.assertEqual(answer.status_code, 200)
				self.assertEqual([a["status"] for a in answer.json["message"]], ["created", "created"])
				flood = [check_in(self.student_a), check_in(self.student_a)]
				answer = http("post", path, token, json={"entries": flood})
				self.assertEqual(answer.status_code, 429, answer.get_data(as_text=True)[:300])
				self.assertTrue(1 <= int(answer.headers["Retry-After"]) <= checkin.SYNC_WINDOW_SECONDS)
				self.assertIn("Too many entries sent in a minute", answer.get_data(as_text=True))
				for entry in flood:
					self.assertEqual(count("Student Check-In", entry["client_id"], fresh=True), 0)
				# another user's minute is their own
				other = http("post", path, self.tokens[self.net.coordinator_b], json={"entries": [check_in(self.student_a)]})
				self.assertEqual(other.status_code, 200)
				self.assertNotIn("Retry-After", other.headers)
		finally:
			for user in (self.net.coordinator_a, self.net.coordinator_b):
				frappe.cache.delete(frappe.cache.make_key(f"cis-sync-rate:{user}"))

	def test_a_sync_while_the_database_is_lost_is_answered_503_with_retry_after(self):
		"""MariaDB gone mid-batch: a clear message and a wait (not Frappe's 500 with a traceback), nothing
		recorded; the page sends the same entries again."""
		import pymysql
		from unittest import mock

		from cis_app.api import checkin

		token = self.tokens[self.net.coordinator_a]
		entries = [check_in(self.student_a)]
		lost = pymysql.err.OperationalError(2013, "Lost connection to server during query")
		with mock.patch.object(checkin, "record_batch", side_effect=lost):
			answer = http("post", "/api/method/cis_app.api.checkin.sync", token, json={"entries": entries})
		self.assertEqual(answer.status_code, 503, answer.get_data(as_text=True)[:300])
		self.assertEqual(answer.headers["Retry-After"], "10")
		self.assertIn("cannot reach its database", answer.get_data(as_text=True))
		self.assertNotIn("Traceback", answer.get_data(as_text=True))
		self.assertEqual(count("Student Check-In", entries[0]["client_id"], fresh=True), 0)
		# another error is not dressed up as an outage
		with mock.patch.object(checkin, "record_batch", side_effect=pymysql.err.OperationalError(1054, "Unknown column")):
			answer = http("post", "/api/method/cis_app.api.checkin.sync", token, json={"entries": entries})
		self.assertEqual(answer.status_code, 500)
		# back: the same entry is recorded once
		answer = http("post", "/api/method/cis_app.api.checkin.sync", token, json={"entries": entries})
		self.assertEqual([a["status"] for a in answer.json["message"]], ["created"])

	def test_a_sync_while_the_redis_cache_is_down_is_recorded_uncounted(self):
		"""The per-user rate lives in the Redis cache; while it is down the coordinator's entries are still
		recorded (the limit guards against a runaway loop, not against the coordinator)."""
		import redis
		from unittest import mock

		token = self.tokens[self.net.coordinator_a]
		entries = [check_in(self.student_a)]
		down = redis.exceptions.ConnectionError("Error 111 connecting to 127.0.0.1:13000. Connection refused.")
		with mock.patch.object(type(frappe.cache), "incrby", side_effect=down):
			answer = http("post", "/api/method/cis_app.api.checkin.sync", token, json={"entries": entries})
		self.assertEqual(answer.status_code, 200, answer.get_data(as_text=True)[:300])
		self.assertEqual([a["status"] for a in answer.json["message"]], ["created"])
		self.assertEqual(count("Student Check-In", entries[0]["client_id"], fresh=True), 1)

	def test_the_shell_is_served_under_cis_for_the_service_worker(self):
		worker = guest_request("get", "/cis/checkin-sw.js")
		self.assertEqual(worker.status_code, 200)
		self.assertTrue(worker.headers["Content-Type"].startswith("text/javascript"))
		self.assertEqual(worker.headers["Service-Worker-Allowed"], "/cis/")
		manifest = guest_request("get", "/cis/checkin.webmanifest")
		self.assertEqual(manifest.headers["Content-Type"].split(";")[0], "application/manifest+json")
		self.assertEqual(
			{k: manifest.json[k] for k in ("start_url", "display", "scope")},
			{"start_url": "/cis/checkin", "display": "standalone", "scope": "/cis/"},
		)
		self.assertEqual(
			guest_request("get", "/cis/checkin-icon-192.png").headers["Content-Type"], "image/png"
		)


class TestLogoutClearsThePhone(FrappeTestCase):
	def test_a_browser_logging_out_is_told_to_clear_its_storage(self):
		from werkzeug.test import EnvironBuilder
		from werkzeug.wrappers import Request, Response

		def headers_after(path: str, status: int = 200, phone: bool = True) -> dict:
			cookie = {"HTTP_COOKIE": f"{checkin_api.PHONE_COOKIE}=1"} if phone else {}
			request = Request(EnvironBuilder(path=path, environ_overrides=cookie).get_environ())
			response = Response("{}", status=status)
			checkin_api.clear_phone_on_logout(response=response, request=request)
			return dict(response.headers)

		self.assertEqual(headers_after("/api/method/logout").get("Clear-Site-Data"), '"storage"')
		self.assertEqual(headers_after("/api/method/web_logout").get("Clear-Site-Data"), '"storage"')
		self.assertNotIn("Clear-Site-Data", headers_after("/api/method/logout", status=500))
		self.assertNotIn("Clear-Site-Data", headers_after("/api/method/cis_app.api.checkin.caseload"))
		self.assertNotIn("Clear-Site-Data", headers_after("/app/student"))
		# a browser that never opened the phone page logs out as in Frappe: other apps' storage stays
		self.assertNotIn("Clear-Site-Data", headers_after("/api/method/logout", phone=False))
