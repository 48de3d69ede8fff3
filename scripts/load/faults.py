"""Faults while phones sync: does every entry end up recorded exactly once?

    python3 scripts/load/faults.py mariadb-restart      # service mariadb restart, mid-run
    python3 scripts/load/faults.py gunicorn-worker-kill # kill -9 every gunicorn worker, mid-run
    python3 scripts/load/faults.py redis-stop           # the bench's Redis cache killed, started again mid-run
    python3 scripts/load/faults.py redis-hang           # the bench's Redis cache stops answering (SIGSTOP), then goes on

Assumes the dev bench is up (``scripts/dev-bench``) and serves the site with gunicorn as the load test
does (``scripts/load/run.py``; this script starts it on ``--port`` when nothing answers there, and
stops what it started). Run as root (it restarts services and kills processes).

``--phones`` simulated phones (threads, standard library HTTP) log in as the demo coordinators and
send batches of 1-3 check-ins for ``--seconds``, each entry with its client id, as the phone page does:
a batch that gets no answer, a 5xx, or a connection refused is sent again with the same ids (after
1, 2, 4 ... s, up to ``--retry-for`` seconds), a 429 after its Retry-After. A third of the way in the
fault strikes; it ends (the service back) half way. After the run, ``nothing_lost.py`` checks the
database against every answer: each "created" or "duplicate" stored once, each "refused" not at all,
each never answered at most once; and every entry must have been answered in the end (the phones'
retries outlast the fault). Prints the figures and PASS or FAIL; exits 1 on FAIL.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import entries as entries_module
import nothing_lost
import run as load_run

COORDINATORS = ["coordinator@cis-demo.example", "coordinator2@cis-demo.example"]
PASSWORD = "cis-demo-2026"


class Phone(threading.Thread):
	def __init__(self, url: str, site: str, user: str, until: float, retry_for: float, ledger: list, lock):
		super().__init__(daemon=True)
		self.url, self.site, self.user, self.until, self.retry_for = url, site, user, until, retry_for
		self.ledger, self.lock = ledger, lock
		self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
		self.csrf = None
		self.students: list[str] = []
		self.statuses: Counter = Counter()

	def call(self, path: str, body: dict | None = None, form: dict | None = None) -> tuple[int, dict, dict]:
		headers = {"X-Frappe-Site-Name": self.site, "Accept": "application/json"}
		data = None
		if body is not None:
			headers.update({"Content-Type": "application/json", "X-Frappe-CSRF-Token": self.csrf or ""})
			data = json.dumps(body).encode()
		elif form is not None:
			data = urllib.parse.urlencode(form).encode()
		request = urllib.request.Request(f"{self.url}{path}", data=data, headers=headers)
		try:
			with self.opener.open(request, timeout=30) as answer:
				return answer.status, json.loads(answer.read() or b"{}"), dict(answer.headers)
		except urllib.error.HTTPError as error:
			text = error.read()
			try:
				payload = json.loads(text)
			except ValueError:
				payload = {}
			return error.code, payload, dict(error.headers)

	def start_session(self) -> None:
		deadline = time.time() + self.retry_for
		while True:
			try:
				self.call("/api/method/login", form={"usr": self.user, "pwd": PASSWORD})
				status, payload, _ = self.call("/api/method/cis_app.api.checkin.session")
				if status == 200:
					self.csrf = payload["message"]["csrf_token"]
					status, payload, _ = self.call("/api/method/cis_app.api.checkin.caseload")
					if status == 200:
						self.students = [s["name"] for s in payload["message"]["students"]]
						return
			except OSError:
				pass
			if time.time() > deadline:
				raise RuntimeError(f"{self.user}: no session")
			time.sleep(1)

	def run(self) -> None:
		self.start_session()
		while time.time() < self.until:
			entries = [
				entries_module.check_in(self.students, "Fault test check-in (synthetic).")
				for _ in range(random.randint(1, 3))
			]
			self.send(entries)
			time.sleep(random.uniform(0.2, 1.0))

	def send(self, entries: list[dict]) -> None:
		deadline = time.time() + self.retry_for
		wait = 1.0
		while True:
			try:
				status, payload, headers = self.call("/api/method/cis_app.api.checkin.sync", body={"entries": entries})
			except OSError:  # refused, reset, timed out: the same ids again
				status, payload, headers = 0, {}, {}
			self.statuses[status] += 1
			if status == 200:
				rows = [
					{"client_id": a["client_id"], "kind": e["kind"], "status": a["status"], "user": self.user}
					for a, e in zip(payload["message"], entries, strict=True)
				]
				with self.lock:
					self.ledger.extend(rows)
				return
			if status in (401, 403) or (status in (400, 417) and "CSRF" in json.dumps(payload)):
				try:  # the session went with the fault (Redis): log in again, as the page asks to
					self.start_session()
				except RuntimeError:
					pass
			elif status == 429:
				time.sleep(float(headers.get("Retry-After") or 5))
				continue
			if time.time() > deadline:
				with self.lock:
					self.ledger.extend(
						{"client_id": e["client_id"], "kind": e["kind"], "status": "unanswered", "user": self.user} for e in entries
					)
				return
			time.sleep(wait)
			wait = min(wait * 2, 8)


def gunicorn_processes(port: int) -> dict[int, int]:
	"""{pid: parent pid} of the gunicorn processes serving ``port`` (not a runuser or env wrapping them)."""
	found = {}
	for line in subprocess.run(["ps", "-eo", "pid=,ppid=,args="], capture_output=True, text=True).stdout.splitlines():
		pid, ppid, command = line.strip().split(None, 2)
		program = command.split()[0]
		if f"-b 127.0.0.1:{port}" in command and program.endswith(("gunicorn", "python", "python3")):
			found[int(pid)] = int(ppid)
	return found


def gunicorn_master(port: int) -> int:
	processes = gunicorn_processes(port)
	return next(pid for pid, parent in processes.items() if parent not in processes)


def gunicorn_workers(master: int) -> list[int]:
	return [
		int(pid)
		for pid in subprocess.run(["pgrep", "-P", str(master)], capture_output=True, text=True).stdout.split()
	]


def redis_cache_port(bench: Path) -> int:
	config = json.loads((bench / "sites" / "common_site_config.json").read_text())
	return int(config["redis_cache"].rsplit(":", 1)[1])


def strike(fault: str, bench: Path, gunicorn_pid: int | None, user: str) -> callable:
	"""Start the fault; returns what ends it."""
	if fault == "mariadb-restart":
		subprocess.run(["service", "mariadb", "stop"], check=False, capture_output=True)
		return lambda: subprocess.run(["service", "mariadb", "start"], check=False, capture_output=True)
	if fault == "gunicorn-worker-kill":
		# every worker at once, so requests are surely cut halfway; the master starts new ones
		for worker in gunicorn_workers(gunicorn_pid):
			os.kill(worker, signal.SIGKILL)
		return lambda: None
	port = redis_cache_port(bench)
	pid = int(subprocess.run(["pgrep", "-f", f"redis-server 127.0.0.1:{port}"], capture_output=True, text=True).stdout.split()[0])
	if fault == "redis-hang":
		os.kill(pid, signal.SIGSTOP)  # the cache stops answering (a hung Redis), then goes on
		return lambda: os.kill(pid, signal.SIGCONT)
	if fault == "redis-stop":
		# the cache is gone (connections refused) and started again as the bench starts it
		os.kill(pid, signal.SIGKILL)

		def restart():
			subprocess.run(
				load_run.as_user(user, ["redis-server", "config/redis_cache.conf", "--daemonize", "yes"]),
				cwd=bench, check=False, capture_output=True,
			)

		return restart
	raise SystemExit(f"unknown fault {fault}")


def main() -> int:
	parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
	parser.add_argument("fault", choices=["mariadb-restart", "gunicorn-worker-kill", "redis-stop", "redis-hang"])
	parser.add_argument("--bench-dir", default=str(Path(load_run.pwd.getpwnam("frappe").pw_dir) / "cis-bench"))
	parser.add_argument("--user", default="frappe")
	parser.add_argument("--site", default="cis.localhost")
	parser.add_argument("--port", type=int, default=8200)
	parser.add_argument("--workers", type=int, default=4)
	parser.add_argument("--phones", type=int, default=8)
	parser.add_argument("--seconds", type=float, default=60)
	parser.add_argument("--retry-for", type=float, default=90)
	parser.add_argument("--admin-password", default="admin")
	args = parser.parse_args()
	bench = Path(args.bench_dir)
	url = f"http://127.0.0.1:{args.port}"
	gunicorn = None
	if not load_run.answers(url, args.site):
		gunicorn = subprocess.Popen(
			load_run.as_user(args.user, [str(bench / "env" / "bin" / "gunicorn"), "-b", f"127.0.0.1:{args.port}",
				"-w", str(args.workers), "-t", "120", "--preload", "frappe.app:application"]),
			cwd=bench / "sites", stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
		)
		deadline = time.time() + 60
		while not load_run.answers(url, args.site):
			if time.time() > deadline:
				raise SystemExit("gunicorn did not answer")
			time.sleep(1)
	master = gunicorn_master(args.port)
	ledger: list[dict] = []
	lock = threading.Lock()
	started = time.time()
	until = started + args.seconds
	phones = [
		Phone(url, args.site, COORDINATORS[i % len(COORDINATORS)], until, args.retry_for, ledger, lock)
		for i in range(args.phones)
	]
	for phone in phones:
		phone.start()
	try:
		time.sleep(args.seconds / 3)
		print(f"{time.time() - started:5.1f} s  fault: {args.fault}", flush=True)
		end = strike(args.fault, bench, master, args.user)
		time.sleep(max(0.0, args.seconds / 2 - (time.time() - started)))
		end()
		print(f"{time.time() - started:5.1f} s  fault over", flush=True)
		for phone in phones:
			phone.join(timeout=args.seconds + args.retry_for + 60)
		deadline = time.time() + 120
		while not load_run.answers(url, args.site):
			if time.time() > deadline:
				print("the site did not answer again after the fault: FAIL")
				return 1
			time.sleep(1)
		path = Path(f"/tmp/cis-fault-{args.fault}-{int(started)}.jsonl")
		path.write_text("".join(json.dumps(row) + "\n" for row in ledger))
		ok, figures = nothing_lost.check(str(path), nothing_lost.session(url, args.site, args.admin_password))
		statuses = sum((phone.statuses for phone in phones), Counter())
		unanswered = sum(1 for row in ledger if row["status"] == "unanswered")
		print(json.dumps({"fault": args.fault, "phones": args.phones, "http_statuses": dict(statuses), **figures}, indent=1))
		passed = ok and unanswered == 0 and figures["entries"] > 0
		print(f"{args.fault}: nothing lost {'PASS' if ok else 'FAIL'}; every entry answered in the end "
			f"{'PASS' if not unanswered else f'FAIL ({unanswered} never answered)'}")
		return 0 if passed else 1
	finally:
		if gunicorn:
			os.killpg(gunicorn.pid, signal.SIGTERM)
			gunicorn.wait(timeout=60)


if __name__ == "__main__":
	sys.exit(main())
