"""Benchmark: the Volunteer Hours Summary report over 500,000 entries.

    bench --site <benchmark site> execute cis_app.benchmarks.volunteer_hours.run

Seeds (once, bulk insert) 500,000 synthetic entries across the 50 benchmark sites, 1,000 volunteers
and 40 partners over two years, 85% approved, then times the report as a partner manager of the
whole affiliate and as a coordinator of one site, grouped by site and by partner, over the last
12 months and over everything. Prints the figures. Commits: use a site of its own.
"""

from __future__ import annotations

import random
import statistics
import time
from datetime import date, timedelta

import frappe

from cis_app.benchmarks.student_list import AFFILIATE, COORDINATOR, seed
from cis_app.bulk import insert_rows
from cis_app.permissions import clear_scope_cache

PARTNER_MANAGER = "bench-partners@example.com"


def seed_hours(entries: int, sites: list[str]) -> None:
	from cis_app.testing import make_user

	make_user(PARTNER_MANAGER, "Partner Manager")
	affiliate = frappe.get_doc("Affiliate", AFFILIATE)
	if not any(row.user == PARTNER_MANAGER for row in affiliate.staff):
		affiliate.append("staff", {"user": PARTNER_MANAGER, "staff_role": "Partner Manager"})
		affiliate.save()
	existing = frappe.db.count("Volunteer Hours", {"affiliate": AFFILIATE})
	if existing >= entries:
		return
	rng = random.Random(3)
	start = date.today() - timedelta(days=730)
	fields = [
		"name", "naming_series", "volunteer", "volunteer_name", "partner", "site", "affiliate", "date", "hours",
		"activity", "students_served", "status", "workflow_state", "hourly_value", "value",
	]  # fmt: skip

	def rows():
		for number in range(existing, entries):
			volunteer = number % 1000
			hours = rng.choice((1, 1.5, 2, 2, 3, 4))
			status = "Approved" if rng.random() < 0.85 else rng.choice(("Submitted", "Rejected"))
			yield (
				f"BVH-{number:07d}", "VH-.YYYY.-.######", f"BENCH-VOL-{volunteer:04d}", f"Volunteer {volunteer}",
				f"Benchmark Partner {volunteer % 40:02d}", sites[volunteer % len(sites)], AFFILIATE,
				start + timedelta(days=rng.randrange(730)), hours, "Tutoring", rng.randint(0, 10), status, status,
				34.79, round(hours * 34.79, 2),
			)  # fmt: skip

	insert_rows("Volunteer Hours", fields, rows(), chunk=20_000, commit=True)


def run(entries: int = 500_000, repeat: int = 10, students: int = 100_000, sites: int = 50) -> None:
	from cis_app.cis_partnerships.report.volunteer_hours_summary.volunteer_hours_summary import execute

	frappe.set_user("Administrator")
	seed(students, sites)
	site_names = [f"Benchmark Site {n:02d}" for n in range(1, sites + 1)]
	began = time.perf_counter()
	seed_hours(entries, site_names)
	print(
		f"seeded/checked {frappe.db.count('Volunteer Hours', {'affiliate': AFFILIATE})} volunteer hours entries "
		f"in {time.perf_counter() - began:.1f} s"
	)
	last_year = {"from_date": str(date.today() - timedelta(days=365)), "to_date": str(date.today())}
	cases = [
		("partner manager, by site, 12 months", PARTNER_MANAGER, {"group_by": "Site", **last_year}),
		("partner manager, by partner, 12 months", PARTNER_MANAGER, {"group_by": "Partner", **last_year}),
		("partner manager, by site, all dates", PARTNER_MANAGER, {"group_by": "Site"}),
		("coordinator of one site, by volunteer", COORDINATOR, {"group_by": "Volunteer", **last_year}),
	]
	for label, user, filters in cases:
		times = []
		for _ in range(repeat):
			clear_scope_cache()
			frappe.set_user(user)
			started = time.perf_counter()
			_columns, rows, _message, _chart, summary = execute(filters)
			times.append((time.perf_counter() - started) * 1000)
		frappe.set_user("Administrator")
		print(
			f"{label:<42} median {statistics.median(times):7.1f} ms  max {max(times):7.1f} ms  "
			f"({len(rows)} rows, {summary[0]['value']:.0f} approved hours)"
		)
