"""The bench script (scripts/cis_bench.py): how it reads a Frappe source, points Frappe's two GitHub
dependencies at local forks, and what CI and the README promise about it. No bench is built here."""

from __future__ import annotations

import importlib.util
import io
import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def load_script():
	spec = importlib.util.spec_from_file_location("cis_bench", ROOT / "scripts" / "cis_bench.py")
	module = importlib.util.module_from_spec(spec)
	sys.modules["cis_bench"] = module
	spec.loader.exec_module(module)
	return module


cis_bench = load_script()

PYPROJECT = """[project]
dependencies = [
    "gunicorn @ git+https://github.com/frappe/gunicorn@2f5b4923399d18c28e4221f6514792b5cc7d2c21",
    "redis~=4.5.5",
]
[project.urls]
Repository = "https://github.com/frappe/frappe.git"
"""
PACKAGE = """{
  "dependencies": {
    "air-datepicker": "github:frappe/air-datepicker",
    "jquery": "3.7.0"
  }
}
"""
LOCK = """# yarn lockfile v1


"air-datepicker@github:frappe/air-datepicker":
  version "2.2.3"
  resolved "https://codeload.github.com/frappe/air-datepicker/tar.gz/ed37b94"
  dependencies:
    jquery ">=2.0.0 <4.0.0"

jquery@3.7.0:
  version "3.7.0"
"""


def add(archive: tarfile.TarFile, name: str, text: str) -> None:
	data = text.encode()
	info = tarfile.TarInfo(name)
	info.size = len(data)
	archive.addfile(info, io.BytesIO(data))


@pytest.fixture
def vendor(tmp_path):
	folder = tmp_path / "vendor"
	folder.mkdir()
	with tarfile.open(folder / "frappe-15.99.1.tar.gz", "w:gz") as archive:
		add(archive, "frappe/frappe/__init__.py", '__version__ = "15.99.1"\n')
		add(archive, "frappe/pyproject.toml", PYPROJECT)
		add(archive, "frappe/package.json", PACKAGE)
		add(archive, "frappe/yarn.lock", LOCK)
	with tarfile.open(folder / "frappe-gunicorn-2f5b492.tar.gz", "w:gz") as archive:
		add(archive, "gunicorn/setup.py", "")
	with tarfile.open(folder / "air-datepicker-ed37b94.tar.gz", "w:gz") as archive:
		add(archive, "air-datepicker/package.json", "{}")
	return folder


@pytest.fixture
def user(tmp_path, monkeypatch):
	monkeypatch.setattr(cis_bench, "is_root", lambda: False)
	return cis_bench.User("someone", tmp_path / "home")


def test_a_folder_of_archives_is_keyed_by_version_and_hash(vendor):
	source = cis_bench.resolve_source(str(vendor))
	assert source.kind == "archive"
	assert source.version == "15.99.1"
	digest = cis_bench.sha256(vendor / "frappe-15.99.1.tar.gz")
	assert source.key == f"frappe-15.99.1-{digest[:12]}"
	assert cis_bench.resolve_source(str(vendor / "frappe-15.99.1.tar.gz")).key == source.key


def test_the_default_source_is_frappes_official_repository(monkeypatch):
	monkeypatch.delenv("CIS_FRAPPE_SOURCE", raising=False)
	source = cis_bench.resolve_source(None)
	assert (source.kind, source.frappe_path, source.branch) == (
		"git",
		"https://github.com/frappe/frappe",
		"version-15",
	)


def test_a_source_that_is_none_of_the_three_is_refused_with_what_to_give(tmp_path):
	with pytest.raises(cis_bench.Stop, match="neither a git URL, a Frappe archive"):
		cis_bench.resolve_source(str(tmp_path / "nothing-here"))
	with pytest.raises(cis_bench.Stop, match=r"No Frappe archive \(frappe-1\*.tar.gz\)"):
		cis_bench.resolve_source(str(tmp_path))


def test_the_archive_becomes_a_git_branch_with_its_github_dependencies_local(vendor, user):
	source = cis_bench.resolve_source(str(vendor))
	cis_bench.prepare_archive(source, user)
	frappe = Path(source.frappe_path)
	folder = frappe.parent
	pyproject = (frappe / "pyproject.toml").read_text()
	assert f"gunicorn @ file://{folder / 'gunicorn'}" in pyproject
	assert "git+https://github.com/frappe/gunicorn" not in pyproject
	assert '"redis~=4.5.5"' in pyproject  # the rest untouched
	package = json.loads((frappe / "package.json").read_text())
	assert package["dependencies"] == {"air-datepicker": f"file:{folder / 'air-datepicker'}", "jquery": "3.7.0"}
	lock = (frappe / "yarn.lock").read_text()
	assert "air-datepicker" not in lock and "jquery@3.7.0:" in lock
	assert (folder / "gunicorn" / "setup.py").exists() and (folder / "air-datepicker" / "package.json").exists()
	branch = subprocess.run(["git", "-C", str(frappe), "branch", "--show-current"], capture_output=True, text=True)
	assert branch.stdout.strip() == "version-15"
	clean = subprocess.run(["git", "-C", str(frappe), "status", "--porcelain"], capture_output=True, text=True)
	assert clean.stdout == ""  # bench init clones the commit: the patches must be in it


