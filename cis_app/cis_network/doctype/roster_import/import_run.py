"""What every run of a Roster Import shares, whatever its file: a OneRoster roster
(``cis_app.cis_network.district_data.roster_job``), or an ABC data or year-end status file (``cis_app.cis_network.district_data.abc_job``).
"""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import strip_html

from cis_app.cis_network.doctype.roster_import.roster_import import import_file_doc
from cis_app.core import file_limits
from cis_app.core.oneroster import OneRosterError, row_log_csv
from cis_app.cis_network.district_data.roster_bulk import plain_message

# Students written between two commits (see ``RosterImportRun.apply_students``).
CHUNK_SIZE = 2000
PROGRESS_EVERY = 50
PROGRESS_EVENT = "roster_import_progress"
COUNT_FIELDS = {
	"new": "new_count",
	"updated": "updated_count",
	"unchanged": "unchanged_count",
	"withdrawn": "withdrawn_count",
	"skipped": "skipped_count",
}


class ImportRun:
	"""Where a run stopped after a crash, and its progress on the form."""

	def stopped_message(self, reason: str) -> str:
		raise NotImplementedError

	def execute(self) -> None:
		raise NotImplementedError

	def execute_logged(self) -> None:
		"""Run it as its job: a crash midway rolls back the open chunk, is logged, and the import says
		where it stopped (the chunks saved before stay whole)."""
		try:
			self.execute()
		except Exception as exc:
			frappe.db.rollback()
			frappe.log_error(title=_("Roster Import {0} failed").format(self.doc.name))
			self.fail(exc)

	def start(self) -> None:
		"""Running, with the counts of an earlier run cleared."""
		self.doc.db_set(
			{"status": "Running", "status_message": "", **dict.fromkeys(COUNT_FIELDS.values(), 0)},
			commit=False,
		)
		self.progress(0, _("Reading the file"))

	def fail(self, exc: Exception) -> None:
		"""After a crash (the open chunk rolled back): say where it stopped; the job's own commit
		stores it."""
		self.doc.reload()
		message = self.stopped_message(strip_html(str(exc)) or exc.__class__.__name__)
		self.doc.db_set(
			{"status": "Error", "status_message": message, "row_log": row_log_csv(self.errors)}, commit=False
		)
		self.progress(100, message, done=True)

	def store_result(self, values: dict, status: str | None, message: str, summary: dict) -> None:
		"""Counts, status, summary and the row log on the import, then the form's last progress."""
		values.update(
			{
				"status": status,
				"status_message": message,
				"summary": frappe.as_json(summary, indent=None),
				"row_log": row_log_csv(self.errors) if self.errors else "",
			}
		)
		self.doc.db_set(values, commit=False)
		self.progress(100, message, done=True)

	def progress(self, percent: int, message: str, done: bool = False) -> None:
		frappe.publish_realtime(
			PROGRESS_EVENT,
			{"roster_import": self.doc.name, "percent": percent, "message": message, "done": done},
			doctype="Roster Import",
			docname=self.doc.name,
			after_commit=done,
		)


def file_error_message(exc: Exception) -> str:
	"""Why a district file cannot be imported, translated: the bounds of ``core.file_limits`` in words
	of their own, other file errors as the core states them."""
	code, limit, file = getattr(exc, "code", ""), getattr(exc, "limit", 0), getattr(exc, "file", None)
	if code == file_limits.TOO_LARGE:
		reason = _("{0} unpacks to more than {1} MB, more than this import reads.").format(
			file or _("The file"), limit // (1024 * 1024) or 1
		)
	elif code == file_limits.TOO_MANY_LINES:
		reason = _("{0} has more than {1} lines, more than this import reads.").format(
			file or _("The file"), f"{limit:,}"
		)
	else:
		reason = str(exc)
	return _("The file cannot be imported, nothing was changed: {0}").format(reason)


def import_file_path(file_url: str) -> str:
	"""The path of the attached zip (read as a stream by the core, never held whole)."""
	file = import_file_doc(file_url)
	if file is None:
		raise OneRosterError("missing_file", _("the attached file {0} was not found").format(file_url))
	return file.get_full_path()


def save_in_savepoint(write) -> str:
	"""Run ``write`` in a savepoint; on failure undo it and return why ('' when it worked)."""
	frappe.db.savepoint("roster_row")
	try:
		write()
	except Exception as exc:
		frappe.db.rollback(save_point="roster_row")
		frappe.clear_messages()
		return plain_message(str(exc)) or exc.__class__.__name__
	return ""
