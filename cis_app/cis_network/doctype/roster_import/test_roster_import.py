# Copyright (c) 2026, cis_app contributors and contributors
# For license information, please see license.txt

"""Roster Import on a real site: OneRoster zips built in memory from synthetic rows, the job run
synchronously (as the long-queue worker would run it)."""

import csv
import io
import json
import zipfile
from contextlib import contextmanager
from datetime import datetime, timedelta
from unittest.mock import patch

import frappe
import pymysql
import redis
from frappe.tests.utils import FrappeTestCase
from rq.job import JobStatus

from cis_app.cis_network.doctype.roster_import.roster_import import job_id_of, mark_dead, start_import
from cis_app.cis_network.district_data import district_lock
from cis_app.utils.exceptions import (
	OutOfScopeError,
	RosterImportError,
	RosterImportRunningError,
	ServiceUnavailableError,
)
from cis_app.permissions.scope import clear_scope_cache
from cis_app.cis_network.district_data.roster_job import run_roster_import
from cis_app.tests.factories import make_affiliate, make_district, make_site, make_user

HEADERS = {
	"orgs": "sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId",
	"academicSessions": "sourcedId,status,dateLastModified,title,type,startDate,endDate,parentSourcedId,schoolYear",
	"users": "sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,userIds,givenName,"
	"familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password",
	"demographics": "sourcedId,status,dateLastModified,birthDate,sex",
}
DELTA_DATE = "2026-11-01T00:00:00.000Z"
# A school year far from the years other tests create, so the import creates it.
SCHOOL_YEAR = "2040-2041"


def csv_text(name: str, rows: list[dict]) -> str:
	columns = HEADERS[name].split(",")
	buffer = io.StringIO()
	writer = csv.writer(buffer, lineterminator="\r\n")
	writer.writerow(columns)
	for row in rows:
		writer.writerow([row.get(column, "") for column in columns])
	return buffer.getvalue()


def roster_zip(files: dict[str, list[dict]], modes: dict[str, str] | None = None) -> bytes:
	"""A OneRoster 1.1 zip of ``files`` (name -> rows), each bulk unless ``modes`` says otherwise."""
	modes = {**dict.fromkeys(files, "bulk"), **(modes or {})}
	manifest = ["propertyName,value", "manifest.version,1.0", "oneroster.version,1.1"]
	manifest += [f"file.{name},{mode}" for name, mode in modes.items()]
	buffer = io.BytesIO()
	with zipfile.ZipFile(buffer, "w") as archive:
		archive.writestr("manifest.csv", "\r\n".join(manifest) + "\r\n")
		for name, rows in files.items():
			archive.writestr(f"{name}.csv", csv_text(name, rows))
	return buffer.getvalue()


def student_row(sid, given, family, identifier, grades, org, agents="", **extra):
	return {
		"sourcedId": sid,
		"enabledUser": "true",
		"orgSourcedIds": org,
		"role": "student",
		"username": sid,
		"givenName": given,
		"familyName": family,
		"identifier": identifier,
		"agentSourcedIds": agents,
		"grades": grades,
		**extra,
	}


class FakeJob:
	"""An RQ job as ``get_job`` answers it, with the status and start time a test needs."""

	def __init__(self, status, started_at=None):
		self.status, self.started_at, self.id = status, started_at, "fake-roster-job"

	def get_status(self):
		return self.status


@contextmanager
def other_connection():
	"""A second connection to the site's database: another request or worker."""
	conf = frappe.conf
	connection = pymysql.connect(
		host=conf.db_host or "127.0.0.1",
		port=int(conf.db_port or 3306),
		user=conf.db_user or conf.db_name,
		password=conf.db_password,
		database=conf.db_name,
		autocommit=True,
	)
	try:
		yield connection.cursor()
	finally:
		connection.close()


