"""The load test's judges (scripts/load): the summary's "held" and the nothing-lost comparison."""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts" / "load"))

import nothing_lost
import summary


def step(users, failures=0, **p95):
	return {
		"users": users,
		"rps": users / 5,
		"failures": failures,
		"requests": {name: {"count": 10, "failures": 0, "p50": v / 2, "p95": v, "p99": v} for name, v in p95.items()},
	}


def test_a_step_is_held_only_with_every_p95_under_500_ms_and_no_failure():
	assert summary.held(step(20, ping=10, sync=499))
	assert not summary.held(step(20, ping=10, sync=500))
	assert not summary.held(step(20, failures=1, ping=10, sync=100))
	assert summary.held(step(20, login=2000, sync=100))  # logging in is the ramp's, not the load's


def test_the_summary_names_the_largest_step_held_and_the_ratios_to_the_peers():
	text = summary.summarize(
		[
			step(20, **{"peer: ping": 10, "peer: get_list School Year": 20, "phone: sync": 100}),
			step(40, **{"peer: ping": 20, "peer: get_list School Year": 40, "phone: sync": 300}),
			step(60, **{"peer: ping": 50, "peer: get_list School Year": 60, "phone: sync": 900}),
		]
	)
	assert "Largest load held: 40 users" in text
	line = next(row for row in text.splitlines() if row.startswith("phone: sync"))
	assert line.split()[-2:] == ["15.0", "7.5"]  # 300 / 20 and 300 / 40


def test_nothing_lost_holds_each_answer_to_what_is_stored(tmp_path):
	ledger = tmp_path / "ledger.jsonl"
	rows = [
		{"client_id": "a", "kind": "check_in", "status": "created"},
		{"client_id": "b", "kind": "check_in", "status": "refused"},
		{"client_id": "c", "kind": "check_in", "status": "unanswered"},
		{"client_id": "c", "kind": "check_in", "status": "duplicate"},  # the retry's answer stands
		{"client_id": "g", "kind": "group_session", "status": "created"},
	]
	ledger.write_text("".join(json.dumps(row) + "\n" for row in rows))

	def database(stored):
		def get(path, filters, **_):
			wanted = set(filters[0][2])
			return {"data": [{"client_id": cid} for cid in stored.get(path, []) if cid in wanted]}

		return get

	check_ins, sessions = "/api/resource/Student%20Check-In", "/api/resource/Group%20Session"
	ok, figures = nothing_lost.check(str(ledger), database({check_ins: ["a", "c"], sessions: ["g"]}))
	assert ok and figures["entries"] == 4
	for stored, problem in (
		({check_ins: ["c"], sessions: ["g"]}, "a: answered created, stored 0 times"),
		({check_ins: ["a", "a", "c"], sessions: ["g"]}, "a: answered created, stored 2 times"),
		({check_ins: ["a", "b", "c"], sessions: ["g"]}, "b: refused, yet stored"),
		({check_ins: ["a", "c"], sessions: []}, "g: answered created, stored 0 times"),
	):
		ok, figures = nothing_lost.check(str(ledger), database(stored))
		assert not ok and any(problem in p for p in figures["problems"]), (stored, figures)


# ---------------------------------------------------------------- the roster fault script


def test_the_roster_fault_script_reaches_every_process_below_the_worker(monkeypatch):
	"""RQ's work horse starts a session of its own: a signal to the worker's group misses it, so the
	script kills by descent (worker -> python -> horse), not by process group."""
	import roster_faults

	table = "  10     1\n  11    10\n  12    11\n  13    12\n  20     1\n  21    20\n"

	class Done:
		stdout = table

	monkeypatch.setattr(roster_faults.subprocess, "run", lambda *a, **k: Done())
	assert sorted(roster_faults.descendants(10)) == [11, 12, 13]
	assert roster_faults.descendants(13) == []


def test_the_roster_fault_script_reads_the_users_message_of_an_answer():
	import roster_faults

	messages = json.dumps([json.dumps({"message": "A roster import of X is already queued or running."})])
	assert roster_faults.message_of({"_server_messages": messages}) == "A roster import of X is already queued or running."
	assert roster_faults.message_of({"exception": "ServiceUnavailableError: down"}) == "ServiceUnavailableError: down"
	assert roster_faults.message_of({}) == ""


def test_the_load_test_logs_in_as_every_site_coordinator_of_the_scaled_demo():
	import run

	logins = run.coordinator_logins(20)
	assert len(logins) == len(set(logins)) == 20
	assert logins[0] == "coordinator@cis-demo.example" and logins[4] == "coordinator2@cis-demo.example"
	assert run.coordinator_logins(8) == ["coordinator@cis-demo.example", "coordinator2@cis-demo.example"]
