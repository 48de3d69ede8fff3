"""Benchmark: the OneRoster roster import of 100,000 students, against Frappe's Data Import; the ABC import.

    bench --site <benchmark site> execute cis_app.benchmarks.roster_import.run
    bench --site <benchmark site> execute cis_app.benchmarks.roster_import.run --kwargs "{'students': 20000}"

Generates synthetic files in a temporary folder (``cis_app.demo.sample_data``: a OneRoster 1.2 bulk
zip of ``students`` students across 50 schools, each with a guardian, every fourth with a second one,
with demographics, roles and enrolments; the same roster with 5% of the students changed; a 10,000
student roster; an ABC CSV) and measures, in one run on the same site, each import run as the
long-queue worker runs it (``run_roster_import``, synchronously, as Administrator):

1. Apply of the 10,000-student roster into a district of its own (peak memory, for comparison),
   after a warm-up import of 1,000 students there (a first import loads modules and caches);
2. Apply of the full roster, fresh (every student new);
3. Apply of the same file again (every student unchanged: 0 new, 0 updated, no Version);
4. Apply of the file with 5% of the students changed (family name, grade, school or a guardian's
   phone: updated, one Version each);
5. Frappe's own Data Import (``frappe.core.doctype.data_import``) of a 5,000-row plain CSV slice of
   the same students (one guardian each), into a third district, its rate scaled to the roster;
6. the ABC import of one data point per student, including the one recompute of risk at the end.

Rates are students (rows) per second of the whole run (reading the zip, planning, writing, committing).
Peak memory is the process's resident set (``/proc/self/statm``, sampled every 10 ms) above what it
was when the run started. Prints what the figures assume (MariaDB, buffer pool, CPUs, load).
Commits, and deletes what an earlier run of it left: use a site of its own.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
import time
from datetime import date

import frappe
from frappe.core.doctype.data_import.data_import import start_import

from cis_app.demo import sample_data as samples
from cis_app.cis_network.district_data.roster_job import run_roster_import
from cis_app.tests.factories import make_affiliate, make_district, make_site

AFFILIATE = "Roster Bench Affiliate"
DISTRICT = "Roster Bench District"
SMALL_DISTRICT = "Roster Bench District 10k"
DI_DISTRICT = "Roster Bench Data Import District"
DISTRICTS = (DISTRICT, SMALL_DISTRICT, DI_DISTRICT)
AS_OF = date(2026, 1, 31)  # inside the school year the roster creates (2025-2026)


# ---------------------------------------------------------------- measuring


class PeakMemory:
	"""Peak resident set size above the start, sampled by a thread (Linux ``/proc/self/statm``)."""

	def __init__(self, every: float = 0.01):
		self.every = every
		self.page = os.sysconf("SC_PAGE_SIZE")

	def rss(self) -> int:
		with open("/proc/self/statm") as statm:
			return int(statm.read().split()[1]) * self.page

	def __enter__(self) -> PeakMemory:
		self.start = self.peak = self.rss()
		self.running = True

		def sample():
			while self.running:
				self.peak = max(self.peak, self.rss())
				time.sleep(self.every)

		self.thread = threading.Thread(target=sample, daemon=True)
		self.thread.start()
		return self

	def __exit__(self, *exc) -> None:
		self.running = False
		self.thread.join()
		self.peak = max(self.peak, self.rss())

	@property
	def mib(self) -> float:
		return (self.peak - self.start) / 2**20


def mib(size: int) -> str:
	return f"{size / 2**20:.0f} MiB"


# ---------------------------------------------------------------- setting up


def reset(districts: tuple[str, ...] = DISTRICTS) -> None:
	"""Delete what an earlier run left in the benchmark districts (students, guardians, versions,
	data points, imports), so every run starts fresh."""
	students = frappe.db.sql_list(
		"select name from `tabStudent` where school_district in %(districts)s", {"districts": districts}
	)
	for start in range(0, len(students), 5000):
		chunk = students[start : start + 5000]
		frappe.db.sql("delete from `tabStudent Guardian` where parent in %(names)s", {"names": chunk})
		frappe.db.sql(
			"delete from `tabVersion` where ref_doctype = 'Student' and docname in %(names)s",
			{"names": chunk},
		)
		frappe.db.sql("delete from `tabStudent Data Point` where student in %(names)s", {"names": chunk})
		frappe.db.sql("delete from `tabStudent` where name in %(names)s", {"names": chunk})
		frappe.db.commit()  # nosemgrep: a benchmark on a site of its own
	frappe.db.sql(
		"delete from `tabRoster Import` where school_district in %(districts)s", {"districts": districts}
	)
	frappe.db.commit()  # nosemgrep


def seed(schools: int) -> dict[str, dict[str, str]]:
	"""The affiliate, three districts with ``schools`` sites each (their school ids those of the
	generated files). Returns district -> school sourcedId -> site."""
	frappe.set_user("Administrator")
	make_affiliate(AFFILIATE)
	sites: dict[str, dict[str, str]] = {}
	for district in DISTRICTS:
		make_district(district, AFFILIATE)
		sites[district] = {}
		for number in range(schools):
			school = samples.bench_school(number)
			site = make_site(f"{district} School {number + 1:02d}", AFFILIATE, district)
			frappe.db.set_value(
				"Site", site, {"school_id": school["identifier"], "oneroster_sourced_id": None}
			)
			sites[district][school["sourcedId"]] = site
		frappe.db.set_value(
			"School District", district, {"oneroster_sourced_id": None, "nces_district_id": "4899900"}
		)
	frappe.db.commit()  # nosemgrep
	return sites


def attach(path: str) -> str:
	"""A private File of ``path``'s bytes; returns its URL."""
	with open(path, "rb") as handle:
		content = handle.read()
	file = frappe.get_doc(
		{"doctype": "File", "file_name": os.path.basename(path), "is_private": 1, "content": content}
	).insert(ignore_permissions=True)
	return file.file_url


