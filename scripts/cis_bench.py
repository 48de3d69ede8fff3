#!/usr/bin/env python3
"""Build, start and stop a Frappe v15 bench that runs cis_app from this checkout, and run every test.

Standard library only, so it runs on a fresh Debian or Ubuntu with nothing but ``python3``. The two
commands people type are thin wrappers around this file:

    scripts/dev-bench            build (or reuse) a bench, create the demo site, start it
    scripts/dev-bench stop       stop what that started
    scripts/run-tests            the three test layers (docs/developer.md, "Running the tests")

See ``--help`` of each. What it relies on, in this project's words, is in the README ("Start here").
"""

from __future__ import annotations

import argparse
import contextlib
import getpass
import hashlib
import json
import os
import pwd
import re
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parent.parent
OFFICIAL_FRAPPE = "https://github.com/frappe/frappe"
FRAPPE_BRANCH = "version-15"
BENCH_CLI = "frappe-bench>=5.22,<6"
DEMO_PASSWORD = "cis-demo-2026"
DEMO_USERS = [
	("admin@cis-demo.example", "CIS Administrator", "the whole affiliate"),
	("manager@cis-demo.example", "Program Manager", "Alder, Birch, Cedar and Dune"),
	("coordinator@cis-demo.example", "Site Coordinator", "Alder Elementary"),
	("coordinator2@cis-demo.example", "Site Coordinator", "Elm Elementary"),
	("partners@cis-demo.example", "Partner Manager", "partners, no student"),
	("evaluator@cis-demo.example", "Evaluator", "aggregates, no student"),
	("volunteer@cis-demo.example", "CIS Volunteer (website)", "/volunteer-hours"),
]
# Debian package names, by what they provide. Checked by a command or file, installed only if missing.
SYSTEM_PACKAGES = {
	"mariadb": ["mariadb-server", "mariadb-client"],
	"redis": ["redis-server"],
	"wkhtmltopdf": ["wkhtmltopdf", "fonts-dejavu-core"],
	"git": ["git"],
	"build": ["build-essential", "pkg-config", "python3-dev", "python3-venv", "python3-pip", "libffi-dev"],
	"node": ["nodejs", "npm"],
	"tools": ["procps", "iproute2", "ca-certificates", "xz-utils"],
	"chromium": ["chromium", "fonts-liberation"],
	"faketime": ["faketime"],
}
MARIADB_CNF = "/etc/mysql/mariadb.conf.d/99-cis-app.cnf"
MARIADB_SETTINGS = """# Written by cis_app's scripts/dev-bench: the defaults Frappe needs.
[mysqld]
character-set-client-handshake = FALSE
character-set-server = utf8mb4
collation-server = utf8mb4_unicode_ci

[mysql]
default-character-set = utf8mb4
"""
DB_ADMIN_USER = "cis_bench_admin"


class Stop(Exception):
	"""Ends the run with one sentence saying what to do; the traceback is of no use to the reader."""


# -- printing and timing -------------------------------------------------------------------------

TIMES: list[tuple[str, float, int]] = []
DEPTH = [0]


def say(message: str) -> None:
	print(message, flush=True)


@contextlib.contextmanager
def step(name: str):
	say(f"==> {name}")
	started = time.monotonic()
	depth = DEPTH[0]
	DEPTH[0] += 1
	try:
		yield
	finally:
		DEPTH[0] -= 1
		took = time.monotonic() - started
		TIMES.append((name, took, depth))
		say(f"    {name}: {took:.1f} s")


def print_times() -> None:
	if not TIMES:
		return
	say("\nTime per step:")
	for name, took, depth in TIMES:
		say(f"  {took:8.1f} s  {'  ' * depth}{name}")
	say(f"  {sum(t for _, t, depth in TIMES if depth == 0):8.1f} s  in all")


# -- who runs what -------------------------------------------------------------------------------


def is_root() -> bool:
	return os.geteuid() == 0


@dataclass
class User:
	"""The ordinary user the bench belongs to (bench refuses to run as root)."""

	name: str
	home: Path

	@property
	def cache(self) -> Path:
		return self.home / ".cache" / "cis_app"

	@property
	def cli(self) -> Path:
		return self.cache / "bench-cli"


def bench_user(name: str | None) -> User:
	if not is_root():
		me = pwd.getpwuid(os.geteuid())
		return User(me.pw_name, Path(me.pw_dir))
	name = name or "frappe"
	try:
		entry = pwd.getpwnam(name)
	except KeyError:
		say(f"    creating the ordinary user {name!r} for the bench (bench refuses to run as root)")
		subprocess.run(["useradd", "--create-home", "--shell", "/bin/bash", name], check=True)
		entry = pwd.getpwnam(name)
	if entry.pw_uid == 0:
		raise Stop(f"The bench user {name!r} is root; bench refuses root: pass --user with an ordinary user.")
	return User(entry.pw_name, Path(entry.pw_dir))


def as_user(user: User, cmd: list[str]) -> list[str]:
	if is_root():
		return ["runuser", "-u", user.name, "--", *cmd]
	return cmd


def user_env(user: User, extra: dict | None = None) -> dict:
	env = {
		key: value
		for key, value in os.environ.items()
		if not key.startswith(("VIRTUAL_ENV", "PYTHON", "PIP_REQUIRE"))
	}
	env.update(
		HOME=str(user.home),
		USER=user.name,
		LOGNAME=user.name,
		PATH=f"{user.cli / 'bin'}:/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin",
		BENCH_DISABLE_UV="1",  # bench uses pip, which reads pip's own configuration (certificates, mirrors)
		PYTHONUNBUFFERED="1",
		LANG=os.environ.get("LANG") or "C.UTF-8",
	)
	env.pop("VIRTUAL_ENV", None)
	env.update(extra or {})
	return env


def run(
	cmd: list[str],
	*,
	user: User | None = None,
	cwd: Path | None = None,
	env: dict | None = None,
	what: str,
	log: Path | None = None,
	check: bool = True,
	quiet: bool = True,
	timeout: float | None = None,
) -> subprocess.CompletedProcess:
	"""Run ``cmd`` (as the bench user when given), its output to ``log`` and, unless quiet, the screen.

	On failure the last lines are shown and Stop says ``what`` failed."""
	full = as_user(user, cmd) if user else cmd
	environment = user_env(user, env) if user else {**os.environ, **(env or {})}
	handle = None
	if log:
		log.parent.mkdir(parents=True, exist_ok=True)
		handle = open(log, "a")
		if user:
			own(user, log)
		handle.write(f"\n$ {shlex.join(cmd)}\n")
		handle.flush()
	try:
		proc = subprocess.Popen(
			full,
			cwd=cwd,
			env=environment,
			stdin=subprocess.DEVNULL,
			stdout=subprocess.PIPE,
			stderr=subprocess.STDOUT,
			text=True,
			errors="replace",
		)
		tail: list[str] = []
		assert proc.stdout
		for line in proc.stdout:
			if handle:
				handle.write(line)
			if not quiet:
				sys.stdout.write(line)
				sys.stdout.flush()
			tail.append(line)
			del tail[:-40]
		code = proc.wait(timeout=timeout)
	finally:
		if handle:
			handle.close()
	result = subprocess.CompletedProcess(full, code, "".join(tail), "")
	if check and code != 0:
		if quiet:
			sys.stdout.write("".join(tail[-25:]))
		where = f" (full output: {log})" if log else ""
		raise Stop(f"{what} failed with exit code {code}{where}.")
	return result


def retry(action, what: str, attempts: int = 3, pause: float = 10):
	"""Steps that reach a package registry: try a few times before giving up, saying which step."""
	for attempt in range(1, attempts + 1):
		try:
			return action()
		except Stop as error:
			if attempt == attempts:
				raise Stop(
					f"{what} failed {attempts} times; it needs the network (a package registry or a repository), so check this machine's "
					f"network and proxy settings, then run again. Last error: {error}"
				)
			say(f"    {what} failed (attempt {attempt} of {attempts}): {error} Retrying in {pause:.0f} s.")
			time.sleep(pause)


