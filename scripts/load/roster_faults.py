"""Faults during a roster Apply: does the district end exactly as after an uninterrupted run?

    python3 scripts/load/roster_faults.py worker-kill   # kill -9 the worker (and its job) halfway through an Apply
    python3 scripts/load/roster_faults.py two-applies   # two administrators start an Apply of one district at once
    python3 scripts/load/roster_faults.py queue-down    # the job queue's Redis down when an Apply is started
    python3 scripts/load/roster_faults.py all           # the three, one reference

Run as root beside the dev bench (``scripts/dev-bench``). The script needs to be the only one running
jobs of the site, so it stops the dev bench's web server, scheduler and worker (MariaDB and Redis stay),
serves the site with gunicorn on ``--port`` and runs a long-queue worker of its own, and starts the
dev bench again at the end.

The server's half (``cis_app.benchmarks.roster_faults``, through ``bench execute``) makes a district of
its own with 20 schools, two synthetic OneRoster files of ``--students`` students (the first roster,
and the same roster with every student changed) and two CIS Administrators with API tokens; it
resets the district and digests it: the students, their guardians and the Student Version rows,
compared by content (students by sourcedId; not record names or times).

The reference is an uninterrupted run: reset, Apply the first roster, digest; Apply the changed
roster, digest. Each fault then starts from a reset district and must end with the same digests:

- worker-kill: the first roster applied, then the changed roster; when a third of its Versions are
  written the worker is killed with SIGKILL (the worker and the process running the job: nothing can
  clean up). The import stays "Running", the queue still calls its job started. Starting the same
  import again must be accepted (the dead job is recognised: its district lock went with its
  database connection) and finish the job.
- two-applies: both administrators press Start at the same moment (two threads, one barrier): one is
  queued, the other refused with the message that an import of the district is queued or running.
  Then two jobs of the district are put on the queue directly, past the Start button's check, with two
  workers running: the second job finds the district locked and is refused, writing nothing.
- queue-down: the queue's Redis is killed; Start answers 503 with the app's message and the import
  stays as it was; Redis is started again (as the bench starts it) and Start queues and finishes it.

Prints each step and PASS or FAIL per check; exits 1 on any FAIL.
"""

from __future__ import annotations

import argparse
import json
import os
import pwd
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import run as load_run

SERVER = "cis_app.benchmarks.roster_faults"
START = "cis_app.cis_network.doctype.roster_import.roster_import.start_import"
DONE = ("Success", "Partial Success", "Refused", "Error")


