"""Two app servers behind a load balancer: the site keeps no state in the app server.

    python3 scripts/load/two_servers.py                                   # ports 8201,8202; nginx on 8300
    python3 scripts/load/two_servers.py --locust-seconds 120 --users 40   # the load run's length and users

What it shows. "Scaling past one machine" for a Frappe site means more app servers (gunicorn masters,
each standing for a host) behind a load balancer, all sharing one MariaDB, the Redis cache, the Redis
queue and the RQ workers. That only works if nothing a request needs lives in one app server's memory
or disk. The script starts two gunicorn masters of the dev bench (``--ports``, ``--workers`` sync
workers each, ``--preload``, 120 s timeout, as ``scripts/load/run.py`` serves the site) and a private
nginx on ``--lb-port`` in front of them (``nginx_config``: an ``upstream`` of both, round robin, the site
header set, proxy timeouts of 120 s as Frappe's production config, and an ``X-Upstream`` response header
and access-log field naming the server that answered). Then it checks, printing PASS or FAIL for each:

(a) each app server answers ``/api/method/ping`` directly;
(b) through nginx, 20 pings are answered by every app server (the ``X-Upstream`` header);
(c) a session made by logging in on server A (a demo coordinator, ``/api/method/login``) is the same
    logged-in user on server B called directly with the same ``sid`` cookie
    (``frappe.auth.get_logged_user``); a logout on B ends it on A;
(d) the recompute of CIS Settings (``recompute_early_warning``: the *Recompute Risk and Goal Progress*
    button; it queues ``recompute_all`` on the long queue), called as Administrator on server A, is run
    by the bench's RQ worker, and server B sees it finish (``/api/resource/RQ Job/<job id>``) and sees
    its effect (the latest ``Student.risk_updated_on`` moves on).

Then it runs ``scripts/load/locustfile.py`` through nginx for ``--locust-seconds`` with ``--users``
constant users (one step of its ``StepShape``, measured after the users have logged in) and prints the
summary (``summary.py``), the figures of that step per request type, ``nothing_lost.py``'s PASS or FAIL
against the balancer, and how many requests each app server answered (nginx's access log). Two more
checks: (e) every app server answered part of the load; (f) nothing lost.

It stops what it started (the gunicorn masters and nginx) in a ``finally``, also on Ctrl-C or SIGTERM,
and never touches the dev bench's own processes. Exits 1 if any check FAILs. The run's files (the
gunicorn logs, nginx's config and logs, Locust's ledger, steps and CSV) stay in ``--out``.

What it assumes. Run as root beside the dev bench (``scripts/dev-bench``: MariaDB, Redis cache and
queue, an RQ worker for every queue, the demo loaded; admin password ``admin``, demo password
``cis-demo-2026``). nginx is installed (Debian's ``nginx-light`` will do); it runs as a private
instance (its own prefix, config, logs and pid in a temporary directory; as root its workers run as
``www-data``, as Debian's does), never the system service. The ports are free. Locust comes from the
load test's virtualenv (``run.load_venv``). nginx proxies everything here, assets included; in
production it serves ``/assets`` and ``/files`` from the sites folder itself (which must then be on
storage every host shares). On one machine two servers cannot add throughput: the point is that they
behave as one site.
"""

from __future__ import annotations

import argparse
import datetime
import http.cookies
import json
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import run as load_run
import summary

PING = "/api/method/ping"
LOGGED_USER = "/api/method/frappe.auth.get_logged_user"
RECOMPUTE = "/api/method/cis_app.cis_network.doctype.cis_settings.cis_settings.recompute_early_warning"
# the job id recompute_early_warning queues with; Frappe prefixes the site: "<site>::cis_recompute_all"
RECOMPUTE_JOB_ID = "cis_recompute_all"
PROXY_TIMEOUT = 120  # seconds, as gunicorn's -t and Frappe's production nginx (http_timeout)
UPSTREAM_FIELD = re.compile(r'upstream="([^"]*)"')
SPAWN_RATE = float(os.environ.get("CIS_LOAD_SPAWN_RATE", "2"))  # locustfile.py's: new users a second


