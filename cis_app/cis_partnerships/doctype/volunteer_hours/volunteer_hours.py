# Copyright (c) 2026, cis_app contributors and contributors
# For license information, please see license.txt

import frappe
from frappe import _, _lt
from frappe.model.document import Document
from frappe.utils import flt, now_datetime

from cis_app.core import volunteering
from cis_app.core.plausibility import MAX_PEOPLE
from cis_app.utils.exceptions import CISValidationError
from cis_app.permissions.scope import is_staff
from cis_app.utils.validation import (
	validate_date_fields,
	validate_in_range,
	validate_links_exist,
	validate_not_future,
)
from cis_app.permissions.volunteers import own_volunteers
from cis_app.setup.workflows import sync_status

CLEARANCE_MESSAGES = {
	"inactive": _lt("{0} is not an active volunteer."),
	"check_not_cleared": _lt("{0} has no cleared background check on file."),
	"check_lapsed": _lt("{0}'s background check expired on {2}: hours cannot be logged until it is renewed."),
	"site_not_cleared": _lt(
		"{0} is not cleared to volunteer at {1}. Ask the partner manager to add the site."
	),
}


class VolunteerHoursError(CISValidationError):
	pass


class VolunteerHours(Document):
	def validate(self):
		sync_status(self)
		self.set_own_volunteer()
		validate_date_fields(self)
		validate_links_exist(self, "volunteer")
		self.set_related_fields()
		self.validate_hours()
		validate_in_range(self, "students_served", 0, MAX_PEOPLE)
		self.validate_date()
		self.validate_daily_total()
		self.validate_clearance()
		self.validate_edit_after_review()
		self.set_value()
		self.stamp_review()

	def acting_as_volunteer(self) -> bool:
		return bool(own_volunteers()) and not is_staff()

	def set_own_volunteer(self):
		"""A volunteer logs their own hours: the record is theirs whatever the form sent."""
		if not self.acting_as_volunteer():
			if not self.volunteer:
				frappe.throw(_("Choose the volunteer whose hours these are."), frappe.MandatoryError)
			return
		mine = own_volunteers()
		if self.volunteer and self.volunteer not in mine:
			frappe.throw(
				_("You can only log your own hours."), frappe.PermissionError, title=_("Not Permitted")
			)
		self.volunteer = self.volunteer or mine[0]

	def set_related_fields(self):
		volunteer = frappe.db.get_value(
			"CIS Volunteer", self.volunteer, ["volunteer_name", "partner"], as_dict=True
		)
		self.volunteer_name, self.partner = volunteer.volunteer_name, volunteer.partner
		self.affiliate = frappe.db.get_value("Site", self.site, "affiliate")

	def validate_hours(self):
		self.hours = flt(self.hours)  # text sent over REST counts as 0 hours
		problem = volunteering.hours_problem(self.hours)
		if problem == "not_positive":
			frappe.throw(_("Hours must be more than zero."), VolunteerHoursError, title=_("Invalid Hours"))
		if problem == "over_a_day":
			frappe.throw(
				_("{0} hours is more than a day. Enter the hours of one day.").format(self.hours),
				VolunteerHoursError,
			)

	def validate_date(self):
		validate_not_future(
			self.date,
			self.meta.get_label("date"),
			VolunteerHoursError,
			hint=_("Log hours once they are worked."),
		)

	def validate_daily_total(self):
		others = frappe.get_all(
			"Volunteer Hours",
			filters={
				"volunteer": self.volunteer,
				"date": self.date,
				"status": ["!=", "Rejected"],
				"name": ["!=", self.name or ""],
			},
			pluck="hours",
		)
		if volunteering.exceeds_daily_cap(others, self.hours):
			frappe.throw(
				_("{0} already has {1} hours on {2}; with these {3} the day would pass 24 hours.").format(
					self.volunteer_name,
					sum(others),
					frappe.format(self.date, {"fieldtype": "Date"}),
					self.hours,
				),
				VolunteerHoursError,
				title=_("More Than 24 Hours in a Day"),
			)

	def validate_clearance(self):
		if not self.site:
			return  # Frappe's mandatory check names the missing site after validate
		volunteer = frappe.db.get_value(
			"CIS Volunteer",
			self.volunteer,
			["status", "background_check_status", "background_check_expiry"],
			as_dict=True,
		)
		volunteer["sites"] = frappe.get_all(
			"CIS Volunteer Site",
			filters={"parent": self.volunteer, "parenttype": "CIS Volunteer"},
			pluck="site",
		)
		problem = volunteering.clearance_problem(volunteer, self.site, self.date)
		if problem:
			frappe.throw(
				str(CLEARANCE_MESSAGES[problem]).format(
					self.volunteer_name,
					self.site,
					frappe.format(volunteer.background_check_expiry, {"fieldtype": "Date"}),
				),
				VolunteerHoursError,
				title=_("Not Cleared"),
			)

	def validate_edit_after_review(self):
		"""An approved entry is closed to its volunteer (a coordinator can still correct it)."""
		before = self.get_doc_before_save()
		if before and before.status == "Approved" and self.acting_as_volunteer():
			frappe.throw(
				_("This entry is approved and can no longer be changed. Ask your coordinator."),
				frappe.PermissionError,
			)

	def set_value(self):
		settings = frappe.get_cached_doc("CIS Settings")
		by_year = {row.year: row.hourly_value for row in settings.volunteer_hour_values}
		default = settings.default_volunteer_hour_value or volunteering.INDEPENDENT_SECTOR_2024
		self.hourly_value = volunteering.hour_value(self.date, by_year, default)
		self.value = volunteering.hours_value(self.hours, self.hourly_value)

	def stamp_review(self):
		before = self.get_doc_before_save()
		if before and before.status != self.status and self.status in ("Approved", "Rejected"):
			self.reviewed_by = frappe.session.user
			self.reviewed_on = now_datetime()


def on_doctype_update():
	# the daily-total check and the hours report filter on these
	frappe.db.add_index("Volunteer Hours", ["volunteer", "date"], index_name="volunteer_date_index")
	# Covers the Volunteer Hours Summary: it leads with site, so a coordinator's report reads only
	# their sites' rows, and it sums per (site, volunteer, partner, activity) in this order, so MariaDB
	# groups while reading the index instead of hashing every row into a temporary table.
	# It replaces (status, date, site, ...), which made a one-site report read every site's rows.
	if frappe.db.has_index("tabVolunteer Hours", "report_cover_index"):
		frappe.db.sql_ddl("alter table `tabVolunteer Hours` drop index `report_cover_index`")
	frappe.db.add_index(
		"Volunteer Hours",
		["site", "status", "volunteer", "partner", "activity", "date", "hours", "value"],
		index_name="report_site_index",
	)
