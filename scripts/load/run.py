"""The load test: the demo site served as production serves Frappe, the busiest hour ramped up.

    scripts/load-test                      # the dev bench (scripts/dev-bench), site cis.localhost
    scripts/load-test --workers 4 --step-users 20 --step-seconds 60 --max-users 400

Assumes the dev bench is up (``scripts/dev-bench``: MariaDB, Redis, the scheduler and an RQ worker for
every queue, the demo loaded). It then:

1. makes (once) a virtualenv with Locust in ~/.cache/cis_app/load-venv;
2. serves the site with gunicorn (``--workers`` sync workers, ``--preload``, as ``bench setup
   production`` does) on ``--port`` (default 8200), beside the dev server;
3. runs ``scripts/load/locustfile.py`` headless: ``--step-users`` more users every ``--step-seconds``,
   until the 95th percentile of any request type passes 1 s (or ``--max-users``);
4. prints the summary (``summary.py``: the largest load held with p95 under 500 ms and no failure,
   requests per second, p50/p95/p99 per request type and the ratios to the peers) and checks that
   nothing was lost (``nothing_lost.py``); exits 1 if anything was;
5. stops gunicorn. The run's files (ledger, steps, Locust's CSV) stay in ``--out``.

With ``--jobs`` (the default), jobs run on the bench's worker during the ramp, as on a Monday morning:
a roster Apply of a district (``--roster-students`` students, every one of them changed: the roster
fault scripts' district and files, ``cis_app.benchmarks.roster_faults``) and the recompute of every
student's risk and goal progress (CIS Settings' button). Before the ramp, on the quiet site, the same
Apply and a recompute alone are run for reference (``LoadJobs.reference``); after it the district must
equal the quiet Apply's (students, guardians, Version rows, compared by content), the Apply's counts
must equal the quiet run's, and the recompute's figures must equal those of a recompute run alone
afterwards (``cis_app.benchmarks.load_jobs``).

``--sites N`` says how many sites the demo has (``make_demo(sites=N)``): the coordinator users log in
as the N site coordinators (``cis_app.demo.data.coordinator_logins``).
"""

from __future__ import annotations

import argparse
import os
import pwd
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
LOCUST = "locust==2.47.0"


def as_user(user: str, cmd: list[str]) -> list[str]:
	if os.geteuid() == 0 and user != "root":
		return ["runuser", "-u", user, "--", "env", f"HOME={pwd.getpwnam(user).pw_dir}", *cmd]
	return cmd


def load_venv() -> Path:
	venv = Path.home() / ".cache" / "cis_app" / "load-venv"
	python = venv / "bin" / "python"
	if not python.exists():
		subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
	check = subprocess.run([str(python), "-c", "import locust"], capture_output=True)
	if check.returncode:
		subprocess.run([str(python), "-m", "pip", "install", "--quiet", LOCUST], check=True)
	return python


def answers(url: str, site: str) -> bool:
	try:
		request = urllib.request.Request(f"{url}/api/method/ping", headers={"X-Frappe-Site-Name": site})
		with urllib.request.urlopen(request, timeout=5) as response:
			return response.status == 200
	except OSError:
		return False


