"""The busiest hour of an affiliate, for Locust: who does what, with think times.

Run by ``scripts/load-test`` (which serves the site with gunicorn, ramps the users and checks that
nothing was lost); see docs/benchmarks.md, "Under load". Each simulated user logs in as a demo user
of its role (the demo's logins, password ``cis-demo-2026``):

- coordinators (``CIS_LOAD_COORDINATORS``, default the two demo coordinators): open the phone page's
  caseload, sync batches of 1-5 check-ins and now and then a group roster, each entry with its client
  id, retried with the same ids on a timeout or a 5xx (as the page does); list students and open one;
  run the Caseload report;
- program managers: run CIS Outcomes, the Affiliate Annual Summary and the Volunteer Hours Summary
  over 20 years (a date range far longer than any school's records);
- partner contacts: the referrals page;
- volunteers: their hours page, now and then logging a quarter hour on the web form;
- the peers, measured in the same run: ``/api/method/ping`` and a plain ``frappe.client.get_list`` of
  School Year (no site rules), so the report shows what the app's rules cost under load.

Every sync answer is written to ``CIS_LOAD_LEDGER`` (JSON lines: client id, kind, status), which
``scripts/load/nothing_lost.py`` compares with the database after the run.

The ramp (``StepShape``): ``CIS_LOAD_STEP_USERS`` more users every ``CIS_LOAD_STEP_SECONDS``, until the
95th percentile of any request type in a step passes 1 s, or ``CIS_LOAD_MAX_USERS``. Each step's figures
go to ``CIS_LOAD_STEPS`` (JSON lines) for the summary.
"""

from __future__ import annotations

import json
import os
import random
import sys
import threading
import time
from datetime import date, timedelta

from locust import HttpUser, LoadTestShape, between, events, task

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import entries as phone

PASSWORD = os.environ.get("CIS_LOAD_PASSWORD", "cis-demo-2026")
SITE_HEADER = {"X-Frappe-Site-Name": os.environ.get("CIS_LOAD_SITE", "cis.localhost")}
COORDINATORS = os.environ.get("CIS_LOAD_COORDINATORS", "coordinator@cis-demo.example,coordinator2@cis-demo.example").split(",")
MANAGERS = os.environ.get("CIS_LOAD_MANAGERS", "manager@cis-demo.example").split(",")
PARTNER_CONTACTS = os.environ.get("CIS_LOAD_PARTNER_CONTACTS", "contact2@partner.example").split(",")
VOLUNTEERS = os.environ.get("CIS_LOAD_VOLUNTEERS", "volunteer@cis-demo.example").split(",")
VOLUNTEER_SITE = os.environ.get("CIS_LOAD_VOLUNTEER_SITE", "Alder Elementary (Demo)")
LEDGER = os.environ.get("CIS_LOAD_LEDGER", "load-ledger.jsonl")
STEPS = os.environ.get("CIS_LOAD_STEPS", "load-steps.jsonl")
STEP_USERS = int(os.environ.get("CIS_LOAD_STEP_USERS", "4"))
STEP_SECONDS = int(os.environ.get("CIS_LOAD_STEP_SECONDS", "60"))
MAX_USERS = int(os.environ.get("CIS_LOAD_MAX_USERS", "80"))
STOP_P95_MS = float(os.environ.get("CIS_LOAD_STOP_P95_MS", "1000"))
SPAWN_RATE = float(os.environ.get("CIS_LOAD_SPAWN_RATE", "2"))  # new users a second (each logs in)
# each step is measured after its new users have logged in and settled: the logins' burst (password
# hashing) is the ramp's, not the load's
WARMUP_SECONDS = STEP_USERS / SPAWN_RATE + 10
RETRIES = 4
_ledger_lock = threading.Lock()


def ledger(rows: list[dict]) -> None:
	with _ledger_lock, open(LEDGER, "a") as handle:
		for row in rows:
			handle.write(json.dumps(row) + "\n")


class CISUser(HttpUser):
	abstract = True
	logins: list[str] = []

	def on_start(self) -> None:
		self.client.headers.update({**SITE_HEADER, "Accept": "application/json"})
		self.user = random.choice(self.logins)
		answer = self.client.post("/api/method/login", data={"usr": self.user, "pwd": PASSWORD}, name="login")
		if answer.status_code != 200:
			raise RuntimeError(f"cannot log in as {self.user}: {answer.status_code}")
		self.csrf = None

	def csrf_token(self) -> str:
		"""The session's CSRF token, as the phone page gets it (its session call)."""
		if not self.csrf:
			answer = self.client.get("/api/method/cis_app.api.checkin.session", name="phone: session")
			self.csrf = answer.json()["message"]["csrf_token"]
		return self.csrf

	def method(self, path: str, name: str, **params):
		return self.client.get(f"/api/method/{path}", params=params, name=name)

	def report(self, report: str, filters: dict, name: str):
		return self.client.post(
			"/api/method/frappe.desk.query_report.run",
			json={"report_name": report, "filters": filters, "ignore_prepared_report": 1},
			headers={"X-Frappe-CSRF-Token": self.desk_csrf()},
			name=name,
		)

	def desk_csrf(self) -> str:
		if not getattr(self, "_desk_csrf", None):
			page = self.client.get("/app", name="desk: boot", headers={"Accept": "text/html"})
			marker = 'frappe.csrf_token = "'
			text = page.text
			self._desk_csrf = text[text.index(marker) + len(marker) :].split('"', 1)[0] if marker in text else ""
		return self._desk_csrf


