# Copyright (c) 2026, cis_app contributors and contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document

from cis_app.cis_case_management.disclosures import log_deletion
from cis_app.utils.exceptions import DisclosureRecordLockedError
from cis_app.permissions.scope import site_of

MAY_CHANGE = "System Manager"


class DisclosureRecord(Document):
	"""A disclosure of student information outside the school's own staff (FERPA 34 CFR 99.32).

	Written by the app (``insert(ignore_permissions=True)``); no role may create one by hand, and only a
	System Manager may change or delete one, even from code that skips permission checks."""

	def validate(self):
		self.check_locked()
		self.site = site_of(self)  # the student's: one rule, cis_app.permissions.scope

	def on_trash(self):
		self.check_locked()
		self.log_deletion()

	def log_deletion(self):
		"""The deletion itself is recorded on the student's timeline (``cis_app.cis_case_management.disclosures``)."""
		log_deletion(self)

	def check_locked(self):
		if self.is_new() or MAY_CHANGE in frappe.get_roles():
			return
		frappe.throw(
			_(
				"Disclosure records are kept as they were written. Only a System Manager may change or delete one."
			),
			DisclosureRecordLockedError,
			title=_("Not Permitted"),
		)
