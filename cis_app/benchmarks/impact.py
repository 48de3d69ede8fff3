"""Benchmark: the CIS Impact report at 100,000 students with two years of data points, 10,000 served.

    bench --site <benchmark site> execute cis_app.benchmarks.impact.run
    bench --site <benchmark site> execute cis_app.benchmarks.impact.run --kwargs "{'repeat': 3}"

Seeds once (plain SQL from MariaDB's SEQUENCE engine; skipped when the rows are there) an affiliate
``IBench Affiliate`` of 50 sites in 5 districts with 100,000 students (grades K-12), two school years
(``IBench 2023-2024``, ``IBench 2024-2025``), two data points per student and year (end of January
and end of May, each with attendance, behavior and, in grades 9-12, failed courses: 400,000 rows) and
an activated Student plan of the second year for every tenth student (10,000 served).

Then times, as Administrator, the CIS Impact report (attendance rate, matched; it computes the naive
contrast too) through ``frappe.desk.query_report.run`` as the desk calls it, ``repeat`` times, and in
the same run a peer doing the plainest job on the same rows: one query reading the two years' data
points of the affiliate's students (student, date, attendance figures). All times are printed, the
best counts, and the ratio report / peer. The figures depend on the machine and on MariaDB's settings
(printed). Commits: use a site of its own.
"""

from __future__ import annotations

import time

import frappe
from frappe.desk.query_report import run as run_report

from cis_app.benchmarks import outcomes as outcomes_benchmark