def capture(cmd: list[str], **kwargs) -> subprocess.CompletedProcess:
	return subprocess.run(cmd, capture_output=True, text=True, stdin=subprocess.DEVNULL, **kwargs)


# -- system packages -----------------------------------------------------------------------------


def version_of(cmd: list[str]) -> tuple[int, ...]:
	try:
		out = capture(cmd).stdout
	except OSError:
		return ()
	found = re.search(r"(\d+)\.(\d+)", out)
	return tuple(int(part) for part in found.groups()) if found else ()


def missing_packages(python: str, need: set[str]) -> list[str]:
	have = {
		"mariadb": bool(shutil.which("mariadbd") or Path("/usr/sbin/mariadbd").exists())
		and bool(shutil.which("mariadb")),
		"redis": bool(shutil.which("redis-server")),
		"wkhtmltopdf": bool(shutil.which("wkhtmltopdf")),
		"git": bool(shutil.which("git")),
		"build": bool(shutil.which("gcc") and shutil.which("pkg-config"))
		and capture([python, "-c", "import venv, ensurepip, sysconfig, os, sys; "
			"sys.exit(not os.path.exists(os.path.join(sysconfig.get_paths()['include'], 'Python.h')))"]).returncode == 0,
		"node": version_of(["node", "--version"]) >= (18,) and bool(shutil.which("npm")),
		"tools": bool(shutil.which("ps") and shutil.which("ss")),
		"chromium": bool(shutil.which("chromium")),
		"faketime": bool(shutil.which("faketime")),
	}
	packages: list[str] = []
	for key in sorted(need):
		if not have[key]:
			packages += SYSTEM_PACKAGES[key]
	return packages


def install_system_packages(python: str, need: set[str]) -> None:
	packages = missing_packages(python, need)
	node_ok = version_of(["node", "--version"]) >= (18,)
	if packages:
		if not is_root():
			raise Stop(
				"Missing system packages; install them and run again: "
				f"sudo apt-get install -y --no-install-recommends {' '.join(packages)}"
				+ ("" if node_ok else "  (Frappe v15 needs Node.js 18 or later)")
			)
		if not shutil.which("apt-get"):
			raise Stop(f"This script installs packages on Debian or Ubuntu only; install these yourself: {' '.join(packages)}")
		if "nodejs" in packages and shutil.which("node"):
			packages = [p for p in packages if p not in ("nodejs", "npm")]
			if not node_ok:
				raise Stop("Frappe v15 needs Node.js 18 or later; this machine's `node` is older: upgrade it and run again.")
		env = {"DEBIAN_FRONTEND": "noninteractive"}
		retry(lambda: run(["apt-get", "update"], env=env, what="apt-get update"), "apt-get update")
		retry(
			lambda: run(
				["apt-get", "install", "-y", "--no-install-recommends", *packages], env=env, what="apt-get install"
			),
			f"apt-get install {' '.join(packages)}",
		)
	if version_of(["node", "--version"]) < (18,):
		raise Stop("Frappe v15 needs Node.js 18 or later; this machine's `node` is older: upgrade it and run again.")
	if not shutil.which("yarn"):
		if not is_root():
			raise Stop("Frappe builds its assets with yarn 1: install it (sudo npm install -g yarn@1) and run again.")
		retry(lambda: run(["npm", "install", "-g", "yarn@1"], what="npm install -g yarn@1"), "npm install -g yarn@1")


# -- MariaDB -------------------------------------------------------------------------------------


def port_open(port: int, host: str = "127.0.0.1") -> bool:
	with socket.socket() as sock:
		sock.settimeout(0.5)
		return sock.connect_ex((host, port)) == 0


def wait_for(check, seconds: float, pause: float = 0.5) -> bool:
	deadline = time.monotonic() + seconds
	while time.monotonic() < deadline:
		if check():
			return True
		time.sleep(pause)
	return check()


@dataclass
class DbAdmin:
	user: str
	password: str
	port: int = 3306

	def sql(self, statement: str) -> subprocess.CompletedProcess:
		return capture(
			["mariadb", "--protocol=tcp", "-h", "127.0.0.1", "-P", str(self.port), "-u", self.user,
			 "--batch", "--skip-column-names", "-e", statement],
			env={**os.environ, "MYSQL_PWD": self.password},
		)


def start_mariadb(port: int) -> None:
	wrote = False
	if is_root() and Path("/etc/mysql/mariadb.conf.d").is_dir():
		current = Path(MARIADB_CNF).read_text() if Path(MARIADB_CNF).exists() else ""
		if current != MARIADB_SETTINGS:
			Path(MARIADB_CNF).write_text(MARIADB_SETTINGS)
			wrote = True
	if port_open(port):
		if wrote:
			say("    restarting MariaDB to take the utf8mb4 defaults")
			run(["service", "mariadb", "restart"], what="Restarting MariaDB", check=False)
			wait_for(lambda: port_open(port), 60)
		return
	if not is_root():
		raise Stop(f"MariaDB is not answering on port {port}: start it (sudo service mariadb start) and run again.")
	result = run(["service", "mariadb", "start"], what="Starting MariaDB", check=False)
	if not wait_for(lambda: port_open(port), 60):
		say(result.stdout[-2000:])
		raise Stop(
			f"MariaDB did not start on port {port}: read /var/log/mysql/error.log (or run `mysqld_safe` by hand "
			"to see why), fix it and run again."
		)


def db_admin(user: User, port: int) -> DbAdmin:
	"""Credentials of a MariaDB account that may create databases and users, for bench new-site.

	Given by CIS_DB_ROOT_USER / CIS_DB_ROOT_PASSWORD, or an account of its own that this script creates
	once through root's socket login (MariaDB's root account itself is left as it is)."""
	if os.environ.get("CIS_DB_ROOT_PASSWORD"):
		admin = DbAdmin(os.environ.get("CIS_DB_ROOT_USER", "root"), os.environ["CIS_DB_ROOT_PASSWORD"], port)
		check = admin.sql("SELECT 1")
		if check.returncode != 0:
			raise Stop(
				f"MariaDB refused {admin.user} with the password in CIS_DB_ROOT_PASSWORD "
				f"({check.stderr.strip()}): correct CIS_DB_ROOT_USER / CIS_DB_ROOT_PASSWORD and run again."
			)
		return admin
	saved = user.home / ".config" / "cis_app" / "mariadb-admin.json"
	if saved.exists():
		data = json.loads(saved.read_text())
		admin = DbAdmin(data["user"], data["password"], port)
		if admin.sql("SELECT 1").returncode == 0:
			return admin
	if not is_root():
		raise Stop(
			"This script needs a MariaDB account that may create databases and users: set CIS_DB_ROOT_USER and "
			"CIS_DB_ROOT_PASSWORD to one (e.g. root and its password), or run the script once with sudo, which "
			"creates its own account, and run again."
		)
	password = secrets.token_urlsafe(18)
	grants = "".join(
		f"CREATE USER IF NOT EXISTS '{DB_ADMIN_USER}'@'{host}' IDENTIFIED BY '{password}';"
		f"ALTER USER '{DB_ADMIN_USER}'@'{host}' IDENTIFIED BY '{password}';"
		f"GRANT ALL PRIVILEGES ON *.* TO '{DB_ADMIN_USER}'@'{host}' WITH GRANT OPTION;"
		for host in ("localhost", "127.0.0.1")
	)
	made = capture(["mariadb", "-u", "root", "-e", grants + "FLUSH PRIVILEGES;"])
	if made.returncode != 0:
		raise Stop(
			"MariaDB refused root's socket login, so its root account has a password this script does not know "
			f"({made.stderr.strip()}): set CIS_DB_ROOT_USER=root and CIS_DB_ROOT_PASSWORD to that password and "
			"run again."
		)
	saved.parent.mkdir(parents=True, exist_ok=True)
	saved.write_text(json.dumps({"user": DB_ADMIN_USER, "password": password}))
	saved.chmod(0o600)
	chown(user, saved.parent.parent)
	chown(user, saved.parent)
	chown(user, saved)
	admin = DbAdmin(DB_ADMIN_USER, password, port)
	if admin.sql("SELECT 1").returncode != 0:
		raise Stop("MariaDB refused the account this script just created: check /var/log/mysql/error.log.")
	return admin


