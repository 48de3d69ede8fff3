"""Benchmark: the Volunteer Hours Summary report over 500,000 entries.

    bench --site <benchmark site> execute cis_app.benchmarks.volunteer_hours.run

Seeds (once, bulk insert) 500,000 synthetic entries across the 50 benchmark sites, 1,000 volunteers
and 40 partners over two years, 85% approved, then times the report as a partner manager of the
whole affiliate and as a coordinator of one site, grouped by site and by partner, over the last
12 months and over everything. Commits: use a site of its own.

Each run also times a peer doing the same job the plainest way: one ``frappe.get_list`` summing
hours, value and entries of the same rows, as the same user. The machine is noisy, the ratio
report / peer much less so. Prints, per case, the medians, the ratio, the index MariaDB chose, and
checks that the report's totals equal the peer's; first the MariaDB version, its buffer pool and
the table's size, which the times depend on.
"""

from __future__ import annotations

import random
import statistics
import time
from datetime import date, timedelta

import frappe
from frappe.utils import flt

from cis_app.benchmarks.student_list import AFFILIATE, COORDINATOR, seed
from cis_app.utils.bulk import insert_rows
from cis_app.cis_partnerships.report.volunteer_hours_summary.volunteer_hours_summary import (
	build_filters,
	execute,
	query_args,
)
from cis_app.permissions.scope import clear_scope_cache
from cis_app.tests.factories import make_user

PARTNER_MANAGER = "bench-partners@example.com"


def seed_hours(entries: int, sites: list[str]) -> None:
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
	frappe.set_user("Administrator")
	seed(students, sites)
	site_names = [f"Benchmark Site {n:02d}" for n in range(1, sites + 1)]
	began = time.perf_counter()
	seed_hours(entries, site_names)
	print(
		f"seeded/checked {frappe.db.count('Volunteer Hours', {'affiliate': AFFILIATE})} volunteer hours entries "
		f"in {time.perf_counter() - began:.1f} s"
	)
	print(database_settings())
	last_year = {"from_date": str(date.today() - timedelta(days=365)), "to_date": str(date.today())}
	cases = [
		("partner manager, by site, 12 months", PARTNER_MANAGER, {"group_by": "Site", **last_year}),
		("partner manager, by partner, 12 months", PARTNER_MANAGER, {"group_by": "Partner", **last_year}),
		("partner manager, by site, all dates", PARTNER_MANAGER, {"group_by": "Site"}),
		("coordinator of one site, by volunteer", COORDINATOR, {"group_by": "Volunteer", **last_year}),
	]
	for label, user, filters in cases:
		report_times, peer_times, ratios = [], [], []
		for _ in range(repeat):
			clear_scope_cache()
			frappe.set_user(user)
			started = time.perf_counter()
			_columns, rows, _message, _chart, summary = execute(filters)
			report_ms = (time.perf_counter() - started) * 1000
			clear_scope_cache()
			started = time.perf_counter()
			peer = peer_sum(build_filters(frappe._dict(filters)))
			peer_ms = (time.perf_counter() - started) * 1000
			report_times.append(report_ms)
			peer_times.append(peer_ms)
			ratios.append(report_ms / peer_ms)
		plan = query_plan(query_args(frappe._dict(filters)))
		frappe.set_user("Administrator")
		totals = tuple(item["value"] for item in summary)  # hours, value, entries
		if totals != (flt(peer.hours, 2), flt(peer.value, 2), peer.entries):
			raise AssertionError(f"{label}: report totals {totals} differ from the peer's {peer}")
		print(
			f"{label:<40} report median {statistics.median(report_times):7.1f} ms  max "
			f"{max(report_times):7.1f} ms | peer median {statistics.median(peer_times):7.1f} ms | "
			f"ratio {statistics.median(ratios):4.2f} ({len(rows)} rows, {totals[0]:.0f} approved hours, "
			f"{plan})"
		)


def peer_sum(filters: list) -> frappe._dict:
	"""The same approved entries summed by one plain ``frappe.get_list`` (permissions applied)."""
	return frappe._dict(
		frappe.get_list(
			"Volunteer Hours",
			filters=filters,
			fields=[
				"sum(`tabVolunteer Hours`.`hours`) as hours",
				"sum(`tabVolunteer Hours`.`value`) as value",
				"count(*) as entries",
			],
			order_by=None,
			limit_page_length=0,
		)[0]
	)


def query_plan(args: dict) -> str:
	"""The index MariaDB picks for the report's query as the current user, and how it reads it."""
	query = frappe.get_list("Volunteer Hours", **args, run=0)
	plan = frappe.db.sql(f"explain {query}", as_dict=True)[0]
	return f"key={plan.key} rows~{plan.rows} {plan.Extra}"


def database_settings() -> str:
	version, pool = frappe.db.sql("select version(), @@innodb_buffer_pool_size")[0]
	data, index = frappe.db.sql(
		"""select data_length, index_length from information_schema.tables
		where table_schema = database() and table_name = 'tabVolunteer Hours'"""
	)[0]
	mib = 1024 * 1024
	return (
		f"MariaDB {version}, innodb_buffer_pool_size {pool / mib:.0f} MiB; tabVolunteer Hours: "
		f"rows {data / mib:.0f} MiB, indexes {index / mib:.0f} MiB"
	)