PREFIX = "IBench"
YEARS = (
	(f"{PREFIX} 2023-2024", "2023-08-01", "2024-07-31"),
	(f"{PREFIX} 2024-2025", "2024-08-01", "2025-07-31"),
)
AFFILIATE = f"{PREFIX} Affiliate"
SITES = 50
DISTRICTS = 5
STUDENTS = 100_000
GRADES = ("K", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12")
STAMP = "now(6), now(6), 'Administrator', 'Administrator', 0"
STANDARD = "creation, modified, owner, modified_by, docstatus"


def _name(prefix: str, number: str, width: int) -> str:
	return f"concat('{prefix}', lpad({number}, {width}, '0'))"


def _site(number: str) -> str:
	return f"1 + floor(({number} - 1) * {SITES} / {STUDENTS})"


def _run_chunks(label: str, statement: str) -> None:
	outcomes_benchmark._run_chunks(label, STUDENTS, statement)


def seed() -> None:
	frappe.set_user("Administrator")
	for name, start, end in YEARS:
		if not frappe.db.exists("School Year", name):
			frappe.get_doc(
				{
					"doctype": "School Year",
					"school_year_name": name,
					"year_start_date": start,
					"year_end_date": end,
				}
			).insert()
	if not frappe.db.exists("Affiliate", AFFILIATE):
		frappe.get_doc({"doctype": "Affiliate", "affiliate_name": AFFILIATE, "state": "TX"}).insert()
	district = f"concat('{PREFIX} District ', 1 + mod(seq, {DISTRICTS}))"
	frappe.db.sql(
		f"""insert ignore into `tabSchool District` (name, district_name, affiliate, state, {STANDARD})
		select {district}, {district}, '{AFFILIATE}', 'TX', {STAMP} from seq_1_to_{DISTRICTS}"""
	)
	frappe.db.sql(
		f"""insert ignore into `tabSite` (name, site_name, site_type, school_level, is_active, affiliate,
			school_district, enrollment_count, {STANDARD})
		select {_name(PREFIX + " Site ", "seq", 3)}, {_name(PREFIX + " Site ", "seq", 3)}, 'School', 'Elementary',
			1, '{AFFILIATE}', {district}, {STUDENTS // SITES}, {STAMP}
		from seq_1_to_{SITES}"""
	)
	frappe.db.commit()  # nosemgrep
	grade = "elt(1 + mod(seq, 13), {})".format(", ".join(frappe.db.escape(g) for g in GRADES))
	site = _site("seq")
	if frappe.db.count("Student", {"name": ["like", "IB-%"]}) < STUDENTS:
		frappe.db.sql("delete from `tabStudent` where name like 'IB-%'")
		_run_chunks(
			"students",
			f"""insert into `tabStudent` (name, naming_series, first_name, last_name, student_name, site,
				school_district, affiliate, district_student_id, grade_level, enrollment_status, is_case_managed,
				{STANDARD})
			select {_name("IB-", "seq", 6)}, 'STU-.#######', concat('First', seq), 'Bench', concat('First', seq, ' Bench'),
				{_name(PREFIX + " Site ", site, 3)}, concat('{PREFIX} District ', 1 + mod({site}, {DISTRICTS})),
				'{AFFILIATE}', {_name("IBD-", "seq", 6)}, {grade}, 'Enrolled', mod(seq, 10) = 0, {STAMP}
			from seq_{{low}}_to_{{high}}""",
		)
	# a student's risk: rand(seq) (repeatable); absences follow it, the served (every tenth) are the riskier
	risk = "if(mod(seq, 10) = 0, 0.5 + 0.5 * rand(seq), rand(seq) * rand(seq))"
	for position, (year, start, _end) in enumerate(YEARS):
		for label, month_day, enrolled in (("January", "01-31", 100), ("May", "05-31", 170)):
			as_of = f"{int(start[:4]) + 1}-{month_day}"
			if (
				frappe.db.count(
					"Student Data Point", {"school_year": year, "period_label": f"{PREFIX} {label}"}
				)
				>= STUDENTS
			):
				continue
			noise = f"rand(seq * 7 + {position * 2 + (label == 'May')})"
			_run_chunks(
				f"data points {year} {label}",
				f"""insert into `tabStudent Data Point` (name, student, student_name, site, as_of_date, school_year,
					period_label, source, has_attendance, days_enrolled, days_absent, has_behavior, suspensions,
					major_incidents, minor_incidents, has_course, failing_math, failing_ela, has_gpa, gpa,
					failed_courses, {STANDARD})
				select concat('ibdp-{position}{label[0]}-', seq), {_name("IB-", "seq", 6)}, concat('First', seq, ' Bench'),
					{_name(PREFIX + " Site ", site, 3)}, '{as_of}', '{year}', '{PREFIX} {label}', 'Import', 1, {enrolled},
					floor({enrolled} * least(1, 0.02 + 0.15 * {risk} * (0.7 + 0.6 * {noise}))),
					1, floor(2 * {risk} * {noise}), floor(2 * {risk} * {noise}), floor(5 * {risk} * {noise}),
					1, {noise} < 0.4 * {risk}, {noise} < 0.3 * {risk}, 0, 0,
					if(mod(seq, 13) >= 9, floor(3 * {risk} * {noise}), 0), {STAMP}
				from seq_{{low}}_to_{{high}}""",
			)
	year, start, _end = YEARS[1]
	if frappe.db.count("Support Plan", {"school_year": year}) < STUDENTS // 10:
		frappe.db.sql("delete from `tabSupport Plan` where school_year = %s", year)
		student = "(seq * 10)"
		frappe.db.sql(
			f"""insert into `tabSupport Plan` (name, naming_series, plan_type, student, student_name, site,
				school_year, status, workflow_state, start_date, activated_on, goals_total, {STANDARD})
			select {_name("IBSP-", "seq", 6)}, 'SP-.YYYY.-.#####', 'Student', {_name("IB-", student, 6)},
				concat('First', {student}, ' Bench'), {_name(PREFIX + " Site ", _site(student), 3)}, '{year}',
				'Active', 'Active', '2024-09-15', '2024-09-20', 0, {STAMP}
			from seq_1_to_{STUDENTS // 10}"""
		)
		frappe.db.commit()  # nosemgrep


def peer(sites: list[str]) -> int:
	rows = frappe.db.sql(
		"""select student, as_of_date, has_attendance, days_enrolled, days_absent
		from `tabStudent Data Point` where school_year in %(years)s and site in %(sites)s""",
		{"years": tuple(y[0] for y in YEARS), "sites": tuple(sites)},
	)
	return len(rows)


def timed(function, repeat: int):
	times, result = [], None
	for _ in range(repeat):
		started = time.perf_counter()
		result = function()
		times.append(time.perf_counter() - started)
	return times, result


def run(repeat: int = 3) -> None:
	started = time.perf_counter()
	seed()
	print(f"seeded/checked in {time.perf_counter() - started:.0f} s")
	frappe.set_user("Administrator")
	frappe.db.set_value("Report", "CIS Impact", "prepared_report", 0)
	sites = frappe.get_all("Site", filters={"affiliate": AFFILIATE}, pluck="name")
	filters = {
		"school_year": YEARS[1][0],
		"affiliate": AFFILIATE,
		"outcome": "attendance_rate",
		"method": "matched",
		"suppress_small_cells": 0,
	}
	times, result = timed(lambda: run_report("CIS Impact", filters=filters), repeat)
	peer_times, rows = timed(lambda: peer(sites), repeat)
	best, peer_best = min(times), min(peer_times)
	for row in result["result"]:
		print(
			f"  {row['method']}: served {row['served']}, compared {row['matched']}, left out {row['left_out']}, "
			f"effect {row['effect']} ({row['ci_low']} to {row['ci_high']})"
		)
	print(
		f"CIS Impact (Administrator, {STUDENTS:,} students, {STUDENTS // 10:,} served): "
		f"{', '.join(f'{t:.2f}' for t in times)} s; best {best:.2f} s"
	)
	print(
		f"peer: one query of the {rows:,} data points of both years: {', '.join(f'{t:.2f}' for t in peer_times)} s; "
		f"best {peer_best:.2f} s; ratio report / peer {best / peer_best:.1f}"
	)
	frappe.db.rollback()