def check_charset(admin: DbAdmin) -> None:
	out = admin.sql("SELECT @@character_set_server, @@collation_server").stdout.split()
	if out[:2] != ["utf8mb4", "utf8mb4_unicode_ci"]:
		raise Stop(
			f"MariaDB runs with {' / '.join(out[:2]) or 'unknown'} defaults; Frappe needs utf8mb4 / "
			f"utf8mb4_unicode_ci: put the lines of {MARIADB_CNF} (see scripts/cis_bench.py) in its configuration, "
			"restart it and run again."
		)


def own(user: User, path: Path) -> None:
	"""Run as root, a file this script writes for the bench user is theirs, with the folders above it up
	to their home, so a later run as that user can write them."""
	if not is_root():
		return
	path = path.absolute()
	chain = [path, *(p for p in path.parents if user.home in p.parents)]
	for item in chain:
		os.chown(item, pwd.getpwnam(user.name).pw_uid, pwd.getpwnam(user.name).pw_gid, follow_symlinks=False)


def chown(user: User, path: Path, recursive: bool = False) -> None:
	if is_root():
		subprocess.run(["chown", *(["-R"] if recursive else []), f"{user.name}:{user.name}", str(path)], check=True)


# -- Frappe's source -----------------------------------------------------------------------------


@dataclass
class Source:
	"""Where Frappe comes from: its official repository, or an archive (with the two forks beside it)."""

	kind: str  # "git" or "archive"
	location: str
	key: str
	explicit: bool = True  # given by --frappe-source or CIS_FRAPPE_SOURCE, not the default
	version: str = ""
	frappe_path: str = ""  # what bench init --frappe-path takes
	branch: str = FRAPPE_BRANCH


def sha256(path: Path) -> str:
	digest = hashlib.sha256()
	with open(path, "rb") as handle:
		for block in iter(lambda: handle.read(1 << 20), b""):
			digest.update(block)
	return digest.hexdigest()


def find_archive(folder: Path, pattern: str, what: str) -> Path:
	found = sorted(folder.glob(pattern))
	if not found:
		raise Stop(f"No {what} archive ({pattern}) in {folder}: put it there, or give another --frappe-source.")
	return found[-1]


def resolve_source(given: str | None) -> Source:
	given = given or os.environ.get("CIS_FRAPPE_SOURCE")
	explicit = bool(given)
	given = given or OFFICIAL_FRAPPE
	if re.match(r"^(https?|git|ssh)://|^git@", given):
		return Source("git", given, key=f"git-{FRAPPE_BRANCH}", frappe_path=given, explicit=explicit)
	path = Path(given).expanduser().resolve()
	if path.is_dir():
		archive = find_archive(path, "frappe-1*.tar.gz", "Frappe")
	elif path.is_file() and path.name.endswith((".tar.gz", ".tgz")):
		archive = path
	else:
		raise Stop(
			f"--frappe-source {given!r} is neither a git URL, a Frappe archive (.tar.gz) nor a folder holding one: "
			"give one of those."
		)
	version = re.search(r"frappe-([\w.]+?)\.t(?:ar\.)?gz$", archive.name)
	return Source(
		"archive",
		str(archive),
		key=f"frappe-{version.group(1) if version else 'src'}-{sha256(archive)[:12]}",
		version=version.group(1) if version else "",
	)


def reach_repository(source: Source) -> None:
	"""Before bench init clones it: is the branch there? Said in one sentence when it is not."""

	def ls_remote():
		found = capture(["git", "ls-remote", "--heads", source.location, source.branch], timeout=60,
			env={**os.environ, "GIT_TERMINAL_PROMPT": "0"})
		if found.returncode != 0:
			raise Stop(f"git ls-remote {source.location} failed: {found.stderr.strip().splitlines()[-1:]}")
		if not found.stdout.strip():
			raise Stop(f"{source.location} has no branch {source.branch}.")

	try:
		retry(ls_remote, f"Reaching Frappe's repository ({source.location})", pause=5)
	except Stop as error:
		raise Stop(
			f"{error} Without access to it, give --frappe-source a Frappe source archive or a folder of archives "
			"(see the README, \"Start here\")."
		)


def prepare_archive(source: Source, user: User) -> None:
	"""Unpack the archive as a git repository on branch version-15 (bench init clones it), with the two
	dependencies Frappe names by GitHub address pointed at their unpacked forks beside it."""
	archive = Path(source.location)
	folder = user.cache / "frappe-src" / source.key
	source.frappe_path = str(folder / "frappe")
	if (folder / ".ready").exists():
		say(f"    reusing {folder}")
		return
	if folder.exists():
		shutil.rmtree(folder)
	folder.mkdir(parents=True)
	run(["tar", "-xzf", str(archive), "-C", str(folder)], what=f"Unpacking {archive.name}")
	if not (folder / "frappe" / "frappe" / "__init__.py").exists():
		raise Stop(f"{archive} does not unpack to frappe/frappe/__init__.py: is it a Frappe archive?")
	pyproject = folder / "frappe" / "pyproject.toml"
	text = pyproject.read_text()
	if "git+https://github.com/frappe/gunicorn" in text:
		fork = find_archive(archive.parent, "frappe-gunicorn-*.tar.gz", "gunicorn fork")
		run(["tar", "-xzf", str(fork), "-C", str(folder)], what=f"Unpacking {fork.name}")
		text = re.sub(
			r"gunicorn @ git\+https://github\.com/frappe/gunicorn@[0-9a-f]+",
			f"gunicorn @ file://{folder / 'gunicorn'}",
			text,
		)
		pyproject.write_text(text)
	package = folder / "frappe" / "package.json"
	text = package.read_text()
	if '"github:frappe/air-datepicker"' in text:
		fork = find_archive(archive.parent, "air-datepicker-*.tar.gz", "air-datepicker fork")
		run(["tar", "-xzf", str(fork), "-C", str(folder)], what=f"Unpacking {fork.name}")
		package.write_text(text.replace('"github:frappe/air-datepicker"', f'"file:{folder / "air-datepicker"}"'))
		lock = folder / "frappe" / "yarn.lock"
		blocks = lock.read_text().split("\n\n")
		lock.write_text("\n\n".join(b for b in blocks if not b.lstrip().startswith('"air-datepicker@github:')))
	chown(user, user.cache)
	chown(user, folder.parent)
	chown(user, folder, recursive=True)
	git = ["git", "-c", "user.name=cis_app dev-bench", "-c", "user.email=dev-bench@localhost", "-C", str(folder / "frappe")]
	run(as_user(user, ["git", "init", "-q", "-b", FRAPPE_BRANCH, str(folder / "frappe")]), what="git init")
	run(as_user(user, [*git, "add", "-A"]), what="git add")
	run(as_user(user, [*git, "commit", "-q", "-m", f"Frappe {source.version} from {archive.name}"]), what="git commit")
	(folder / ".ready").write_text(f"{archive.name}\n")
	chown(user, folder / ".ready")


# -- the bench -----------------------------------------------------------------------------------


@dataclass
class Ports:
	web: int = 8000
	socketio: int = 9000
	redis_cache: int = 13000
	redis_queue: int = 11000

	def all(self) -> dict[str, int]:
		return {"web": self.web, "socketio": self.socketio, "redis_cache": self.redis_cache, "redis_queue": self.redis_queue}


