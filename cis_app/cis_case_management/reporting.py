"""Small helpers shared by the Script Reports."""

from __future__ import annotations

import datetime
import threading

import frappe
from frappe import _
from frappe.utils import cint, escape_html

from cis_app.core.outcome_report import grade_range
from cis_app.utils.exceptions import CISValidationError, OutOfScopeError
from cis_app.cis_case_management.outcomes_data import sites_in_scope
from cis_app.permissions.scope import get_permitted_sites


def report_filters(
	doctype: str, filters: dict, fields: tuple[str, ...], date_field: str | None = None
) -> list[list]:
	"""Frappe filter rows from a report's filter values: equality on each of ``fields`` that is set,
	and ``from_date`` / ``to_date`` bounds on ``date_field``."""
	conditions = [[doctype, field, "=", filters.get(field)] for field in fields if filters.get(field)]
	if date_field and filters.get("from_date"):
		conditions.append([doctype, date_field, ">=", filters["from_date"]])
	if date_field and filters.get("to_date"):
		conditions.append([doctype, date_field, "<=", filters["to_date"]])
	return conditions


# The app's Script Reports that list students (a row per student, or per record about one): never
# prepared (stored and read later) reports. They always run directly, for the user who asks, within
# the sites that user serves (cis_app.overrides.prepared_reports refuses to prepare them).
STUDENT_LEVEL_REPORTS = frozenset({"Caseload", "Record Views", "Student Disclosures"})

# Every Script Report of the app, for the checks of cis_app.overrides.prepared_reports (tests/test_doctype_json.py
# fails when a report's JSON is not named here).
APP_REPORTS = frozenset(
	{
		*STUDENT_LEVEL_REPORTS,
		"Affiliate Annual Summary",
		"CIS Impact",
		"CIS Outcomes",
		"Expiring Partner Agreements",
		"Partner Contributions",
		"Volunteer Hours Summary",
	}
)

# The filters the app's reports share: a Link filter must name an existing record, a date filter
# must be a date (YYYY-MM-DD), a number filter a whole number. Checked before any report runs.
# (Not Partner: partners are scoped by affiliate, and "no such partner" where another affiliate's
# partner gives an empty report would tell which partners other affiliates have.)
LINK_FILTERS = {
	"school_year": "School Year",
	"site": "Site",
	"affiliate": "Affiliate",
	"school_district": "School District",
}
DATE_FILTERS = {"from_date": "From Date", "to_date": "To Date"}
INT_FILTERS = {"days": "Due Within (Days)", "compare_years": "Compare Years"}


class ReportFilterError(CISValidationError):
	"""A report's filter is not of its type: not a date, not a number (417, naming the filter)."""


class UnknownFilterError(frappe.DoesNotExistError):
	"""A report's Link filter names no record (404, naming the filter)."""


def check_filters(filters: dict) -> None:
	"""Refuse, naming the filter, a filter value the reports cannot use: an unknown School Year, Site,
	Affiliate or School District; a date that is not a date; a number that is not one."""
	for fieldname, doctype in LINK_FILTERS.items():
		value = filters.get(fieldname)
		if value in (None, ""):
			continue
		if fieldname == "affiliate" and cint(filters.get("network_mode")):
			continue  # CIS Outcomes' network mode: an affiliate code of the imported exports, checked there
		if not isinstance(value, str) or not frappe.db.exists(doctype, value):
			frappe.throw(
				_("The {0} filter names no {0}: {1}. Choose one from the list, or clear the filter.").format(
					_(doctype), escape_html(str(value))
				),
				UnknownFilterError,
				title=_("Unknown {0}").format(_(doctype)),
			)
	for fieldname, label in DATE_FILTERS.items():
		value = filters.get(fieldname)
		if value in (None, ""):
			continue
		if parse_date(value) is None:
			frappe.throw(
				_("The {0} filter is not a date: {1}. Enter a date as YYYY-MM-DD.").format(
					_(label), escape_html(str(value))
				),
				ReportFilterError,
				title=_("Invalid {0}").format(_(label)),
			)
	for fieldname, label in INT_FILTERS.items():
		value = filters.get(fieldname)
		if value in (None, "") or (isinstance(value, int) and not isinstance(value, bool)):
			continue
		if not isinstance(value, str) or not value.strip().lstrip("-").isdigit():
			frappe.throw(
				_("The {0} filter is not a whole number: {1}. Enter a number such as 60.").format(
					_(label), escape_html(str(value))
				),
				ReportFilterError,
				title=_("Invalid {0}").format(_(label)),
			)


def parse_date(value) -> datetime.date | None:
	"""``value`` as a date (a date, or text ``YYYY-MM-DD``), None when it is not one."""
	if isinstance(value, datetime.datetime):
		return value.date()
	if isinstance(value, datetime.date):
		return value
	if not isinstance(value, str):
		return None
	try:
		return datetime.date.fromisoformat(value.strip())
	except ValueError:
		return None