def main() -> int:
	parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
	parser.add_argument("--bench-dir", default=str(Path(pwd.getpwnam("frappe").pw_dir) / "cis-bench") if _has_user("frappe") else "~/cis-bench")
	parser.add_argument("--user", default="frappe" if _has_user("frappe") else pwd.getpwuid(os.geteuid()).pw_name)
	parser.add_argument("--site", default="cis.localhost")
	parser.add_argument("--port", type=int, default=8200)
	parser.add_argument("--workers", type=int, default=4)
	parser.add_argument("--step-users", type=int, default=20)
	parser.add_argument("--step-seconds", type=int, default=60)
	parser.add_argument("--max-users", type=int, default=400)
	parser.add_argument("--admin-password", default="admin")
	parser.add_argument("--out", default="load-results")
	parser.add_argument("--sites", type=int, default=8, help="the demo's sites (make_demo(sites=N)); 8: the demo")
	parser.add_argument("--jobs", action=argparse.BooleanOptionalAction, default=True,
		help="a roster Apply and the recompute run as jobs during the ramp (default: yes)")
	parser.add_argument("--roster-students", type=int, default=10_000)
	parser.add_argument("--jobs-after", type=float, help="seconds into the ramp the jobs start (default: the second step)")
	args = parser.parse_args()
	bench = Path(args.bench_dir).expanduser()
	out = Path(args.out).absolute() / time.strftime("%Y%m%d-%H%M%S")
	out.mkdir(parents=True, exist_ok=True)
	python = load_venv()
	url = f"http://127.0.0.1:{args.port}"
	gunicorn = subprocess.Popen(
		as_user(
			args.user,
			[
				str(bench / "env" / "bin" / "gunicorn"), "-b", f"127.0.0.1:{args.port}", "-w", str(args.workers),
				"-t", "120", "--graceful-timeout", "30", "--preload", "frappe.app:application",
			],
		),
		cwd=bench / "sites",
		stdout=open(out / "gunicorn.log", "w"),
		stderr=subprocess.STDOUT,
		start_new_session=True,
	)
	try:
		deadline = time.time() + 60
		while not answers(url, args.site):
			if time.time() > deadline or gunicorn.poll() is not None:
				print((out / "gunicorn.log").read_text()[-2000:])
				print(f"gunicorn did not answer on {url}")
				return 1
			time.sleep(1)
		jobs = None
		if args.jobs:
			jobs = LoadJobs(bench, args.user, args.site, args.port, args.roster_students)
			jobs.reference()
		env = locust_env(args.site, out, args.step_users, args.step_seconds, args.max_users, args.sites)
		started = time.time()
		timer = None
		if jobs:
			timer = threading.Timer(args.jobs_after if args.jobs_after is not None else args.step_seconds, jobs.start)
			timer.start()
		subprocess.run(
			[
				str(python), "-m", "locust", "-f", str(HERE / "locustfile.py"), "--headless", "--host", url,
				"--csv", str(out / "locust"), "--only-summary", "--loglevel", "WARNING",
			],
			env=env,
			check=False,
			stdout=open(out / "locust.log", "w"),
			stderr=subprocess.STDOUT,
		)
		if timer:
			timer.cancel()
		print(f"load run: {time.time() - started:.0f} s; gunicorn {args.workers} workers on {os.cpu_count()} cores; files in {out}")
		subprocess.run([sys.executable, str(HERE / "summary.py"), "--steps", str(out / "steps.jsonl")], check=False)
		lost = subprocess.run(
			[sys.executable, str(HERE / "nothing_lost.py"), "--url", url, "--site", args.site,
				"--admin-password", args.admin_password, "--ledger", str(out / "ledger.jsonl")],
			check=False,
		)
		jobs_ok = jobs.check() if jobs else True
		return lost.returncode or (0 if jobs_ok else 1)
	finally:
		try:
			os.killpg(gunicorn.pid, 15)
		except ProcessLookupError:
			pass
		gunicorn.wait(timeout=60)