def nginx_config(ports: list[int], lb_port: int, site: str, prefix: str, user: str | None = None) -> str:
	"""The private nginx's config: ``lb_port`` in front of an upstream of the app servers on ``ports``
	(round robin), its pid, logs and temporary files under ``prefix``. ``user``: the workers' user when
	the master runs as root."""
	servers = "\n".join(f"\t\tserver 127.0.0.1:{port} fail_timeout=0;" for port in ports)
	user_line = f"user {user};\n" if user else ""
	return f"""# Written by scripts/load/two_servers.py: a private nginx in front of {len(ports)} gunicorn masters.
{user_line}worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;

events {{
	worker_connections 1024;
}}

http {{
	# which app server answered each request: counted per server after the load run
	log_format upstreams '$time_iso8601 $status $request_method "$request_uri" '
		'upstream="$upstream_addr" upstream_status="$upstream_status" '
		'upstream_time=$upstream_response_time request_time=$request_time';
	access_log {prefix}/access.log upstreams;
	client_body_temp_path {prefix}/tmp/client_body;
	proxy_temp_path {prefix}/tmp/proxy;
	fastcgi_temp_path {prefix}/tmp/fastcgi;
	uwsgi_temp_path {prefix}/tmp/uwsgi;
	scgi_temp_path {prefix}/tmp/scgi;
	client_max_body_size 50m;
	server_tokens off;

	upstream frappe_app_servers {{
		# round robin, nginx's default; fail_timeout=0 as in Frappe's production config
{servers}
	}}

	server {{
		listen 127.0.0.1:{lb_port};
		server_name _;

		location / {{
			proxy_pass http://frappe_app_servers;
			proxy_http_version 1.1;
			proxy_set_header X-Frappe-Site-Name {site};
			proxy_set_header Host $host;
			proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
			proxy_set_header X-Forwarded-Proto $scheme;
			proxy_redirect off;
			proxy_connect_timeout {PROXY_TIMEOUT}s;
			proxy_send_timeout {PROXY_TIMEOUT}s;
			proxy_read_timeout {PROXY_TIMEOUT}s;
			add_header X-Upstream $upstream_addr always;
		}}
	}}
}}
"""


def upstream_counts(lines) -> Counter:
	"""Requests per app server from access-log lines (the ``upstream="..."`` field). A request nginx
	passed on to a second server after the first failed names both ("a, b"): each is counted; a request
	nginx answered itself ("-") is not."""
	counts: Counter = Counter()
	for line in lines:
		found = UPSTREAM_FIELD.search(line)
		if found:
			counts.update(addr.strip() for addr in found.group(1).split(",") if addr.strip() not in ("", "-"))
	return counts


def ports_list(text: str) -> list[int]:
	try:
		ports = [int(part) for part in text.split(",") if part.strip()]
	except ValueError:
		raise argparse.ArgumentTypeError(f"not a list of ports: {text!r}") from None
	if len(ports) < 2 or len(set(ports)) != len(ports):
		raise argparse.ArgumentTypeError("give at least two different ports, e.g. 8201,8202")
	return ports


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
	parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
	parser.add_argument("--site", default="cis.localhost")
	parser.add_argument(
		"--ports", type=ports_list, default=[8201, 8202], help="the app servers' ports (default 8201,8202)"
	)
	parser.add_argument("--lb-port", type=int, default=8300, help="nginx's port (default 8300)")
	parser.add_argument(
		"--workers", type=int, default=2, help="gunicorn sync workers per app server (default 2)"
	)
	parser.add_argument("--locust-seconds", type=int, default=120, help="the load run's length (default 120)")
	parser.add_argument("--users", type=int, default=40, help="Locust users, constant (default 40)")
	parser.add_argument("--bench-dir", default=_home("frappe") + "/cis-bench")
	parser.add_argument("--user", default="frappe", help="the bench's owner, who runs gunicorn")
	parser.add_argument("--login", default="coordinator@cis-demo.example", help="the demo user of check (c)")
	parser.add_argument("--password", default="cis-demo-2026")
	parser.add_argument("--admin-password", default="admin")
	parser.add_argument("--job-timeout", type=int, default=300, help="seconds to wait for the queued job")
	parser.add_argument("--out", default="load-results")
	args = parser.parse_args(argv)
	if args.lb_port in args.ports:
		parser.error("--lb-port must differ from the app servers' ports")
	if args.users < 1 or args.workers < 1:
		parser.error("--users and --workers must be at least 1")
	warmup = warmup_seconds(args.users)
	if args.locust_seconds < warmup + 10:
		parser.error(
			f"--locust-seconds must be at least {warmup + 10:.0f}: the step is measured only after its "
			f"{args.users} users have logged in ({warmup:.0f} s at {SPAWN_RATE:g} a second and 10 s to settle)"
		)
	return args


