"""The server's half of the roster fault scripts (``scripts/load/roster_faults.py``).

A district of its own (``Roster Fault District``, 20 schools) on the served site, two synthetic
OneRoster files of ``students`` students (``cis_app.demo.sample_data.write_bench_roster``): the first
roster, and the same roster with every student changed (a family name, a grade, a school or a
guardian's phone, in turn), two CIS Administrators of the district's affiliate, and what the scripts
compare: a digest of the district's students, guardians and Version rows.

    bench --site <site> execute cis_app.benchmarks.roster_faults.prepare --kwargs "{'students': 30000}"
    bench --site <site> execute cis_app.benchmarks.roster_faults.reset
    bench --site <site> execute cis_app.benchmarks.roster_faults.new_import --kwargs "{'file': 'base'}"
    bench --site <site> execute cis_app.benchmarks.roster_faults.snapshot

Everything here commits and touches only that district (and its own imports and files).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile

import frappe
from frappe.utils.password import update_password

from cis_app.benchmarks.roster_import import attach
from cis_app.benchmarks.roster_import import reset as reset_districts
from cis_app.core.oneroster.plan import FINGERPRINT_FIELDS, GUARDIAN_FIELDS
from cis_app.demo import sample_data as samples
from cis_app.tests.factories import api_token, make_affiliate, make_district, make_site, make_user

AFFILIATE = "Roster Fault Affiliate"
DISTRICT = "Roster Fault District"
SCHOOLS = 20
ADMINS = ("roster-admin-1@fault.example", "roster-admin-2@fault.example")
PASSWORD = "roster-fault-2026"
FILES_KEY = "cis_roster_fault_files"  # site cache: {"students": n, "base": url, "changed": url}


def prepare(students: int = 30_000) -> dict:
	"""The district, its schools, two administrators and the two files (made once per size)."""
	frappe.only_for("System Manager")
	make_affiliate(AFFILIATE)
	make_district(DISTRICT, AFFILIATE)
	frappe.db.set_value("School District", DISTRICT, {"oneroster_sourced_id": None, "nces_district_id": "4899900"})
	for number in range(SCHOOLS):
		school = samples.bench_school(number)
		site = make_site(f"{DISTRICT} School {number + 1:02d}", AFFILIATE, DISTRICT)
		frappe.db.set_value("Site", site, {"school_id": school["identifier"], "oneroster_sourced_id": None})
	affiliate = frappe.get_doc("Affiliate", AFFILIATE)
	for email in ADMINS:
		make_user(email, "CIS Administrator")
		update_password(email, PASSWORD)
		if not any(row.user == email for row in affiliate.staff):
			affiliate.append("staff", {"user": email, "staff_role": "CIS Administrator", "from_date": "2024-07-01"})
	affiliate.save(ignore_permissions=True)
	files = frappe.parse_json(frappe.db.get_default(FILES_KEY) or "{}")
	if files.get("students") != students or not all(frappe.db.exists("File", {"file_url": files.get(k)}) for k in ("base", "changed")):
		folder = tempfile.mkdtemp(prefix="roster-fault-")
		files = {"students": students}
		for key, changed_every in (("base", 0), ("changed", 1)):
			path = os.path.join(folder, f"roster-fault-{key}-{students}.zip")
			samples.write_bench_roster(path, students, SCHOOLS, changed_every=changed_every)
			files[key] = attach(path)
			os.remove(path)
		os.rmdir(folder)
		frappe.db.set_default(FILES_KEY, json.dumps(files))
	tokens = [api_token(email) for email in ADMINS]
	frappe.db.commit()  # nosemgrep: the scripts' district, on a site they serve
	return {"district": DISTRICT, "admins": list(ADMINS), "tokens": tokens, **files}


def reset() -> dict:
	"""The district as before its first roster: no students, guardians, Versions or imports."""
	frappe.only_for("System Manager")
	reset_districts((DISTRICT,))
	return snapshot()


def new_import(file: str = "base") -> str:
	"""A new Apply of ``file`` ("base" or "changed") for the district; returns its name."""
	frappe.only_for("System Manager")
	files = frappe.parse_json(frappe.db.get_default(FILES_KEY))
	doc = frappe.get_doc(
		{
			"doctype": "Roster Import",
			"import_type": "OneRoster Roster",
			"school_district": DISTRICT,
			"import_file": files[file],
			"mode": "Apply",
			"max_withdrawal_share": 10,
		}
	).insert(ignore_permissions=True)
	frappe.db.commit()  # nosemgrep
	return doc.name


def enqueue_both(names: list[str]) -> list[str]:
	"""Put the jobs of ``names`` (imports of the district) on the long queue directly, each with a job id
	of its own: past the Start button's check, as a second bench sharing the database could. The
	district's lock must keep them from interleaving."""
	frappe.only_for("System Manager")
	for name in names:
		frappe.db.set_value("Roster Import", name, {"status": "Running", "status_message": "Queued"})
	frappe.db.commit()  # nosemgrep
	for name in names:
		frappe.enqueue(
			"cis_app.cis_network.district_data.roster_job.run_roster_import",
			queue="long",
			job_id=f"roster-fault-{name}",
			roster_import=name,
		)
	return names


def _digest(rows) -> str:
	hasher = hashlib.sha256()
	for row in sorted(json.dumps(row, default=str, sort_keys=True) for row in rows):
		hasher.update(row.encode())
		hasher.update(b"\n")
	return hasher.hexdigest()[:16]


def _without_names(data: dict) -> dict:
	"""A Version's data without what differs from run to run: the names of guardian rows (in the rows
	added and removed, and the third item of a changed row: table, index, name, changes)."""
	strip = lambda row: {k: v for k, v in row.items() if k not in ("name", "parent", "creation", "modified")}  # noqa: E731
	data = dict(data)
	for key in ("added", "removed"):
		data[key] = [[table, strip(row)] for table, row in data.get(key) or []]
	data["row_changed"] = [[table, index, changes] for table, index, _name, changes in data.get("row_changed") or []]
	return data


def snapshot() -> dict:
	"""The district's students, guardians and Student Version rows: counts and digests that do not
	depend on record names or timestamps (students by sourcedId)."""
	frappe.only_for("System Manager")
	fields = [*FINGERPRINT_FIELDS, "site", "enrollment_status", "affiliate", "student_name"]
	students = frappe.db.sql(
		f"select name, {', '.join(f'`{f}`' for f in dict.fromkeys(fields))} from `tabStudent` where school_district = %s",
		DISTRICT,
		as_dict=True,
	)
	sid = {row.pop("name"): row["oneroster_sourced_id"] for row in students}
	names = list(sid) or [""]
	guardians = frappe.db.sql(
		f"select parent, idx, is_primary, {', '.join(f'`{f}`' for f in GUARDIAN_FIELDS)} from `tabStudent Guardian` "
		"where parenttype = 'Student' and parent in %(names)s",
		{"names": names},
		as_dict=True,
	)
	for row in guardians:
		row["parent"] = sid[row["parent"]]
	versions = frappe.db.sql(
		"select docname, data from `tabVersion` where ref_doctype = 'Student' and docname in %(names)s",
		{"names": names},
		as_dict=True,
	)
	version_rows = [
		{"student": sid[row.docname], "data": _without_names(json.loads(row.data))} for row in versions
	]
	return {
		"students": len(students),
		"guardians": len(guardians),
		"versions": len(versions),
		"students_digest": _digest(students),
		"guardians_digest": _digest(guardians),
		"versions_digest": _digest(version_rows),
	}
