"""Check: the CIS Outcomes report and the Affiliate Annual Summary read only, and run on a read replica.

    bench --site <site> execute cis_app.benchmarks.replica_check.run
    bench --site <site> execute cis_app.benchmarks.replica_check.run --kwargs "{'school_year': '2025-2026'}"

Needs a site whose database server has a replica (docs/administrator.md, "Reports on a read replica") and the site
config keys Frappe reads for it: ``replica_host``, ``replica_db_port`` (and ``read_from_replica``; the
check switches it on and off itself, in memory, whatever the file says). The site's database user
must exist on the replica with the same password (replication copies it), unless the site config has
``different_credentials_for_replica`` with ``replica_db_name`` / ``replica_db_password``.

Runs each report through ``frappe.desk.query_report.run`` (decorated ``@frappe.read_only()``, so with
``read_from_replica`` Frappe sends it to the replica) as Administrator and as the demo's evaluator,
once to warm Frappe's caches, then with ``read_from_replica`` off, then on. Around each run it reads the statement counters of both
servers (``SHOW GLOBAL STATUS``: Com_select and the write statements) and prints their deltas, and it
compares the two outputs. It exits non-zero when the outputs differ, when a run with the replica on
sent any statement to the primary or none to the replica, when any run wrote anything, or when the
replica is not read-only.
"""

from __future__ import annotations

import json
import sys

import frappe
from frappe.database import get_db
from frappe.desk.query_report import run as query_report_run

from cis_app.utils.exceptions import OutOfScopeError
from cis_app.permissions.scope import clear_scope_cache, get_permitted_sites

REPORTS = ("CIS Outcomes", "Affiliate Annual Summary")
COUNTERS = ("Com_select", "Com_insert", "Com_update", "Com_delete", "Com_replace", "Com_insert_select")
WRITES = COUNTERS[1:]
EVALUATOR = "evaluator@cis-demo.example"


def server(host: str | None, port) -> object:
	"""A connection of our own to one server, as the site's database user, to read its counters (SHOW
	statements are not counted in Com_select)."""
	conf = frappe.local.conf
	user, password = conf.db_name, conf.db_password
	if port == conf.replica_db_port and conf.different_credentials_for_replica:
		user, password = conf.replica_db_name, conf.replica_db_password
	db = get_db(host=host, port=port, user=user, password=password, cur_db_name=conf.db_name)
	db.connect()
	return db


def counters(db) -> dict[str, int]:
	rows = db.sql("show global status where Variable_name in %(names)s", {"names": COUNTERS})
	return {name: int(value) for name, value in rows}


def delta(before: dict, after: dict) -> dict[str, int]:
	return {name: after[name] - before[name] for name in COUNTERS}


def school_year_with_cohort() -> str | None:
	"""The school year with the most activated Student plans (the demo's previous year)."""
	rows = frappe.db.sql(
		"""select school_year from `tabSupport Plan` where plan_type = 'Student' and activated_on is not null
		group by school_year order by count(*) desc limit 1"""
	)
	return rows[0][0] if rows else None


def comparable(result: dict) -> str:
	"""What a user sees of a run (the timing left out), as text to compare."""
	shown = {key: result.get(key) for key in ("columns", "result", "message", "chart", "report_summary")}
	return json.dumps(shown, sort_keys=True, default=str)


def run_report(report: str, filters: dict, user: str, replica: bool) -> dict:
	frappe.local.conf.read_from_replica = 1 if replica else 0
	for attribute in ("replica_db", "primary_db"):  # a previous switch leaves these: connect afresh
		if hasattr(frappe.local, attribute):
			delattr(frappe.local, attribute)
	clear_scope_cache()
	frappe.set_user(user)
	try:
		return query_report_run(report, filters=filters)
	finally:
		frappe.set_user("Administrator")
		frappe.local.conf.read_from_replica = 0


@frappe.read_only()
def serving_server() -> tuple[int, int]:
	"""server_id and read_only of the server a ``frappe.read_only`` call is sent to."""
	return tuple(frappe.db.sql("select @@server_id, @@read_only")[0])