class LoadJobs:
	"""The roster Apply and the recompute the ramp runs as jobs, with their quiet references."""

	def __init__(self, bench: Path, user: str, site: str, port: int, students: int):
		import roster_faults

		self.faults = roster_faults
		self.bench = roster_faults.Bench(bench, user, site, port)
		self.students = students
		self.started_at: float | None = None
		self.errors: list[str] = []

	def say(self, text: str) -> None:
		print(f"jobs: {text}", flush=True)

	def reference(self) -> None:
		"""On the quiet site: the Apply alone (reset, first roster, changed roster), its district's
		digest and counts; a recompute alone; then the district reset to its first roster, and the
		Apply the ramp will start made ready."""
		setup = self.bench.execute("prepare", students=self.students)
		self.run = self.faults.Run(self.bench, setup)
		self.run.say = self.say
		began = time.time()
		self.run.reference()
		self.say(f"reference took {time.time() - began:.0f} s")
		self.ref_counts = self.run.counts(self.run.bench.sql(
			"select name from `tabRoster Import` where school_district = 'Roster Fault District' order by creation desc limit 1"))
		self.bench.execute("reset")
		self.run.apply("base")
		# the same Apply again, timed alone (then the district is back to its first roster)
		began = time.time()
		self.run.apply("changed")
		self.quiet_seconds = time.time() - began
		self.bench.execute("reset")
		self.run.apply("base")
		self.ref_recompute = self.execute_jobs("recompute_digest", run=True)
		self.apply_name = self.bench.execute("new_import", file="changed")
		self.say(f"reference: Apply {self.ref_counts}; recompute alone {self.ref_recompute}")

	def execute_jobs(self, function: str, **kwargs):
		saved = self.faults.SERVER
		self.faults.SERVER = "cis_app.benchmarks.load_jobs"
		try:
			return self.bench.execute(function, **kwargs)
		finally:
			self.faults.SERVER = saved

	def start(self) -> None:
		"""The jobs, queued as an administrator queues them (Start on the Roster Import, the recompute
		button of CIS Settings)."""
		self.started_at = time.time()
		status, message = self.run.start(self.apply_name)
		if status != 200:
			self.errors.append(f"the Apply was not queued: {status} {message}")
		admin = self.run.admins[0]
		status, payload = admin.call("cis_app.cis_network.doctype.cis_settings.cis_settings.recompute_early_warning")
		if status != 200:
			self.errors.append(f"the recompute was not queued: {status} {self.faults.message_of(payload)}")
		self.say("the roster Apply and the recompute queued during the ramp")

		def time_the_apply() -> None:
			self.run.wait_done(self.apply_name)
			self.load_seconds = time.time() - self.started_at

		self.load_seconds = None
		threading.Thread(target=time_the_apply, daemon=True).start()

	def check(self) -> bool:
		if self.started_at is None:
			self.say("FAIL: the ramp ended before the jobs were started (lower --jobs-after)")
			return False
		for error in self.errors:
			self.say(f"FAIL: {error}")
		self.run.wait_done(self.apply_name)
		deadline = time.time() + 900
		while self.execute_jobs("job_status", job_id="cis_recompute_all") in ("queued", "started"):
			if time.time() > deadline:
				self.say("FAIL: the recompute did not finish")
				return False
			time.sleep(2)
		counts = self.run.counts(self.apply_name)
		if self.load_seconds:
			self.say(f"the Apply took {self.load_seconds:.0f} s from Start to its end under load, "
				f"{self.quiet_seconds:.0f} s alone (both with the worker's queue wait)")
		ok = self.run.check("the Apply under load counted as the quiet Apply", counts == self.ref_counts,
			f"{counts} (quiet: {self.ref_counts})")
		ok &= self.run.compare("the district after the Apply under load equals the quiet Apply's",
			self.bench.execute("snapshot"), self.run.ref_changed)
		under_load = self.execute_jobs("recompute_digest")
		alone = self.execute_jobs("recompute_digest", run=True)
		ok &= self.run.check("the recompute under load equals a recompute alone afterwards", under_load == alone,
			f"{under_load}" if under_load == alone else f"{under_load} vs {alone}")
		ok &= self.run.check("a recompute alone gives the same figures before and after the load",
			alone == self.ref_recompute, f"{alone}" if alone == self.ref_recompute else f"{alone} vs {self.ref_recompute}")
		self.bench.execute("reset")
		return ok and not self.errors


def locust_env(site: str, out: Path, step_users: int, step_seconds: float, max_users: int, sites: int = 8) -> dict:
	"""The environment ``locustfile.py`` reads: the site, where the ledger and the steps go, the ramp,
	and the coordinators of a demo of ``sites`` sites."""
	return {
		**os.environ,
		"CIS_LOAD_COORDINATORS": ",".join(coordinator_logins(sites)),
		"CIS_LOAD_SITE": site,
		"CIS_LOAD_LEDGER": str(out / "ledger.jsonl"),
		"CIS_LOAD_STEPS": str(out / "steps.jsonl"),
		"CIS_LOAD_STEP_USERS": str(step_users),
		"CIS_LOAD_STEP_SECONDS": str(step_seconds),
		"CIS_LOAD_MAX_USERS": str(max_users),
	}


def coordinator_logins(sites: int) -> list[str]:
	"""The demo's site coordinators (``cis_app.demo.data``, standard library only)."""
	sys.path.insert(0, str(HERE.parents[1]))
	from cis_app.demo.data import coordinator_logins as logins

	return logins(sites)


def _has_user(name: str) -> bool:
	try:
		pwd.getpwnam(name)
		return True
	except KeyError:
		return False


if __name__ == "__main__":
	sys.exit(main())
