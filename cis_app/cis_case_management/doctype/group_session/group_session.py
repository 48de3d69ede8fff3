# Copyright (c) 2026, cis_app contributors and contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document

from cis_app.core.plausibility import MAX_SESSION_MINUTES
from cis_app.utils.exceptions import RosterSiteError
from cis_app.permissions.scope import check_in_scope, is_unrestricted, raise_link_not_found
from cis_app.cis_network.settings import require_school_year_of
from cis_app.utils.validation import (
	validate_date_fields,
	validate_in_range,
	validate_not_future,
	validate_support_tier,
)


class GroupSession(Document):
	def validate(self):
		check_in_scope(self)
		validate_date_fields(self)
		validate_not_future(self.session_date, "Date")
		self.school_year = require_school_year_of(self.session_date, "Date")
		validate_support_tier(self.support_type, 2)
		validate_in_range(self, "minutes", 1, MAX_SESSION_MINUTES)
		self.validate_roster()
		self.attendance_count = len([row for row in self.attendees if row.present])
		if self.provider_type != "Partner":
			self.partner = None

	def validate_roster(self):
		"""Every student on the roster belongs to the session's site, once."""
		students = [row.student for row in self.attendees]
		duplicates = sorted({s for s in students if students.count(s) > 1})
		if duplicates:
			frappe.throw(
				_("These students are on the roster twice: {0}.").format(", ".join(duplicates)),
				RosterSiteError,
			)
		if not students:
			return
		# through the list rule: a student of a site the user does not serve is answered exactly like one
		# that does not exist, so the error never says that another school's student exists
		sites = dict(
			frappe.get_list(
				"Student",
				filters={"name": ["in", students]},
				fields=["name", "site"],
				as_list=True,
				limit_page_length=0,
				ignore_permissions=self.flags.ignore_permissions or is_unrestricted(),
			)
		)
		unseen = [row for row in self.attendees if row.student not in sites]
		if unseen:
			raise_link_not_found([(row, "student") for row in unseen])
		elsewhere = [row for row in self.attendees if sites[row.student] != self.site]
		if elsewhere:
			frappe.throw(
				_(
					"Roster rows {0} are students of another site. A group session at {1} can only list its own students."
				).format(", ".join(str(row.idx) for row in elsewhere), frappe.bold(self.site)),
				RosterSiteError,
				title=_("Student of Another Site"),
			)


@frappe.whitelist()
def get_last_roster(site: str, support_type: str, exclude: str = "") -> list[dict]:
	"""The roster of the latest session of this support at this site, to record the next one quickly."""
	last = frappe.get_list(
		"Group Session",
		filters={"site": site, "support_type": support_type, "name": ["!=", exclude]},
		order_by="session_date desc, creation desc",
		limit_page_length=1,
		pluck="name",
	)
	if not last:
		return []
	session = frappe.get_doc("Group Session", last[0])
	session.check_permission("read")
	return [{"student": row.student, "student_name": row.student_name} for row in session.attendees]