@dataclass
class Bench:
	path: Path
	user: User
	source: Source
	ports: Ports
	python: str
	logs: Path = field(init=False)

	def __post_init__(self):
		self.logs = self.user.cache / "logs" / self.path.name

	@property
	def cli(self) -> str:
		return str(self.user.cli / "bin" / "bench")

	@property
	def state(self) -> Path:
		return self.path / "cis-bench.json"

	@property
	def building(self) -> Path:
		return self.path.with_name(self.path.name + ".building")

	def bench(self, *args: str, what: str, log: str = "bench", check: bool = True, quiet: bool = True,
			env: dict | None = None) -> subprocess.CompletedProcess:
		return run([self.cli, *args], user=self.user, cwd=self.path, what=what, log=self.logs / f"{log}.log",
			check=check, quiet=quiet, env=env)

	def config(self) -> dict:
		path = self.path / "sites" / "common_site_config.json"
		return json.loads(path.read_text()) if path.exists() else {}


def install_bench_cli(user: User, python: str) -> None:
	bench = user.cli / "bin" / "bench"
	if bench.exists() and capture(as_user(user, [str(bench), "--version"]), env=user_env(user)).returncode == 0:
		return
	user.cache.mkdir(parents=True, exist_ok=True)
	chown(user, user.cache.parent)
	chown(user, user.cache)
	if user.cli.exists():
		shutil.rmtree(user.cli)
	run([python, "-m", "venv", str(user.cli)], user=user, what="Creating the bench CLI's virtualenv")
	retry(
		lambda: run([str(user.cli / "bin" / "pip"), "install", "--quiet", BENCH_CLI], user=user,
			what=f"pip install {BENCH_CLI}"),
		f"Installing the bench CLI ({BENCH_CLI}) from PyPI",
	)


def build_bench(bench: Bench, rebuild: bool) -> None:
	"""bench init from the source, unless a complete bench of the same source is there already."""
	path = bench.path
	if path.exists() and bench.state.exists():
		state = json.loads(bench.state.read_text())
		if not rebuild and (state.get("key") == bench.source.key or not bench.source.explicit):
			say(f"    reusing the bench at {path} (Frappe {state.get('frappe_version')}, {state.get('key')})")
			return
		if not rebuild:
			raise Stop(
				f"The bench at {path} was built from {state.get('source')} ({state.get('key')}), not from "
				f"{bench.source.location}: pass --bench-dir for another folder, or --rebuild to replace it."
			)
	if path.exists():
		if not (bench.building.exists() or bench.state.exists()):
			raise Stop(
				f"{path} exists and was not built by this script: choose another folder with --bench-dir, or "
				"remove it, and run again."
			)
		say(f"    removing {path}: {'asked to rebuild' if rebuild else 'an earlier build stopped halfway'}")
		stop_processes(bench, quiet=True)
		shutil.rmtree(path)
	say(f"    building it with Frappe from {bench.source.location}")
	path.parent.mkdir(parents=True, exist_ok=True)
	chown(bench.user, path.parent)
	bench.building.write_text(f"started {time.ctime()}\n")
	chown(bench.user, bench.building)
	if bench.source.kind == "archive":
		prepare_archive(bench.source, bench.user)
	else:
		reach_repository(bench.source)

	def init():
		if path.exists():
			shutil.rmtree(path)
		bench_dir_parent = path.parent
		run(
			[bench.cli, "init", "--frappe-path", bench.source.frappe_path, "--frappe-branch", bench.source.branch,
			 "--python", bench.python, "--no-backups", "--skip-redis-config-generation", path.name],
			user=bench.user, cwd=bench_dir_parent, what="bench init", log=bench.logs / "bench-init.log",
		)

	retry(init, "bench init (Python packages from PyPI, Node packages from npm)", attempts=3, pause=15)
	# Site creation imports pkg_resources, which setuptools 81 dropped.
	retry(
		lambda: run([str(path / "env" / "bin" / "pip"), "install", "--quiet", "setuptools<81"], user=bench.user,
			what="pip install setuptools<81", log=bench.logs / "bench-init.log"),
		"Pinning setuptools<81 in the bench's virtualenv",
	)
	version = capture([str(path / "env" / "bin" / "python"), "-c", "import frappe; print(frappe.__version__)"],
		cwd=path / "sites").stdout.strip()
	if not version.startswith("15."):
		raise Stop(f"The source gave Frappe {version or '(unknown)'}; cis_app needs Frappe v15: give a v15 source.")
	bench.state.write_text(json.dumps({
		"key": bench.source.key, "source": bench.source.location, "frappe_version": version,
		"built": time.strftime("%Y-%m-%d %H:%M:%S"),
	}, indent=1))
	chown(bench.user, bench.state)
	bench.building.unlink()


def configure_bench(bench: Bench) -> None:
	"""Ports, redis configuration and the Procfile this script starts (without the asset watcher)."""
	conf = bench.config()
	wanted = {
		"webserver_port": bench.ports.web,
		"socketio_port": bench.ports.socketio,
		"redis_cache": f"redis://127.0.0.1:{bench.ports.redis_cache}",
		"redis_queue": f"redis://127.0.0.1:{bench.ports.redis_queue}",
		"redis_socketio": f"redis://127.0.0.1:{bench.ports.redis_queue}",
	}
	changed = {k: v for k, v in wanted.items() if conf.get(k) != v}
	for key, value in changed.items():
		bench.bench("set-config", "-g", key, str(value), *(["--parse"] if isinstance(value, int) else []),
			what=f"bench set-config {key}")
	if changed or not (bench.path / "config" / "redis_cache.conf").exists():
		bench.bench("setup", "redis", what="bench setup redis")


def install_app(bench: Bench) -> None:
	"""apps/cis_app is this checkout (a link, so edits run), installed editable in the bench's env."""
	app = bench.path / "apps" / "cis_app"
	readable = capture(as_user(bench.user, ["test", "-r", str(CHECKOUT / "cis_app" / "hooks.py")])).returncode == 0
	if readable:
		if not (app.is_symlink() and app.resolve() == CHECKOUT):
			if app.is_symlink() or app.is_file():
				app.unlink()
			elif app.exists():
				shutil.rmtree(app)
			app.symlink_to(CHECKOUT, target_is_directory=True)
			if is_root():
				subprocess.run(["chown", "-h", f"{bench.user.name}:{bench.user.name}", str(app)], check=True)
		safe = capture(as_user(bench.user, ["git", "config", "--global", "--get-all", "safe.directory"]),
			env=user_env(bench.user)).stdout.split()
		if str(CHECKOUT) not in safe:
			run(["git", "config", "--global", "--add", "safe.directory", str(CHECKOUT)], user=bench.user,
				what="git config safe.directory")
	else:
		say(f"    {bench.user.name} cannot read {CHECKOUT}: copying the checkout's files into the bench instead "
			"(edits need another run of this script)")
		if app.is_symlink():
			app.unlink()
		elif app.exists():
			shutil.rmtree(app)
		files = capture(["git", "-C", str(CHECKOUT), "ls-files", "-co", "--exclude-standard", "-z"]).stdout
		for name in filter(None, files.split("\0")):
			target = app / name
			target.parent.mkdir(parents=True, exist_ok=True)
			if (CHECKOUT / name).is_file():
				shutil.copy2(CHECKOUT / name, target)
		chown(bench.user, app, recursive=True)
	where = capture(
		as_user(bench.user, [str(bench.path / "env" / "bin" / "python"), "-c",
			"import cis_app, os; print(os.path.realpath(cis_app.__file__))"]),
		cwd=bench.path / "sites", env=user_env(bench.user)).stdout.strip()
	if where != str((app / "cis_app" / "__init__.py").resolve()):
		retry(
			lambda: run([str(bench.path / "env" / "bin" / "pip"), "install", "--quiet", "-e", str(app)],
				user=bench.user, what="pip install -e apps/cis_app", log=bench.logs / "bench.log"),
			"Installing cis_app's Python dependencies from PyPI",
		)
	apps_txt = bench.path / "sites" / "apps.txt"
	apps = apps_txt.read_text().split()
	if "cis_app" not in apps:
		apps_txt.write_text("\n".join([*apps, "cis_app"]) + "\n")
	if not (bench.path / "sites" / "assets" / "cis_app").exists():
		bench.bench("build", "--app", "cis_app", what="bench build --app cis_app")


