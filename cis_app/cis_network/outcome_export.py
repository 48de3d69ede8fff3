"""Outcome Export: the suppressed outcome figures of a school year, per site and for the affiliate, as a
file another site can import. The format, its validator and the roll-up live in
``cis_app.core.network_rollup``; this module loads the figures, checks who may export, and turns the
core's refusals into translated messages.

Who may export: Administrator, or a CIS Administrator or System Manager who may run the CIS Outcomes
report and serves the affiliate (an Affiliate staff row, or a site of it). Suppression is always on,
whatever the user. The export only reads (``frappe.read_only``: with ``read_from_replica`` it runs on
the replica); the file is returned as a download, never stored.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone

import frappe
from frappe import _
from frappe.utils import escape_html

from cis_app.core import network_rollup
from cis_app.core.outcomes import outcome_metrics, suppress_outcomes
from cis_app.utils.exceptions import CISValidationError, OutOfScopeError
from cis_app.cis_case_management.outcomes_data import load_cohort, load_goals
from cis_app.permissions.scope import get_permitted_affiliates
from cis_app.cis_network.settings import get_outcome_targets, get_small_cell_threshold

REPORT = "CIS Outcomes"
EXPORT_ROLES = ("CIS Administrator", "System Manager")
FILE_FORMATS = {"json": "application/json", "csv": "text/csv"}
MAX_PROBLEMS_SHOWN = 20


class OutcomeExportError(CISValidationError):
	"""An Outcome Export that cannot be written, or a file that cannot be imported."""


def problem_messages() -> dict[str, str]:
	"""``core.network_rollup.MESSAGES``, translated (same codes, same placeholders)."""
	return {
		"unreadable": _("The file cannot be read as an Outcome Export in JSON or CSV: {detail}."),
		"wrong_format": _('This is not an Outcome Export: its format is {found}, not "cis-outcome-export".'),
		"wrong_version": _(
			"Outcome Export version {found} is not supported: this site reads version {expected}."
		),
		"missing_field": _("{where}: field {field} is missing."),
		"unknown_field": _("{where}: field {field} is not part of the Outcome Export format."),
		"bad_value": _("{where}: {field} cannot be {value}."),
		"csv_mixed_files": _("{where}: {field} differs from the first line; a CSV file holds one export."),
		"no_rows": _("The file holds no rows."),
		"too_many_rows": _("The file holds more than {limit} rows."),
		"duplicate_row": _("{where}: this metric appears twice."),
		"missing_row": _(
			"{where}: the row is missing (every metric appears once for the affiliate and each site)."
		),
		"suppressed_with_value": _(
			"{where}: the cell is suppressed but carries a number; a suppressed cell is empty."
		),
		"numerator_above_denominator": _("{where}: the numerator is above the denominator."),
		"wrong_percent": _("{where}: the percent {found} is not 100 x numerator / denominator ({expected})."),
		"sites_exceed_affiliate": _("{where}: the sites add up to more than the affiliate."),
		"threshold_too_low": _(
			"The file was exported with a small-cell threshold of {found}; this site needs at least {minimum}."
		),
		"small_cell": _(
			"{where}: {value} is below the small-cell threshold {threshold} but is not suppressed."
		),
		"recoverable": _("{where}: a suppressed cell can be recomputed by subtraction ({detail})."),
		"too_large": _("The file is larger than {limit} MB; an Outcome Export is much smaller."),
		"too_deep": _("The JSON is nested more than {limit} levels deep; an Outcome Export is not."),
		"unknown_affiliate": _("{where}: {value} is not an affiliate of this site that you may import for."),
		"wrong_affiliate_name": _(
			"{where}: the affiliate's name {value} is not its name on this site, {expected}."
		),
		"unknown_site": _("{where}: {value} is not a site of {affiliate} on this site."),
		"unknown_school_year": _("{where}: {value} is not a School Year of this site."),
	}


def describe_problems(problems: list[network_rollup.ExportProblem]) -> list[str]:
	"""Each problem as a translated sentence (HTML-escaped: the values come from an uploaded file)."""
	templates = problem_messages()
	return [
		escape_html(templates.get(problem.code, problem.code).format(**problem.params))
		for problem in problems
	]


# ---------------------------------------------------------------- who may export


def check_export_role(user: str | None = None) -> None:
	"""Refuse (PermissionError) anyone but Administrator, or a CIS Administrator or System Manager who
	may run the CIS Outcomes report. Checked before anything else is looked at."""
	user = user or frappe.session.user
	if user == "Administrator":
		return
	if (
		not set(frappe.get_roles(user)) & set(EXPORT_ROLES)
		or not frappe.get_doc("Report", REPORT).is_permitted()
	):
		frappe.throw(
			_(
				"Only a CIS Administrator or a System Manager of the affiliate can download its Outcome Export."
			),
			frappe.PermissionError,
			title=_("Not Permitted"),
		)


def check_export_permission(affiliate: str, user: str | None = None) -> None:
	"""``check_export_role``, and the user serves ``affiliate`` (Affiliate staff, or a site of it)."""
	user = user or frappe.session.user
	check_export_role(user)
	if user != "Administrator" and affiliate not in get_permitted_affiliates(user):
		frappe.throw(
			_(
				"You do not serve the affiliate {0}: you can export only the outcomes of your affiliate."
			).format(escape_html(affiliate)),
			OutOfScopeError,
			title=_("Not Permitted"),
		)


def resolve_affiliate(affiliate: str | None, user: str | None = None) -> str:
	"""The affiliate to export: the one given (which must exist), or the user's only affiliate."""
	user = user or frappe.session.user
	if affiliate:
		if not frappe.db.exists("Affiliate", affiliate):
			frappe.throw(
				_("Affiliate {0} does not exist.").format(escape_html(affiliate)), frappe.DoesNotExistError
			)
		return affiliate
	candidates = (
		frappe.get_all("Affiliate", pluck="name", limit=2)
		if user == "Administrator"
		else sorted(get_permitted_affiliates(user))
	)
	if len(candidates) != 1:
		frappe.throw(_("Choose the Affiliate whose outcomes to export."), OutcomeExportError)
	return candidates[0]