def warmup_seconds(users: int) -> float:
	"""locustfile.StepShape's warm-up for a step of ``users`` new users."""
	return users / SPAWN_RATE + 10


def _home(user: str) -> str:
	try:
		return pwd.getpwnam(user).pw_dir
	except KeyError:
		return str(Path.home())


# --- HTTP, standard library: the sid cookie is sent by hand, so which server gets it is explicit


class Answer:
	def __init__(self, status: int, headers, body: bytes):
		self.status, self.headers, self.body = status, headers, body

	def json(self) -> dict:
		try:
			return json.loads(self.body or b"{}")
		except ValueError:
			return {}

	def cookie(self, name: str) -> str | None:
		jar = http.cookies.SimpleCookie()
		for header in self.headers.get_all("Set-Cookie") or []:
			jar.load(header)
		return jar[name].value if name in jar else None


def call(
	base: str, path: str, site: str, form: dict | None = None, sid: str | None = None, timeout: float = 60
) -> Answer:
	headers = {"X-Frappe-Site-Name": site, "Accept": "application/json"}
	if sid:
		headers["Cookie"] = f"sid={sid}"
	data = urllib.parse.urlencode(form).encode() if form is not None else None
	request = urllib.request.Request(f"{base}{path}", data=data, headers=headers)
	try:
		with urllib.request.urlopen(request, timeout=timeout) as answer:
			return Answer(answer.status, answer.headers, answer.read())
	except urllib.error.HTTPError as error:
		return Answer(error.code, error.headers, error.read())


def login(base: str, site: str, user: str, password: str) -> str:
	answer = call(base, "/api/method/login", site, form={"usr": user, "pwd": password})
	sid = answer.cookie("sid")
	if answer.status != 200 or not sid or sid == "Guest":
		raise RuntimeError(f"cannot log in as {user} on {base}: HTTP {answer.status} {answer.body[:200]!r}")
	return sid


# --- the processes


def port_in_use(port: int) -> bool:
	with socket.socket() as probe:
		probe.settimeout(1)
		return probe.connect_ex(("127.0.0.1", port)) == 0


def start_gunicorn(bench: Path, user: str, port: int, workers: int, log: Path) -> subprocess.Popen:
	command = [
		str(bench / "env" / "bin" / "gunicorn"), "-b", f"127.0.0.1:{port}", "-w", str(workers),
		"-t", str(PROXY_TIMEOUT), "--graceful-timeout", "30", "--preload", "frappe.app:application",
	]  # fmt: skip
	return subprocess.Popen(
		load_run.as_user(user, command),
		cwd=bench / "sites",
		stdout=open(log, "w"),
		stderr=subprocess.STDOUT,
		start_new_session=True,  # its own process group: stopped as one, untouched by a Ctrl-C here
	)


def start_nginx(prefix: Path) -> subprocess.Popen:
	"""nginx in the foreground, everything of it under ``prefix`` (``-e``: not even the first error log
	in the system's place)."""
	command = [
		"nginx", "-p", str(prefix), "-c", str(prefix / "nginx.conf"), "-e", str(prefix / "error.log"),
		"-g", "daemon off;",
	]  # fmt: skip
	return subprocess.Popen(
		command, stdout=open(prefix / "nginx.out", "w"), stderr=subprocess.STDOUT, start_new_session=True
	)


def stop(process: subprocess.Popen, name: str, sig: int = signal.SIGTERM) -> None:
	"""``sig`` to what we started: gunicorn's master when ``runuser`` started it (the master stops its
	workers gracefully; a signal to ``runuser`` would kill its child 2 s later), else the process. After
	60 s, SIGKILL to the whole process group (runuser, the master, its workers)."""
	if process.poll() is not None:
		return
	targets = children(process.pid) if Path(process.args[0]).name == "runuser" else []
	try:
		for pid in targets or [process.pid]:
			os.kill(pid, sig)
		process.wait(timeout=60)
	except ProcessLookupError:
		pass
	except subprocess.TimeoutExpired:
		print(f"{name} did not stop in 60 s: SIGKILL")
		os.killpg(process.pid, signal.SIGKILL)
		process.wait(timeout=30)


def children(pid: int) -> list[int]:
	done = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True)
	return [int(line) for line in done.stdout.split()]


