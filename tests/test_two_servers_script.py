"""scripts/load/two_servers.py, without a bench: the nginx config it writes, the access-log count per
app server, and its arguments."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts" / "load"))

import two_servers


def config(tmp_path, ports=(8201, 8202), lb_port=8300, site="cis.localhost", user=None):
	return two_servers.nginx_config(list(ports), lb_port, site, str(tmp_path), user)


def test_the_upstream_holds_every_app_server_round_robin(tmp_path):
	text = config(tmp_path)
	upstream = re.search(r"upstream (\S+) \{(.*?)\}", text, re.S)
	assert upstream, text
	servers = re.findall(r"^\s*server (\S+)", upstream.group(2), re.M)
	assert servers == ["127.0.0.1:8201", "127.0.0.1:8202"]
	# round robin is nginx's default: no other balancing method is named
	assert not re.search(r"\b(least_conn|ip_hash|hash|random)\b", upstream.group(2))
	assert f"proxy_pass http://{upstream.group(1)};" in text
	assert "listen 127.0.0.1:8300;" in text
	assert "server 127.0.0.1:9001" in config(tmp_path, ports=(9001, 9002, 9003))
	assert "server 127.0.0.1:9003" in config(tmp_path, ports=(9001, 9002, 9003))


def test_the_site_header_is_passed_and_the_answering_server_named(tmp_path):
	text = config(tmp_path, site="other.localhost")
	assert "proxy_set_header X-Frappe-Site-Name other.localhost;" in text
	assert "add_header X-Upstream $upstream_addr always;" in text
	for timeout in ("proxy_read_timeout", "proxy_send_timeout", "proxy_connect_timeout"):
		assert f"{timeout} 120s;" in text


def test_the_access_log_names_the_upstream_and_stays_in_the_prefix(tmp_path):
	text = config(tmp_path)
	log_format = re.search(r"log_format (\S+)(.*?);", text, re.S)
	assert log_format and "$upstream_addr" in log_format.group(2)
	assert f"access_log {tmp_path}/access.log {log_format.group(1)};" in text
	# a private instance: nothing of the system's nginx (pid, logs, temporary files)
	for line in text.splitlines():
		if re.match(r"\s*(pid|error_log|access_log|\w+_temp_path) ", line):
			assert str(tmp_path) in line, line
	assert "/var/" not in text and "/etc/" not in text
	assert "user " not in text  # only as root
	assert config(tmp_path, user="www-data").startswith("# Written by") and "\nuser www-data;\n" in config(
		tmp_path, user="www-data"
	)


@pytest.mark.skipif(not shutil.which("nginx"), reason="nginx is not installed")
def test_nginx_accepts_the_config(tmp_path):
	(tmp_path / "tmp").mkdir()
	conf = tmp_path / "nginx.conf"
	conf.write_text(config(tmp_path))
	done = subprocess.run(
		["nginx", "-t", "-p", str(tmp_path), "-c", str(conf), "-e", str(tmp_path / "error.log")],
		capture_output=True,
		text=True,
	)
	assert done.returncode == 0, done.stderr


def test_requests_are_counted_per_app_server_from_the_access_log():
	lines = [
		'2026-12-07T10:00:00+00:00 200 GET "/api/method/ping" upstream="127.0.0.1:8201" upstream_status="200" upstream_time=0.005 request_time=0.005',
		'2026-12-07T10:00:00+00:00 200 GET "/app" upstream="127.0.0.1:8202" upstream_status="200" upstream_time=0.1 request_time=0.1',
		# passed on after the first server failed: both served it
		'2026-12-07T10:00:01+00:00 200 GET "/app" upstream="127.0.0.1:8201, 127.0.0.1:8202" upstream_status="502, 200" upstream_time=0.0, 0.1 request_time=0.1',
		# answered by nginx itself
		'2026-12-07T10:00:02+00:00 400 GET "/" upstream="-" upstream_status="-" upstream_time=- request_time=0.000',
		"",
	]
	assert two_servers.upstream_counts(lines) == {"127.0.0.1:8201": 2, "127.0.0.1:8202": 2}


def test_the_defaults_are_two_servers_behind_a_third_port():
	args = two_servers.parse_args([])
	assert args.ports == [8201, 8202]
	assert args.lb_port == 8300 and args.lb_port not in args.ports
	assert args.site == "cis.localhost"
	assert args.workers == 2
	assert (args.locust_seconds, args.users) == (120, 40)
	assert args.locust_seconds > two_servers.warmup_seconds(args.users)  # the step gets measured
	assert args.admin_password == "admin" and args.job_timeout > 0
	given = two_servers.parse_args(
		["--ports", "9001,9002", "--lb-port", "9000", "--locust-seconds", "60", "--users", "10"]
	)
	assert (given.ports, given.lb_port, given.locust_seconds, given.users) == ([9001, 9002], 9000, 60, 10)


@pytest.mark.parametrize(
	"argv",
	[
		["--ports", "8201"],  # one server is not two
		["--ports", "8201,8201"],
		["--ports", "8201,x"],
		["--lb-port", "8201"],  # the balancer on an app server's port
		["--users", "40", "--locust-seconds", "30"],  # over before the users have logged in
		["--users", "0"],
	],
)
def test_arguments_that_cannot_work_are_refused(argv, capsys):
	with pytest.raises(SystemExit) as exit:
		two_servers.parse_args(argv)
	assert exit.value.code == 2
