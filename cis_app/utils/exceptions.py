"""Errors a user can cause. Each subclasses a Frappe error so tests can assert the exact kind."""

import frappe


class CISValidationError(frappe.ValidationError):
	"""Base of cis_app's validation errors."""


class InvalidDateRangeError(CISValidationError):
	pass


class OverlappingPeriodError(CISValidationError):
	pass


class DuplicateStudentIdError(CISValidationError):
	pass


class InvalidGradeLevelError(CISValidationError):
	pass


class InactiveSiteError(CISValidationError):
	pass


class AffiliateMismatchError(CISValidationError):
	pass


class ConsentDateError(CISValidationError):
	pass


class DuplicateAssignmentError(CISValidationError):
	pass


class OutOfScopeError(frappe.PermissionError):
	"""The user tried to reach a student, site or record outside the sites they serve."""


class ShareNotAllowedError(frappe.PermissionError):
	"""Sharing or assigning a student record to someone outside its site's staff."""


class AppClashError(frappe.ValidationError):
	"""Another installed app already owns a DocType name cis_app needs."""


class OutsideSchoolYearError(CISValidationError):
	pass


class InvalidGoalError(CISValidationError):
	pass


class ConsentRequiredError(CISValidationError):
	"""A Tier 3 plan (or a partner share) without a valid consent on file."""


class RosterSiteError(CISValidationError):
	pass


class InvalidDataPointError(CISValidationError):
	pass


class WrongTierError(CISValidationError):
	pass


class InvalidThresholdsError(CISValidationError):
	pass


class UnknownLinkError(CISValidationError, frappe.LinkValidationError):
	"""A link to a record that does not exist, where Frappe itself lets it pass (see
	``cis_app.utils.validation.validate_links_exist``)."""


class InvalidDateError(CISValidationError):
	"""A date that is not a date, or not a plausible one (a student's date of birth)."""


class OutOfRangeError(CISValidationError):
	"""A number outside what the field can plausibly hold (``cis_app.core.plausibility``)."""


class MarkupNotAllowedError(CISValidationError):
	"""HTML or other markup in a name."""


class RosterImportError(CISValidationError):
	"""A Roster Import that cannot start: no file, a public file, a limit out of range."""


class RosterImportRunningError(CISValidationError):
	"""A roster import of the same district is already queued or running."""


class InactivePartnerError(CISValidationError):
	"""A referral to a partner that is not active, or that does not serve the student's affiliate."""


class ReferralError(CISValidationError):
	"""A referral change that its status does not allow (a skipped step, a new partner once sent)."""


class DisclosureRecordLockedError(frappe.PermissionError):
	"""A disclosure record (FERPA 99.32) changed or deleted by anyone but a System Manager."""


class ServiceUnavailableError(frappe.ValidationError):
	"""Redis or MariaDB is not answering: nothing of the request was done; try again shortly."""

	http_status_code = 503