def run_import(
	district: str, path: str, import_type: str = "OneRoster Roster"
) -> tuple[frappe._dict, float, float]:
	"""Run one Apply as the worker would; returns the import (reloaded), seconds, peak MiB."""
	doc = frappe.get_doc(
		{
			"doctype": "Roster Import",
			"import_type": import_type,
			"school_district": district,
			"import_file": attach(path),
			"mode": "Apply",
			"max_withdrawal_share": 10,
		}
	).insert(ignore_permissions=True)
	frappe.db.commit()  # nosemgrep
	with PeakMemory() as memory:
		start = time.perf_counter()
		run_roster_import(doc.name)
		frappe.db.commit()  # nosemgrep: as the job's end commits
		elapsed = time.perf_counter() - start
	doc.reload()
	return doc, elapsed, memory.mib


def versions(district: str) -> int:
	return frappe.db.sql(
		"select count(*) from `tabVersion` v join `tabStudent` s on s.name = v.docname "
		"where v.ref_doctype = 'Student' and s.school_district = %s",
		district,
	)[0][0]


def counts(doc) -> str:
	return (
		f"new {doc.new_count}, updated {doc.updated_count}, unchanged {doc.unchanged_count}, "
		f"withdrawn {doc.withdrawn_count}, skipped {doc.skipped_count}, errors {doc.error_count}"
	)


def line(label: str, rows: int, elapsed: float, extra: str = "", doc=None) -> float:
	rate = rows / elapsed
	print(f"{label:<44} {rows:>7} rows in {elapsed:7.1f} s = {rate:>7.0f} rows/s{extra}")
	if doc is not None and doc.summary:
		steps = frappe.parse_json(doc.summary).get("seconds") or {}
		if steps:
			print("    seconds: " + ", ".join(f"{step} {seconds}" for step, seconds in steps.items()))
	return rate


def data_import(path: str) -> tuple[float, int, str]:
	"""Frappe's Data Import of the CSV at ``path`` into Student (Insert New Records), run as its job
	runs; returns seconds, rows imported, status."""
	doc = frappe.get_doc(
		{
			"doctype": "Data Import",
			"reference_doctype": "Student",
			"import_type": "Insert New Records",
			"import_file": attach(path),
		}
	).insert(ignore_permissions=True)
	frappe.db.commit()  # nosemgrep
	start = time.perf_counter()
	start_import(doc.name)
	elapsed = time.perf_counter() - start
	imported = frappe.db.count("Data Import Log", {"data_import": doc.name, "success": 1})
	return elapsed, imported, frappe.db.get_value("Data Import", doc.name, "status")


def assumptions() -> None:
	version = frappe.db.sql("select version()")[0][0]
	pool = int(frappe.db.sql("select @@innodb_buffer_pool_size")[0][0])
	print(
		f"MariaDB {version}, innodb_buffer_pool_size {mib(pool)}; Frappe {frappe.__version__}; "
		f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} (1 min)"
	)