# -- processes -----------------------------------------------------------------------------------


def pid_file(bench: Bench) -> Path:
	return bench.path / "config" / "pids" / "cis-bench.pgid"


def running_group(bench: Bench) -> int | None:
	path = pid_file(bench)
	if not path.exists():
		return None
	try:
		group = int(path.read_text().strip())
		os.killpg(group, 0)
		return group
	except PermissionError:
		return group  # alive, started by root (sudo scripts/dev-bench): stopping it needs root too
	except (ValueError, ProcessLookupError):
		return None


def redis_running(bench: Bench, port: int) -> bool:
	return capture(["redis-cli", "-p", str(port), "ping"]).stdout.strip() == "PONG"


def start_redis(bench: Bench) -> None:
	for name, port in (("redis_cache", bench.ports.redis_cache), ("redis_queue", bench.ports.redis_queue)):
		if redis_running(bench, port):
			continue
		if port_open(port):
			raise Stop(f"Port {port} ({name}) is taken by another program: stop it, or pass --ports-from, and run again.")
		pids = bench.path / "config" / "pids"
		pids.mkdir(parents=True, exist_ok=True)
		chown(bench.user, pids)
		run(["redis-server", f"config/{name}.conf", "--daemonize", "yes", "--pidfile", str(pids / f"{name}.pid")],
			user=bench.user, cwd=bench.path, what=f"Starting {name}")
		if not wait_for(lambda: redis_running(bench, port), 20):
			raise Stop(f"{name} did not start on port {port}: read {bench.path}/config/{name}.conf and its log.")


def write_procfile(bench: Bench, sites: dict[str, int]) -> Path:
	"""The web server (one per served site and port), the socket.io server, the scheduler and a worker
	for every queue. Redis runs on its own (started before the sites exist); no asset watcher."""
	node = shutil.which("node") or "node"
	lines = [f"web_{i}: bench --site {site} serve --port {port}" for i, (site, port) in enumerate(sites.items())]
	lines += [
		f"socketio: {node} apps/frappe/socketio.js",
		"schedule: bench schedule",
		"worker: bench worker 1>> logs/worker.log 2>> logs/worker.error.log",
	]
	path = bench.path / "Procfile.cis"
	path.write_text("\n".join(lines) + "\n")
	chown(bench.user, path)
	return path


def served_ports(bench: Bench) -> set[int]:
	"""The ports the processes this script started listen on (from the Procfile it wrote)."""
	procfile = bench.path / "Procfile.cis"
	ports = {int(p) for p in re.findall(r"--port (\d+)", procfile.read_text())} if procfile.exists() else set()
	return ports | {bench.ports.socketio}


def start_processes(bench: Bench, sites: dict[str, int]) -> None:
	wanted = {**{f"web ({site})": port for site, port in sites.items()}, "socketio": bench.ports.socketio}
	ours = served_ports(bench) if running_group(bench) else set()
	for name, port in wanted.items():
		if port_open(port) and port not in ours:
			raise Stop(
				f"Port {port} ({name}) is taken by another program (`ss -ltnp 'sport = :{port}'` names it): stop it, "
				"or pass --port / --ports-from to use others, and run again."
			)
	if running_group(bench):
		say("    already running; restarting it so it serves what this run asked for")
		stop_processes(bench, quiet=True, keep_redis=True)
		wait_for(lambda: not any(port_open(port) for port in wanted.values()), 20)
	for name, port in wanted.items():
		if port_open(port):
			raise Stop(
				f"Port {port} ({name}) is taken by another program (`ss -ltnp 'sport = :{port}'` names it): stop it, "
				"or pass --port / --ports-from to use others, and run again."
			)
	procfile = write_procfile(bench, sites)
	log = bench.path / "logs" / "cis-bench.log"
	log.parent.mkdir(exist_ok=True)
	with open(log, "a") as handle:
		own(bench.user, log)
		proc = subprocess.Popen(
			as_user(bench.user, [bench.cli, "start", "--procfile", str(procfile)]),
			cwd=bench.path, env=user_env(bench.user), stdin=subprocess.DEVNULL, stdout=handle,
			stderr=subprocess.STDOUT, start_new_session=True,
		)
	pid_file(bench).parent.mkdir(parents=True, exist_ok=True)
	pid_file(bench).write_text(str(proc.pid))
	own(bench.user, pid_file(bench))
	for site, port in sites.items():
		url = f"http://localhost:{port}/api/method/ping"
		if not wait_for(lambda url=url: http_ok(url) or proc.poll() is not None, 120, pause=1) or proc.poll() is not None:
			say(tail(log, 30))
			raise Stop(f"The web server for {site} did not answer on port {port}: read {log}, fix it and run again.")


def http_ok(url: str) -> bool:
	try:
		with urllib.request.urlopen(url, timeout=5) as response:
			return response.status == 200
	except (urllib.error.URLError, OSError):
		return False


def tail(path: Path, lines: int) -> str:
	return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""


def stop_processes(bench: Bench, quiet: bool = False, keep_redis: bool = False) -> None:
	group = running_group(bench)
	if group:
		try:
			os.killpg(group, signal.SIGTERM)
		except ProcessLookupError:
			pass
		except PermissionError:
			raise Stop(f"The processes of {bench.path} were started by root: stop them with sudo (sudo scripts/dev-bench stop).")
		if not wait_for(lambda: running_group(bench) is None, 20):
			with contextlib.suppress(ProcessLookupError):
				os.killpg(group, signal.SIGKILL)
		if not quiet:
			say(f"    stopped the web server, socket.io, scheduler and worker of {bench.path}")
	with contextlib.suppress(FileNotFoundError):
		pid_file(bench).unlink()
	if keep_redis:
		return
	for name in ("redis_cache", "redis_queue"):
		pid = bench.path / "config" / "pids" / f"{name}.pid"
		if pid.exists():
			with contextlib.suppress(ValueError, ProcessLookupError, PermissionError):
				number = int(pid.read_text().strip())
				os.kill(number, signal.SIGTERM)
				# Redis saves its data before it exits, and refuses to exit when the save fails: wait
				# for it (a rebuild removes its folder next, which would leave it running without one)
				if not wait_for(lambda: not process_alive(number), 15, pause=0.2):
					os.kill(number, signal.SIGKILL)
			with contextlib.suppress(FileNotFoundError):
				pid.unlink()
			if not quiet:
				say(f"    stopped {name}")


def process_alive(pid: int) -> bool:
	"""Whether the process runs (a zombie, exited but not yet reaped, does not)."""
	try:
		with open(f"/proc/{pid}/stat") as handle:
			return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
	except (FileNotFoundError, IndexError):
		return False


# -- sites ---------------------------------------------------------------------------------------


def site_ready(bench: Bench, site: str) -> bool:
	if not (bench.path / "sites" / site / "site_config.json").exists():
		return False
	result = bench.bench("--site", site, "list-apps", what="bench list-apps", check=False)
	return result.returncode == 0 and "cis_app" in result.stdout


