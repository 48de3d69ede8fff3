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
"""

from __future__ import annotations

import argparse
import os
import pwd
import subprocess
import sys
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
		env = {
			**os.environ,
			"CIS_LOAD_SITE": args.site,
			"CIS_LOAD_LEDGER": str(out / "ledger.jsonl"),
			"CIS_LOAD_STEPS": str(out / "steps.jsonl"),
			"CIS_LOAD_STEP_USERS": str(args.step_users),
			"CIS_LOAD_STEP_SECONDS": str(args.step_seconds),
			"CIS_LOAD_MAX_USERS": str(args.max_users),
		}
		started = time.time()
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
		print(f"load run: {time.time() - started:.0f} s; gunicorn {args.workers} workers on {os.cpu_count()} cores; files in {out}")
		subprocess.run([sys.executable, str(HERE / "summary.py"), "--steps", str(out / "steps.jsonl")], check=False)
		lost = subprocess.run(
			[sys.executable, str(HERE / "nothing_lost.py"), "--url", url, "--site", args.site,
				"--admin-password", args.admin_password, "--ledger", str(out / "ledger.jsonl")],
			check=False,
		)
		return lost.returncode
	finally:
		try:
			os.killpg(gunicorn.pid, 15)
		except ProcessLookupError:
			pass
		gunicorn.wait(timeout=60)


def _has_user(name: str) -> bool:
	try:
		pwd.getpwnam(name)
		return True
	except KeyError:
		return False


if __name__ == "__main__":
	sys.exit(main())
