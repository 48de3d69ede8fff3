# Copyright (c) 2026, cis_app contributors and contributors
# For license information, please see license.txt

"""Roster Import: one run of a district's OneRoster file (dry run or apply), with its counts and log.

The form records the run; ``start_import`` queues the job (``cis_app.cis_network.district_data.roster_job``) that reads
the file, plans the changes in the core (``cis_app.core.oneroster``) and applies them.
"""

from datetime import datetime

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import flt
from rq.job import JobStatus
from rq.registry import FailedJobRegistry, StartedJobRegistry

from cis_app.core import abc_import
from cis_app.cis_network.district_data import district_lock
from cis_app.utils import services
from cis_app.utils.exceptions import OutOfScopeError, RosterImportError, RosterImportRunningError
from cis_app.permissions.roster_import import affiliate_of_import, has_roster_import_permission


class RosterImport(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		affiliate: DF.Link | None
		error_count: DF.Int
		import_file: DF.Attach | None
		import_type: DF.Literal["OneRoster Roster", "ABC Data", "Year-End Status"]
		max_withdrawal_share: DF.Percent
		mode: DF.Literal["Dry Run", "Apply"]
		new_count: DF.Int
		row_log: DF.LongText | None
		school_district: DF.Link
		skipped_count: DF.Int
		status: DF.Literal["Pending", "Running", "Success", "Partial Success", "Refused", "Error"]
		status_message: DF.SmallText | None
		summary: DF.JSON | None
		unchanged_count: DF.Int
		updated_count: DF.Int
		withdrawn_count: DF.Int
	# end: auto-generated types

	def validate(self):
		self.set_affiliate()
		self.validate_district_in_scope()
		self.validate_withdrawal_share()
		self.validate_import_file()

	def set_affiliate(self):
		"""The affiliate always follows the district, whatever the client sent."""
		self.affiliate = affiliate_of_import(self)

	def validate_district_in_scope(self):
		if self.flags.ignore_permissions or has_roster_import_permission(self, "write"):
			return
		frappe.throw(
			_(
				"You do not serve the affiliate of School District {0}. You can import rosters only for the districts of the affiliates you serve."
			).format(frappe.bold(self.school_district)),
			OutOfScopeError,
			title=_("Not Permitted"),
		)

	def validate_withdrawal_share(self):
		if not 0 <= flt(self.max_withdrawal_share) <= 100:
			frappe.throw(
				_("{0} must be between 0 and 100.").format(_(self.meta.get_label("max_withdrawal_share"))),
				RosterImportError,
			)

	def validate_import_file(self):
		"""The roster names every student of the district: the file must be private and one the
		user may read (not another record's attachment picked by its URL)."""
		if not self.import_file:
			return
		file = import_file_doc(self.import_file)
		if file is None:
			frappe.throw(
				_("The attached file {0} was not found. Attach the file again.").format(self.import_file),
				RosterImportError,
			)
		if not file.is_private:
			frappe.throw(
				_(
					"The import file is public: anyone with its link could read the students' records. Remove it and attach it again as a private file."
				),
				RosterImportError,
				title=_("Public File"),
			)
		if not self.flags.ignore_permissions and not self.may_read(file):
			frappe.throw(_("You cannot read the file {0}.").format(self.import_file), frappe.PermissionError)

	def may_read(self, file) -> bool:
		"""The user's own upload (a new import's file is attached to its temporary name until the
		first save), this import's attachment, or a file Frappe lets them read."""
		if file.owner == frappe.session.user:
			return True
		if file.attached_to_doctype == self.doctype and file.attached_to_name == self.name:
			return True
		return frappe.has_permission("File", "read", doc=file)


def import_file_doc(file_url: str):
	"""The File record of an attached file URL (None if there is none)."""
	name = frappe.db.get_value("File", {"file_url": file_url}, "name", order_by="creation desc")
	return frappe.get_doc("File", name) if name else None


def job_id_of(school_district: str) -> str:
	"""One job per district at a time: the same id for every import of the district."""
	return f"roster-import-{school_district}"


@frappe.whitelist()
def start_import(name: str) -> str:
	"""Queue a Roster Import on the long queue (write permission on the import required).

	One import of a district at a time (``district_lock``): a Start while another import of the district
	is queued or running is refused, and two Starts at once are served one after the other. While the
	job queue (Redis) is down the Start is refused with a message saying so, and nothing changes."""
	with services.answering(
		_(
			"The server cannot reach its database just now, so the import was not started and nothing was "
			"changed. Try again in a few minutes; if this goes on, ask your system administrator to check MariaDB."
		)
	):
		return _start_import(name)


def _start_import(name: str) -> str:
	doc = frappe.get_doc("Roster Import", name)
	doc.check_permission("write")
	if not doc.import_file:
		frappe.throw(_("Attach the district's file first."), RosterImportError)
	with district_lock.starting(doc.school_district) as started:
		if not started:
			_refuse_running(doc.school_district)
		with services.answering(
			_(
				"The job queue is not answering, so the import was not started and nothing was changed. Try "
				"again in a few minutes; if this goes on, ask your system administrator to check Redis."
			)
		):
			if import_running(doc.school_district):
				_refuse_running(doc.school_district)
			doc.db_set({"status": "Running", "status_message": _("Queued")})
			job = frappe.enqueue(
				"cis_app.cis_network.district_data.roster_job.run_roster_import",
				queue="long",
				timeout=4 * 3600,
				job_id=job_id_of(doc.school_district),
				deduplicate=True,
				roster_import=doc.name,
			)
	if job is None:  # queued by someone else between the check and now
		_refuse_running(doc.school_district)
	return _("The roster import is queued. Its progress shows here; the counts and log appear when it ends.")


# seconds from a job's start to its taking the district's lock (the worker loads the site first). Short
# on purpose: a job wrongly taken for dead cannot interleave with the next one (the district's lock
# refuses the later of the two); it only spares an administrator a refused run.
STARTING_GRACE_SECONDS = 20


def import_running(school_district: str) -> bool:
	"""Whether an import of the district is queued or running. A job the queue calls started whose
	district lock nobody holds has died with its worker (killed, out of memory, a reboot): it is marked
	failed, so the import can be started again (``district_lock``)."""
	# read when called, so a test can replace it
	from frappe.utils.background_jobs import get_job

	job = get_job(job_id_of(school_district))
	if job is None:
		return False
	status = job.get_status()
	if status == JobStatus.QUEUED:
		return True
	if status != JobStatus.STARTED or district_lock.held(school_district):
		return status == JobStatus.STARTED
	started = job.started_at
	if started and (datetime.utcnow() - started).total_seconds() < STARTING_GRACE_SECONDS:
		return True
	mark_dead(job)
	return False


def mark_dead(job) -> None:
	"""Move a job whose worker died from the queue's started jobs to its failed ones, as RQ does when
	it finds such a job itself (which it does only once the job's timeout, four hours, has passed).

	Written against RQ 1.15.1 (Frappe 15.55.1's), after ``StartedJobRegistry.cleanup``, without its
	failure callbacks (the roster job has none); ``test_a_dead_job_is_moved_from_the_started_jobs_to_the_failed_ones``
	runs it on a real job and fails if RQ's registries change."""
	frappe.logger("cis_app").warning(f"roster import job {job.id} lost its worker; marked failed")
	StartedJobRegistry(job.origin, connection=job.connection).remove(job.id)
	job.set_status(JobStatus.FAILED)
	FailedJobRegistry(job.origin, connection=job.connection).add(
		job, exc_string="The worker running this job died (its district lock was free)."
	)


def _refuse_running(school_district: str) -> None:
	frappe.throw(
		_(
			"A roster import of {0} is already queued or running. Wait until it has finished, then start this one."
		).format(frappe.bold(school_district)),
		RosterImportRunningError,
		title=_("Import Running"),
	)


@frappe.whitelist(methods=["GET"])
def download_log(name: str) -> None:
	"""The row log as a CSV file (formula-like cells are escaped by the core)."""
	doc = frappe.get_doc("Roster Import", name)
	doc.check_permission("read")
	frappe.response["filename"] = f"{doc.name}-row-log.csv"
	frappe.response["filecontent"] = doc.row_log or "file,line,sourced_id,field,message\n"
	frappe.response["type"] = "download"


# ---------------------------------------------------------------- ABC data and year-end templates

TEMPLATES = {"ABC Data": "abc_template_csv", "Year-End Status": "year_end_template_csv"}


@frappe.whitelist(methods=["GET"])
def download_template(import_type: str) -> None:
	"""The CSV template of an ABC Data or Year-End Status import: the header and a help row (a ``#``
	comment row the import skips). Only for users who may create imports."""
	frappe.has_permission("Roster Import", "create", throw=True)
	if import_type not in TEMPLATES:
		frappe.throw(_("There is no template for {0}.").format(import_type), RosterImportError)

	frappe.response["filename"] = f"{frappe.scrub(import_type)}_template.csv"
	frappe.response["filecontent"] = getattr(abc_import, TEMPLATES[import_type])()
	frappe.response["type"] = "download"