def new_site(bench: Bench, site: str, admin: DbAdmin, admin_password: str, fresh: bool) -> None:
	"""Create the site and install cis_app; ``fresh`` drops an existing site of that name first. A site
	left half-made by an interrupted run is made again."""
	exists = (bench.path / "sites" / site).exists()
	if exists and not fresh and demo_interrupted(bench, site):
		say(f"    an earlier run stopped while it loaded the demo on {site}: making the site again")
	elif exists and not fresh and site_ready(bench, site):
		say(f"    reusing the site {site}")
		return
	if exists:
		say(f"    {'dropping' if fresh else 'making again the half-made'} site {site}")
	bench.bench(
		"new-site", site, "--force", "--db-root-username", admin.user, "--db-root-password", admin.password,
		"--admin-password", admin_password, "--mariadb-user-host-login-scope", "localhost",
		what=f"bench new-site {site}", log=f"site-{site}",
	)
	bench.bench("--site", site, "install-app", "cis_app", what=f"install-app cis_app on {site}", log=f"site-{site}")
	bench.bench("--site", site, "set-config", "cis_schema_fingerprint", schema_fingerprint(), what="set-config",
		log=f"site-{site}")


def schema_fingerprint() -> str:
	"""What ``bench migrate`` reads from the checkout: the DocType, report, workspace... JSON, the patches
	and the hooks. A reused site is migrated when it changed."""
	digest = hashlib.sha256()
	files = sorted([*CHECKOUT.glob("cis_app/**/*.json"), CHECKOUT / "cis_app" / "patches.txt", CHECKOUT / "cis_app" / "hooks.py"])
	for path in files:
		digest.update(str(path.relative_to(CHECKOUT)).encode())
		digest.update(path.read_bytes())
	return digest.hexdigest()[:16]


def migrate_if_changed(bench: Bench, site: str) -> None:
	fingerprint = schema_fingerprint()
	if site_config(bench, site).get("cis_schema_fingerprint") == fingerprint:
		return
	say(f"    the checkout's DocTypes, reports, patches or hooks changed: bench --site {site} migrate")
	bench.bench("--site", site, "migrate", what=f"bench --site {site} migrate", log=f"site-{site}")
	bench.bench("--site", site, "set-config", "cis_schema_fingerprint", fingerprint, what="set-config",
		log=f"site-{site}")


def drop_site(bench: Bench, site: str, admin: DbAdmin) -> None:
	if (bench.path / "sites" / site).exists():
		bench.bench("drop-site", site, "--force", "--no-backup", "--db-root-username", admin.user,
			"--db-root-password", admin.password, what=f"bench drop-site {site}", log=f"site-{site}", check=False)
		if (bench.path / "sites" / site).exists():
			shutil.rmtree(bench.path / "sites" / site)
	archived = bench.path / "archived" / "sites"
	if archived.exists():
		for old in archived.glob(f"{site}*"):
			shutil.rmtree(old, ignore_errors=True)


def site_config(bench: Bench, site: str) -> dict:
	path = bench.path / "sites" / site / "site_config.json"
	return json.loads(path.read_text()) if path.exists() else {}


def demo_interrupted(bench: Bench, site: str) -> bool:
	"""A run stopped while it loaded the demo: the site holds part of it, and make_demo, which does
	nothing once the demo's affiliate exists, would not finish it."""
	conf = site_config(bench, site)
	return bool(conf.get("cis_demo_started")) and not conf.get("cis_demo_loaded")


def load_demo(bench: Bench, site: str, students: int, url: str) -> None:
	bench.bench("--site", site, "set-config", "host_name", url, what="set host_name", log=f"site-{site}")
	if site_config(bench, site).get("cis_demo_loaded"):
		say(f"    the demo is on {site} already")
		return
	bench.bench("--site", site, "set-config", "cis_demo_started", "1", "--parse", what="set-config",
		log=f"site-{site}")
	bench.bench("--site", site, "execute", "cis_app.demo.load.make_demo", "--kwargs",
		json.dumps({"students": students}), what=f"loading the demo on {site}", log=f"site-{site}")
	bench.bench("--site", site, "set-config", "cis_demo_loaded", "1", "--parse", what="set-config",
		log=f"site-{site}")


# -- commands ------------------------------------------------------------------------------------


def outside_checkout(path: Path) -> None:
	"""The bench holds Frappe's code and the sites' files: never inside the repository."""
	path = path.resolve()
	if path == CHECKOUT or CHECKOUT in path.parents:
		raise Stop(f"The bench must live outside the checkout ({CHECKOUT}): choose another --bench-dir.")


def common_setup(args, need: set[str], bench_dir: Path | None, ports: Ports) -> tuple[Bench, DbAdmin]:
	python = args.python
	if version_of([python, "--version"]) < (3, 10):
		raise Stop(f"Frappe v15 needs Python 3.10 or later; {python} is older or missing: pass --python with one.")
	with step("System packages"):
		install_system_packages(python, need)
	user = bench_user(args.user)
	with step("MariaDB"):
		start_mariadb(args.db_port)
		admin = db_admin(user, args.db_port)
		check_charset(admin)
	source = resolve_source(args.frappe_source)
	path = (bench_dir or Path(args.bench_dir or user.home / "cis-bench")).expanduser().absolute()
	outside_checkout(path)
	bench = Bench(path, user, source, ports, python)
	with step("Bench CLI"):
		install_bench_cli(user, python)
	with step(f"Bench {path}"):
		build_bench(bench, args.rebuild)
		configure_bench(bench)
	with step("cis_app from the checkout"):
		install_app(bench)
	with step("Redis"):
		start_redis(bench)
	return bench, admin


def cmd_up(args) -> int:
	ports = ports_from(args.ports_from, args.port)
	bench, admin = common_setup(args, {"mariadb", "redis", "wkhtmltopdf", "git", "build", "node", "tools"}, None, ports)
	url = f"http://localhost:{ports.web}"
	with step(f"Site {args.site}"):
		new_site(bench, args.site, admin, args.admin_password, fresh=False)
		migrate_if_changed(bench, args.site)
		bench.bench("use", args.site, what="bench use")
		bench.bench("--site", args.site, "enable-scheduler", what="enable the scheduler", log=f"site-{args.site}")
	if not args.no_demo:
		with step(f"Demo ({args.students} students; nothing happens if it is loaded already)"):
			load_demo(bench, args.site, args.students, url)
	with step("Web server, socket.io, scheduler and worker"):
		start_processes(bench, {args.site: ports.web})
	print_times()
	say(f"""
cis_app is running at {url}   (site {args.site}, bench {bench.path})

  Administrator / {args.admin_password}
  the demo users below, password {DEMO_PASSWORD}:""")
	for email, role, sees in DEMO_USERS:
		say(f"    {email:32} {role:26} {sees}")
	say(f"""
Logs: {bench.path}/logs/cis-bench.log   Stop: scripts/dev-bench stop{'' if args.bench_dir is None else f' --bench-dir {bench.path}'}
Edits to the checkout run as they are; restart (run this again) after changing Python or hooks.""")
	return 0


def cmd_stop(args) -> int:
	user = bench_user(args.user)
	path = Path(args.bench_dir or user.home / "cis-bench").expanduser().absolute()
	if not path.exists():
		raise Stop(f"No bench at {path}: nothing to stop (pass --bench-dir if it lives elsewhere).")
	bench = Bench(path, user, Source("git", "", ""), Ports(), args.python)
	conf = bench.config()
	bench.ports.redis_cache = int(conf.get("redis_cache", ":13000").rsplit(":", 1)[1])
	bench.ports.redis_queue = int(conf.get("redis_queue", ":11000").rsplit(":", 1)[1])
	stop_processes(bench)
	say("stopped")
	return 0


def ports_from(base: int | None, web: int | None) -> Ports:
	if base:
		return Ports(web=base, socketio=base + 1000, redis_cache=base + 5000, redis_queue=base + 3000)
	return Ports(web=web or 8000)


# -- the test command ----------------------------------------------------------------------------