class Bench:
	def __init__(self, path: Path, user: str, site: str, port: int):
		self.path, self.user, self.site, self.port = path, user, site, port
		self.url = f"http://127.0.0.1:{port}"
		self.python = str(path / "env" / "bin" / "python")
		self.processes: list[subprocess.Popen] = []
		config = json.loads((path / "sites" / site / "site_config.json").read_text())
		self.db = (config["db_name"], config["db_password"])

	def frappe(self, *args: str) -> list[str]:
		return load_run.as_user(self.user, [self.python, "-m", "frappe.utils.bench_helper", "frappe", *args])

	def execute(self, function: str, **kwargs):
		"""``bench --site <site> execute cis_app.benchmarks.roster_faults.<function>``; its answer."""
		command = self.frappe("--site", self.site, "execute", f"{SERVER}.{function}", "--kwargs", repr(kwargs))
		done = subprocess.run(command, cwd=self.path / "sites", capture_output=True, text=True)
		if done.returncode:
			raise SystemExit(f"{function} failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
		lines = [line for line in done.stdout.splitlines() if line.strip()]
		return json.loads(lines[-1]) if lines else None

	def sql(self, query: str) -> str:
		name, password = self.db
		done = subprocess.run(
			["mariadb", "-h", "127.0.0.1", "-u", name, f"-p{password}", name, "-N", "-B", "-e", query],
			capture_output=True, text=True, check=True,
		)
		return done.stdout.strip()

	def spawn(self, name: str, command: list[str]) -> subprocess.Popen:
		log = open(f"/tmp/cis-roster-fault-{name}.log", "a")
		process = subprocess.Popen(
			command, cwd=self.path / "sites", stdout=log, stderr=subprocess.STDOUT, start_new_session=True
		)
		self.processes.append(process)
		return process

	def serve(self) -> None:
		self.spawn("gunicorn", load_run.as_user(self.user, [
			str(self.path / "env" / "bin" / "gunicorn"), "-b", f"127.0.0.1:{self.port}", "-w", "2", "-t", "120",
			"--preload", "frappe.app:application",
		]))  # fmt: skip
		deadline = time.time() + 60
		while not load_run.answers(self.url, self.site):
			if time.time() > deadline:
				raise SystemExit(f"gunicorn did not answer on {self.url}")
			time.sleep(1)

	def worker(self) -> subprocess.Popen:
		return self.spawn("worker", self.frappe("worker", "--queue", "long"))

	@staticmethod
	def kill(process: subprocess.Popen, sig: int = signal.SIGKILL) -> list[int]:
		"""``sig`` to the process and every descendant: RQ runs a job in a forked "work horse" that
		starts a session of its own, out of reach of a signal to the worker's process group."""
		family = descendants(process.pid)
		for pid in [process.pid, *family]:
			try:
				os.kill(pid, sig)
			except ProcessLookupError:
				pass
		process.wait(timeout=60)
		return family

	def stop_all(self) -> None:
		for process in self.processes:
			if process.poll() is None:
				self.kill(process, signal.SIGTERM)


def descendants(pid: int) -> list[int]:
	"""Every process below ``pid`` (children, their children ...), from ``ps``."""
	children: dict[int, list[int]] = {}
	for line in subprocess.run(["ps", "-eo", "pid=,ppid="], capture_output=True, text=True).stdout.splitlines():
		child, parent = (int(x) for x in line.split())
		children.setdefault(parent, []).append(child)
	found, todo = [], [pid]
	while todo:
		for child in children.get(todo.pop(), []):
			found.append(child)
			todo.append(child)
	return found


class Admin:
	"""An administrator calling the site's API with their token."""

	def __init__(self, bench: Bench, token: str):
		self.bench, self.token = bench, token

	def call(self, method: str, **params) -> tuple[int, dict]:
		headers = {
			"X-Frappe-Site-Name": self.bench.site,
			"Accept": "application/json",
			"Authorization": f"token {self.token}",
		}
		data = urllib.parse.urlencode(params).encode()
		request = urllib.request.Request(f"{self.bench.url}/api/method/{method}", data=data, headers=headers)
		try:
			with urllib.request.urlopen(request, timeout=60) as answer:
				return answer.status, json.loads(answer.read() or b"{}")
		except urllib.error.HTTPError as error:
			try:
				return error.code, json.loads(error.read() or b"{}")
			except ValueError:
				return error.code, {}


def message_of(payload: dict) -> str:
	"""The user's message of a Frappe answer (``_server_messages``), else its exception line."""
	try:
		text = " ".join(json.loads(m)["message"] for m in json.loads(payload.get("_server_messages") or "[]"))
	except (ValueError, KeyError, TypeError):
		text = ""
	return text or str(payload.get("exception") or "")


class Run:
	def __init__(self, bench: Bench, setup: dict):
		self.bench, self.setup = bench, setup
		self.admins = [Admin(bench, token) for token in setup["tokens"]]
		self.results: list[tuple[str, bool, str]] = []
		self.started = time.time()

	def say(self, text: str) -> None:
		print(f"{time.time() - self.started:6.1f} s  {text}", flush=True)

	def check(self, label: str, ok: bool, detail: str = "") -> bool:
		self.results.append((label, ok, detail))
		self.say(f"{'PASS' if ok else 'FAIL'}  {label}{': ' + detail if detail else ''}")
		return ok

	def status(self, name: str) -> tuple[str, str]:
		row = self.bench.sql(f"select status, ifnull(status_message, '') from `tabRoster Import` where name = '{name}'")
		status, _, message = row.partition("\t")
		return status, message

	def counts(self, name: str) -> str:
		return self.bench.sql(
			"select concat('new ', new_count, ', updated ', updated_count, ', unchanged ', unchanged_count, "
			f"', errors ', error_count) from `tabRoster Import` where name = '{name}'"
		)

	def wait_done(self, name: str, timeout: float = 600) -> str:
		deadline = time.time() + timeout
		while time.time() < deadline:
			status, _message = self.status(name)
			if status in DONE:
				return status
			time.sleep(0.5)
		raise SystemExit(f"{name} did not finish in {timeout:.0f} s")

	def start(self, name: str, admin: int = 0) -> tuple[int, str]:
		status, payload = self.admins[admin].call(START, name=name)
		return status, message_of(payload) if status != 200 else payload.get("message", "")

	def apply(self, file: str) -> str:
		name = self.bench.execute("new_import", file=file)
		status, message = self.start(name)
		if status != 200:
			raise SystemExit(f"Start of {name} answered {status}: {message}")
		finished = self.wait_done(name)
		self.say(f"{file} roster applied ({name}): {finished}, {self.counts(name)}")
		return name

	def compare(self, label: str, got: dict, want: dict) -> bool:
		same = got == want
		detail = (
			f"{got['students']} students, {got['guardians']} guardians, {got['versions']} Versions; "
			+ ("digests equal" if same else f"differs: {json.dumps(got)} vs {json.dumps(want)}")
		)
		return self.check(label, same, detail)

	# ------------------------------------------------ the reference

	def reference(self) -> None:
		self.say("reference: an uninterrupted run")
		self.bench.execute("reset")
		self.apply("base")
		self.ref_base = self.bench.execute("snapshot")
		name = self.apply("changed")
		self.ref_unchanged = int(self.bench.sql(f"select unchanged_count from `tabRoster Import` where name = '{name}'"))
		self.ref_changed = self.bench.execute("snapshot")
		self.say(f"reference: {json.dumps(self.ref_changed)}")

	# ------------------------------------------------ (a) the worker killed during an Apply

	def worker_kill(self, worker: subprocess.Popen) -> subprocess.Popen:
		self.say("worker-kill: reset, first roster, then the changed roster killed halfway")
		self.bench.execute("reset")
		self.apply("base")
		name = self.bench.execute("new_import", file="changed")
		versions = "select count(*) from tabVersion where ref_doctype = 'Student'"
		before = int(self.bench.sql(versions))
		target = self.setup["students"] // 3
		status, message = self.start(name)
		if status != 200:
			raise SystemExit(f"Start of {name} answered {status}: {message}")
		written = 0
		deadline = time.time() + 300
		while written < target:
			if time.time() > deadline:
				raise SystemExit("the Apply did not write a third of its Versions in 300 s")
			time.sleep(0.05)
			written = int(self.bench.sql(versions)) - before
			if self.status(name)[0] in DONE:
				raise SystemExit(f"the Apply ended before the kill ({written} Versions): use more --students")
		killed = Bench.kill(worker)
		self.say(f"killed the worker and the process running the job (SIGKILL to {len(killed) + 1} processes) "
			f"with {written} Versions written")
		time.sleep(3)
		after = int(self.bench.sql(versions)) - before
		time.sleep(3)
		still = int(self.bench.sql(versions)) - before
		stuck, _ = self.status(name)
		alive = [pid for pid in killed if Path(f"/proc/{pid}").exists()]
		self.check("the killed Apply stopped where it was", stuck == "Running" and still == after and not alive,
			f"status {stuck}; {after} Versions 3 s after the kill, {still} 3 s later (a chunk commits whole); "
			f"processes left: {alive or 'none'}")
		self.killed_at = after
		worker = self.bench.worker()
		self.say("a new worker started; starting the same import again")
		waited, began = 0.0, time.time()
		while True:
			status, message = self.start(name)
			if status == 200:
				break
			if time.time() - began > 120:
				self.check("the import can be started again", False, f"{status}: {message}")
				return worker
			time.sleep(5)
		waited = time.time() - began
		self.check("the import can be started again", True,
			f"accepted after {waited:.0f} s of retries every 5 s (a job is given 20 s from its start to take its lock)")
		finished = self.wait_done(name)
		counts = self.counts(name)
		self.say(f"the run again: {finished}, {counts}")
		self.check("the run again finished the job", finished == "Success" and f"unchanged {self.killed_at + self.ref_unchanged}" in counts,
			f"{counts} (the {self.killed_at} students written before the kill are unchanged now, besides the "
			f"{self.ref_unchanged} the file leaves as they were)")
		self.compare("worker-kill: the district equals the uninterrupted run", self.bench.execute("snapshot"), self.ref_changed)
		return worker

	# ------------------------------------------------ (e) two Applies of one district at once

	def two_applies(self) -> None:
		self.say("two-applies: two administrators press Start at once")
		self.bench.execute("reset")
		names = [self.bench.execute("new_import", file="base") for _ in range(2)]
		barrier = threading.Barrier(2)
		answers: dict[int, tuple[int, str]] = {}

		def press(index: int) -> None:
			barrier.wait()
			answers[index] = self.start(names[index], admin=index)

		threads = [threading.Thread(target=press, args=(i,)) for i in range(2)]
		for thread in threads:
			thread.start()
		for thread in threads:
			thread.join()
		accepted = [i for i, (status, _) in answers.items() if status == 200]
		refused = [i for i, (status, message) in answers.items() if status != 200 and "already queued or running" in message]
		self.check("one Start queued, the other refused with the reason", len(accepted) == 1 and len(refused) == 1,
			"; ".join(f"{names[i]}: {answers[i][0]} {answers[i][1][:90]}" for i in sorted(answers)))
		if len(accepted) == 1:
			self.wait_done(names[accepted[0]])
			other, _ = self.status(names[1 - accepted[0]])
			self.check("the refused import was left as it was", other == "Pending", f"status {other}")
		self.compare("two-applies: the district equals one Apply", self.bench.execute("snapshot"), self.ref_base)

		self.say("two jobs of the district put on the queue directly, two workers running")
		self.bench.execute("reset")
		names = [self.bench.execute("new_import", file="base") for _ in range(2)]
		second = self.bench.worker()
		try:
			self.bench.execute("enqueue_both", names=names)
			statuses = [self.wait_done(name) for name in names]
			messages = [self.status(name)[1] for name in names]
		finally:
			Bench.kill(second, signal.SIGTERM)
		self.check("one job ran, the other was refused and wrote nothing",
			sorted(statuses) == ["Refused", "Success"] and any("another import" in m for m in messages),
			"; ".join(f"{n}: {s}" for n, s in zip(names, statuses, strict=True)))
		self.compare("two jobs at once: the district equals one Apply", self.bench.execute("snapshot"), self.ref_base)

	# ------------------------------------------------ (c) the queue's Redis down at Start

	def queue_down(self, worker: subprocess.Popen) -> subprocess.Popen:
		self.say("queue-down: the job queue's Redis killed, then Start")
		self.bench.execute("reset")
		name = self.bench.execute("new_import", file="base")
		config = json.loads((self.bench.path / "sites" / "common_site_config.json").read_text())
		port = int(config["redis_queue"].rsplit(":", 1)[1])
		pid = int(subprocess.run(["pgrep", "-f", f"redis-server 127.0.0.1:{port}"], capture_output=True, text=True).stdout.split()[0])
		os.kill(pid, signal.SIGKILL)
		time.sleep(1)
		status, message = self.start(name)
		self.check("Start answers 503 with the app's message", status == 503 and "job queue is not answering" in message,
			f"{status}: {message[:120]}")
		left, _ = self.status(name)
		self.check("the import is left as it was", left == "Pending", f"status {left}")
		subprocess.run(load_run.as_user(self.bench.user, ["redis-server", "config/redis_queue.conf", "--daemonize", "yes"]),
			cwd=self.bench.path, check=False, capture_output=True)
		time.sleep(2)
		if worker.poll() is None:
			Bench.kill(worker, signal.SIGTERM)
		worker = self.bench.worker()  # a worker whose Redis went away is restarted by its supervisor
		self.say("Redis started again; Start again")
		status, message = self.start(name)
		self.check("Start queues the import once Redis is back", status == 200, f"{status}: {message[:120]}")
		if status == 200:
			self.wait_done(name)
			self.compare("queue-down: the district equals the uninterrupted run", self.bench.execute("snapshot"), self.ref_base)
		return worker


def dev_bench_group(bench: Path) -> int | None:
	path = bench / "config" / "pids" / "cis-bench.pgid"
	try:
		group = int(path.read_text().strip())
		os.killpg(group, 0)
		return group
	except (FileNotFoundError, ValueError, ProcessLookupError):
		return None


def main() -> int:
	parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
	parser.add_argument("fault", choices=["worker-kill", "two-applies", "queue-down", "all"])
	parser.add_argument("--bench-dir", default=str(Path(pwd.getpwnam("frappe").pw_dir) / "cis-bench"))
	parser.add_argument("--user", default="frappe")
	parser.add_argument("--site", default="cis.localhost")
	parser.add_argument("--port", type=int, default=8200)
	parser.add_argument("--students", type=int, default=30_000)
	parser.add_argument("--keep-dev-bench-stopped", action="store_true")
	args = parser.parse_args()
	path = Path(args.bench_dir)
	group = dev_bench_group(path)
	if group:
		print("stopping the dev bench's web server, scheduler and worker (MariaDB and Redis stay)", flush=True)
		os.killpg(group, signal.SIGTERM)
		deadline = time.time() + 30
		while dev_bench_group(path) and time.time() < deadline:
			time.sleep(0.5)
	bench = Bench(path, args.user, args.site, args.port)
	try:
		bench.serve()
		worker = bench.worker()
		setup = bench.execute("prepare", students=args.students)
		run = Run(bench, setup)
		run.say(f"prepared: {setup['district']}, {setup['students']} students in each file")
		run.reference()
		if args.fault in ("worker-kill", "all"):
			worker = run.worker_kill(worker)
		if args.fault in ("two-applies", "all"):
			run.two_applies()
		if args.fault in ("queue-down", "all"):
			worker = run.queue_down(worker)
		bench.execute("reset")  # the district's students leave the demo site again
		failed = [label for label, ok, _ in run.results if not ok]
		print(f"{args.fault}: {len(run.results) - len(failed)} of {len(run.results)} checks PASS" + (f"; FAIL: {failed}" if failed else ""))
		return 1 if failed else 0
	finally:
		bench.stop_all()
		if group and not args.keep_dev_bench_stopped:
			print("starting the dev bench again (scripts/dev-bench)", flush=True)
			subprocess.run([sys.executable, str(HERE.parent / "cis_bench.py"), "up"], check=False,
				stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


if __name__ == "__main__":
	sys.exit(main())