def test_a_missing_fork_archive_stops_with_its_name(vendor, user):
	(vendor / "frappe-gunicorn-2f5b492.tar.gz").unlink()
	source = cis_bench.resolve_source(str(vendor))
	with pytest.raises(cis_bench.Stop, match="gunicorn fork"):
		cis_bench.prepare_archive(source, user)


def test_a_prepared_source_is_reused_and_a_half_prepared_one_made_again(vendor, user):
	source = cis_bench.resolve_source(str(vendor))
	cis_bench.prepare_archive(source, user)
	ready = Path(source.frappe_path).parent / ".ready"
	marker = Path(source.frappe_path) / "touched"
	marker.write_text("x")
	cis_bench.prepare_archive(source, user)
	assert marker.exists()  # reused
	ready.unlink()  # as if the run had stopped before finishing
	cis_bench.prepare_archive(source, user)
	assert not marker.exists() and ready.exists()


def test_registry_steps_are_retried_then_named():
	calls = []

	def flaky():
		calls.append(1)
		if len(calls) < 3:
			raise cis_bench.Stop("pip install failed with exit code 1.")
		return "done"

	assert cis_bench.retry(flaky, "Installing X", attempts=3, pause=0) == "done"
	calls.clear()

	def down():
		calls.append(1)
		raise cis_bench.Stop("pip install failed with exit code 1.")

	with pytest.raises(cis_bench.Stop, match="Installing X failed 3 times; .*network"):
		cis_bench.retry(down, "Installing X", attempts=3, pause=0)
	assert len(calls) == 3


def test_test_ports_sit_beside_the_dev_benchs():
	dev, test = cis_bench.ports_from(None, None), cis_bench.ports_from(8100, None)
	assert dev.web == 8000
	assert not set(dev.all().values()) & set(test.all().values())
	assert test.web + 1 not in dev.all().values()  # the network site of the browser checks


def test_a_bench_inside_the_checkout_is_refused(tmp_path):
	for inside in (ROOT, ROOT / "bench", ROOT / "scripts" / ".." / "frappe-bench"):
		with pytest.raises(cis_bench.Stop, match="outside the checkout"):
			cis_bench.outside_checkout(inside)
	cis_bench.outside_checkout(tmp_path / "cis-bench")  # anywhere else is fine


def test_ci_runs_the_readmes_test_command_on_a_bench_built_from_nothing():
	ci = (ROOT / ".ci" / "run").read_text()
	assert "exec scripts/run-tests --rebuild" in ci
	readme = (ROOT / "README.md").read_text()
	start = readme.index("## Start here")
	first = readme[start : readme.index("```\n", readme.index("```bash", start) + 7)]
	assert "scripts/dev-bench" in first and "scripts/run-tests" in first
	assert readme.index("## Start here") < readme.index("## Install on an existing bench")


def test_the_wrappers_call_the_script():
	for name, command in (("dev-bench", "up"), ("run-tests", "test")):
		path = ROOT / "scripts" / name
		assert os.access(path, os.X_OK), f"scripts/{name} is not executable"
		assert "cis_bench.py" in path.read_text()
	assert 'exec python3 "$(dirname "$0")/cis_bench.py" test' in (ROOT / "scripts" / "run-tests").read_text()


def test_frappes_own_modules_run_in_the_integration_layer():
	"""The modules that show the app leaves Frappe's behaviour alone (docs/developer.md, "A good neighbour")."""
	wanted = "db_query permissions reportview query_report printview search assign document".split()
	assert {f"frappe.tests.test_{name}" for name in wanted} <= set(cis_bench.FRAPPE_MODULES)
	assert "frappe.core.doctype.data_export.test_data_exporter" in cis_bench.FRAPPE_MODULES
	source = (ROOT / "scripts" / "cis_bench.py").read_text()
	assert "frappe_modules(bench)" in source[source.index("def cmd_test") :]


def test_a_modules_verdict_is_read_from_unittests_closing_lines():
	output = "....s.\n----\nRan 12 tests in 3.204s\n\nOK (skipped=1)\n<frappe.test_runner.TimeLoggingTestResult>\n"
	assert cis_bench.verdict_of(output) == (12, "OK (skipped=1)")
	assert cis_bench.verdict_of("Ran 3 tests in 1.0s\n\nFAILED (failures=1, errors=1)\n") == (
		3,
		"FAILED (failures=1, errors=1)",
	)
	assert cis_bench.verdict_of("Traceback (most recent call last):\n") == (0, None)


def test_the_frappe_pin_names_the_release_the_suite_ran_on():
	pin = cis_bench.frappe_pin()
	assert cis_bench.within("15.55.1", pin)
	assert not cis_bench.within("15.0.0", pin) and not cis_bench.within("16.0.0", pin)
	assert cis_bench.within("15.55.10", ">=15.55.1,<15.56.0")  # numbers, not text
	assert not cis_bench.within("15.56.0", ">=15.55.1,<15.56.0")
	assert f"`{pin}`" in (ROOT / "README.md").read_text()  # said where people install
