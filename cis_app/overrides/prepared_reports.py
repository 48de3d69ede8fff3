"""Prepared reports (Frappe's stored report results): each one is its maker's alone, and a report that
lists students is never prepared.

Frappe v15 reads a Prepared Report by name for anyone who may open its report
(``query_report.run`` with ``prepared_report_name``; ``Prepared Report`` permissions go by report, not
by owner), and ``make_prepared_report`` queues any report without checking its roles. Here:

- a Prepared Report, its list, and its attached result file (``private/files/*.json.gz``, whose
  File permission follows the Prepared Report it is attached to) are readable only by the user who
  made it (System Managers aside): ``has_prepared_report_permission`` and
  ``prepared_report_conditions`` (hooks ``has_permission`` and ``permission_query_conditions``);
- ``run`` refuses a ``prepared_report_name`` the user did not make, and a ``user`` other than the
  user who asks; a report that lists students (``cis_app.cis_case_management.reporting.STUDENT_LEVEL_REPORTS``) always
  runs directly, even when its prepared-report switch is on;
- ``make_prepared_report`` checks the report as opening it does (its Report Roles, report permission
  on its DocType), refuses the reports that list students, and checks the app's filters first;
- ``PreparedReport.get_prepared_data`` refuses a user who may not read the Prepared Report, for the
  Python callers of ``run`` that no whitelisted-method override sees (Frappe's ``export_query``).

All of this is for the app's reports only (``app_reports``: those of its modules, and any report whose
DocType is one of the app's): a prepared report of any other app's report follows Frappe's own rules,
and ``run`` and ``make_prepared_report`` hand such a report to Frappe's functions unchanged.
"""

from __future__ import annotations

import json

import frappe
from frappe import _
from frappe.core.doctype.prepared_report.prepared_report import PreparedReport

from cis_app.utils.installed import APP
from cis_app.cis_case_management.reporting import APP_REPORTS, STUDENT_LEVEL_REPORTS, check_filters


class PreparedReportRefused(frappe.PermissionError):
	"""A prepared report the user did not make, or one of a report that is never prepared."""


def may_read_every_prepared_report(user: str) -> bool:
	return user == "Administrator" or "System Manager" in frappe.get_roles(user)


def app_reports() -> frozenset[str]:
	"""The reports that are the app's business: its own (by module) and any report of one of its
	DocTypes (a Report Builder or custom report of Student, say). Prepared reports of every other report
	follow Frappe's own rules."""

	def lookup():
		modules = frappe.get_module_list(APP)
		doctypes = frappe.get_all("DocType", filters={"module": ["in", sorted(modules)]}, pluck="name")
		reports = frappe.get_all(
			"Report",
			or_filters={"module": ["in", sorted(modules)], "ref_doctype": ["in", doctypes]},
			pluck="name",
		)
		return frozenset([*reports, *APP_REPORTS])

	return frappe.local_cache("cis_app_reports", "all", lookup)


def is_app_report(report_name) -> bool:
	return isinstance(report_name, str) and (
		report_name in app_reports() or base_report(report_name) in app_reports()
	)


def has_prepared_report_permission(doc, ptype: str | None = None, user: str | None = None, **kwargs):
	"""A Prepared Report of one of the app's reports is its maker's (System Managers aside): False for
	anyone else; None otherwise, leaving the answer to Frappe's own rule (the user may open its report).
	Frappe v15 stops at the first hook that answers, and the app's hooks are asked first: this one must
	not answer True."""
	user = user or frappe.session.user
	if may_read_every_prepared_report(user) or doc is None or doc.is_new():
		return None
	if not is_app_report(doc.report_name):
		return None
	return False if doc.owner != user else None


def prepared_report_conditions(user: str | None = None, doctype: str | None = None) -> str:
	"""The list condition of Prepared Report (and, through ``cis_app.permissions.record_trail``, of the result
	files attached to them): of the app's reports, the user's own only, System Managers aside."""
	user = user or frappe.session.user
	if may_read_every_prepared_report(user):
		return ""
	reports = ", ".join(frappe.db.escape(name) for name in sorted(app_reports()))
	return (
		f"(`tabPrepared Report`.`owner` = {frappe.db.escape(user)} "
		f"or ifnull(`tabPrepared Report`.`report_name`, '') not in ({reports}))"
	)


class CISPreparedReport(PreparedReport):
	"""Frappe's Prepared Report (v15.55), whose stored result of one of the app's reports only its maker
	(or a System Manager) gets."""

	def get_prepared_data(self, with_file_name=False):
		# the maker, who may hold no role that reads Prepared Report DocType (Frappe shows a user's
		# own prepared result without one); a System Manager
		user = frappe.session.user
		if (
			self.owner != user
			and not may_read_every_prepared_report(user)
			and is_app_report(self.report_name)
		):
			raise_not_yours()
		return super().get_prepared_data(with_file_name=with_file_name)