TEST_SITE = "cis-test.localhost"
E2E_SITE = "cis-e2e.localhost"
NETWORK_SITE = "cis-network.localhost"


def test_venv(user_home: Path, python: str) -> Path:
	venv = user_home / ".cache" / "cis_app" / "test-venv"
	wanted = ["pandas>=2.0,<3", "pytest>=7", "jinja2>=3", "playwright>=1.40"]
	marker = venv / "cis-requirements.txt"
	if marker.exists() and marker.read_text() == "\n".join(wanted):
		return venv
	if not (venv / "bin" / "python").exists():
		run([python, "-m", "venv", str(venv)], what="Creating the test virtualenv")
	retry(lambda: run([str(venv / "bin" / "pip"), "install", "--quiet", *wanted], what="pip install (tests)"),
		"Installing pandas, pytest, Jinja and Playwright from PyPI")
	marker.write_text("\n".join(wanted))
	return venv


def framework_free(venv: Path) -> tuple[bool, str]:
	result = run([str(venv / "bin" / "python"), "-m", "pytest", "tests", "-p", "no:cacheprovider"], cwd=CHECKOUT,
		what="framework-free suite", check=False, quiet=False)
	lines = [l for l in result.stdout.splitlines() if re.search(r"\d+ (passed|failed|error)", l)]
	return result.returncode == 0, (lines[-1].strip("= ") if lines else f"pytest exited {result.returncode}")


def integration(bench: Bench, admin: DbAdmin, faketime: str | None) -> tuple[bool, str]:
	drop_site(bench, TEST_SITE, admin)
	new_site(bench, TEST_SITE, admin, "admin", fresh=True)
	bench.bench("--site", TEST_SITE, "set-config", "allow_tests", "1", "--parse", what="allow_tests",
		log=f"site-{TEST_SITE}")
	cmd = [bench.cli, "--site", TEST_SITE, "run-tests", "--app", "cis_app"]
	env = {"CI": "true"}
	if faketime:
		# The Python clock at another day (MariaDB's own clock is untouched): a date outside every school
		# year the factories make shows tests that lean on today's date.
		cmd = ["faketime", "-f", f"@{faketime} 00:00:00", *cmd]
	result = run(cmd, user=bench.user, cwd=bench.path, env=env, what="integration suite", check=False,
		quiet=False, log=bench.logs / "integration.log")
	ran = re.findall(r"^Ran (\d+) tests? in ([\d.]+)s", result.stdout, re.M) or re.findall(
		r"^Ran (\d+) tests? in ([\d.]+)s", tail(bench.logs / "integration.log", 400), re.M)
	verdict = re.findall(r"^(OK.*|FAILED \(.*\))$", tail(bench.logs / "integration.log", 400), re.M)
	count = int(ran[-1][0]) if ran else 0
	summary = f"Ran {count} tests: {verdict[-1] if verdict else 'no verdict'}"
	return result.returncode == 0 and count > 0 and bool(verdict) and verdict[-1].startswith("OK"), summary


# Frappe's own test modules for lists, permissions, reports, prints, search, assignment, documents and
# the old Data Export, run on the integration layer's site (cis_app installed): the app must leave
# every other app's behaviour as Frappe's (docs/developer.md, "A good neighbour"). One bench run per module.
FRAPPE_MODULES = [
	"frappe.tests.test_db_query",
	"frappe.tests.test_permissions",
	"frappe.tests.test_reportview",
	"frappe.tests.test_query_report",
	"frappe.tests.test_printview",
	"frappe.tests.test_search",
	"frappe.tests.test_assign",
	"frappe.tests.test_document",
	"frappe.core.doctype.data_export.test_data_exporter",
]


def verdict_of(output: str) -> tuple[int, str | None]:
	"""(tests run, unittest's closing verdict) of a ``bench run-tests`` output."""
	ran = re.findall(r"^Ran (\d+) tests? in [\d.]+s", output, re.M)
	verdict = re.findall(r"^(OK.*|FAILED \(.*\))$", output, re.M)
	return (int(ran[-1]) if ran else 0), (verdict[-1] if verdict else None)


def frappe_modules(bench: Bench) -> tuple[bool, str]:
	"""Frappe's own modules (``FRAPPE_MODULES``) on ``TEST_SITE``, where cis_app is installed."""
	passed, failed, tests, skipped = 0, [], 0, 0
	for module in FRAPPE_MODULES:
		with step(f"frappe: {module}"):
			result = run([bench.cli, "--site", TEST_SITE, "run-tests", "--module", module], user=bench.user,
				cwd=bench.path, env={"CI": "true"}, what=module, check=False, log=bench.logs / "frappe-modules.log")
		count, verdict = verdict_of(result.stdout)
		tests += count
		skipped += sum(int(n) for n in re.findall(r"skipped=(\d+)", verdict or ""))
		if result.returncode == 0 and count > 0 and verdict and verdict.startswith("OK"):
			passed += 1
		else:
			failed.append(module.rsplit(".", 1)[-1])
			say(result.stdout[-3000:])
	summary = f"{passed} passed, {len(failed)} failed ({tests} tests, {skipped} skipped)" + (
		f": {', '.join(failed)}" if failed else "")
	return not failed, summary


E2E = [
	["e2e_coordinator.py"],
	["e2e_volunteer_hours.py"],
	["e2e_phone_checkin.py"],
	["e2e_referral_portal.py"],
	["e2e_disclosures.py"],
	["e2e_probes.py"],
	["e2e_outcomes_workspace.py"],
	["e2e_network_rollup.py", "--network-url", "{network}", "--year", "{previous_year}"],
]


def browser_checks(
	bench: Bench, admin: DbAdmin, venv: Path, students: int, shots: Path, only: list[str] | None = None
) -> tuple[bool, str]:
	web, network = bench.ports.web, bench.ports.web + 1
	url, network_url = f"http://localhost:{web}", f"http://localhost:{network}"
	for site in (E2E_SITE, NETWORK_SITE):
		drop_site(bench, site, admin)
	with step(f"Demo site {E2E_SITE} ({students} students) and network site {NETWORK_SITE}"):
		new_site(bench, E2E_SITE, admin, "admin", fresh=True)
		load_demo(bench, E2E_SITE, students, url)
		new_site(bench, NETWORK_SITE, admin, "admin", fresh=True)
		bench.bench("--site", NETWORK_SITE, "set-config", "host_name", network_url, what="set host_name")
		previous = bench.bench("--site", NETWORK_SITE, "execute", "cis_app.demo.load.make_network_site",
			what=f"the school years on {NETWORK_SITE}").stdout.strip().splitlines()[-1].strip('"')
	with step("Serving both"):
		start_processes(bench, {E2E_SITE: web, NETWORK_SITE: network})
	passed = failed = 0
	failures = []
	for script in E2E:
		name = script[0]
		if only and name not in only:
			continue
		extra = [a.format(network=network_url, previous_year=previous) for a in script[1:]]
		with step(f"browser: {name}"):
			result = run([str(venv / "bin" / "python"), str(CHECKOUT / "scripts" / name), "--url", url,
				"--chromium", shutil.which("chromium") or "/usr/bin/chromium", *extra],
				cwd=CHECKOUT / "scripts", env={"CIS_SCREENSHOTS": str(shots)}, what=name, check=False,
				quiet=False, log=bench.logs / "e2e.log")
		if result.returncode == 0:
			passed += 1
		else:
			failed += 1
			failures.append(name)
			WHY.append((name, why_failed(result.stdout)))
	summary = f"{passed} passed, {failed} failed" + (f" ({', '.join(failures)})" if failures else "")
	return failed == 0, summary


# (check, what it said) of each failed browser check, repeated under the closing summary: a long run's
# last lines are what a reader (or a CI page showing only the end) sees first.
WHY: list[tuple[str, str]] = []