def wait_until(ready, seconds: float, process: subprocess.Popen | None = None) -> bool:
	deadline = time.time() + seconds
	while not ready():
		if time.time() > deadline or (process is not None and process.poll() is not None):
			return False
		time.sleep(1)
	return True


# --- the checks


class Checks:
	def __init__(self):
		self.results: list[tuple[str, bool]] = []

	def record(self, name: str, ok: bool, detail: str = "") -> bool:
		self.results.append((name, ok))
		print(f"{'PASS' if ok else 'FAIL'}  {name}" + (f": {detail}" if detail else ""), flush=True)
		return ok

	@property
	def failed(self) -> int:
		return sum(1 for _, ok in self.results if not ok)


def check_spread(lb: str, site: str, servers: list[str], checks: Checks) -> None:
	seen: Counter = Counter()
	for _ in range(20):
		answer = call(lb, PING, site)
		seen[answer.headers.get("X-Upstream", "-") if answer.status == 200 else f"HTTP {answer.status}"] += 1
	detail = ", ".join(f"{server} {count}" for server, count in sorted(seen.items()))
	checks.record(
		"(b) 20 pings through nginx are spread over every app server", all(seen[s] for s in servers), detail
	)


def check_session(a: str, b: str, site: str, user: str, password: str, checks: Checks) -> None:
	try:
		sid = login(a, site, user, password)
	except (RuntimeError, OSError) as error:
		checks.record("(c) a session made on A is the same user on B", False, str(error))
		return
	on_b = call(b, LOGGED_USER, site, sid=sid)
	who = on_b.json().get("message")
	checks.record(
		"(c) a session made on A is the same user on B",
		on_b.status == 200 and who == user,
		f"logged in on {a} as {user}; {b} with the same sid answers {on_b.status} {who!r}",
	)
	logout = call(b, "/api/method/logout", site, form={}, sid=sid)
	on_a = call(a, LOGGED_USER, site, sid=sid)
	who = on_a.json().get("message")
	checks.record(
		"(c) a logout on B ends the session on A",
		logout.status == 200 and (on_a.status in (401, 403) or who == "Guest"),
		f"logout on {b}: {logout.status}; then {a} with the old sid answers {on_a.status}"
		+ (f" {who!r}" if who else ""),
	)


def job_state(base: str, site: str, sid: str) -> dict | None:
	job = urllib.parse.quote(f"{site}::{RECOMPUTE_JOB_ID}", safe="")
	answer = call(base, f"/api/resource/RQ%20Job/{job}", site, sid=sid)
	return answer.json().get("data") if answer.status == 200 else None


def latest_risk_update(base: str, site: str, sid: str) -> datetime.datetime | None:
	query = urllib.parse.urlencode(
		{
			"fields": json.dumps(["risk_updated_on"]),
			"order_by": "risk_updated_on desc",
			"limit_page_length": 1,
		}
	)
	rows = call(base, f"/api/resource/Student?{query}", site, sid=sid).json().get("data") or []
	value = rows[0].get("risk_updated_on") if rows else None
	return datetime.datetime.fromisoformat(value) if value else None


def check_job(a: str, b: str, site: str, admin_password: str, timeout: int, checks: Checks) -> None:
	name = "(d) a job queued on A is run by the RQ worker and seen done on B"
	try:
		sid_a = login(a, site, "Administrator", admin_password)
		sid_b = login(b, site, "Administrator", admin_password)
	except (RuntimeError, OSError) as error:
		checks.record(name, False, str(error))
		return
	before_job = job_state(b, site, sid_b)
	before_risk = latest_risk_update(b, site, sid_b)
	if before_job and before_job.get("status") in ("queued", "started"):
		print(
			f"      a recompute is already {before_job['status']}: the app's deduplication keeps it; waiting for that one"
		)
	queued = call(a, RECOMPUTE, site, form={}, sid=sid_a)
	print(f"      queued on {a}: HTTP {queued.status} {queued.json().get('message')!r}", flush=True)
	if queued.status != 200:
		checks.record(name, False, f"recompute_early_warning answered {queued.status}")
		return
	# an earlier run's finished job is replaced by ours (Frappe deletes it on enqueue): a new creation time
	waiting_for_earlier = bool(before_job) and before_job.get("status") in ("queued", "started")
	started, noted = time.time(), False
	job = None
	while time.time() - started < timeout:
		job = job_state(b, site, sid_b)
		ours = job and (
			waiting_for_earlier or not before_job or job.get("creation") != before_job.get("creation")
		)
		if ours and job.get("status") in ("finished", "failed", "canceled", "stopped"):
			break
		if not noted and time.time() - started > 30 and job and job.get("status") == "queued":
			print(
				"      still queued after 30 s: is an RQ worker for the long queue running? (pgrep -af 'frappe worker')",
				flush=True,
			)
			noted = True
		time.sleep(2)
	after_risk = latest_risk_update(b, site, sid_b)
	call(a, "/api/method/logout", site, form={}, sid=sid_a)
	call(b, "/api/method/logout", site, form={}, sid=sid_b)
	status = (job or {}).get("status", "not found")
	moved = after_risk is not None and (before_risk is None or after_risk > before_risk)
	checks.record(
		name,
		status == "finished" and moved,
		f"job {site}::{RECOMPUTE_JOB_ID} seen on {b}: {status}"
		+ (
			f", started {job.get('started_at')}, took {float(job.get('time_taken') or 0):.1f} s"
			if job
			else ""
		)
		+ f"; latest Student.risk_updated_on on {b}: {before_risk} -> {after_risk}",
	)


