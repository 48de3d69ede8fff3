"""Benchmark: recording an export of 10,000 students (one Disclosure Record each, in one multi-row insert).

    bench --site <benchmark site> execute cis_app.benchmarks.disclosures.run
    bench --site <benchmark site> execute cis_app.benchmarks.disclosures.run --kwargs "{'students': 20000}"

Seeds the Student list benchmark's synthetic affiliate when it has fewer students than asked
(``cis_app.benchmarks.student_list.seed``, a bulk insert), then times, as Administrator, best of five:
``write_disclosures`` for that many students (what an export of them records) against its peer in
the same run, the plain read of the same students' name, name and site that the export itself makes
(``frappe.get_list``). Each round is rolled back, so the site keeps no record. Prints both figures and
the ratio; the goal is under a second for 10,000 students. Use a site of its own.
"""

from __future__ import annotations

import time

import frappe

from cis_app.benchmarks.student_list import AFFILIATE, seed
from cis_app.core import disclosures as rules
from cis_app.cis_case_management.disclosures import write_disclosures


def _best(function, rounds: int = 5) -> float:
	times = []
	for _ in range(rounds):
		start = time.perf_counter()
		function()
		times.append(time.perf_counter() - start)
		frappe.db.rollback()
	return min(times)


def run(students: int = 10_000, sites: int = 50) -> dict:
	frappe.set_user("Administrator")
	seed(students, sites)
	frappe.db.commit()
	names = frappe.get_all("Student", filters={"affiliate": AFFILIATE}, pluck="name", limit=students, order_by="name")
	assert len(names) == students, f"{len(names)} students seeded, {students} asked"
	what = rules.describe(rules.REPORT_BUILDER_EXPORT, "Student", ["First Name", "Site"], "CSV")

	def record():
		written = write_disclosures(names, what, purpose=rules.EXPORT_PURPOSE)
		assert written == students, written

	def read():
		rows = frappe.get_list(
			"Student",
			filters={"name": ["in", names]},
			fields=["name", "student_name", "site"],
			limit_page_length=0,
		)
		assert len(rows) == students

	recorded, peer = _best(record), _best(read)
	result = {"students": students, "record_s": round(recorded, 3), "read_s": round(peer, 3), "ratio": round(recorded / peer, 2)}
	print(
		f"{students} disclosure records (one multi-row insert): {recorded:.3f} s (best of 5); "
		f"reading the same students with get_list: {peer:.3f} s; ratio {recorded / peer:.2f}"
	)
	return result
