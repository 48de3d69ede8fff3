"""Benchmark: a coordinator's Student list and count with 100,000 students across 50 sites.

    bench --site <benchmark site> execute cis_app.benchmarks.student_list.run
    bench --site <benchmark site> execute cis_app.benchmarks.student_list.run --kwargs "{'students': 20000}"

Seeds a synthetic affiliate once (bulk insert, validated by the core first), then times, as a site
coordinator of one site, what the desk does when the Student list opens: ``reportview.get`` for the
first 20 rows in the default sort, and ``reportview.get_count``. Prints the figures, the query plan
and the indexes on ``tabStudent``. Use a site of its own: it commits the seeded rows.
"""

from __future__ import annotations

import json
import statistics
import time

import frappe
from frappe.desk import reportview

from cis_app.utils.bulk import insert_rows
from cis_app.core.grades import normalize_grade
from cis_app.permissions.scope import clear_scope_cache
from cis_app.tests.factories import make_affiliate, make_district, make_site, make_user

AFFILIATE = "Benchmark Affiliate"
DISTRICT = "Benchmark District"
COORDINATOR = "bench-coordinator@example.com"


def seed(students: int, sites: int) -> None:
	frappe.set_user("Administrator")
	make_affiliate(AFFILIATE)
	make_district(DISTRICT, AFFILIATE)
	site_names = [f"Benchmark Site {n:02d}" for n in range(1, sites + 1)]
	for name in site_names:
		make_site(name, AFFILIATE, DISTRICT)
	make_user(COORDINATOR, "Site Coordinator")
	site = frappe.get_doc("Site", site_names[0])
	if not any(row.user == COORDINATOR for row in site.staff):
		site.append("staff", {"user": COORDINATOR, "staff_role": "Site Coordinator"})
		site.save()
	existing = frappe.db.count("Student", {"affiliate": AFFILIATE})
	if existing >= students:
		return
	fields = [
		"name", "naming_series", "first_name", "last_name", "student_name", "site", "school_district",
		"affiliate", "district_student_id", "grade_level", "enrollment_status", "is_case_managed",
	]  # fmt: skip
	grades = ["K", *[str(g) for g in range(1, 13)]]

	def rows():
		for number in range(existing, students):
			last = f"Last{number % 997}"
			yield (
				f"BENCH-{number:07d}", "STU-.#######", f"First{number}", last, f"First{number} {last}",
				site_names[number % sites], DISTRICT, AFFILIATE, f"B-{number:07d}",
				normalize_grade(grades[number % len(grades)]), "Enrolled", int(number % 12 == 0),
			)  # fmt: skip

	insert_rows("Student", fields, rows(), commit=True)


def timed(fn, repeat: int) -> list[float]:
	times = []
	for _ in range(repeat):
		clear_scope_cache()  # each request computes the user's scope afresh
		start = time.perf_counter()
		fn()
		times.append((time.perf_counter() - start) * 1000)
	return times


def report(label: str, times: list[float]) -> None:
	times = sorted(times)
	p95 = times[int(len(times) * 0.95) - 1]
	print(
		f"{label:<34} median {statistics.median(times):7.2f} ms   p95 {p95:7.2f} ms   max {times[-1]:7.2f} ms"
	)


def run(students: int = 100_000, sites: int = 50, repeat: int = 50) -> None:
	start = time.perf_counter()
	seed(students, sites)
	print(
		f"seeded/checked {frappe.db.count('Student', {'affiliate': AFFILIATE})} students across {sites} sites "
		f"in {time.perf_counter() - start:.1f} s"
	)
	frappe.set_user(COORDINATOR)

	def list_page():
		frappe.local.form_dict = frappe._dict(
			doctype="Student",
			fields=json.dumps(
				[
					"`tabStudent`.`name`",
					"`tabStudent`.`student_name`",
					"`tabStudent`.`site`",
					"`tabStudent`.`grade_level`",
					"`tabStudent`.`district_student_id`",
					"`tabStudent`.`is_case_managed`",
					"`tabStudent`.`modified`",
				]
			),
			order_by="`tabStudent`.`modified` desc",
			start=0,
			page_length=20,
			filters="[]",
		)
		result = reportview.get()
		assert len(result["values"]) == 20, result

	def count():
		frappe.local.form_dict = frappe._dict(doctype="Student", filters="[]", fields="[]", distinct="false")
		return reportview.get_count()

	list_page()
	expected = students // sites
	got = count()
	print(f"coordinator of one site sees {got} students (expected about {expected})")
	report("Student list, first 20 rows", timed(list_page, repeat))
	report("Student count", timed(count, repeat))
	frappe.set_user("Administrator")
	print("\nindexes on tabStudent:")
	for row in frappe.db.sql("show index from `tabStudent`", as_dict=True):
		if row.Key_name != "PRIMARY":
			print(f"  {row.Key_name:<32} {row.Column_name}")
	condition = "`tabStudent`.`site` in ('Benchmark Site 01')"
	print("\nplan of the list query:")
	for row in frappe.db.sql(
		f"explain select name from `tabStudent` where {condition} order by modified desc limit 20",
		as_dict=True,
	):
		print(f"  key={row.key} rows={row.rows} extra={row.Extra}")
