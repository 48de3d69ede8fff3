"""Benchmark: recompute risk and goal progress for 100,000 students from their latest data points.

    bench --site <benchmark site> execute cis_app.benchmarks.recompute.run

Builds on the students seeded by ``student_list`` (run that first, or this seeds them), adds two
synthetic data points per student and a Tier 3 plan with two data-fed goals for one student in ten
(bulk inserts), then times ``cis_app.cis_case_management.recompute.recompute_all``: the function the background job
(``recompute_early_warning`` -> queue "long") runs. Prints the figures. Commits: use a site of its own.
"""

from __future__ import annotations

import random
import time
from datetime import date

import frappe

from cis_app.benchmarks.student_list import AFFILIATE, seed
from cis_app.utils.bulk import insert_rows
from cis_app.core.data_points import FIGURES, FLAGS
from cis_app.cis_case_management.recompute import recompute_all

YEAR = "Benchmark 2025-2026"


def seed_cycle(students: list[tuple[str, str, str]]) -> None:
	if not frappe.db.exists("School Year", YEAR):
		frappe.get_doc(
			{
				"doctype": "School Year",
				"school_year_name": YEAR,
				"year_start_date": "1990-08-01",
				"year_end_date": "1991-07-31",
			}
		).insert()
	if frappe.db.count("Student Data Point", {"school_year": YEAR}) >= 2 * len(students):
		return
	rng = random.Random(7)

	def points():
		for number, (student, name, site) in enumerate(students):
			for quarter, as_of in enumerate((date(1990, 10, 31), date(1991, 1, 31))):
				enrolled = 45 * (quarter + 1)
				yield (
					f"BDP-{number:07d}-{quarter}", student, name, site, as_of, YEAR, "Import", enrolled,
					rng.randint(0, enrolled // 5), rng.choice((0, 0, 0, 1, 2)), rng.choice((0, 0, 1, 2)), rng.randint(0, 7),
					int(rng.random() < 0.15), int(rng.random() < 0.12), rng.choice((0, 0, 0, 1)), round(rng.uniform(1.2, 4.0), 2),
					1, 1, 1, 1,
				)  # fmt: skip

	insert_rows(
		"Student Data Point",
		[
			"name",
			"student",
			"student_name",
			"site",
			"as_of_date",
			"school_year",
			"source",
			*FIGURES,
			*FLAGS,
		],
		points(),
		commit=True,
	)
	plans = [(f"BSP-{n:07d}", *row) for n, row in enumerate(students[::10])]
	insert_rows(
		"Support Plan",
		[
			"name",
			"naming_series",
			"plan_type",
			"student",
			"student_name",
			"site",
			"school_year",
			"status",
			"workflow_state",
		],
		(
			(plan, "SP-.YYYY.-.#####", "Student", student, name, site, YEAR, "Active", "Active")
			for plan, student, name, site in plans
		),
		commit=True,
	)
	goal_fields = [
		"name",
		"parent",
		"parenttype",
		"parentfield",
		"idx",
		"area",
		"metric",
		"baseline",
		"target",
		"direction",
	]
	goals = []
	for plan, *_ in plans:
		goals.append(
			(f"{plan}-1", plan, "Support Plan", "goals", 1, "Attendance", "Attendance Rate (%)", 88, 94, "Up")
		)
		goals.append(
			(
				f"{plan}-2",
				plan,
				"Support Plan",
				"goals",
				2,
				"Behavior",
				"Out-of-School Suspensions",
				3,
				1,
				"Down",
			)
		)
	insert_rows("Support Plan Goal", goal_fields, goals, commit=True)


def run(students: int = 100_000, sites: int = 50) -> None:
	frappe.set_user("Administrator")
	seed(students, sites)
	rows = frappe.get_all(
		"Student",
		filters={"affiliate": AFFILIATE},
		fields=["name", "student_name", "site"],
		as_list=True,
		order_by="name",
	)
	start = time.perf_counter()
	seed_cycle(rows)
	print(f"seeded/checked the cycle for {len(rows)} students in {time.perf_counter() - start:.1f} s")
	print(
		f"data points: {frappe.db.count('Student Data Point')}, goals: {frappe.db.count('Support Plan Goal')}"
	)

	for attempt in (1, 2):
		start = time.perf_counter()
		result = recompute_all()
		frappe.db.commit()  # nosemgrep: as the background job commits at its end
		elapsed = time.perf_counter() - start
		print(
			f"run {attempt}: recompute_all updated {result['students']} students and {result['goals']} goals in {elapsed:.1f} s"
		)

	tiers = frappe.db.sql(
		"select suggested_tier, count(*) from `tabStudent` where affiliate=%s group by suggested_tier",
		AFFILIATE,
	)
	print("suggested tiers:", dict(tiers))
	statuses = frappe.db.sql(
		"select progress_status, count(*) from `tabSupport Plan Goal` where parent like 'BSP-%%' group by progress_status"
	)
	print("goal progress:", dict(statuses))