def validate_school_year(school_year: str | None) -> str:
	if not school_year:
		frappe.throw(_("Choose a School Year."), OutcomeExportError, title=_("School Year Missing"))
	if not frappe.db.exists("School Year", school_year):
		frappe.throw(
			_("School Year {0} does not exist.").format(escape_html(school_year)), frappe.DoesNotExistError
		)
	return school_year


# ---------------------------------------------------------------- the export


def get_outcome_export(school_year: str, affiliate: str | None = None) -> dict:
	"""The Outcome Export of ``affiliate``'s sites for ``school_year`` (the JSON layout of
	``core.network_rollup``), after the permission check. Refuses a year with no cohort."""
	check_export_role()
	school_year = validate_school_year(school_year)
	affiliate = resolve_affiliate(affiliate)
	check_export_permission(affiliate)
	sites = frappe.get_all("Site", filters={"affiliate": affiliate}, pluck="name", order_by="name")
	cohort = load_cohort(school_year, sites)
	if cohort.empty:
		frappe.throw(
			_("No student was case-managed in {0} at the sites of {1}: there is nothing to export.").format(
				escape_html(school_year), escape_html(affiliate)
			),
			OutcomeExportError,
			title=_("Nothing to Export"),
		)
	threshold = get_small_cell_threshold()
	metrics = suppress_outcomes(
		outcome_metrics(cohort, load_goals(school_year, sites), group_by="site"), threshold
	)
	affiliate_name = frappe.db.get_value("Affiliate", affiliate, "affiliate_name") or affiliate
	return network_rollup.build_export(
		affiliate,
		affiliate_name,
		school_year,
		datetime.now(timezone.utc).replace(microsecond=0),
		threshold,
		metrics,
		get_outcome_targets(),
	)