class TestRosterImport(FrappeTestCase):
	affiliate = "_Test RI Affiliate"
	other_affiliate = "_Test RI Other Affiliate"
	admin = "ri-admin@example.com"
	other_admin = "ri-other-admin@example.com"
	coordinator = "ri-coordinator@example.com"

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_user(cls.admin, "CIS Administrator")
		make_user(cls.other_admin, "CIS Administrator")
		make_user(cls.coordinator, "Site Coordinator")
		# the import job commits: the affiliates may be there already (staff rows added if missing)
		make_affiliate(cls.affiliate, staff=[(cls.admin, "CIS Administrator")])
		make_affiliate(cls.other_affiliate, staff=[(cls.other_admin, "CIS Administrator")])
		clear_scope_cache()

	def tearDown(self):
		frappe.set_user("Administrator")
		clear_scope_cache()

	# ------------------------------------------------ building blocks

	def make_district(self) -> frappe._dict:
		"""A district of the affiliate with two served schools (one known by school id only)."""
		key = frappe.generate_hash(length=6)
		district = make_district(f"_RI District {key}", self.affiliate)
		frappe.db.set_value("School District", district, "nces_district_id", f"48{key}")
		lincoln = make_site(
			f"_RI Lincoln {key}", self.affiliate, district, staff=[(self.coordinator, "Site Coordinator")]
		)
		oak = make_site(f"_RI Oak {key}", self.affiliate, district)
		frappe.db.set_value("Site", lincoln, "school_id", f"{key}-01")
		frappe.db.set_value("Site", oak, "school_id", f"{key}-02")
		clear_scope_cache()
		return frappe._dict(key=key, name=district, lincoln=lincoln, oak=oak)

	def orgs(self, district) -> list[dict]:
		key = district.key
		return [
			{"sourcedId": f"d-{key}", "name": "RI District", "type": "district", "identifier": f"48{key}"},
			{"sourcedId": f"s1-{key}", "name": "Lincoln", "type": "school", "identifier": f"{key}-01"},
			{"sourcedId": f"s2-{key}", "name": "Oak", "type": "school", "identifier": f"{key}-02"},
			{
				"sourcedId": f"s3-{key}",
				"name": "Pine (not served)",
				"type": "school",
				"identifier": f"{key}-03",
			},
		]

	def bulk_file(
		self, district, extra_students: int = 0, students: list[dict] | None = None, phone: str = "555-0101"
	) -> bytes:
		"""Ana (Lincoln, a parent), Ben (Oak, a guardian), Cy (an unserved school) and
		``extra_students`` more at Lincoln."""
		key = district.key
		if students is None:
			students = [
				student_row(f"u1-{key}", "Ana", "Reyes", f"{key}1001", "09", f"s1-{key}", agents=f"p1-{key}"),
				student_row(
					f"u2-{key}", "Ben", "Okafor", f"{key}1002", "KG", f"s2-{key}", agents=f"p2-{key}"
				),
				student_row(f"u3-{key}", "Cy", "Lund", f"{key}1003", "05", f"s3-{key}"),
			]
			students += [
				student_row(f"x{n}-{key}", f"Extra{n}", "Student", f"{key}2{n:03}", "07", f"s1-{key}")
				for n in range(extra_students)
			]
		guardians = [
			{
				"sourcedId": f"p1-{key}",
				"enabledUser": "true",
				"orgSourcedIds": f"s1-{key}",
				"role": "parent",
				"username": f"p1-{key}",
				"givenName": "Maria",
				"familyName": "Reyes",
				"email": "maria.reyes@example.org",
				"phone": phone,
				"agentSourcedIds": f"u1-{key}",
			},
			{
				"sourcedId": f"p2-{key}",
				"enabledUser": "true",
				"orgSourcedIds": f"s2-{key}",
				"role": "guardian",
				"username": f"p2-{key}",
				"givenName": "Ola",
				"familyName": "Okafor",
				"agentSourcedIds": f"u2-{key}",
			},
			{
				"sourcedId": f"t1-{key}",
				"enabledUser": "true",
				"orgSourcedIds": f"s1-{key}",
				"role": "teacher",
				"username": f"t1-{key}",
				"givenName": "Tess",
				"familyName": "Hart",
			},
		]
		return roster_zip(
			{
				"orgs": self.orgs(district),
				"academicSessions": [
					{
						"sourcedId": f"y-{key}",
						"title": SCHOOL_YEAR,
						"type": "schoolYear",
						"startDate": "2040-08-01",
						"endDate": "2041-06-01",
						"schoolYear": "2041",
					}
				],
				"users": students + guardians,
				"demographics": [
					{"sourcedId": f"u1-{key}", "birthDate": "2011-03-04", "sex": "female"},
					{"sourcedId": f"u2-{key}", "birthDate": "2020-01-02", "sex": "male"},
				],
			}
		)

	def roster_import(self, district, content: bytes, mode: str = "Apply", run: bool = True):
		file = frappe.get_doc(
			{
				"doctype": "File",
				"file_name": f"roster-{frappe.generate_hash(length=6)}.zip",
				"is_private": 1,
				"content": content,
			}
		).insert(ignore_permissions=True)
		doc = frappe.get_doc(
			{
				"doctype": "Roster Import",
				"school_district": district.name,
				"import_file": file.file_url,
				"mode": mode,
			}
		).insert()
		if run:
			run_roster_import(doc.name)
			doc.reload()
		return doc

	def students(self, district) -> dict[str, frappe._dict]:
		rows = frappe.get_all(
			"Student",
			filters={"school_district": district.name},
			fields=["name", "oneroster_sourced_id", "site", "enrollment_status", "grade_level", "modified"],
		)
		return {row.oneroster_sourced_id: row for row in rows}

	def counts(self, doc) -> tuple:
		return (
			doc.new_count,
			doc.updated_count,
			doc.unchanged_count,
			doc.withdrawn_count,
			doc.skipped_count,
			doc.error_count,
		)

	@staticmethod
	def versions(student: str) -> int:
		return frappe.db.count("Version", {"ref_doctype": "Student", "docname": student})

	# ------------------------------------------------ tests

	def test_fresh_import_creates_students_with_guardians(self):
		district = self.make_district()
		doc = self.roster_import(district, self.bulk_file(district))
		self.assertEqual(doc.status, "Success", doc.status_message)
		# new, updated, unchanged, withdrawn, skipped (Cy: school not served), errors
		self.assertEqual(self.counts(doc), (2, 0, 0, 0, 1, 0))
		self.assertEqual(doc.affiliate, self.affiliate)

		students = self.students(district)
		self.assertEqual(set(students), {f"u1-{district.key}", f"u2-{district.key}"})
		ana = frappe.get_doc("Student", students[f"u1-{district.key}"].name)
		self.assertEqual(
			(ana.first_name, ana.last_name, ana.site, ana.grade_level, ana.gender, str(ana.date_of_birth)),
			("Ana", "Reyes", district.lincoln, "9", "Female", "2011-03-04"),
		)
		self.assertEqual(ana.district_student_id, f"{district.key}1001")
		self.assertEqual(ana.enrollment_status, "Enrolled")
		self.assertEqual(
			[(g.guardian_name, g.email, g.oneroster_sourced_id, g.is_primary) for g in ana.guardians],
			[("Maria Reyes", "maria.reyes@example.org", f"p1-{district.key}", 1)],
		)
		ben = frappe.get_doc("Student", students[f"u2-{district.key}"].name)
		self.assertEqual((ben.site, ben.grade_level), (district.oak, "K"))
		self.assertEqual(
			[(g.guardian_name, g.relationship) for g in ben.guardians], [("Ola Okafor", "Legal Guardian")]
		)
		# the school matched by its school id and the district now carry their sourcedIds
		self.assertEqual(
			frappe.db.get_value("Site", district.oak, "oneroster_sourced_id"), f"s2-{district.key}"
		)
		self.assertEqual(
			frappe.db.get_value("School District", district.name, "oneroster_sourced_id"), f"d-{district.key}"
		)
		self.assertTrue(frappe.db.exists("School Year", SCHOOL_YEAR))
		summary = json.loads(doc.summary)
		self.assertEqual(summary["sites_skipped"][0]["org_sourced_id"], f"s3-{district.key}")

	def test_identical_reimport_changes_nothing(self):
		district = self.make_district()
		content = self.bulk_file(district)
		self.roster_import(district, content)
		before = self.students(district)
		ana = before[f"u1-{district.key}"].name
		versions = self.versions(ana)

		again = self.roster_import(district, content)
		self.assertEqual(again.status, "Success", again.status_message)
		self.assertEqual(self.counts(again), (0, 0, 2, 0, 1, 0))
		self.assertEqual(self.versions(ana), versions)
		self.assertEqual(self.students(district), before)  # modified unchanged too

	def test_delta_moves_one_student_and_withdraws_another(self):
		district = self.make_district()
		self.roster_import(district, self.bulk_file(district))
		key = district.key
		ana = self.students(district)[f"u1-{key}"].name
		# a guardian a coordinator entered by hand is the coordinator's, not the roster's
		student = frappe.get_doc("Student", ana)
		student.append("guardians", {"guardian_name": "Rosa Reyes", "relationship": "Grandparent"})
		student.save(ignore_permissions=True)
		versions = self.versions(ana)

		delta = roster_zip(
			{
				"users": [
					student_row(
						f"u1-{key}",
						"Ana",
						"Reyes",
						f"{key}1001",
						"09",
						f"s2-{key}",
						status="active",
						dateLastModified=DELTA_DATE,
					),
					student_row(
						f"u2-{key}",
						"Ben",
						"Okafor",
						f"{key}1002",
						"KG",
						f"s2-{key}",
						status="tobedeleted",
						dateLastModified=DELTA_DATE,
					),
				]
			},
			modes={"users": "delta"},
		)
		doc = self.roster_import(district, delta)
		self.assertEqual(doc.status, "Success", doc.status_message)
		self.assertEqual(self.counts(doc), (0, 1, 0, 1, 0, 0))

		students = self.students(district)
		self.assertEqual(students[f"u1-{key}"].site, district.oak)
		self.assertEqual(students[f"u2-{key}"].enrollment_status, "Withdrawn")
		self.assertEqual(self.versions(ana), versions + 1)
		version = frappe.get_last_doc("Version", filters={"ref_doctype": "Student", "docname": ana})
		changed = {row[0] for row in json.loads(version.data)["changed"]}
		self.assertIn("site", changed)
		student = frappe.get_doc("Student", ana)
		self.assertEqual(
			sorted((g.guardian_name, g.oneroster_sourced_id or "") for g in student.guardians),
			[("Maria Reyes", f"p1-{key}"), ("Rosa Reyes", "")],
		)
		# the coordinator of Lincoln no longer sees Ana (she moved to Oak)
		frappe.set_user(self.coordinator)
		clear_scope_cache()
		self.assertEqual(frappe.get_list("Student", filters={"name": ana}, pluck="name"), [])

	def test_guard_refuses_a_truncated_bulk_file_and_writes_nothing(self):
		district = self.make_district()
		self.roster_import(district, self.bulk_file(district, extra_students=10))
		before = self.students(district)
		self.assertEqual(len(before), 12)
		versions = {row.name: self.versions(row.name) for row in before.values()}

		key = district.key
		truncated = [
			student_row(f"u1-{key}", "Ana", "Reyes-Diaz", f"{key}1001", "10", f"s1-{key}"),
			student_row(f"u9-{key}", "Nia", "New", f"{key}1009", "08", f"s1-{key}"),
		]
		doc = self.roster_import(district, self.bulk_file(district, students=truncated))
		self.assertEqual(doc.status, "Refused", doc.status_message)
		self.assertIn("withdraw", doc.status_message)
		self.assertEqual(doc.withdrawn_count, 11)  # what Apply would have done
		self.assertEqual(self.students(district), before)
		self.assertEqual({name: self.versions(name) for name in versions}, versions)
		self.assertTrue(json.loads(doc.summary)["refused"])

	def test_dry_run_writes_nothing(self):
		district = self.make_district()
		year_existed = frappe.db.exists("School Year", SCHOOL_YEAR)
		doc = self.roster_import(district, self.bulk_file(district), mode="Dry Run")
		self.assertEqual(doc.status, "Success", doc.status_message)
		self.assertEqual(self.counts(doc), (2, 0, 0, 0, 1, 0))
		self.assertEqual(self.students(district), {})
		self.assertFalse(frappe.db.get_value("Site", district.oak, "oneroster_sourced_id"))
		self.assertFalse(frappe.db.get_value("School District", district.name, "oneroster_sourced_id"))
		self.assertEqual(bool(frappe.db.exists("School Year", SCHOOL_YEAR)), bool(year_existed))
		summary = json.loads(doc.summary)
		self.assertEqual(summary["counts"]["new"], 2)
		self.assertEqual(len(summary["samples"]["new"]), 2)

	def test_row_errors_are_logged_and_the_rest_imports(self):
		district = self.make_district()
		key = district.key
		students = [
			student_row(f"u1-{key}", "Ana", "Reyes", f"{key}1001", "09", f"s1-{key}"),
			student_row(f"u4-{key}", "", "Blank", f"{key}1004", "09", f"s1-{key}"),
			student_row(f"u5-{key}", "=cmd", "Formula", f"{key}1005", "ZZ", f"s1-{key}"),
		]
		doc = self.roster_import(district, self.bulk_file(district, students=students))
		self.assertEqual(doc.status, "Partial Success", doc.status_message)
		self.assertEqual((doc.new_count, doc.error_count), (1, 2))
		self.assertEqual(set(self.students(district)), {f"u1-{key}"})
		log = list(csv.DictReader(io.StringIO(doc.row_log)))
		self.assertEqual({row["sourced_id"] for row in log}, {f"u4-{key}", f"u5-{key}"})

		frappe.local.response = frappe._dict()
		from cis_app.cis_network.doctype.roster_import.roster_import import download_log

		download_log(doc.name)
		self.assertEqual(frappe.local.response["type"], "download")
		self.assertTrue(frappe.local.response["filecontent"].startswith("file,line,sourced_id,field,message"))

	def test_only_cis_administrators_of_the_affiliate_start_an_import(self):
		district = self.make_district()
		doc = self.roster_import(district, self.bulk_file(district), run=False)

		frappe.set_user(self.coordinator)
		with self.assertRaises(frappe.PermissionError):
			start_import(doc.name)
		with self.assertRaises(frappe.PermissionError):
			frappe.get_doc({"doctype": "Roster Import", "school_district": district.name}).insert()

		frappe.set_user(self.other_admin)
		clear_scope_cache()
		with self.assertRaises(frappe.PermissionError):
			start_import(doc.name)
		self.assertEqual(frappe.get_list("Roster Import", filters={"name": doc.name}, pluck="name"), [])
		with self.assertRaises((frappe.PermissionError, OutOfScopeError)):
			frappe.get_doc(
				{"doctype": "Roster Import", "school_district": district.name, "import_file": doc.import_file}
			).insert()

		frappe.set_user(self.admin)
		clear_scope_cache()
		self.assertEqual(
			frappe.get_list("Roster Import", filters={"name": doc.name}, pluck="name"), [doc.name]
		)
		with patch("frappe.enqueue", return_value=object()) as enqueue:
			start_import(doc.name)
		enqueue.assert_called_once()
		self.assertEqual(enqueue.call_args.args[0], "cis_app.cis_network.district_data.roster_job.run_roster_import")
		self.assertEqual(
			{
				key: enqueue.call_args.kwargs[key]
				for key in ("queue", "job_id", "deduplicate", "roster_import")
			},
			{
				"queue": "long",
				"job_id": job_id_of(district.name),
				"deduplicate": True,
				"roster_import": doc.name,
			},
		)

		# the same district cannot run twice at once
		with patch("frappe.utils.background_jobs.get_job", return_value=FakeJob(JobStatus.QUEUED)):
			with self.assertRaises(RosterImportRunningError):
				start_import(doc.name)

	# ------------------------------------------------ one import of a district at a time

	def test_a_started_job_whose_worker_died_does_not_block_the_district(self):
		"""RQ calls a job started until its four-hour timeout even when its worker was killed; the
		district's lock, held by the job's database connection, tells the living from the dead."""
		district = self.make_district()
		doc = self.roster_import(district, self.bulk_file(district), run=False)
		long_ago = datetime.utcnow() - timedelta(minutes=10)
		dead = FakeJob(JobStatus.STARTED, started_at=long_ago)
		with patch("frappe.utils.background_jobs.get_job", return_value=dead), patch(
			"cis_app.cis_network.doctype.roster_import.roster_import.mark_dead"
		) as mark_dead, patch("frappe.enqueue", return_value=object()) as enqueue:
			start_import(doc.name)
		mark_dead.assert_called_once_with(dead)
		enqueue.assert_called_once()

		# the same job alive: its connection holds the district's lock
		with other_connection() as other:
			other.execute("select get_lock(%s, 0)", (district_lock.lock_name(district.name),))
			with patch("frappe.utils.background_jobs.get_job", return_value=dead), patch(
				"frappe.enqueue", return_value=object()
			) as enqueue:
				with self.assertRaises(RosterImportRunningError):
					start_import(doc.name)
			enqueue.assert_not_called()
		# just started: the worker is still loading the site and has not taken the lock yet
		starting = FakeJob(JobStatus.STARTED, started_at=datetime.utcnow())
		with patch("frappe.utils.background_jobs.get_job", return_value=starting), patch(
			"frappe.enqueue", return_value=object()
		) as enqueue:
			with self.assertRaises(RosterImportRunningError):
				start_import(doc.name)
		enqueue.assert_not_called()

	def test_two_starts_of_one_district_at_once_are_served_one_after_the_other(self):
		district = self.make_district()
		doc = self.roster_import(district, self.bulk_file(district), run=False)
		with other_connection() as other:
			# another administrator's Start of the district, between its check and its queueing
			other.execute("select get_lock(%s, 0)", (district_lock.lock_name(district.name, "start"),))
			with patch.object(district_lock, "START_WAIT_SECONDS", 0), patch(
				"frappe.enqueue", return_value=object()
			) as enqueue:
				with self.assertRaises(RosterImportRunningError):
					start_import(doc.name)
			enqueue.assert_not_called()
		# once it is done, this Start goes on
		with patch("frappe.enqueue", return_value=object()) as enqueue:
			start_import(doc.name)
		enqueue.assert_called_once()

	def test_a_job_of_a_district_whose_import_runs_is_refused_and_writes_nothing(self):
		district = self.make_district()
		doc = self.roster_import(district, self.bulk_file(district), run=False)
		with other_connection() as other:
			other.execute("select get_lock(%s, 0)", (district_lock.lock_name(district.name),))
			run_roster_import(doc.name)
		doc.reload()
		self.assertEqual(doc.status, "Refused")
		self.assertIn("another import", doc.status_message)
		self.assertEqual(self.students(district), {})
		# the lock free again, the same import runs
		run_roster_import(doc.name)
		doc.reload()
		self.assertEqual(doc.status, "Success", doc.status_message)
		self.assertFalse(district_lock.held(district.name))

	def test_a_start_while_the_job_queue_is_down_says_so_and_queues_nothing(self):
		district = self.make_district()
		doc = self.roster_import(district, self.bulk_file(district), run=False)
		status = frappe.db.get_value("Roster Import", doc.name, "status")
		self.assertNotEqual(status, "Running")
		down = redis.exceptions.ConnectionError("Error 111 connecting to 127.0.0.1:11000. Connection refused.")
		for where in ("frappe.utils.background_jobs.get_job", "frappe.enqueue"):
			frappe.db.savepoint("before_start")
			with patch(where, side_effect=down):
				with self.assertRaises(ServiceUnavailableError) as caught:
					start_import(doc.name)
			self.assertIn("job queue is not answering", str(caught.exception))
			self.assertEqual(ServiceUnavailableError.http_status_code, 503)
			frappe.db.rollback(save_point="before_start")  # as the request does on any error
			self.assertEqual(frappe.db.get_value("Roster Import", doc.name, "status"), status)

	def test_a_start_while_the_database_is_lost_says_so(self):
		district = self.make_district()
		doc = self.roster_import(district, self.bulk_file(district), run=False)
		gone = pymysql.err.OperationalError(2006, "Server has gone away")
		with patch.object(district_lock, "starting", side_effect=gone):
			with self.assertRaises(ServiceUnavailableError) as caught:
				start_import(doc.name)
		self.assertIn("cannot reach its database", str(caught.exception))
		# any other database error is not dressed up as an outage
		with patch.object(district_lock, "starting", side_effect=pymysql.err.OperationalError(1054, "Unknown column")):
			with self.assertRaises(pymysql.err.OperationalError):
				start_import(doc.name)

	def test_a_dead_job_is_moved_from_the_started_jobs_to_the_failed_ones(self):
		"""``mark_dead`` on a real RQ job in the site's queue (fails if RQ's registries change)."""
		from frappe.utils.background_jobs import get_redis_conn
		from rq.job import Job
		from rq.registry import FailedJobRegistry, StartedJobRegistry

		# a job of a queue no worker listens to (a worker of this bench must not run it meanwhile)
		key = frappe.generate_hash(length=10)
		job = Job.create("frappe.ping", id=f"cis-test-dead-{key}", connection=get_redis_conn(), origin=f"cis-test-{key}")
		try:
			job.save()
			job.set_status(JobStatus.STARTED)
			StartedJobRegistry(job.origin, connection=job.connection).add(job, 600)
			mark_dead(job)
			self.assertEqual(job.get_status(refresh=True), JobStatus.FAILED)
			self.assertNotIn(job.id, StartedJobRegistry(job.origin, connection=job.connection).get_job_ids())
			self.assertIn(job.id, FailedJobRegistry(job.origin, connection=job.connection).get_job_ids())
		finally:
			FailedJobRegistry(job.origin, connection=job.connection).remove(job.id)
			job.delete()

	def test_a_student_the_controller_refuses_is_logged_and_the_run_goes_on(self):
		district = self.make_district()
		frappe.db.set_value("Site", district.oak, "is_active", 0)  # Ben's school: new students refused
		doc = self.roster_import(district, self.bulk_file(district))
		self.assertEqual(doc.status, "Partial Success", doc.status_message)
		self.assertEqual(self.counts(doc), (1, 0, 0, 0, 1, 1))
		self.assertEqual(set(self.students(district)), {f"u1-{district.key}"})
		log = list(csv.DictReader(io.StringIO(doc.row_log)))
		self.assertEqual([row["sourced_id"] for row in log], [f"u2-{district.key}"])
		self.assertIn("inactive", log[0]["message"])

	def test_an_unreadable_file_is_an_error_before_anything_is_written(self):
		district = self.make_district()
		buffer = io.BytesIO()
		with zipfile.ZipFile(buffer, "w") as archive:
			archive.writestr("users.csv", csv_text("users", []))
		doc = self.roster_import(district, buffer.getvalue())
		self.assertEqual(doc.status, "Error")
		self.assertIn("manifest.csv", doc.status_message)
		self.assertEqual(self.students(district), {})

	def test_a_small_zip_unpacking_to_millions_of_lines_is_refused_quickly(self):
		"""A 20 KB zip whose manifest.csv holds 5 million lines: refused from the manifest's declared
		size, before it is read, with little memory; a data file past the line bound likewise."""
		import resource
		import time

		from cis_app.core import file_limits

		district = self.make_district()
		manifest = b"propertyName,value\r\nmanifest.version,1.0\r\noneroster.version,1.1\r\n"
		buffer = io.BytesIO()
		with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
			archive.writestr("manifest.csv", manifest + b"\n" * 5_000_000)
		self.assertLess(len(buffer.getvalue()), 30_000)
		before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
		started = time.perf_counter()
		doc = self.roster_import(district, buffer.getvalue())
		self.assertLess(time.perf_counter() - started, 10)
		self.assertLess(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before, 50 * 1024)  # KiB
		self.assertEqual(doc.status, "Error")
		self.assertIn("manifest.csv unpacks to more than", doc.status_message)
		self.assertIn("nothing was changed", doc.status_message)

		files = {"orgs": self.orgs(district), "users": []}
		content = roster_zip(files)
		buffer = io.BytesIO()
		with (
			zipfile.ZipFile(io.BytesIO(content)) as source,
			zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive,
		):
			for name in source.namelist():
				data = source.read(name)
				archive.writestr(
					name, data + b"\r\n" * file_limits.MAX_FILE_LINES if name == "users.csv" else data
				)
		doc = self.roster_import(district, buffer.getvalue())
		self.assertEqual(doc.status, "Error")
		self.assertIn(f"users.csv has more than {file_limits.MAX_FILE_LINES:,} lines", doc.status_message)
		self.assertEqual(self.students(district), {})

	def test_a_public_roster_file_is_refused(self):
		district = self.make_district()
		file = frappe.get_doc(
			{
				"doctype": "File",
				"file_name": f"roster-{frappe.generate_hash(length=6)}.zip",
				"is_private": 0,
				"content": self.bulk_file(district),
			}
		).insert(ignore_permissions=True)
		with self.assertRaises(RosterImportError):
			frappe.get_doc(
				{"doctype": "Roster Import", "school_district": district.name, "import_file": file.file_url}
			).insert()

	def test_an_administrator_attaches_the_file_to_a_saved_import(self):
		"""The form's flow: save the import, then upload the zip (checked as the user, as an upload is)."""
		district = self.make_district()
		frappe.set_user(self.admin)
		clear_scope_cache()
		doc = frappe.get_doc({"doctype": "Roster Import", "school_district": district.name}).insert()
		file = frappe.get_doc(
			{
				"doctype": "File",
				"file_name": "roster.zip",
				"is_private": 1,
				"attached_to_doctype": "Roster Import",
				"attached_to_name": doc.name,
				"attached_to_field": "import_file",
				"content": self.bulk_file(district),
			}
		).insert()
		doc.import_file = file.file_url
		doc.save()
		# another affiliate's administrator cannot read the roster file through the File list
		frappe.set_user(self.other_admin)
		clear_scope_cache()
		self.assertEqual(frappe.get_list("File", filters={"name": file.name}, pluck="name"), [])
		frappe.set_user("Administrator")
		run_roster_import(doc.name)
		doc.reload()
		self.assertEqual((doc.status, doc.new_count), ("Success", 2), doc.status_message)

	# ------------------------------------------------ the bulk path

	def test_a_student_written_in_bulk_is_stored_as_a_document_insert_stores_it(self):
		district = self.make_district()
		self.roster_import(district, self.bulk_file(district))
		ana = frappe.get_doc("Student", self.students(district)[f"u1-{district.key}"].name)
		same = frappe.get_doc(
			{
				"doctype": "Student",
				**{
					field: ana.get(field)
					for field in (
						"first_name", "middle_name", "last_name", "site", "district_student_id",
						"oneroster_sourced_id", "grade_level", "date_of_birth", "gender", "enrollment_status",
					)
				},
				"district_student_id": f"{ana.district_student_id}-doc",
				"guardians": [
					{field: row.get(field) for field in ("guardian_name", "relationship", "email", "phone", "oneroster_sourced_id")}
					for row in ana.guardians
				],
			}
		).insert(ignore_permissions=True)  # fmt: skip
		skip = {"name", "creation", "modified", "district_student_id", "parent", "__unsaved"}
		self.assertEqual(
			{
				k: v
				for k, v in ana.as_dict(no_default_fields=True).items()
				if k not in skip and k != "guardians"
			},
			{
				k: v
				for k, v in same.as_dict(no_default_fields=True).items()
				if k not in skip and k != "guardians"
			},
		)
		self.assertEqual(
			[
				{k: v for k, v in row.as_dict(no_default_fields=True).items() if k not in skip}
				for row in ana.guardians
			],
			[
				{k: v for k, v in row.as_dict(no_default_fields=True).items() if k not in skip}
				for row in same.guardians
			],
		)
		self.assertEqual((ana.owner, ana.docstatus, ana.student_name), ("Administrator", 0, "Ana Reyes"))

	def test_a_changed_row_updates_only_its_fields_with_one_version_each(self):
		district = self.make_district()
		self.roster_import(district, self.bulk_file(district, extra_students=3))
		key = district.key
		before = self.students(district)
		ana = before[f"u1-{key}"].name
		versions = {row.name: self.versions(row.name) for row in before.values()}
		guardian_before = frappe.db.get_value(
			"Student Guardian", {"parent": ana}, ["name", "phone"], as_dict=True
		)

		students = [
			student_row(
				f"u1-{key}", "Ana", "Reyes-Diaz", f"{key}1001", "10", f"s1-{key}", agents=f"p1-{key}"
			),
			student_row(f"u2-{key}", "Ben", "Okafor", f"{key}1002", "KG", f"s2-{key}", agents=f"p2-{key}"),
			student_row(f"u3-{key}", "Cy", "Lund", f"{key}1003", "05", f"s3-{key}"),
			*(
				student_row(f"x{n}-{key}", f"Extra{n}", "Student", f"{key}2{n:03}", "07", f"s1-{key}")
				for n in range(3)
			),
		]
		doc = self.roster_import(district, self.bulk_file(district, students=students, phone="555-0177"))
		self.assertEqual(self.counts(doc), (0, 1, 4, 0, 1, 0), doc.status_message)

		after = self.students(district)
		self.assertEqual(
			{k: v for k, v in after.items() if v.name != ana},
			{k: v for k, v in before.items() if v.name != ana},
		)
		self.assertEqual((after[f"u1-{key}"].grade_level,), ("10",))
		self.assertEqual(
			{name: self.versions(name) for name in versions}, {**versions, ana: versions[ana] + 1}
		)
		version = frappe.get_last_doc("Version", filters={"ref_doctype": "Student", "docname": ana})
		data = json.loads(version.data)
		self.assertEqual(
			sorted(data["changed"]),
			[["grade_level", "9", "10"], ["last_name", "Reyes", "Reyes-Diaz"], ["student_name", "Ana Reyes", "Ana Reyes-Diaz"]],
		)  # fmt: skip
		self.assertEqual(
			data["row_changed"], [["guardians", 0, guardian_before.name, [["phone", "555-0101", "555-0177"]]]]
		)
		self.assertEqual((data["added"], data["removed"]), ([], []))
		# the guardian row was updated in place, not replaced
		self.assertEqual(frappe.db.get_value("Student Guardian", guardian_before.name, "phone"), "555-0177")
		student = frappe.get_doc("Student", ana)
		self.assertEqual((student.last_name, student.student_name), ("Reyes-Diaz", "Ana Reyes-Diaz"))

	def test_a_bulk_file_without_a_student_withdraws_them_with_a_version(self):
		district = self.make_district()
		self.roster_import(district, self.bulk_file(district, extra_students=10))
		key = district.key
		extra = self.students(district)[f"x0-{key}"].name
		versions = self.versions(extra)
		students = [
			student_row(f"u1-{key}", "Ana", "Reyes", f"{key}1001", "09", f"s1-{key}", agents=f"p1-{key}"),
			student_row(f"u2-{key}", "Ben", "Okafor", f"{key}1002", "KG", f"s2-{key}", agents=f"p2-{key}"),
			*(
				student_row(f"x{n}-{key}", f"Extra{n}", "Student", f"{key}2{n:03}", "07", f"s1-{key}")
				for n in range(1, 10)
			),
		]
		doc = self.roster_import(district, self.bulk_file(district, students=students))
		self.assertEqual(self.counts(doc), (0, 0, 11, 1, 0, 0), doc.status_message)
		self.assertEqual(self.students(district)[f"x0-{key}"].enrollment_status, "Withdrawn")
		self.assertEqual(self.versions(extra), versions + 1)
		version = frappe.get_last_doc("Version", filters={"ref_doctype": "Student", "docname": extra})
		self.assertIn(["enrollment_status", "Enrolled", "Withdrawn"], json.loads(version.data)["changed"])

	def test_a_move_carries_the_new_site_to_the_students_records(self):
		from cis_app.tests.factories import make_data_point, make_school_year

		district = self.make_district()
		self.roster_import(district, self.bulk_file(district))
		key = district.key
		ana = self.students(district)[f"u1-{key}"].name
		make_school_year()
		point = make_data_point(ana, days_enrolled=40, days_absent=2)
		self.assertEqual(frappe.db.get_value("Student Data Point", point.name, "site"), district.lincoln)
		delta = roster_zip(
			{"users": [student_row(f"u1-{key}", "Ana", "Reyes", f"{key}1001", "09", f"s2-{key}",
								   status="active", dateLastModified=DELTA_DATE)]},
			modes={"users": "delta"},
		)  # fmt: skip
		doc = self.roster_import(district, delta)
		self.assertEqual(self.counts(doc), (0, 1, 0, 0, 0, 0), doc.status_message)
		self.assertEqual(frappe.db.get_value("Student", ana, "site"), district.oak)
		self.assertEqual(frappe.db.get_value("Student Data Point", point.name, "site"), district.oak)

	def test_a_hand_entered_guardian_of_the_same_name_is_adopted_not_duplicated(self):
		district = self.make_district()
		key = district.key
		student = frappe.get_doc(
			{
				"doctype": "Student",
				"first_name": "Ana",
				"last_name": "Reyes",
				"site": district.lincoln,
				"district_student_id": f"{key}1001",
				"grade_level": "9",
				"guardians": [
					{"guardian_name": "maría  REYES", "relationship": "Mother", "phone": "555-0150"},
					{"guardian_name": "Rosa Reyes", "relationship": "Grandparent"},
				],
			}
		).insert(ignore_permissions=True)
		hand_row = student.guardians[0].name
		doc = self.roster_import(district, self.bulk_file(district))
		self.assertEqual(self.counts(doc), (1, 1, 0, 0, 1, 0), doc.status_message)
		student.reload()
		self.assertEqual(
			[(g.name, g.guardian_name, g.oneroster_sourced_id or "", g.relationship, g.email, g.phone, g.is_primary)
			 for g in student.guardians],
			[
				(hand_row, "Maria Reyes", f"p1-{key}", "Mother", "maria.reyes@example.org", "555-0101", 1),
				(student.guardians[1].name, "Rosa Reyes", "", "Grandparent", None, None, 0),
			],
		)  # fmt: skip
		versions = self.versions(student.name)
		again = self.roster_import(district, self.bulk_file(district))
		self.assertEqual(self.counts(again), (0, 0, 2, 0, 1, 0), again.status_message)
		self.assertEqual(self.versions(student.name), versions)

	def test_rows_the_form_would_refuse_are_logged_with_the_forms_message(self):
		district = self.make_district()
		key = district.key
		students = [
			student_row(f"u1-{key}", "Ana", "Reyes", f"{key}1001", "09", f"s1-{key}", agents=f"p1-{key}"),
			student_row(f"u4-{key}", "<b>Bo</b>", "Tag", f"{key}1004", "09", f"s1-{key}"),
			student_row(f"u5-{key}", "Eve", "Mail", f"{key}1005", "09", f"s1-{key}", agents=f"p5-{key}"),
		]
		# a guardian whose e-mail Frappe refuses (only a document save can say why)
		bad_guardian = student_row(f"p5-{key}", "Pat", "Mail", "", "", f"s1-{key}", agents=f"u5-{key}")
		bad_guardian.update({"role": "parent", "email": "not an e-mail"})
		doc = self.roster_import(district, self.bulk_file(district, students=[*students, bad_guardian]))
		self.assertEqual(doc.status, "Partial Success", doc.status_message)
		self.assertEqual((doc.new_count, doc.error_count), (1, 2))
		log = {row["sourced_id"]: row["message"] for row in csv.DictReader(io.StringIO(doc.row_log))}
		self.assertIn("cannot contain < or >", log[f"u4-{key}"])
		self.assertIn("not a valid Email Address", log[f"u5-{key}"])
		self.assertEqual(set(self.students(district)), {f"u1-{key}"})

	def test_a_chunk_the_database_refuses_is_saved_student_by_student(self):
		district = self.make_district()
		with patch("cis_app.cis_network.district_data.roster_bulk.StudentWriter.write", side_effect=Exception("refused")):
			doc = self.roster_import(district, self.bulk_file(district))
		self.assertEqual((doc.status, self.counts(doc)), ("Success", (2, 0, 0, 0, 1, 0)), doc.status_message)
		ana = frappe.get_doc("Student", self.students(district)[f"u1-{district.key}"].name)
		self.assertEqual([g.oneroster_sourced_id for g in ana.guardians], [f"p1-{district.key}"])

	def test_quotes_and_backslashes_are_stored_as_written(self):
		district = self.make_district()
		key = district.key
		names = ("D'Arcy", 'Ba\\ck "Slash" %s')
		students = [student_row(f"u1-{key}", *names, f"{key}1001", "09", f"s1-{key}")]
		doc = self.roster_import(district, self.bulk_file(district, students=students))
		self.assertEqual(doc.new_count, 1, doc.status_message)
		stored = frappe.db.get_value(
			"Student", {"oneroster_sourced_id": f"u1-{key}"}, ["first_name", "last_name"], as_dict=True
		)
		self.assertEqual((stored.first_name, stored.last_name), names)

	def test_a_run_stopped_midway_keeps_whole_chunks_and_running_it_again_finishes(self):
		"""Chunks of 3 students; the worker is lost while writing the second. A commit is emulated
		with a savepoint (what the crash rolls back to), so the test's transaction stays whole."""
		from cis_app.core.oneroster.stream import RosterStream
		from cis_app.cis_network.district_data.roster_job import RosterImportRun

		district = self.make_district()
		content = self.bulk_file(district, extra_students=5)  # Ana, Ben, Cy (not served), 5 extras
		write_chunk, rollback, calls = RosterImportRun.write_chunk, frappe.db.rollback, []

		def lost_on_the_second_chunk(run, writer, chunk):
			calls.append(len(chunk))
			if len(calls) == 2:
				raise RuntimeError("worker lost")
			return write_chunk(run, writer, chunk)

		with (
			patch.object(RosterImportRun, "write_chunk", lost_on_the_second_chunk),
			patch(
				"cis_app.cis_network.district_data.roster_job.RosterStream",
				lambda *args, **kwargs: RosterStream(*args, chunk_size=3, **kwargs),
			),
			patch.object(frappe.db, "commit", lambda: frappe.db.savepoint("committed")),
			patch.object(
				frappe.db, "rollback", lambda save_point=None, chain=False: rollback(save_point="committed")
			),
		):
			doc = self.roster_import(district, content)
		self.assertEqual(doc.status, "Error")
		self.assertIn("Stopped after 2 of 8 students", doc.status_message)
		self.assertEqual(set(self.students(district)), {f"u1-{district.key}", f"u2-{district.key}"})

		again = self.roster_import(district, content)
		self.assertEqual(self.counts(again), (5, 0, 2, 0, 1, 0), again.status_message)
		self.assertEqual(len(self.students(district)), 7)