# --- the load run


def load_run_through(lb: str, args, out: Path, access_log: Path, servers: list[str], checks: Checks) -> None:
	python = load_run.load_venv()
	offset = access_log.stat().st_size if access_log.exists() else 0
	# one step of StepShape: all the users at once (2 a second), measured to the end, then stop
	env = load_run.locust_env(args.site, out, args.users, args.locust_seconds, args.users)
	print(
		f"\nLoad run through nginx: {args.users} users for {args.locust_seconds} s "
		f"(measured after {warmup_seconds(args.users):.0f} s of logging in)...",
		flush=True,
	)
	started = time.time()
	try:
		subprocess.run(
			[
				str(python), "-m", "locust", "-f", str(HERE / "locustfile.py"), "--headless", "--host", lb,
				"--csv", str(out / "locust"), "--only-summary", "--loglevel", "WARNING",
			],
			env=env, check=False, stdout=open(out / "locust.log", "w"), stderr=subprocess.STDOUT,
			timeout=args.locust_seconds + 300,
		)  # fmt: skip
	except subprocess.TimeoutExpired:
		print("Locust did not stop in time (killed)")
	print(
		f"load run: {time.time() - started:.0f} s; {len(servers)} app servers x {args.workers} gunicorn workers on {os.cpu_count()} cores; files in {out}\n"
	)
	steps = out / "steps.jsonl"
	if not steps.exists():
		checks.record("(e) the load run measured a step", False, f"no {steps}: see {out / 'locust.log'}")
		return
	subprocess.run([sys.executable, str(HERE / "summary.py"), "--steps", str(steps)], check=False)
	step = json.loads(steps.read_text().splitlines()[-1])
	if not summary.held(step):
		print_step(step)  # the summary lists request types only for a step held
	with open(access_log) as handle:
		handle.seek(offset)
		counts = upstream_counts(handle.read().splitlines())
	total = sum(counts.values())
	print(
		"\nrequests per app server during the whole load run, logins and warm-up included (nginx's access log):"
	)
	for server in servers:
		print(f"  {server}  {counts[server]:>6}  ({100 * counts[server] / total if total else 0:.1f}%)")
	checks.record(
		"(e) every app server answered part of the load", all(counts[s] for s in servers), f"{total} requests"
	)
	lost = subprocess.run(
		[sys.executable, str(HERE / "nothing_lost.py"), "--url", lb, "--site", args.site,
			"--admin-password", args.admin_password, "--ledger", str(out / "ledger.jsonl")],
		check=False,
	)  # fmt: skip
	checks.record("(f) nothing lost through the balancer (nothing_lost.py)", lost.returncode == 0)


def print_step(step: dict) -> None:
	"""The measured step's figures per request type (the summary lists them only for a step held:
	every p95 under 500 ms, no failure)."""
	print(
		f"\nthe step measured: {step['users']} users, {step['seconds']} s, {step['rps']} requests/s, {step['failures']} failures"
	)
	print(f"{'request type':<42} {'count':>6} {'fail':>5} {'p50':>6} {'p95':>6} {'p99':>6}  (ms)")
	for name, row in sorted(step["requests"].items()):
		print(
			f"{name:<42} {row['count']:>6} {row['failures']:>5} {row['p50']:>6.0f} {row['p95']:>6.0f} {row['p99']:>6.0f}"
		)