def run(school_year: str | None = None) -> None:
	conf = frappe.local.conf
	if not conf.replica_host or not conf.replica_db_port:
		print("Set replica_host and replica_db_port in the site config first (docs/administrator.md, Reports on a read replica).")
		sys.exit(2)
	school_year = school_year or school_year_with_cohort()
	if not school_year:
		print("No school year with an activated Student plan on this site: load data first.")
		sys.exit(2)
	primary = server(conf.db_host, conf.db_port)
	replica = server(conf.replica_host, conf.replica_db_port)
	problems = []

	primary_id = primary.sql("select @@server_id, @@read_only")[0]
	replica_id = replica.sql("select @@server_id, @@read_only")[0]
	conf.read_from_replica = 1
	served_by = serving_server()
	for attribute in ("replica_db", "primary_db"):
		if hasattr(frappe.local, attribute):
			delattr(frappe.local, attribute)
	conf.read_from_replica = 0
	print(
		f"primary {conf.db_host}:{conf.db_port} server_id={primary_id[0]} read_only={primary_id[1]}; "
		f"replica {conf.replica_host}:{conf.replica_db_port} server_id={replica_id[0]} "
		f"read_only={replica_id[1]}; a read_only call with read_from_replica is served by "
		f"server_id={served_by[0]}"
	)
	if not replica_id[1]:
		problems.append("the replica is not read-only (set read_only=1 on it)")
	if served_by[0] != replica_id[0]:
		problems.append("with read_from_replica, Frappe did not connect to the replica")

	users = [("Administrator", "Administrator")]
	if frappe.db.exists("User", EVALUATOR):
		users.append(("Evaluator", EVALUATOR))
	print(f"school year {school_year}\n")
	header = f"{'report':<26}{'user':<15}{'replica':<9}{'primary':>30}{'replica':>30}   rows"
	print(header)
	for report in REPORTS:
		for label, user in users:
			run_report(report, {"school_year": school_year}, user, False)  # warm Frappe's caches first
			outputs = {}
			for use_replica in (False, True):
				before = counters(primary), counters(replica)
				result = run_report(report, {"school_year": school_year}, user, use_replica)
				after = counters(primary), counters(replica)
				on_primary, on_replica = delta(before[0], after[0]), delta(before[1], after[1])
				outputs[use_replica] = comparable(result)
				print(
					f"{report:<26}{label:<15}{'on' if use_replica else 'off':<9}"
					f"{describe(on_primary):>30}{describe(on_replica):>30}   {len(result['result'])}"
				)
				writes = sum(on_primary[name] + on_replica[name] for name in WRITES)
				if writes:
					problems.append(f"{report} as {label}: {writes} write statements")
				if use_replica and (on_primary["Com_select"] or not on_replica["Com_select"]):
					problems.append(
						f"{report} as {label}: with the replica on, {on_primary['Com_select']} selects on the "
						f"primary and {on_replica['Com_select']} on the replica"
					)
				if not use_replica and on_replica["Com_select"]:
					problems.append(f"{report} as {label}: with the replica off, the replica was read")
			same = outputs[False] == outputs[True]
			print(f"{'':<26}{'':<15}same output with the replica on and off: {'yes' if same else 'NO'}")
			if not same:
				problems.append(f"{report} as {label}: the output differs on the replica")
			if not outputs[False] or '"result": []' in outputs[False]:
				problems.append(f"{report} as {label}: no rows to compare")
	problems += check_refusal(school_year, primary, replica)
	primary.close()
	replica.close()
	if problems:
		print("\nFAILED:\n  " + "\n  ".join(problems))
		sys.exit(1)
	print("\nOK: both reports read only, and on the replica (no statement reached the primary).")


def check_refusal(school_year: str, primary, replica) -> list[str]:
	"""A coordinator asking for a site they do not serve is refused with the reason, on the replica too.
	Frappe logs a refusal (an Error Log insert, on the primary: the writes counted with the replica
	off); on a read-only replica that insert would replace the reason by a database error, so there the
	log is queued for the primary and nothing is written during the request."""
	coordinator = frappe.db.get_value(
		"Site Staff", {"parenttype": "Site", "staff_role": "Site Coordinator"}, "user"
	)
	if not coordinator:
		return ["no site coordinator on this site to check a refusal with"]
	served = get_permitted_sites(coordinator)
	other = frappe.get_all("Site", filters={"name": ["not in", list(served) or [""]]}, pluck="name", limit=1)
	if not other:
		return []
	problems = []
	for use_replica in (False, True):
		before = counters(primary), counters(replica)
		try:
			run_report(REPORTS[0], {"school_year": school_year, "site": other[0]}, coordinator, use_replica)
			outcome = "answered"
		except OutOfScopeError:
			outcome = "refused with the reason (OutOfScopeError)"
		except Exception as error:
			outcome = f"failed with {type(error).__name__}: {error}"
		after = counters(primary), counters(replica)
		writes = sum(delta(before[0], after[0])[name] + delta(before[1], after[1])[name] for name in WRITES)
		frappe.flags.read_only = False
		print(
			f"{REPORTS[0]} for a site the coordinator does not serve, replica {'on' if use_replica else 'off'}: "
			f"{outcome}; write statements {writes}{' (the Error Log)' if writes and not use_replica else ''}"
		)
		if not use_replica:
			frappe.db.rollback()  # the Error Log of the refusal: this check leaves nothing behind
		if not outcome.startswith("refused") or (use_replica and writes):
			problems.append(
				f"refusal with the replica {'on' if use_replica else 'off'}: {outcome}, {writes} writes"
			)
	return problems


def describe(counts: dict[str, int]) -> str:
	writes = sum(counts[name] for name in WRITES)
	return f"selects {counts['Com_select']:>4}, writes {writes}"
