"""The server's half of the jobs the load test runs during its ramp (``scripts/load/run.py --jobs``).

The roster Apply reuses the roster fault scripts' district (``cis_app.benchmarks.roster_faults``);
this module digests what the recompute writes, so the load test can compare the recompute it ran
under load with one run alone afterwards:

    bench --site <site> execute cis_app.benchmarks.load_jobs.recompute_digest
    bench --site <site> execute cis_app.benchmarks.load_jobs.recompute_digest --kwargs "{'run': True}"
    bench --site <site> execute cis_app.benchmarks.load_jobs.job_status --kwargs "{'job_id': 'cis_recompute_all'}"
"""

from __future__ import annotations

import hashlib

import frappe
from frappe.utils.background_jobs import get_job_status

from cis_app.cis_case_management.recompute import recompute_all

# what recompute_all writes (besides the time it wrote it)
WRITTEN = {
	"Student": ("risk_score", "suggested_tier", "attendance_band", "risk_flags", "risk_unknown", "is_case_managed"),
	"Support Plan Goal": ("current_value", "progress_status", "value_updated_on", "value_source"),
	"Support Plan": ("goals_total", "goals_on_track"),
}


def recompute_digest(run: bool = False) -> dict:
	"""A digest per DocType of the fields the recompute writes, for every record; ``run``: recompute
	everything first, here and now (alone, as the reference)."""
	frappe.only_for("System Manager")
	if run:
		recompute_all()
		frappe.db.commit()  # nosemgrep: as the job's end commits
	digests = {}
	for doctype, fields in WRITTEN.items():
		hasher = hashlib.sha256()
		columns = ", ".join(f"ifnull(`{field}`, '')" for field in fields)
		for row in frappe.db.sql(f"select name, {columns} from `tab{doctype}` order by name"):
			hasher.update(repr(row).encode())
		digests[doctype] = hasher.hexdigest()[:16]
	return digests


def job_status(job_id: str) -> str | None:
	"""The RQ status of the site's job ``job_id`` (None when there is none)."""
	frappe.only_for("System Manager")
	status = get_job_status(job_id)
	return str(status.value if hasattr(status, "value") else status) if status else None