def why_failed(output: str, lines: int = 12) -> str:
	"""The lines of a failed check that say why: its ``FAILED:`` line with what precedes it, else the end
	of its output (a traceback's last lines)."""
	text = output.rstrip().splitlines()
	marks = [i for i, line in enumerate(text) if line.startswith("FAILED")]
	end = marks[-1] + 1 if marks else len(text)
	return "\n".join(text[max(0, end - lines):end])


def frappe_pin() -> str:
	"""The Frappe range pyproject.toml names (``[tool.bench.frappe-dependencies]``)."""
	text = (CHECKOUT / "pyproject.toml").read_text()
	section = text[text.index("[tool.bench.frappe-dependencies]"):]
	return re.search(r'^frappe\s*=\s*"([^"]+)"', section, re.M).group(1)


def within(version: str, spec: str) -> bool:
	"""Whether ``version`` (15.55.1) meets ``spec`` (>=15.55.1,<15.56.0), numbers compared as numbers."""
	def parts(text: str) -> tuple[int, ...]:
		return tuple(int(n) for n in re.findall(r"\d+", text)[:3])

	checks = {">=": lambda a, b: a >= b, "<=": lambda a, b: a <= b, ">": lambda a, b: a > b,
		"<": lambda a, b: a < b, "==": lambda a, b: a == b}
	for clause in filter(None, (c.strip() for c in spec.split(","))):
		op = next(op for op in (">=", "<=", "==", ">", "<") if clause.startswith(op))
		if not checks[op](parts(version), parts(clause[len(op):])):
			return False
	return True


def cmd_test(args) -> int:
	started = time.monotonic()
	invoker = Path(pwd.getpwuid(os.geteuid()).pw_dir)
	results: list[tuple[str, bool, str]] = []
	with step("Test virtualenv"):
		install_system_packages(args.python, {"build"})
		venv = test_venv(invoker, args.python)
	if "unit" in args.layers:
		with step("Layer 1: framework-free suite"):
			ok, line = framework_free(venv)
		unit = ("framework-free", ok, line)
	if args.layers & {"integration", "browser"}:
		need = {"mariadb", "redis", "wkhtmltopdf", "git", "build", "node", "tools", "chromium"}
		if args.faketime:
			need.add("faketime")
		ports = ports_from(args.ports_from or 8100, None)
		source = resolve_source(args.frappe_source)
		user = bench_user(args.user)
		bench_dir = Path(args.bench_dir) if args.bench_dir else user.home / ".cache" / "cis_app" / "benches" / source.key
		bench, admin = common_setup(args, need, bench_dir, ports)
		stop_processes(bench, quiet=True, keep_redis=True)
		try:
			if "integration" in args.layers:
				with step(f"Layer 2: integration suite on a new site {TEST_SITE}"):
					ok, line = integration(bench, admin, args.faketime)
				with step(f"Layer 2: Frappe's own modules on {TEST_SITE}, beside cis_app"):
					frappe_ok, frappe_line = frappe_modules(bench)
				# the layer fails when either does; each keeps its own line
				results.append(("integration", ok and frappe_ok, line))
				results.append(("frappe modules", frappe_ok, frappe_line))
				if not args.keep_sites:
					drop_site(bench, TEST_SITE, admin)
			if "browser" in args.layers:
				shots = Path(args.screenshots).absolute() if args.screenshots else Path(tempfile.mkdtemp(prefix="cis-shots-"))
				with step("Layer 3: browser checks"):
					ok, line = browser_checks(bench, admin, venv, args.students, shots, args.check)
				results.append(("browser", ok, line))
		finally:
			if not args.keep_running:
				stop_processes(bench, quiet=True)
	if "unit" in args.layers:
		results.append(unit)
	print_times()
	version = json.loads(bench.state.read_text())["frappe_version"] if args.layers != {"unit"} else None
	say(f"\nFrappe {version or '(not needed)'}; {time.monotonic() - started:.0f} s in all")
	if version and not within(version, frappe_pin()):
		say(f"Note: pyproject.toml names Frappe {frappe_pin()}; this run was on {version}. Widen the range "
			"there once every layer passes on it.")
	for name, why in WHY:
		say(f"\nWhy {name} failed (its last lines; the whole output is in the bench's logs/e2e.log):")
		say(textwrap.indent(why, "    "))
	say("Summary:")
	for name, ok, line in results:
		say(f"  {name}: {'PASS' if ok else 'FAIL'}  {line}")
	# The framework-free line last, in pytest's own words, for whoever reads the closing line.
	say(next(line for name, _, line in results if name == "framework-free") if "unit" in args.layers else "")
	return 0 if all(ok for _, ok, _ in results) else 1


def main(argv: list[str] | None = None) -> int:
	parser = argparse.ArgumentParser(prog="cis_bench", description=__doc__.split("\n\n")[0])
	common = argparse.ArgumentParser(add_help=False)
	common.add_argument("--bench-dir", help="the bench folder (default: ~/cis-bench for dev-bench; a cache folder "
		"keyed by Frappe's source for run-tests)")
	common.add_argument("--frappe-source", help="a git URL (default: Frappe's official repository, branch "
		"version-15), a Frappe .tar.gz archive, or a folder holding frappe-*.tar.gz with frappe-gunicorn-*.tar.gz "
		"and air-datepicker-*.tar.gz beside it; also CIS_FRAPPE_SOURCE")
	common.add_argument("--user", help="when run as root: the ordinary user that owns the bench (default frappe)")
	common.add_argument("--python", default="/usr/bin/python3" if Path("/usr/bin/python3").exists() else "python3",
		help="the Python the bench runs on (3.10+; default the system's)")
	common.add_argument("--db-port", type=int, default=3306)
	common.add_argument("--rebuild", action="store_true", help="build the bench again from nothing")
	common.add_argument("--ports-from", type=int, help="web port N, socket.io N+1000, redis N+3000 and N+5000")
	sub = parser.add_subparsers(dest="command")
	up = sub.add_parser("up", parents=[common], help="build or reuse the bench, make the demo site, start it")
	up.add_argument("--site", default="cis.localhost")
	up.add_argument("--port", type=int, help="the web server's port (default 8000)")
	up.add_argument("--students", type=int, default=2000, help="students in the demo (default 2000)")
	up.add_argument("--no-demo", action="store_true", help="an empty site, without the demo")
	up.add_argument("--admin-password", default="admin")
	stop = sub.add_parser("stop", parents=[common], help="stop what up started")
	test = sub.add_parser("test", parents=[common], help="run the three test layers")
	test.add_argument("--only", choices=["unit", "integration", "browser"], action="append",
		help="run only this layer (repeatable)")
	test.add_argument("--students", type=int, default=600, help="students in the browser checks' demo")
	test.add_argument("--faketime", metavar="YYYY-MM-DD", help="run the integration suite with the Python clock "
		"at this day (libfaketime), e.g. a day in July, between school years")
	test.add_argument("--check", action="append", choices=[script[0] for script in E2E],
		help="run only this browser check (repeatable)")
	test.add_argument("--screenshots", help="keep the browser checks' screenshots here (default: a temporary folder)")
	test.add_argument("--keep-sites", action="store_true", help="leave the test site in place after the run")
	test.add_argument("--keep-running", action="store_true", help="leave the demo site served after the run")
	args = parser.parse_args(argv)
	if args.command is None:
		args = parser.parse_args(["up", *(argv or sys.argv[1:])])
	if args.command == "test":
		args.layers = set(args.only or ["unit", "integration", "browser"])
	try:
		return {"up": cmd_up, "stop": cmd_stop, "test": cmd_test}[args.command](args)
	except Stop as error:
		print_times()
		say(f"\nStopped: {error}")
		return 1
	except KeyboardInterrupt:
		say("\nInterrupted: run the same command again to finish; it reuses what is built.")
		return 130


if __name__ == "__main__":
	sys.exit(main())