class Coordinator(CISUser):
	weight = 6
	wait_time = between(2, 8)
	logins = COORDINATORS

	def on_start(self) -> None:
		super().on_start()
		self.students: list[str] = []
		self.site = None
		self.caseload()

	@task(3)
	def caseload(self) -> None:
		answer = self.method("cis_app.api.checkin.caseload", "phone: caseload")
		if answer.status_code == 200:
			data = answer.json()["message"]
			# every student of the caseload: a check-in for one without a valid consent is refused, and
			# the refusal is checked as much as a record (nothing_lost.py)
			self.students = [s["name"] for s in data.get("students", [])]
			self.site = (data.get("sites") or [None])[0]

	@task(5)
	def sync(self) -> None:
		if not self.students:
			return
		entries = [
			phone.check_in(self.students, "Load test check-in (synthetic).", random.choice((10, 15, 20, 30)))
			for _ in range(random.randint(1, 5))
		]
		if self.site and random.random() < 0.2:
			roster = random.sample(self.students, min(len(self.students), random.randint(3, 8)))
			entries.append(
				phone.entry(
					"group_session",
					{
						"site": self.site,
						"session_date": date.today().isoformat(),
						"support_type": "Tutoring",
						"minutes": 45,
						"attendees": [{"student": s, "present": 1} for s in roster],
					},
				)
			)
		self.send(entries)

	def send(self, entries: list[dict]) -> None:
		"""One batch, retried with the same ids on a timeout, a 5xx or a 429 (after Retry-After)."""
		for attempt in range(RETRIES):
			try:
				with self.client.post(
					"/api/method/cis_app.api.checkin.sync",
					json={"entries": entries},
					headers={"X-Frappe-CSRF-Token": self.csrf_token()},
					name="phone: sync",
					timeout=30,
					catch_response=True,
				) as answer:
					if answer.status_code == 200:
						answers = answer.json()["message"]
						ledger(
							[
								{"client_id": a["client_id"], "kind": e["kind"], "status": a["status"], "user": self.user}
								for a, e in zip(answers, entries, strict=True)
							]
						)
						answer.success()
						return
					if answer.status_code == 429:
						answer.success()  # asked to wait: not an error of the server
						time.sleep(float(answer.headers.get("Retry-After") or 5))
						continue
					if answer.status_code in (400, 417) and "CSRF" in answer.text:
						self.csrf = None
					answer.failure(f"HTTP {answer.status_code}")
			except Exception:  # a timeout or a dropped connection: the same ids again
				pass
			time.sleep(2**attempt)
		ledger([{"client_id": e["client_id"], "kind": e["kind"], "status": "unanswered", "user": self.user} for e in entries])

	@task(2)
	def students_list(self) -> None:
		self.client.get(
			"/api/resource/Student",
			params={"fields": json.dumps(["name", "student_name", "grade_level", "site"]), "limit_page_length": 20},
			name="desk: student list",
		)

	@task(2)
	def open_student(self) -> None:
		if self.students:
			self.client.get(f"/api/resource/Student/{random.choice(self.students)}", name="desk: open student")

	@task(1)
	def caseload_report(self) -> None:
		self.report("Caseload", {}, "report: Caseload")


class ProgramManager(CISUser):
	weight = 2
	wait_time = between(10, 30)
	logins = MANAGERS

	@task(2)
	def outcomes(self) -> None:
		self.report("CIS Outcomes", {}, "report: CIS Outcomes")

	@task(1)
	def annual_summary(self) -> None:
		self.report("Affiliate Annual Summary", {}, "report: Affiliate Annual Summary")

	@task(1)
	def twenty_years_of_hours(self) -> None:
		"""Bad input under load: a report asked for a 20-year date range."""
		today = date.today()
		self.report(
			"Volunteer Hours Summary",
			{"group_by": "Site", "from_date": today.replace(year=today.year - 20).isoformat(), "to_date": today.isoformat()},
			"report: Volunteer Hours Summary, 20 years",
		)


