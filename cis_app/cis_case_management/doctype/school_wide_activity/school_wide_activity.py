# Copyright (c) 2026, cis_app contributors and contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import getdate, nowdate

from cis_app.exceptions import CISValidationError, WrongTierError
from cis_app.permissions import check_in_scope
from cis_app.settings import require_school_year_of


def validate_support_tier(support_type: str, tier: int) -> None:
	if not frappe.db.get_value("Support Type", support_type, f"tier_{tier}"):
		frappe.throw(
			_(
				"{0} is not offered as a Tier {1} support. Choose another support type, or allow Tier {1} in its Support Type."
			).format(frappe.bold(support_type), tier),
			WrongTierError,
		)


def validate_not_future(day, label: str) -> None:
	if getdate(day) > getdate(nowdate()):
		frappe.throw(
			_("{0} ({1}) is in the future. Record deliveries once they have happened.").format(
				_(label), frappe.format(day, {"fieldtype": "Date"})
			),
			CISValidationError,
		)


class SchoolwideActivity(Document):
	def validate(self):
		check_in_scope(self)
		validate_not_future(self.activity_date, "Date")
		self.school_year = require_school_year_of(self.activity_date, "Date")
		validate_support_tier(self.support_type, 1)