def execute_refusing_cleanly(report: str, get_report, filters: dict | None):
	"""Run a Script Report's ``get_report(filters)`` after ``check_filters``; when it refuses (raises),
	first cancel Frappe's prepared-report timer (and, on a read replica, switch Frappe to read-only mode
	so the refusal is logged later on the primary, not written on the replica). A report that lists
	students (``STUDENT_LEVEL_REPORTS``) cancels the timer before it runs: it is never prepared.

	Frappe v15 (``Report.execute_script_report``) starts a 15 s timer around a Script Report that turns
	it into a prepared report for everyone, and cancels it only when the report returns: a refusal (a
	site outside the user's scope, an unknown filter) would leave it running, and 15 s later the report
	would be prepared for every user, who would then see no rows until an administrator switched it
	back."""

	if report in STUDENT_LEVEL_REPORTS:
		cancel_prepared_report_timer(report)
	try:
		filters = frappe._dict(filters or {})
		check_filters(filters)
		return get_report(filters)
	except Exception:
		if on_read_replica():
			# Frappe logs the refusal (``query_report.run``: an Error Log insert): on a read-only
			# replica the insert fails and the user would get a database error instead of the reason.
			# In Frappe's read-only mode the log is queued and written later on the primary.
			frappe.flags.read_only = True
		cancel_prepared_report_timer(report)
		raise


def cancel_prepared_report_timer(report: str) -> None:
	"""Cancel the timer Frappe v15 started (``Report.execute_script_report``, 15 s) that would switch
	``report`` to a prepared report on this site (``frappe.core.doctype.report.report
	.enable_prepared_report``, run by a ``threading.Timer`` with ``report`` and ``site`` as kwargs)."""

	for thread in threading.enumerate():
		kwargs = getattr(thread, "kwargs", None) or {}
		if (
			isinstance(thread, threading.Timer)
			and kwargs.get("report") == report
			and kwargs.get("site") == frappe.local.site
		):
			thread.cancel()


def on_read_replica() -> bool:
	"""Whether this request's queries go to the read replica (``read_from_replica``: Frappe swaps the
	connection inside ``frappe.read_only`` calls such as ``frappe.desk.query_report.run``)."""

	primary = getattr(frappe.local, "primary_db", None)
	return primary is not None and frappe.local.db is not primary


def suppression_applies(filters: dict, sites: list[str] | None) -> bool:
	"""Whether a report's small cells are suppressed: always, unless the filters turn it off
	(``suppress_small_cells`` sent as 0 by an API client, or ``show_small_cells`` set: the desk sends no
	filter whose value is 0, so unticking the box sets this hidden one) and the user can read every
	student behind the figures (Administrator, or staff with read permission on Student who serve every
	site in ``sites``). An Evaluator or a Partner Manager always gets suppressed figures."""
	turned_off = filters.get("suppress_small_cells") in (0, "0", False, "false") or cint(
		filters.get("show_small_cells")
	)
	if not turned_off:
		return True
	user = frappe.session.user
	if user == "Administrator":
		return False
	if sites is None or not frappe.has_permission("Student", "read", user=user):
		return True
	return not set(sites) <= set(get_permitted_sites(user))


# The filters that narrow which students a figure counts, by label.
NARROWING_FILTERS = {
	"affiliate": "Affiliate",
	"school_district": "School District",
	"site": "Site",
	"grade_from": "Grade From",
	"grade_to": "Grade To",
}


def refuse_differencing(filters: dict, sites: list[str] | None, grouped: bool = True) -> None:
	"""Against differencing: a viewer whose figures are suppressed whatever they ask (an Evaluator, a
	Partner Manager; ``suppression_applies`` with suppression asked off) gets figures for their whole
	scope only. A filter that narrows the students counted (a site, district or affiliate short of
	every site they see, a grade range short of PK to 12) is refused, so no suppressed group can be
	recovered by subtracting one answer from another (grades PK-12 minus K-12 = PK). Grouping (by
	site, district, level or grade) stays open: its groups are suppressed together, in one answer.
	Staff who can read every student behind the figures may narrow as they like. ``grouped``: the
	report has Group By (else its rows already show each site beside the total, which the refusal
	says instead)."""
	if not suppression_applies({"suppress_small_cells": 0}, sites):
		return
	narrowed = []
	low, high = grade_range(filters.get("grade_from"), filters.get("grade_to"))
	if (low is not None and low > -1) or (high is not None and high < 12):
		narrowed += [
			label
			for field, label in NARROWING_FILTERS.items()
			if field.startswith("grade") and filters.get(field)
		]
	whole = sites_in_scope(None)
	if (sites is None) != (whole is None) or (sites is not None and set(sites) != set(whole)):
		narrowed += [
			label
			for field, label in NARROWING_FILTERS.items()
			if not field.startswith("grade") and filters.get(field)
		]
	if narrowed and grouped:
		frappe.throw(
			_(
				"Your figures are suppressed, so they are given for all the sites and grades you see together: "
				"comparing two narrower answers could reveal a suppressed group. Clear {0}, and use Group By "
				"to see sites, districts or grades side by side."
			).format(", ".join(_(label) for label in narrowed)),
			OutOfScopeError,
		)
	if narrowed:
		frappe.throw(
			_(
				"Your figures are suppressed, so they are given for all the sites you see together: comparing "
				"two narrower answers could reveal a suppressed figure. Clear {0}: each site's row is shown "
				"beside the total."
			).format(", ".join(_(label) for label in narrowed)),
			OutOfScopeError,
		)