# ---------------------------------------------------------------- the run


def run(
	students: int = 100_000, schools: int = 50, small: int = 10_000, data_import_rows: int = 5_000
) -> None:
	frappe.set_user("Administrator")
	assumptions()
	reset()
	sites = seed(schools)
	folder = tempfile.mkdtemp(prefix="roster-bench-")
	try:
		start = time.perf_counter()
		full, changed, ten_k = (os.path.join(folder, f"{n}.zip") for n in ("full", "changed", "small"))
		samples.write_bench_roster(full, students, schools)
		samples.write_bench_roster(changed, students, schools, changed_every=20)
		samples.write_bench_roster(ten_k, small, schools)
		abc = os.path.join(folder, "abc.csv")
		samples.write_bench_abc(abc, students, AS_OF)
		slice_csv = os.path.join(folder, "data-import.csv")
		samples.bench_students_csv(slice_csv, 0, data_import_rows, schools, sites[DI_DISTRICT].__getitem__)
		print(
			f"generated the files in {time.perf_counter() - start:.1f} s: roster {mib(os.path.getsize(full))} zipped, "
			f"{students} students, {students + students // 4} guardians, {schools} schools"
		)

		# a first import loads modules and caches: warm up on 1,000 students, then start again
		warm_up = os.path.join(folder, "warm-up.zip")
		samples.write_bench_roster(warm_up, 1_000, schools)
		run_import(SMALL_DISTRICT, warm_up)
		reset((SMALL_DISTRICT,))

		doc, elapsed, small_peak = run_import(SMALL_DISTRICT, ten_k)
		line(f"Apply, fresh, {small} students", small, elapsed, f"  peak memory +{small_peak:.0f} MiB", doc)
		assert (doc.new_count, doc.error_count) == (small, 0), counts(doc)

		doc, elapsed, fresh_peak = run_import(DISTRICT, full)
		fresh = line("Apply, fresh (all new)", students, elapsed, f"  peak memory +{fresh_peak:.0f} MiB", doc)
		print(f"    {counts(doc)}")
		assert (doc.new_count, doc.error_count) == (students, 0), counts(doc)
		guardians = frappe.db.sql(
			"select count(*) from `tabStudent Guardian` g join `tabStudent` s on s.name = g.parent "
			"where s.school_district = %s",
			DISTRICT,
		)[0][0]
		print(f"    {guardians} guardians written, Versions: {versions(DISTRICT)}")

		before = versions(DISTRICT)
		doc, elapsed, peak = run_import(DISTRICT, full)
		repeat = line(
			"Apply, same file again (all unchanged)", students, elapsed, f"  peak memory +{peak:.0f} MiB", doc
		)
		print(f"    {counts(doc)}; Versions {before} -> {versions(DISTRICT)}")
		assert (doc.new_count, doc.updated_count, doc.unchanged_count) == (0, 0, students), counts(doc)
		assert versions(DISTRICT) == before

		doc, elapsed, peak = run_import(DISTRICT, changed)
		line("Apply, 5% of the students changed", students, elapsed, f"  peak memory +{peak:.0f} MiB", doc)
		print(f"    {counts(doc)}; Versions {before} -> {versions(DISTRICT)}")
		assert doc.updated_count == students // 20, counts(doc)

		elapsed, imported, status = data_import(slice_csv)
		rate = line(f"Frappe Data Import, {data_import_rows}-row slice", imported, elapsed, f"  ({status})")
		print(
			f"    scaled to {students} rows: {students / rate / 60:.1f} min; "
			f"Apply / Data Import = {fresh / rate:.1f}x (fresh), {repeat / rate:.1f}x (unchanged repeat)"
		)

		doc, elapsed, peak = run_import(DISTRICT, abc, "ABC Data")
		summary = frappe.parse_json(doc.summary or "{}")
		line(
			"ABC import with the one recompute",
			students,
			elapsed,
			f"  peak memory +{peak:.0f} MiB; {counts(doc)}; recomputed {summary.get('recomputed_students')}",
		)
		print(
			f"memory: peak +{small_peak:.0f} MiB for {small} students, +{fresh_peak:.0f} MiB for {students} "
			f"({fresh_peak / max(small_peak, 1):.1f}x for {students / small:.0f}x the students)"
		)
		assumptions()
	finally:
		shutil.rmtree(folder, ignore_errors=True)