def raise_not_yours():
	frappe.throw(
		_(
			"This prepared report was made by another user, or for another report. Run the report yourself to see its result."
		),
		PreparedReportRefused,
		title=_("Not Your Prepared Report"),
	)


def base_report(report_name: str) -> str:
	"""The Script Report behind ``report_name`` (a Custom Report's reference report, followed)."""
	seen = set()
	name = report_name
	while name and name not in seen:
		seen.add(name)
		row = frappe.db.get_value("Report", name, ["report_type", "reference_report"], as_dict=True)
		if not row or row.report_type != "Custom Report" or not row.reference_report:
			return name
		name = row.reference_report
	return name


def lists_students(report_name: str) -> bool:
	return base_report(report_name) in STUDENT_LEVEL_REPORTS


def parse_filters(filters) -> dict | None:
	if filters in (None, ""):
		return None
	if isinstance(filters, str):
		try:
			filters = json.loads(filters)
		except ValueError:
			frappe.throw(_("The report's filters must be a JSON object."), frappe.ValidationError)
	if filters is None:
		return None
	if not isinstance(filters, dict):
		frappe.throw(_("The report's filters must be a JSON object."), frappe.ValidationError)
	return filters


@frappe.whitelist()
def run(
	report_name,
	filters=None,
	user=None,
	ignore_prepared_report=False,
	custom_columns=None,
	is_tree=False,
	parent_field=None,
	are_default_filters=True,
):
	"""``frappe.desk.query_report.run``: one of the app's reports runs as the user who asks only, with
	only that user's prepared reports; a report that lists students always runs directly. Every other
	report is Frappe's run, unchanged."""
	# Frappe's function, read when called: a wrapper installed in its module since is the one used
	from frappe.desk.query_report import run as frappe_run

	if is_app_report(report_name):
		filters, user, ignore_prepared_report = app_report_run(
			report_name, filters, user, ignore_prepared_report
		)
	return frappe_run(
		report_name,
		filters=filters,
		user=user,
		ignore_prepared_report=ignore_prepared_report,
		custom_columns=custom_columns,
		is_tree=is_tree,
		parent_field=parent_field,
		are_default_filters=are_default_filters,
	)


def app_report_run(report_name, filters, user, ignore_prepared_report) -> tuple[dict | None, str, bool]:
	"""``run``'s checks for one of the app's reports: (filters, user, ignore_prepared_report) to run it
	with."""
	session_user = frappe.session.user
	if user and user != session_user:
		frappe.throw(
			_("A report runs as the user who asks for it: leave out the user parameter."),
			frappe.PermissionError,
		)
	filters = parse_filters(filters)
	name = filters.get("prepared_report_name") if filters else None
	if name:
		made = frappe.db.get_value("Prepared Report", name, ["owner", "report_name"], as_dict=True)
		if not made or made.report_name != report_name:
			raise_not_yours()
		if made.owner != session_user and not may_read_every_prepared_report(session_user):
			raise_not_yours()
	if lists_students(report_name):
		if filters:
			filters.pop("prepared_report_name", None)
		ignore_prepared_report = True
	return filters, session_user, ignore_prepared_report


@frappe.whitelist()
def make_prepared_report(report_name, filters=None):
	"""``frappe.core.doctype.prepared_report.prepared_report.make_prepared_report`` for one of the
	app's reports the user may open (its Report Roles; report permission on its DocType), never one that
	lists students, with the app's reports' filters checked before the job is queued. Every other report
	is Frappe's, unchanged."""
	# Frappe's functions, read when called: a wrapper installed in their modules since is the one used
	from frappe.core.doctype.prepared_report.prepared_report import (
		make_prepared_report as frappe_make_prepared_report,
	)
	from frappe.desk.query_report import get_report_doc, validate_filters_permissions

	if not is_app_report(report_name):
		return frappe_make_prepared_report(report_name, filters)
	filters = parse_filters(filters) or {}
	if not isinstance(report_name, str) or not frappe.db.exists("Report", report_name):
		frappe.throw(_("Choose a report to prepare."), frappe.DoesNotExistError)
	get_report_doc(report_name)  # refuses a report the user may not open (PermissionError)
	validate_filters_permissions(report_name, filters, frappe.session.user)
	if lists_students(report_name):
		frappe.throw(
			_(
				"{0} lists students, so it is not stored as a prepared report: run it directly (it shows the students of your sites)."
			).format(_(report_name)),
			PreparedReportRefused,
			title=_("Run the Report Directly"),
		)
	if base_report(report_name) in APP_REPORTS:
		check_filters(frappe._dict(filters))
	return frappe_make_prepared_report(report_name, filters)
