# Copyright (c) 2026, cis_app contributors and contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import getdate, now_datetime, nowdate

from cis_app.cis_network import retention
from cis_app.core import retention as rules

DRY_RUN = "Dry Run"
ERASED = "Erased"


class RetentionRun(Document):
	"""A retention run of an affiliate: made as a dry run that changes nothing (it counts the students
	due and skipped), then, once an administrator confirms it with Erase, the record of the erasure:
	how many, when, by whom. The run holds counts only; the students are listed live, for the sites
	the viewer serves (``onload``), and each erased student records the run that erased them.
	Rules: ``cis_app.core.retention``; work: ``cis_app.cis_network.retention``."""

	def validate(self):
		if self.is_new():
			self.validate_affiliate()
			self.count_students()
		elif not self.flags.erasing:
			self.refuse_changes()

	def validate_affiliate(self):
		if not self.affiliate or not frappe.db.exists("Affiliate", self.affiliate):
			frappe.throw(
				_("Affiliate {0} does not exist. Choose the affiliate whose records to review.").format(
					frappe.bold(self.affiliate or "")
				),
				frappe.LinkValidationError,
			)

	def count_students(self):
		"""The dry run: how many students are due and skipped now (every site of the affiliate)."""
		today = getdate(nowdate())
		self.retention_years = retention.retention_years()
		self.cutoff_date = rules.cutoff(today, self.retention_years)
		self.status = DRY_RUN
		self.run_by = frappe.session.user
		self.run_on = now_datetime()
		due, skipped = retention.due_in_affiliate(self.affiliate, today)
		self.students_due = len(due)
		self.students_skipped = len(skipped)
		self.students_erased = 0

	def refuse_changes(self):
		before = self.get_doc_before_save()
		fields = ("affiliate", "status", "students_due", "students_skipped", "students_erased", "erased_by")
		if before and any(before.get(field) != self.get(field) for field in fields):
			frappe.throw(
				_("A retention run is kept as it was made. Create a new run to list the students due again."),
				retention.RetentionError,
			)

	def onload(self):
		"""The students of the sites the viewer serves, due or skipped with the reason (dry runs only:
		after the erasure there is nothing left to name)."""
		if self.status != DRY_RUN:
			return
		due, skipped = self.students_in_scope()
		for row in skipped:
			row["reason_text"] = retention.reason_text(row)
		self.set_onload("cis_retention", {"due": due, "skipped": skipped})

	def students_in_scope(self):
		return retention.due_in_affiliate(self.affiliate, sites=retention.sites_of_user(self.affiliate))

	@frappe.whitelist()
	def erase(self, students: list[str] | str | None = None):
		"""Erase the students the administrator confirmed (``students``: the ones the form showed as due)
		who are still due now and at a site the administrator serves. Only once per run."""
		self.check_permission("write")
		if self.status != DRY_RUN:
			frappe.throw(_("This retention run has already been carried out."), retention.RetentionError)
		confirmed = set(frappe.parse_json(students) if isinstance(students, str) else students or [])
		if not confirmed:
			frappe.throw(
				_("No students were confirmed for erasure. Open the run again and confirm the list."),
				retention.RetentionError,
			)
		due, skipped = self.students_in_scope()
		erased = 0
		for row in due:
			if row["student"] in confirmed:
				retention.erase_student(row["student"], self.name)
				erased += 1
		self.students_erased = erased
		self.students_due = len(due) - erased
		self.students_skipped = len(skipped)
		self.status = ERASED
		self.erased_by = frappe.session.user
		self.erased_on = now_datetime()
		self.flags.erasing = True
		self.save()
		return erased
