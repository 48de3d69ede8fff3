"""Benchmark: the CIS Outcomes report and the Affiliate Annual Summary at the national network's size.

    bench --site <benchmark site> execute cis_app.benchmarks.outcomes.run
    bench --site <benchmark site> execute cis_app.benchmarks.outcomes.run --kwargs "{'repeat': 3}"

Seeds once (plain SQL from MariaDB's SEQUENCE engine, ``INSERT ... SELECT ... FROM seq_1_to_N``, so
1.7 million rows take minutes, not hours; skipped when the rows are there) a synthetic network:

- 2,900 sites (all schools, each with its enrolment), in 100 affiliates and 505 school districts;
  affiliate ``OBench Affiliate 001`` has 170 sites and 100,000 students, the 99 others share the rest;
- 1,700,000 students; every tenth (170,000) case-managed with an activated Student plan of the
  school year ``OBench 2024-2025`` holding two goals (progress spread over every status), one in 200
  of them with a second, later plan at another site (counted once, at the first); 95% of them with a Student Year-End Status of that year
  (statuses spread as grades allow), the other 5% without one.

Then times, as a CIS Administrator of the large affiliate and as Administrator for the whole network,
the CIS Outcomes report (total) and the Affiliate Annual Summary, each through
``frappe.desk.query_report.run`` as the desk calls it, then CIS Outcomes for the whole network grouped
by site, district and grade, for grades 7-12 and comparing 3 years (``VARIANTS``). Each is run ``repeat`` times (the machine is
shared and noisy): all times are printed and the best counts. A peer does the plainest job on the same
rows: one ``frappe.get_list`` of the cohort's plans (student, site) as the same user; the ratio report /
peer is printed. Prints the MariaDB settings the figures depend on, the EXPLAIN of the main queries and
the key figures of each report. Commits: use a site of its own.
"""

from __future__ import annotations

import os
import time

import frappe
from frappe.desk.query_report import run as run_report

from cis_app.cis_case_management.report.affiliate_annual_summary import affiliate_annual_summary
from cis_app.cis_case_management.outcomes_data import counted_source
from cis_app.permissions.scope import clear_scope_cache
from cis_app.tests.factories import make_user

SCHOOL_YEAR = "OBench 2024-2025"
YEAR_START, YEAR_END = "2024-08-01", "2025-07-31"
PREFIX = "OBench"
AFFILIATES = 100
SITES = 2900
STUDENTS = 1_700_000
LARGE_SITES = 170  # sites of affiliate 001
LARGE_STUDENTS = 100_000  # students of affiliate 001
DISTRICTS_PER_AFFILIATE = 5
LARGE_DISTRICTS = 10
LARGE_AFFILIATE = f"{PREFIX} Affiliate 001"
ADMIN = "obench-admin@example.com"
CHUNK = 100_000