def export_filename(export: dict, file_format: str) -> str:
	name = f"{export['affiliate']['id']} {export['school_year']}".lower()
	slug = re.sub(r"[^a-z0-9]+", "-", name).strip("-")
	return f"outcome-export-{slug}.{file_format}"


def validate_file_format(file_format: str | None) -> str:
	file_format = (file_format or "json").lower()
	if file_format not in FILE_FORMATS:
		frappe.throw(_("An Outcome Export is written as JSON or CSV."), OutcomeExportError)
	return file_format


@frappe.whitelist()
@frappe.read_only()
def check_outcome_export(school_year: str, affiliate: str | None = None) -> dict:
	"""What the report's button asks before downloading: the export would be written (the same checks
	as ``download_outcome_export``); returns the affiliate and its number of sites with a cohort."""
	export = get_outcome_export(school_year, affiliate)
	sites = {row["site"] for row in export["rows"] if row["level"] == network_rollup.SITE}
	return {"affiliate": export["affiliate"]["id"], "sites": len(sites)}


@frappe.whitelist()
@frappe.read_only()
def download_outcome_export(school_year: str, affiliate: str | None = None, file_format: str = "json"):
	"""Download the Outcome Export of ``affiliate`` (default: the user's only one) for ``school_year``
	as JSON or CSV (``file_format``). Suppressed whatever the user; reads only."""
	file_format = validate_file_format(file_format)
	export = get_outcome_export(school_year, affiliate)
	content = network_rollup.to_json(export) if file_format == "json" else network_rollup.to_csv(export)
	frappe.response["filename"] = export_filename(export, file_format)
	frappe.response["filecontent"] = content.encode("utf-8")
	frappe.response["type"] = "download"


# ---------------------------------------------------------------- reading a file to import


def importable_affiliates(user: str | None = None) -> frozenset[str] | None:
	"""The affiliates whose exports ``user`` may import: every one (None) for Administrator and System
	Managers, else those they serve."""
	user = user or frappe.session.user
	if user == "Administrator" or "System Manager" in frappe.get_roles(user):
		return None
	return get_permitted_affiliates(user)


def known_names(export: dict) -> dict:
	"""What this site knows of an export's names (``core.network_rollup.check_names``): the affiliate's
	name here (None unless it is an Affiliate the user may import for), its sites, and whether the
	school year exists."""
	affiliate = export["affiliate"]["id"]
	allowed = importable_affiliates()
	name = frappe.db.get_value("Affiliate", affiliate, "affiliate_name")
	if allowed is not None and affiliate not in allowed:
		name = None
	return {
		"affiliate_name": name,
		"sites": frappe.get_all("Site", filters={"affiliate": affiliate}, pluck="name") if name else [],
		"school_year_known": bool(frappe.db.exists("School Year", export["school_year"])),
	}


def parse_export_file(content: bytes | str, filename: str, minimum_threshold: int) -> dict:
	"""A validated export from a file's content, naming only what this site knows (the user's own
	affiliate, its sites, a school year); refuses it (OutcomeExportError) with every reason, each with
	its line where it has one."""
	try:
		export, lines = network_rollup.read_export(content)
		export = network_rollup.validate_export(export, minimum_threshold)
		problems = network_rollup.check_names(export, lines, **known_names(export))
		if problems:
			raise network_rollup.ExportError(problems)
		return export
	except network_rollup.ExportError as error:
		reasons = describe_problems(error.problems)
		shown = reasons[:MAX_PROBLEMS_SHOWN]
		more = len(reasons) - len(shown)
		items = "".join(f"<li>{reason}</li>" for reason in shown)
		if more > 0:
			items += "<li>{}</li>".format(_("and {0} more").format(more))
		frappe.throw(
			_("{0} is refused, and nothing is imported:").format(escape_html(filename)) + f"<ul>{items}</ul>",
			OutcomeExportError,
			title=_("Outcome Export Refused"),
		)