class PartnerContact(CISUser):
	weight = 1
	wait_time = between(5, 15)
	logins = PARTNER_CONTACTS

	@task
	def referrals(self) -> None:
		self.client.get("/partner-referrals", headers={"Accept": "text/html"}, name="portal: partner referrals")


class Volunteer(CISUser):
	weight = 1
	wait_time = between(5, 20)
	logins = VOLUNTEERS

	@task(3)
	def my_hours(self) -> None:
		self.client.get("/volunteer-hours", headers={"Accept": "text/html"}, name="portal: volunteer hours")

	@task(1)
	def log_hours(self) -> None:
		day = date.today() - timedelta(days=random.randint(0, 20))
		data = {
			"doctype": "Volunteer Hours",
			"date": day.isoformat(),
			"site": VOLUNTEER_SITE,
			"hours": 0.25,
			"activity": "Tutoring",
			"students_served": 1,
			"notes": "Load test (synthetic).",
		}
		with self.client.post(
			"/api/method/frappe.website.doctype.web_form.web_form.accept",
			data={"web_form": "volunteer-hours", "data": json.dumps(data)},
			headers={"X-Frappe-CSRF-Token": self.desk_csrf_portal()},
			name="portal: log hours",
			catch_response=True,
		) as answer:
			# a day already at its cap is refused with the reason: the app's rule, not a failure; so is
			# Frappe's rate limit of web form posts (10 a minute per user: 429), which the one demo volunteer login,
			# shared by every simulated volunteer, reaches at about 100 users
			if answer.status_code in (200, 417, 429):
				answer.success()

	def desk_csrf_portal(self) -> str:
		if not getattr(self, "_portal_csrf", None):
			page = self.client.get("/volunteer-hours/new", headers={"Accept": "text/html"}, name="portal: hours form")
			marker = 'csrf_token = "'
			text = page.text
			self._portal_csrf = text[text.index(marker) + len(marker) :].split('"', 1)[0] if marker in text else ""
		return self._portal_csrf


class Peer(CISUser):
	"""The peer requests, at a steady trickle, measured beside the app's."""

	weight = 1
	wait_time = between(1, 3)
	logins = MANAGERS

	@task(1)
	def ping(self) -> None:
		self.client.get("/api/method/ping", name="peer: ping")

	@task(1)
	def plain_list(self) -> None:
		self.client.get(
			"/api/method/frappe.client.get_list",
			params={"doctype": "School Year", "fields": json.dumps(["name", "year_start_date"]), "limit_page_length": 20},
			name="peer: get_list School Year",
		)


class StepShape(LoadTestShape):
	"""Add ``STEP_USERS`` users every ``STEP_SECONDS`` (``SPAWN_RATE`` a second); measure each step from
	``WARMUP_SECONDS`` after it began to its end, write its figures (per request type: count,
	failures, p50/p95/p99 of that window alone) and stop once a p95 passes the limit."""

	def __init__(self):
		super().__init__()
		self.step = 0
		self.step_started = None
		self.measuring = False
		self.stop = False

	def tick(self):
		if self.stop:
			return None
		now = self.get_run_time()
		if self.step_started is None:
			self.step_started, self.step = now, 1
		elif not self.measuring and now - self.step_started >= WARMUP_SECONDS:
			self.runner.stats.reset_all()
			self.measuring, self.measured_from = True, now
		elif now - self.step_started >= STEP_SECONDS:
			worst = write_step(self.runner, self.step * STEP_USERS, now - self.measured_from)
			if worst >= STOP_P95_MS or self.step * STEP_USERS >= MAX_USERS:
				self.stop = True
				return None
			self.step += 1
			self.step_started, self.measuring = now, False
		return (self.step * STEP_USERS, SPAWN_RATE)


def write_step(runner, users: int, seconds: float) -> float:
	rows = {}
	worst = 0.0
	for (name, _method), entry in runner.stats.entries.items():
		if not entry.num_requests:
			continue
		p95 = entry.get_response_time_percentile(0.95)
		rows[name] = {
			"count": entry.num_requests,
			"failures": entry.num_failures,
			"p50": entry.get_response_time_percentile(0.5),
			"p95": p95,
			"p99": entry.get_response_time_percentile(0.99),
		}
		if name != "login":
			worst = max(worst, p95)
	total = runner.stats.total
	with open(STEPS, "a") as handle:
		handle.write(
			json.dumps(
				{
					"users": users,
					"seconds": round(seconds, 1),
					"rps": round(total.num_requests / seconds, 2) if seconds else 0,
					"failures": total.num_failures,
					"requests": rows,
				}
			)
			+ "\n"
		)
	return worst


@events.quitting.add_listener
def _closing(environment, **_kwargs):
	environment.process_exit_code = 0  # the summary (scripts/load/summary.py) judges the run