# ---


def main(argv: list[str] | None = None) -> int:
	args = parse_args(argv)
	bench = Path(args.bench_dir).expanduser()
	busy = [port for port in [*args.ports, args.lb_port] if port_in_use(port)]
	if busy:
		print(f"ports already in use: {', '.join(map(str, busy))} (choose others with --ports / --lb-port)")
		return 1
	if not shutil.which("nginx"):
		print("nginx is not installed (apt-get install -y nginx-light)")
		return 1
	out = Path(args.out).absolute() / time.strftime("two-servers-%Y%m%d-%H%M%S")
	out.mkdir(parents=True, exist_ok=True)
	prefix = Path(tempfile.mkdtemp(prefix="cis-two-servers-nginx-"))
	(prefix / "tmp").mkdir()
	os.chmod(prefix, 0o755)  # nginx's workers (www-data) reach their temporary files under it
	root = os.geteuid() == 0
	(prefix / "nginx.conf").write_text(
		nginx_config(args.ports, args.lb_port, args.site, str(prefix), "www-data" if root else None)
	)
	servers = [f"127.0.0.1:{port}" for port in args.ports]
	urls = [f"http://{server}" for server in servers]
	lb = f"http://127.0.0.1:{args.lb_port}"
	checks = Checks()
	started: list[tuple[str, subprocess.Popen]] = []
	signal.signal(signal.SIGTERM, _interrupted)
	signal.signal(signal.SIGINT, signal.default_int_handler)  # also when started with SIGINT ignored (cmd &)
	try:
		for port in args.ports:
			started.append(
				(
					f"gunicorn :{port}",
					start_gunicorn(bench, args.user, port, args.workers, out / f"gunicorn-{port}.log"),
				)
			)
		started.append(("nginx", start_nginx(prefix)))
		print(
			f"{len(servers)} gunicorn masters ({args.workers} workers each) on {', '.join(servers)}; "
			f"nginx {nginx_version()} on 127.0.0.1:{args.lb_port}; site {args.site}; files in {out}",
			flush=True,
		)
		for (_name, process), url in zip(started, urls, strict=False):  # started: the gunicorns, then nginx
			up = wait_until(lambda url=url: load_run.answers(url, args.site), 120, process)
			checks.record(f"(a) app server {url} answers {PING}", up)
			if not up:
				print((out / f"gunicorn-{url.rsplit(':', 1)[1]}.log").read_text()[-2000:])
		if checks.failed or not wait_until(lambda: load_run.answers(lb, args.site), 30, started[-1][1]):
			if not checks.failed:
				checks.record(
					f"nginx answers on {lb}",
					False,
					(prefix / "error.log").read_text()[-2000:] if (prefix / "error.log").exists() else "",
				)
			return 1
		a, b = urls[0], urls[1]
		check_spread(lb, args.site, servers, checks)
		check_session(a, b, args.site, args.login, args.password, checks)
		check_job(a, b, args.site, args.admin_password, args.job_timeout, checks)
		load_run_through(lb, args, out, prefix / "access.log", servers, checks)
		print(f"\n{len(checks.results) - checks.failed} PASS, {checks.failed} FAIL")
		return 1 if checks.failed else 0
	except KeyboardInterrupt:
		print("\ninterrupted: stopping what this script started")
		return 130
	finally:
		signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C does not cut the clean-up short
		signal.signal(signal.SIGTERM, signal.SIG_IGN)
		for name, process in reversed(started):
			stop(process, name, signal.SIGQUIT if name == "nginx" else signal.SIGTERM)  # nginx: graceful
		for file in ("nginx.conf", "access.log", "error.log"):
			if (prefix / file).exists():
				shutil.copy(prefix / file, out / f"nginx-{file}")
		shutil.rmtree(prefix, ignore_errors=True)
		left = [port for port in [*args.ports, args.lb_port] if port_in_use(port)]
		print(
			f"stopped gunicorn x{len(args.ports)} and nginx" + (f"; still listening: {left}" if left else "")
		)


def nginx_version() -> str:
	done = subprocess.run(["nginx", "-v"], capture_output=True, text=True)
	return (done.stderr or done.stdout).strip().rsplit("/", 1)[-1]


def _interrupted(signum, _frame):
	raise KeyboardInterrupt


if __name__ == "__main__":
	sys.exit(main())
