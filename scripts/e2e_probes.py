"""Ask the running site, over HTTP and as each role, what it must refuse (no browser needed).

Against a served site with the demo (`scripts/dev-bench`, or the test command's demo site), this adds a
second affiliate beside the demo one (its administrator, a district, a site and a student) and an
outgoing email account, then probes every door and way out the app closes, as each role: the
coordinator of another site, the program manager, the CIS administrator of the other affiliate, the
Partner Manager, the Evaluator, the website volunteer, a partner's contact and a Guest. Each probe
states what the site must answer; the script prints one line per probe and exits 1 if any fails.

    python scripts/e2e_probes.py --url http://localhost:8000 [--admin-password admin]

Synthetic data only. Run it again on the same site: the second affiliate is reused.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import sys
import time
import http.client
import urllib.error
import urllib.parse
import urllib.request

PASSWORD = "cis-demo-2026"
COORDINATOR = "coordinator@cis-demo.example"  # Alder Elementary
COORDINATOR2 = "coordinator2@cis-demo.example"  # Elm Elementary
MANAGER = "manager@cis-demo.example"  # Alder, Birch, Cedar, Dune
ADMIN = "admin@cis-demo.example"
PARTNERS = "partners@cis-demo.example"
EVALUATOR = "evaluator@cis-demo.example"
VOLUNTEER = "volunteer@cis-demo.example"
SECOND = "Probe Second Affiliate"
SECOND_ADMIN = "probe-admin@second-affiliate.example"
PROBE_ORG = "Probe Evaluation Partners (Synthetic)"
OUTSIDE = "someone@outside.example"


class Client:
	def __init__(self, url: str, host: str | None = None):
		self.url = url.rstrip("/")
		self.jar = http.cookiejar.CookieJar()
		self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
		self.csrf = None

	def request(self, verb: str, path: str, params: dict | None = None, body: dict | None = None, raw=False):
		params = {k: (json.dumps(v) if isinstance(v, dict | list) else v) for k, v in (params or {}).items()}
		url = f"{self.url}{urllib.parse.quote(path)}" + (f"?{urllib.parse.urlencode(params)}" if params else "")
		data = None
		headers = {"Accept": "application/json"}
		if body is not None:
			data = json.dumps(body).encode()
			headers["Content-Type"] = "application/json"
		if self.csrf:
			headers["X-Frappe-CSRF-Token"] = self.csrf
		request = urllib.request.Request(url, data=data, method=verb.upper(), headers=headers)
		for attempt in range(20):
			try:
				with self.opener.open(request, timeout=60) as response:
					status, content = response.status, response.read()
					kind = response.headers.get("Content-Type") or ""
				break
			except urllib.error.HTTPError as error:
				status, content, kind = error.code, error.read(), error.headers.get("Content-Type") or ""
				break
			except (ConnectionError, http.client.RemoteDisconnected, urllib.error.URLError):
				# a development server restarting (it reloads when a file changes): try again
				time.sleep(1)
		else:
			raise SystemExit(f"{url}: no answer")
		text = content.decode("utf-8", "replace")
		return Answer(status, text, kind)

	def get(self, path, **params):
		return self.request("get", path, params)

	def post(self, path, **body):
		return self.request("post", path, body=body)

	def login(self, user: str, password: str = PASSWORD) -> Client:
		answer = self.post("/api/method/login", usr=user, pwd=password)
		if answer.status != 200:
			raise SystemExit(f"cannot log in as {user}: {answer.status} {answer.text[:200]}")
		return self


class Answer:
	def __init__(self, status: int, text: str, kind: str):
		self.status, self.text, self.kind = status, text, kind

	@property
	def json(self):
		try:
			return json.loads(self.text)
		except ValueError:
			return {}

	@property
	def message(self):
		return self.json.get("message") if isinstance(self.json, dict) else None


def method(name: str) -> str:
	return f"/api/method/{name}"


# ------------------------------------------------------------------ an SMTP sink

SMTP_PORT = 2526


def smtp_sink(port: int = SMTP_PORT) -> None:
	"""A minimal SMTP server on localhost that accepts and drops every message: Frappe checks the
	outgoing server when the email account is saved, and sends queued mail to it afterwards."""
	import socket
	import threading

	server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
	server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
	try:
		server.bind(("127.0.0.1", port))
	except OSError:
		return  # already served (an earlier run of this script in the same process group)
	server.listen(5)

	def talk(conn):
		with conn, conn.makefile("rb") as lines:
			conn.sendall(b"220 probe ESMTP\r\n")
			in_data = False
			for line in lines:
				if in_data:
					if line in (b".\r\n", b".\n"):
						in_data = False
						conn.sendall(b"250 ok\r\n")
					continue
				command = line[:4].upper()
				if command == b"DATA":
					in_data = True
					conn.sendall(b"354 go on\r\n")
				elif command == b"QUIT":
					conn.sendall(b"221 bye\r\n")
					return
				else:
					conn.sendall(b"250 ok\r\n")

	def serve():
		while True:
			conn, _ = server.accept()
			threading.Thread(target=talk, args=(conn,), daemon=True).start()

	threading.Thread(target=serve, daemon=True).start()


# ------------------------------------------------------------------ set-up (as Administrator)


def set_up(url: str, admin_password: str) -> dict:
	root = Client(url).login("Administrator", admin_password)

	def ensure(doctype: str, name: str, doc: dict) -> None:
		if root.get(f"/api/resource/{doctype}/{name}").status != 200:
			answer = root.post(f"/api/resource/{doctype}", **doc)
			if answer.status != 200:
				raise SystemExit(f"set-up: cannot create {doctype} {name}: {answer.text[:400]}")

	ensure(
		"User",
		SECOND_ADMIN,
		{
			"email": SECOND_ADMIN,
			"first_name": "Probe",
			"last_name": "Admin",
			"send_welcome_email": 0,
			"new_password": PASSWORD,
			"roles": [{"role": "CIS Administrator"}],
		},
	)
	ensure("Affiliate", SECOND, {"affiliate_name": SECOND, "staff": [{"user": SECOND_ADMIN, "staff_role": "CIS Administrator", "from_date": "2024-07-01"}]})
	ensure("Email Account", "Probe Outgoing", {
		"email_account_name": "Probe Outgoing",
		"email_id": "probe-outgoing@cis-demo.example",
		"enable_outgoing": 1,
		"default_outgoing": 1,
		"smtp_server": "127.0.0.1",
		"smtp_port": SMTP_PORT,
		"no_smtp_authentication": 1,
		"awaiting_password": 0,
	})
	for user in (COORDINATOR2, MANAGER):
		root.request("put", f"/api/resource/User/{user}", body={"document_follow_notify": 1})

	def first_student(site: str) -> str:
		rows = root.get(
			"/api/resource/Student",
			filters=[["site", "=", site], ["enrollment_status", "=", "Enrolled"]],
			fields=["name", "student_name"],
			limit_page_length=1,
		).json["data"]
		return rows[0]

	alder = first_student("Alder Elementary (Demo)")
	elm = first_student("Elm Elementary (Demo)")
	contact = root.get(
		"/api/resource/User", filters=[["name", "like", "contact%@partner.example"]], fields=["name"], limit_page_length=1
	).json["data"]
	affiliate = root.get("/api/resource/Affiliate", filters=[["name", "like", "%(Demo)"]], fields=["name"]).json["data"][0]["name"]
	agreements = root.get("/api/resource/Evaluation Agreement", filters=[["organisation", "=", PROBE_ORG]]).json["data"]
	if not agreements:
		made = root.post(
			"/api/resource/Evaluation Agreement",
			affiliate=affiliate,
			organisation=PROBE_ORG,
			purpose="Probe of who may see an agreement",
			signed_on=time.strftime("%Y-%m-%d", time.gmtime(time.time() - 30 * 86400)),
			end_date=time.strftime("%Y-%m-%d", time.gmtime(time.time() + 300 * 86400)),
			destroy_by=time.strftime("%Y-%m-%d", time.gmtime(time.time() + 400 * 86400)),
			agreed_fields="student_code\nschool\ngrade_band",
		)
		if made.status != 200:
			raise SystemExit(f"set-up: cannot create an Evaluation Agreement: {made.text[:400]}")
		agreements = [made.json["data"]]
	years = root.get("/api/resource/School Year", fields=["name"], order_by="year_start_date desc", limit_page_length=1).json["data"]
	return {
		"root": root,
		"alder": alder,
		"elm": elm,
		"contact": contact[0]["name"] if contact else None,
		"agreement": agreements[0]["name"],
		"year": years[0]["name"],
	}


# ------------------------------------------------------------------ the probes


class Probes:
	def __init__(self, url: str, ctx: dict):
		self.url, self.ctx = url, ctx
		self.failed = 0
		self.ran = 0

	def check(self, role: str, what: str, ok: bool, detail: str = "") -> None:
		self.ran += 1
		if not ok:
			self.failed += 1
		print(f"{'ok  ' if ok else 'FAIL'}  {role:<22} {what}" + (f"  [{detail[:160]}]" if not ok and detail else ""))

	def refused(self, answer: Answer) -> bool:
		return answer.status in (401, 403, 404, 417)

	def no_leak(self, answer: Answer, student: dict, asked_by_name: bool = True) -> bool:
		"""Nothing about ``student`` in the answer: not their name, nor their id where the request did
		not give it (an error may repeat the id it was asked about)."""
		if student["student_name"] in answer.text:
			return False
		return asked_by_name or student["name"] not in answer.text

	def records(self, student: str) -> int:
		return self.ctx["root"].get(
			method("frappe.client.get_count"), doctype="Disclosure Record", filters={"student": student}
		).message

	# who may not see a student: the target each role must not reach
	def outsiders(self) -> list[tuple[str, Client | None, dict]]:
		alder, elm = self.ctx["alder"], self.ctx["elm"]
		users = [
			(COORDINATOR2, alder),
			(MANAGER, elm),
			(SECOND_ADMIN, alder),
			(PARTNERS, alder),
			(EVALUATOR, alder),
			(VOLUNTEER, alder),
		]
		if self.ctx["contact"]:
			users.append((self.ctx["contact"], alder))
		found = [(user, Client(self.url).login(user), target) for user, target in users]
		found.append(("Guest", Client(self.url), alder))
		return found

	def run_doors(self) -> None:
		"""Frappe's generic methods give out nothing about a student the role may not see."""
		for role, client, target in self.outsiders():
			name = target["name"]
			answer = client.get(method("frappe.desk.search.get_link_title"), doctype="Student", docname=name)
			self.check(role, "link title of another's student", self.no_leak(answer, target), answer.text)
			answer = client.get(
				method("frappe.desk.listview.get_group_by_count"),  # spells out a hidden field
				doctype="Student",
				current_filters=[["Student", "health_notes", "like", "%"]],
				field="assigned_to",
			)
			self.check(role, "group-by count filtered on health notes", self.refused(answer) or answer.message in ([], None), answer.text)
			answer = client.get(method("frappe.client.get_value"), doctype="Student", filters={"name": name}, fieldname="*")
			self.check(role, "get_value of a whole student", self.refused(answer) and self.no_leak(answer, target), answer.text)
			answer = client.get(method("frappe.client.get_list"), doctype="Student", fields=["*"], limit_page_length=5)
			self.check(role, "list of whole students", self.refused(answer), answer.text)
			answer = client.get(f"/api/resource/Student/{name}")
			self.check(role, "REST read of another's student", self.refused(answer) and self.no_leak(answer, target), answer.text)
			answer = client.get(method("frappe.client.validate_link"), doctype="Student", docname=name)
			self.check(role, "link check of another's student", self.no_leak(answer, target), answer.text)
			answer = client.get(method("frappe.client.get_count"), doctype="Student", filters={"name": name})
			self.check(role, "count of another's student", self.refused(answer) or answer.message == 0, answer.text)
			answer = client.get(method("frappe.desk.doctype.tag.tag.get_tagged_docs"), doctype="Student", tag="x")
			self.check(role, "tagged students", self.no_leak(answer, target, asked_by_name=False), answer.text)
			answer = client.get(method("frappe.desk.form.load.getdoc"), doctype="Student", name=name)
			self.check(role, "desk form of another's student", self.refused(answer) and self.no_leak(answer, target), answer.text)
			answer = client.get(method("frappe.www.printview.get_html_and_style"), doc="Student", name=name)
			self.check(role, "print preview of another's student", self.no_leak(answer, target), answer.text)
			answer = client.get(method("frappe.utils.print_format.download_pdf"), doctype="Student", name=name)
			self.check(role, "PDF of another's student", answer.status != 200, answer.text)
			answer = client.post(
				method("frappe.core.doctype.prepared_report.prepared_report.make_prepared_report"),
				report_name="Record Views",
				filters="{}",
			)
			self.check(role, "prepared report of Record Views", self.refused(answer), answer.text)
			# the evaluation agreements of the affiliate and their extracts: only its administrators
			agreement = self.ctx["agreement"]
			for what, answer in (
				("list of evaluation agreements", client.get("/api/resource/Evaluation Agreement", fields=["name", "organisation"])),
				("agreements filtered by organisation", client.get(method("frappe.client.get_list"), doctype="Evaluation Agreement", filters=[["organisation", "like", "Probe%"]])),
				("count of evaluation agreements", client.get(method("frappe.client.get_count"), doctype="Evaluation Agreement")),
				("an evaluation agreement", client.get(f"/api/resource/Evaluation Agreement/{agreement}")),
				("export of evaluation agreements", client.post(method("frappe.desk.reportview.export_query"), doctype="Evaluation Agreement", fields=["`tabEvaluation Agreement`.`organisation`"], file_format_type="CSV", title="x")),
				("list of evaluation extracts", client.get("/api/resource/Evaluation Extract", fields=["name", "students"])),
			):
				self.check(role, what, PROBE_ORG not in answer.text and (answer.message in (0, None, []) or self.refused(answer)) and '"data":[{' not in answer.text.replace(" ", ""), answer.text)
			answer = client.post(method("cis_app.cis_network.evaluation.download_extract"), agreement=agreement, school_year=self.ctx["year"])
			self.check(role, "an evaluation extract", self.refused(answer) and "student_code" not in answer.text, answer.text)

	def run_hidden_fields(self) -> None:
		"""A CIS Administrator reads students but not their health notes: no filter spells them out."""
		client = Client(self.url).login(ADMIN)
		for spelling in ("health_notes", "HEALTH_NOTES", "Health_Notes", "`health_notes`", "`tabStudent`.`health_notes`"):
			answer = client.get(
				method("frappe.desk.reportview.get"),
				doctype="Student",
				fields=["name"],
				filters=[["Student", spelling, "like", "a%"]] if "`" not in spelling else [],
				order_by=f"{spelling} asc",
			)
			self.check(ADMIN, f"sort by {spelling}", self.refused(answer), answer.text)
		answer = client.get(
			method("frappe.desk.form.load.get_docinfo"), doctype="Student", name=self.ctx["alder"]["name"]
		)
		self.check(ADMIN, "timeline carries no health-note change", "health_notes" not in answer.text, answer.text)

	def run_reports(self) -> None:
		client = Client(self.url).login(COORDINATOR)
		answer = client.get(
			method("frappe.desk.query_report.run"), report_name="Caseload", filters={"school_year": "No Such Year"}
		)
		self.check(COORDINATOR, "Caseload with an unknown school year is a 4xx", 400 <= answer.status < 500, answer.text)
		prepared = self.ctx["root"].get("/api/resource/Report/Caseload").json.get("data", {}).get("prepared_report")
		self.check(COORDINATOR, "Caseload is not left a prepared report", not prepared)
		answer = client.post(method("frappe.desk.query_report.export_query"), file_format_type="CSV")
		self.check(COORDINATOR, "report export without a report is a 4xx", 400 <= answer.status < 500, answer.text)
		answer = client.post(method("frappe.desk.query_report.export_query"), report_name="Caseload", file_format_type="PDF")
		self.check(COORDINATOR, "report export as PDF is a 4xx", 400 <= answer.status < 500, answer.text)
		answer = client.get(method("frappe.client.get_count"), doctype="Student", filters=[["`site`", "=", "x"]])
		self.check(COORDINATOR, "count with a backticked field is a 4xx", 400 <= answer.status < 500, answer.text)
		evaluator = Client(self.url).login(EVALUATOR)
		years = self.ctx["root"].get("/api/resource/School Year", fields=["name"], order_by="year_start_date desc", limit_page_length=2).json["data"]
		year = years[-1]["name"] if years else None
		whole = evaluator.get(method("frappe.desk.query_report.run"), report_name="CIS Outcomes", filters={"school_year": year, "suppress_small_cells": 1})
		narrow = evaluator.get(method("frappe.desk.query_report.run"), report_name="CIS Outcomes", filters={"school_year": year, "grade_from": "K", "grade_to": "12", "suppress_small_cells": 1})
		self.check(EVALUATOR, "CIS Outcomes answers for the whole scope", whole.status == 200, whole.text)
		self.check(EVALUATOR, "CIS Outcomes refuses a narrower grade range (differencing)", self.refused(narrow), narrow.text)
		# the Outcomes workspace's figures: for the reports' roles only; the impact card and chart for
		# CIS Impact's (CIS Administrator, Evaluator), the card itself hidden from the others
		dashboard = "cis_app.cis_case_management.outcomes_dashboard."
		clients = {
			"Guest": Client(self.url),
			COORDINATOR: Client(self.url).login(COORDINATOR),
			MANAGER: Client(self.url).login(MANAGER),
			PARTNERS: Client(self.url).login(PARTNERS),
			VOLUNTEER: Client(self.url).login(VOLUNTEER),
			EVALUATOR: evaluator,
		}
		for user, asker in clients.items():
			impact_open = user == EVALUATOR
			outcomes_open = user in (COORDINATOR, MANAGER, EVALUATOR)
			for name, args, open_ in (
				("impact", {}, impact_open),
				("chart", {"filters": json.dumps({"view": "impact"})}, impact_open),
				("headline", {"filters": json.dumps({"metric": "promoted"})}, outcomes_open),
				("chart", {"filters": json.dumps({"view": "years"})}, outcomes_open),
			):
				answer = asker.post(method(dashboard + name), **args)
				what = f"Outcomes workspace {name} {args.get('filters', '')} {'answers' if open_ else 'is refused'}"
				self.check(user, what, answer.status == 200 if open_ else self.refused(answer), answer.text)
			card = asker.get("/api/resource/Number Card/Attendance Effect of Case Management")
			self.check(user, "the impact card " + ("opens" if impact_open else "is refused"),
				card.status == 200 if impact_open else self.refused(card), card.text)

	def run_phone(self) -> None:
		client = Client(self.url).login(COORDINATOR)
		answer = client.post(method("cis_app.api.checkin.sync"), entries="not json")
		self.check(COORDINATOR, "phone sync of entries that are not JSON is a 4xx", 400 <= answer.status < 500, answer.text)
		entry = {
			"client_id": "probe-abc-minutes",
			"kind": "checkin",
			"student": self.ctx["alder"]["name"],
			"checkin_date": "2020-01-01",
			"minutes": "abc",
		}
		answer = client.post(method("cis_app.api.checkin.sync"), entries=json.dumps([entry]))
		statuses = [row.get("status") for row in (answer.message or [])]
		self.check(COORDINATOR, "phone sync refuses minutes 'abc'", answer.status >= 400 or "created" not in statuses, answer.text)

	def upload(self, client: Client, name: str, content: bytes) -> str:
		"""A private file uploaded as ``client`` (Frappe's upload_file, multipart)."""
		boundary = "----probe-boundary"
		body = (
			f"--{boundary}\r\nContent-Disposition: form-data; name=\"is_private\"\r\n\r\n1\r\n"
			f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n"
			"Content-Type: application/octet-stream\r\n\r\n"
		).encode() + content + f"\r\n--{boundary}--\r\n".encode()
		request = urllib.request.Request(
			f"{client.url}/api/method/upload_file",
			data=body,
			method="POST",
			headers={"Content-Type": f"multipart/form-data; boundary={boundary}", "Accept": "application/json"},
		)
		with client.opener.open(request, timeout=60) as response:
			return json.loads(response.read())["message"]["file_url"]

	def run_imports(self) -> None:
		"""District and network files: free text where a site's name goes, deep nesting, a zip that
		unpacks to millions of lines: each refused with a clear answer, nothing written."""
		import io
		import zipfile

		root = self.ctx["root"]
		client = Client(self.url).login(ADMIN)
		years = root.get("/api/resource/School Year", fields=["name"], order_by="year_start_date desc", limit_page_length=1).json["data"]
		export = client.get(
			method("cis_app.cis_network.outcome_export.download_outcome_export"), school_year=years[0]["name"], file_format="json"
		)
		before = root.get(method("frappe.client.get_count"), doctype="Network Outcome").message
		if export.status == 200:
			data = json.loads(export.text)
			for row in data.get("rows", []):
				if row.get("site"):
					row["site"] = "Jordan Smith 4471 dropped out"
					break
			url = self.upload(client, "probe-network.json", json.dumps(data).encode())
			answer = client.post("/api/resource/Network Outcome Import", title="Probe", docstatus=1, files=[{"export_file": url}])
			self.check(ADMIN, "a network file naming a site by free text is refused", 400 <= answer.status < 500, answer.text)
		else:
			self.check(ADMIN, "the demo's outcome export downloads", False, export.text)
		deep = ("[" * 5000 + "]" * 5000).encode()
		url = self.upload(client, "probe-deep.json", deep)
		answer = client.post("/api/resource/Network Outcome Import", title="Probe deep", docstatus=1, files=[{"export_file": url}])
		self.check(ADMIN, "a deeply nested network file is a 4xx, not a 500", 400 <= answer.status < 500, answer.text)
		after = root.get(method("frappe.client.get_count"), doctype="Network Outcome").message
		self.check(ADMIN, "no network row was written", after == before)
		# a 20 KB zip whose manifest.csv holds 5 million lines
		buffer = io.BytesIO()
		with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
			archive.writestr(
				"manifest.csv",
				b"propertyName,value\r\nmanifest.version,1.0\r\noneroster.version,1.1\r\n" + b"\n" * 5_000_000,
			)
		district = root.get("/api/resource/School District", fields=["name"], limit_page_length=1).json["data"][0]["name"]
		url = self.upload(client, "probe-bomb.zip", buffer.getvalue())
		created = client.post(
			"/api/resource/Roster Import", import_type="OneRoster Roster", school_district=district, mode="Dry Run", import_file=url
		)
		if created.status != 200:
			self.check(ADMIN, "a roster import can be created", False, created.text)
			return
		name = created.json["data"]["name"]
		client.post(method("cis_app.cis_network.doctype.roster_import.roster_import.start_import"), name=name)
		status = message = None
		for _ in range(60):
			doc = client.get(f"/api/resource/Roster Import/{name}").json.get("data", {})
			status, message = doc.get("status"), doc.get("status_message") or ""
			if status not in ("Pending", "Running"):
				break
			time.sleep(1)
		self.check(
			ADMIN,
			"a zip unpacking to millions of lines is refused with its reason",
			status == "Error" and "manifest.csv unpacks to more than" in message,
			f"{status}: {message}",
		)
		root.request("delete", f"/api/resource/Roster Import/{name}")

	def run_ways_out_other_staff(self) -> None:
		"""The program manager and the CIS administrator, on a student they serve: the PDF button
		(a GET) records, the old Data Export is refused."""
		student = self.ctx["alder"]["name"]
		for user in (MANAGER, ADMIN):
			client = Client(self.url).login(user)
			before = self.records(student)
			answer = client.get(method("frappe.utils.print_format.download_pdf"), doctype="Student", name=student)
			self.check(user, "PDF by GET is recorded", answer.status == 200 and self.records(student) == before + 1, answer.text[:200])
			answer = client.get(
				method("frappe.core.doctype.data_export.exporter.export_data"),
				doctype="Student", select_columns={"Student": ["name", "first_name"]}, file_type="CSV", with_data=1, all_doc=1,
			)
			self.check(user, "old Data Export is refused", self.refused(answer), answer.text)

	def run_ways_out(self) -> None:
		"""The coordinator's own student: kept routes record, refused routes write nothing."""
		client = Client(self.url).login(COORDINATOR)
		student = self.ctx["alder"]["name"]
		before = self.records(student)
		answer = client.get(method("frappe.utils.print_format.download_pdf"), doctype="Student", name=student)
		self.check(COORDINATOR, "PDF by GET is recorded", answer.status == 200 and self.records(student) == before + 1, answer.text[:200])
		before = self.records(student)
		answer = client.get(method("frappe.www.printview.get_html_and_style"), doc="Student", name=student)
		self.check(COORDINATOR, "print preview is recorded", answer.status == 200 and self.records(student) == before + 1)
		before = self.records(student)
		refusals = (
			("old Data Export", "get", "frappe.core.doctype.data_export.exporter.export_data",
				{"doctype": "Student", "select_columns": {"Student": ["name", "first_name"]}, "file_type": "CSV", "with_data": 1, "all_doc": 1}),
			("import template with records", "post", "frappe.core.doctype.data_import.data_import.download_template",
				{"doctype": "Student", "export_fields": {"Student": ["name", "first_name"]}, "export_records": "all", "file_type": "CSV"}),
			("Print Format Builder PDF", "get", "frappe.printing.doctype.print_format.print_format.download_pdf",
				{"doctype": "Student", "name": student, "print_format": "Standard"}),
			("prepared Caseload", "post", "frappe.core.doctype.prepared_report.prepared_report.make_prepared_report",
				{"report_name": "Caseload", "filters": "{}"}),
			("email to an outsider", "post", "frappe.core.doctype.communication.email.make",
				{"doctype": "Student", "name": student, "recipients": OUTSIDE, "subject": "Probe", "content": "Probe", "send_email": 1, "print_format": "Standard", "attach_document_print": 1}),
			("mention of another site's coordinator", "post", "frappe.desk.form.utils.add_comment",
				{"reference_doctype": "Student", "reference_name": student, "content": f'<span class="mention" data-id="{COORDINATOR2}" data-value="x">@x</span> probe', "comment_email": COORDINATOR, "comment_by": "Probe"}),
			("another site's coordinator signed up to follow", "post", "frappe.desk.form.document_follow.follow_document",
				{"doctype": "Student", "doc_name": student, "user": COORDINATOR2}),
			("share with the volunteer", "post", "frappe.share.add",
				{"doctype": "Student", "name": student, "user": VOLUNTEER, "read": 1}),
		)
		for what, verb, name, args in refusals:
			answer = client.get(method(name), **args) if verb == "get" else client.post(method(name), **args)
			self.check(COORDINATOR, f"{what} is refused", self.refused(answer), answer.text)
		self.check(COORDINATOR, "refused routes wrote no disclosure", self.records(student) == before)
		follows = self.ctx["root"].get(
			method("frappe.client.get_count"), doctype="Document Follow", filters={"ref_docname": student, "user": COORDINATOR2}
		).message
		self.check(COORDINATOR, "no follow was written", follows == 0)
		answer = client.post(
			method("frappe.core.doctype.communication.email.make"),
			doctype="Student", name=student, recipients=COORDINATOR, subject="Probe", content="Probe", send_email=1,
		)
		self.check(COORDINATOR, "email to oneself is sent and recorded", answer.status == 200 and self.records(student) == before + 1, answer.text)


def main() -> int:
	parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
	parser.add_argument("--url", default="http://localhost:8000")
	parser.add_argument("--admin-password", default="admin")
	parser.add_argument("--chromium", help="ignored (no browser is needed); accepted like the other checks")
	args = parser.parse_args()
	smtp_sink()
	ctx = set_up(args.url, args.admin_password)
	probes = Probes(args.url, ctx)
	for part in (
		probes.run_doors,
		probes.run_hidden_fields,
		probes.run_reports,
		probes.run_phone,
		probes.run_imports,
		probes.run_ways_out,
		probes.run_ways_out_other_staff,
	):
		part()
	print(f"{probes.ran - probes.failed} of {probes.ran} probes held")
	return 1 if probes.failed else 0


if __name__ == "__main__":
	sys.exit(main())