GRADES = ("K", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12")
PROGRESS = (
	"Met",
	"Progressing",
	"No Progress, Positive",
	"No Progress, Negative",
	"Decline",
	"Exited Before Progress Known",
	"",
)


# ---------------------------------------------------------------------------------------------- seeding
def _sql_list(values) -> str:
	return "elt({{index}}, {})".format(", ".join(frappe.db.escape(value) for value in values))


def _affiliate_no(site: str) -> str:
	"""SQL: the affiliate number (1..100) of site number ``site`` (an SQL expression)."""
	return f"if({site} <= {LARGE_SITES}, 1, 2 + mod({site} - {LARGE_SITES + 1}, {AFFILIATES - 1}))"


def _district(site: str) -> str:
	"""SQL: the district name of site number ``site``."""
	return (
		f"if({site} <= {LARGE_SITES}, "
		f"concat('{PREFIX} District 001-', mod({site} - 1, {LARGE_DISTRICTS})), "
		f"concat('{PREFIX} District ', lpad({_affiliate_no(site)}, 3, '0'), '-', "
		f"mod(floor(({site} - {LARGE_SITES + 1}) / {AFFILIATES - 1}), {DISTRICTS_PER_AFFILIATE})))"
	)


def _site_of_student(number: str) -> str:
	"""SQL: the site number (1..2900) of student number ``number``: each site has a block of
	consecutive numbers, so every tenth student (the case-managed) is spread over every site."""
	return (
		f"if({number} <= {LARGE_STUDENTS}, 1 + floor(({number} - 1) * {LARGE_SITES} / {LARGE_STUDENTS}), "
		f"{LARGE_SITES + 1} + floor(({number} - {LARGE_STUDENTS + 1}) * {SITES - LARGE_SITES} / "
		f"{STUDENTS - LARGE_STUDENTS}))"
	)


def _name(prefix: str, number: str, width: int) -> str:
	return f"concat('{prefix}', lpad({number}, {width}, '0'))"


STAMP = "now(6), now(6), 'Administrator', 'Administrator', 0"
STANDARD = "creation, modified, owner, modified_by, docstatus"


def _run_chunks(label: str, total: int, statement: str) -> None:
	"""``statement`` (with ``{low}`` / ``{high}``) for each chunk of 1..total, committed in chunks."""
	started, inserted = time.perf_counter(), 0
	for low in range(1, total + 1, CHUNK):
		high = min(low + CHUNK - 1, total)
		frappe.db.sql(statement.format(low=low, high=high))
		inserted += frappe.db._cursor.rowcount
		frappe.db.commit()  # nosemgrep: seeding, committed in chunks
	print(f"  seeded {label}: {inserted:,} rows in {time.perf_counter() - started:.0f} s")


def seed() -> None:
	"""The synthetic network (module docstring), once: each table is skipped when it is full."""
	frappe.set_user("Administrator")
	if not frappe.db.exists("School Year", SCHOOL_YEAR):
		frappe.get_doc(
			{
				"doctype": "School Year",
				"school_year_name": SCHOOL_YEAR,
				"year_start_date": YEAR_START,
				"year_end_date": YEAR_END,
			}
		).insert()
	if frappe.db.count("Affiliate", {"name": ["like", f"{PREFIX} Affiliate %"]}) < AFFILIATES:
		frappe.db.sql(
			f"""insert ignore into `tabAffiliate` (name, affiliate_name, status, state, {STANDARD})
			select {_name(PREFIX + " Affiliate ", "seq", 3)}, {_name(PREFIX + " Affiliate ", "seq", 3)},
				'Active', 'TX', {STAMP}
			from seq_1_to_{AFFILIATES}"""
		)
	if frappe.db.count("School District", {"name": ["like", f"{PREFIX} District %"]}) < (
		LARGE_DISTRICTS + (AFFILIATES - 1) * DISTRICTS_PER_AFFILIATE
	):
		frappe.db.sql(
			f"""insert ignore into `tabSchool District` (name, district_name, affiliate, state, {STANDARD})
			select {_district("seq")}, {_district("seq")}, {_name(PREFIX + " Affiliate ", _affiliate_no("seq"), 3)},
				'TX', {STAMP}
			from seq_1_to_{SITES}"""
		)
	if frappe.db.count("Site", {"name": ["like", f"{PREFIX} Site %"]}) < SITES:
		level = _sql_list(("Elementary", "Middle", "High")).format(index="1 + mod(seq, 3)")
		frappe.db.sql(
			f"""insert ignore into `tabSite` (name, site_name, site_type, school_level, is_active, affiliate,
				school_district, enrollment_count, {STANDARD})
			select {_name(PREFIX + " Site ", "seq", 4)}, {_name(PREFIX + " Site ", "seq", 4)}, 'School', {level},
				1, {_name(PREFIX + " Affiliate ", _affiliate_no("seq"), 3)}, {_district("seq")}, 0, {STAMP}
			from seq_1_to_{SITES}"""
		)
		frappe.db.commit()  # nosemgrep
	make_user(ADMIN, "CIS Administrator")
	affiliate = frappe.get_doc("Affiliate", LARGE_AFFILIATE)
	if not any(row.user == ADMIN for row in affiliate.staff):
		affiliate.append("staff", {"user": ADMIN, "staff_role": "CIS Administrator"})
		affiliate.save()
	frappe.db.commit()  # nosemgrep

	if frappe.db.count("Student", {"name": ["like", "OB-%"]}) < STUDENTS:
		frappe.db.sql("delete from `tabStudent` where name like 'OB-%'")
		grade = _sql_list(GRADES).format(index=f"1 + mod(seq, {len(GRADES)})")
		site = _site_of_student("seq")
		_run_chunks(
			"students",
			STUDENTS,
			f"""insert into `tabStudent` (name, naming_series, first_name, last_name, student_name, site,
				school_district, affiliate, district_student_id, grade_level, enrollment_status,
				is_case_managed, {STANDARD})
			select {_name("OB-", "seq", 7)}, 'STU-.#######', concat('First', seq), concat('Last', mod(seq, 997)),
				concat('First', seq, ' Last', mod(seq, 997)), {_name(PREFIX + " Site ", site, 4)}, {_district(site)},
				{_name(PREFIX + " Affiliate ", _affiliate_no(site), 3)}, {_name("OBD-", "seq", 7)}, {grade},
				'Enrolled', mod(seq, 10) = 0, {STAMP}
			from seq_{{low}}_to_{{high}}""",
		)
		# enrolment of each site: its students (so 10% of them are case-managed)
		frappe.db.sql(
			"""update `tabSite` site join (select site, count(*) as students from `tabStudent`
				where name like 'OB-%%' group by site) counted on counted.site = site.name
			set site.enrollment_count = counted.students"""
		)
		frappe.db.commit()  # nosemgrep

	# every tenth student, plus a second plan for one in 200 of them (counted once by the reports)
	plans = STUDENTS // 10 + STUDENTS // 2000
	if frappe.db.count("Support Plan", {"school_year": SCHOOL_YEAR}) < plans:
		frappe.db.sql("delete from `tabSupport Plan` where school_year = %s", SCHOOL_YEAR)
		frappe.db.sql("delete from `tabSupport Plan Goal` where parent like 'OBSP-%%'")
		student = "(seq * 10)"
		site = _site_of_student(student)
		plan_columns = f"""(name, naming_series, plan_type, student, student_name, site, school_year, status,
			workflow_state, start_date, activated_on, goals_total, {STANDARD})"""
		_run_chunks(
			"plans",
			STUDENTS // 10,
			f"""insert into `tabSupport Plan` {plan_columns}
			select {_name("OBSP-", "seq", 6)}, 'SP-.YYYY.-.#####', 'Student', {_name("OB-", student, 7)},
				concat('First', {student}, ' Last', mod({student}, 997)), {_name(PREFIX + " Site ", site, 4)},
				'{SCHOOL_YEAR}', 'Closed', 'Closed', '2024-09-01', date_add('2024-09-01', interval mod(seq, 120) day),
				2, {STAMP}
			from seq_{{low}}_to_{{high}}""",
		)
		# a student with a status (number 2000k - 10), at the next student's site (another site)
		student = "(seq * 2000 - 10)"
		site = _site_of_student(f"{student} + 1")
		frappe.db.sql(
			f"""insert into `tabSupport Plan` {plan_columns}
			select {_name("OBSP-2-", "seq", 6)}, 'SP-.YYYY.-.#####', 'Student', {_name("OB-", student, 7)},
				concat('First', {student}, ' Last', mod({student}, 997)), {_name(PREFIX + " Site ", site, 4)},
				'{SCHOOL_YEAR}', 'Active', 'Active', '2025-01-15', '2025-01-20', 2, {STAMP}
			from seq_1_to_{STUDENTS // 2000}"""
		)
		frappe.db.commit()  # nosemgrep
		goal_columns = f"""(name, parent, parentfield, parenttype, idx, area, metric, baseline, target, direction,
			current_value, progress_status, {STANDARD})"""
		for position, (area, metric) in enumerate(
			(("Attendance", "Attendance Rate (%)"), ("Academic", "GPA"), ("Behavior", "Behavior Incidents"))
		):
			# goal 1 is Attendance or Academic, goal 2 Academic or Behavior: every area is covered
			chooser = "mod(seq, 2)" if position < 2 else "mod(seq + 1, 2)"
			wanted = 0 if position in (0, 2) else 1
			progress = _sql_list(PROGRESS).format(index=f"1 + mod(seq * 3 + {position}, {len(PROGRESS)})")
			_run_chunks(
				f"goals ({area})",
				plans,
				f"""insert into `tabSupport Plan Goal` {goal_columns}
				select concat(plan.name, '-{area[:3]}'), plan.name, 'goals', 'Support Plan',
					{1 if position < 2 else 2}, '{area}', '{metric}', 1, 2, 'Up', 0, {progress}, {STAMP}
				from seq_{{low}}_to_{{high}} join `tabSupport Plan` plan on plan.name = if(seq <= {STUDENTS // 10},
					{_name("OBSP-", "seq", 6)}, {_name("OBSP-2-", f"seq - {STUDENTS // 10}", 6)})
				where if({position} = 1, 1, {chooser} = {wanted})""",
			)

	statuses = STUDENTS // 10 - STUDENTS // 200
	if frappe.db.count("Student Year-End Status", {"school_year": SCHOOL_YEAR}) < statuses:
		frappe.db.sql("delete from `tabStudent Year-End Status` where school_year = %s", SCHOOL_YEAR)
		# 95% of the cohort (every student number not a multiple of 200) gets a status its grade allows
		student = "(seq * 10)"
		grade = _sql_list(GRADES).format(index=f"1 + mod({student}, {len(GRADES)})")
		lower = _sql_list(
			("Promoted",) * 15 + ("Retained", "Retained", "Dropped Out", "Transferred", "Moved")
		).format(index="1 + mod(seq * 3, 20)")
		senior = _sql_list(("Graduated",) * 16 + ("GED", "Retained", "Dropped Out", "Moved")).format(
			index="1 + mod(seq * 3, 20)"
		)
		_run_chunks(
			"year-end statuses",
			STUDENTS // 10,
			f"""insert into `tabStudent Year-End Status` (name, student, student_name, site, school_year,
				grade_level, year_end_status, remained_in_school, {STANDARD})
			select {_name("OBYES-", "seq", 6)}, {_name("OB-", student, 7)},
				concat('First', {student}, ' Last', mod({student}, 997)),
				{_name(PREFIX + " Site ", _site_of_student(student), 4)}, '{SCHOOL_YEAR}', {grade},
				if({grade} = '12', {senior}, {lower}) as status,
				if({grade} = '12', {senior}, {lower}) != 'Dropped Out', {STAMP}
			from seq_{{low}}_to_{{high}} where mod(seq, 20) != 0""",
		)


# ---------------------------------------------------------------------------------------------- timing
REPORTS = ("CIS Outcomes", "Affiliate Annual Summary")
# the other views of CIS Outcomes timed for the whole network (Administrator)
VARIANTS = (
	("grouped by Site", {"group_by": "Site"}),
	("grouped by School District", {"group_by": "School District"}),
	("grouped by Grade", {"group_by": "Grade"}),
	("grades 7-12 (the Texas view)", {"grade_from": "7", "grade_to": "12"}),
	("compare 3 years", {"compare_years": 3}),
)


def unprepare_reports() -> None:
	"""Frappe turns a Script Report that once ran over 15 s into a prepared report (for everyone); a
	slow first run (cold cache) must not leave the timed runs reading a prepared result."""
	for name in REPORTS:
		if frappe.db.get_value("Report", name, "prepared_report"):
			print(f"  note: {name} had been switched to a prepared report by Frappe; switched back")
			frappe.db.set_value("Report", name, "prepared_report", 0)
			frappe.db.commit()  # nosemgrep: benchmark set-up


def database_settings() -> str:
	version, pool = frappe.db.sql("select version(), @@innodb_buffer_pool_size")[0]
	mib = 1024 * 1024
	sizes = []
	for table in ("Student", "Support Plan", "Support Plan Goal", "Student Year-End Status"):
		rows, data, index = frappe.db.sql(
			"""select table_rows, data_length, index_length from information_schema.tables
			where table_schema = database() and table_name = %s""",
			f"tab{table}",
		)[0]
		sizes.append(f"tab{table} ~{rows:,} rows, {data / mib:.0f} MiB + indexes {index / mib:.0f} MiB")
	return f"MariaDB {version}, innodb_buffer_pool_size {pool / mib:.0f} MiB\n  " + "\n  ".join(sizes)


def explain(sql: str, values: dict | None = None) -> list[str]:
	lines = []
	for row in frappe.db.sql(f"explain {sql}", values, as_dict=True):
		lines.append(
			f"    {row.table or '':<14} type={row.type} key={row.key} rows~{row.rows} {row.Extra or ''}"
		)
	return lines


def print_plans(affiliate_sites: list[str]) -> None:
	print("\nquery plans (EXPLAIN):")
	for scope, sites in (("one affiliate", affiliate_sites), ("all sites", None)):
		for label, source in (
			(
				"CIS Outcomes: per plan, student and key (grade, status, goals)",
				counted_source(SCHOOL_YEAR, sites),
			),
		):
			print(f"  {label}, {scope}:")
			print("\n".join(explain(source._replace(prefix="").packed_sql(), source.values)))
	captured = {}
	original = frappe.db.sql

	def capture(query, values=(), *args, **kwargs):
		if "row_number()" in str(query):
			captured["sql"], captured["values"] = query, values
		return original(query, values, *args, **kwargs)

	frappe.db.sql = capture
	try:
		affiliate_annual_summary.case_managed_by_site(SCHOOL_YEAR, affiliate_sites)
	finally:
		frappe.db.sql = original
	print("  annual summary, case-managed students per site (first plan), one affiliate:")
	print("\n".join(explain(captured["sql"], captured["values"])))


def peer(user: str, sites: list[str] | None) -> int:
	"""The plainest job on the same rows: one ``frappe.get_list`` of the cohort's plans (student, site)
	as the same user, permissions applied."""
	filters = {"plan_type": "Student", "school_year": SCHOOL_YEAR, "activated_on": ["is", "set"]}
	if sites is not None:
		filters["site"] = ["in", sites]
	frappe.set_user(user)
	try:
		return len(
			frappe.get_list("Support Plan", filters=filters, fields=["student", "site"], limit_page_length=0)
		)
	finally:
		frappe.set_user("Administrator")


def timed(function, repeat: int) -> tuple[list[float], object]:
	times, result = [], None
	for _ in range(repeat):
		clear_scope_cache()  # each request computes the user's scope afresh
		started = time.perf_counter()
		result = function()
		times.append(time.perf_counter() - started)
	return times, result


def headline(report: str, result: dict) -> str:
	rows = result["result"]
	if report == "CIS Outcomes":
		totals = {row["metric"]: row for row in rows if row.get("is_total")}
		parts = [f"cohort {totals['cohort']['numerator']:,}"]
		for metric in ("remained_in_school", "promoted", "graduated", "attendance_goals"):
			row = totals[metric]
			parts.append(f"{metric} {row['numerator']:,}/{row['denominator']:,} = {row['percent']}%")
		return ", ".join(parts)
	totals = [row for row in rows if row.get("is_total")]
	case_managed = sum(row["case_managed"] or 0 for row in totals)
	return (
		f"{len(rows) - len(totals):,} sites in {len(totals)} affiliates, {case_managed:,} students "
		f"case-managed, enrolment {sum(row['enrollment'] or 0 for row in totals):,}"
	)


def run(repeat: int = 3) -> None:
	started = time.perf_counter()
	seed()
	print(f"seeded/checked the network in {time.perf_counter() - started:.0f} s")
	unprepare_reports()
	print(database_settings())
	affiliate_sites = frappe.get_all("Site", filters={"affiliate": LARGE_AFFILIATE}, pluck="name")
	cases = [
		(f"CIS Administrator of {LARGE_AFFILIATE} (100,000 students)", ADMIN, affiliate_sites),
		("Administrator, every site (1,700,000 students)", "Administrator", None),
	]
	for report in REPORTS:
		for label, user, sites in cases:
			filters = {"school_year": SCHOOL_YEAR}
			if sites is not None:
				filters["affiliate"] = LARGE_AFFILIATE
			frappe.set_user(user)
			try:
				times, result = timed(lambda: run_report(report, filters), repeat)
			finally:
				frappe.set_user("Administrator")
			peer_times, plans = timed(lambda: peer(user, sites), repeat)
			load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
			best, peer_best = min(times), min(peer_times)
			verdict = "under 2 s" if best < 2 else "OVER 2 s"
			print(
				f"\n{report}, {label}:\n"
				f"  report runs {', '.join(f'{value:.2f}' for value in times)} s; best {best:.2f} s ({verdict})\n"
				f"  peer get_list of the {plans:,} cohort plans: {', '.join(f'{v:.2f}' for v in peer_times)} s; "
				f"best {peer_best:.2f} s; ratio report / peer {best / peer_best:.2f}\n"
				f"  load average {load}\n"
				f"  figures: {headline(report, result)}"
			)
			unprepare_reports()
	print("\nCIS Outcomes, Administrator, every site, other views:")
	for label, extra in VARIANTS:
		filters = {"school_year": SCHOOL_YEAR, **extra}
		times, result = timed(lambda: run_report("CIS Outcomes", filters), repeat)
		print(
			f"  {label}: runs {', '.join(f'{value:.2f}' for value in times)} s; best {min(times):.2f} s; "
			f"{len(result['result']):,} rows"
		)
		unprepare_reports()
	print_plans(affiliate_sites)
