"""Role names and DocType lists that ``hooks.py`` and the app's code share.

``hooks.py`` is read by Frappe and imports from here; the app's code imports from here too, never from
``hooks.py``. Plain Python, without Frappe, so the framework-free tests read it as well.
"""

from __future__ import annotations

from dataclasses import dataclass

# Roles are the same on every site: a fixture, filtered to these.
CIS_ROLES = (
	"CIS Administrator",
	"Program Manager",
	"Site Coordinator",
	"Partner Manager",
	"Evaluator",
	"CIS Volunteer",
	"CIS Partner Contact",
)
# Roles of website-only users (not staff): volunteers and partner contacts.
VOLUNTEER_ROLE = "CIS Volunteer"
PARTNER_CONTACT_ROLE = "CIS Partner Contact"
CIS_WEBSITE_ROLES = (VOLUNTEER_ROLE, PARTNER_CONTACT_ROLE)
# Staff: every CIS role that is not a website-only one.
STAFF_ROLES = tuple(role for role in CIS_ROLES if role not in CIS_WEBSITE_ROLES)
# The staff who work with students at a site (the offline check-in page is theirs).
SITE_WORK_ROLES = ("Site Coordinator", "Program Manager", "CIS Administrator")


@dataclass(frozen=True)
class ScopeRule:
	"""Where a scoped DocType's site comes from.

	``site_field``: the column holding the site (indexed, used by list conditions).
	``student_field``: when set and filled, the authoritative site is the linked student's, not the
	stored one (the stored site is a denormalised copy kept for fast lists).
	``parent_doctype``: for child tables, rows are scoped through their parent.
	``affiliate_field``: rows without a site (a community needs assessment) are visible to the staff
	of that affiliate (its Affiliate Staff, or staff of any of its sites); with no ``site_field`` the
	DocType is scoped by affiliate alone (partners).
	"""

	site_field: str | None = "site"
	student_field: str | None = None
	parent_doctype: str | None = None
	affiliate_field: str | None = None

	@property
	def by_affiliate_only(self) -> bool:
		"""Scoped by affiliate alone (partnerships), directly or through its parent."""
		return (
			self.site_field is None
			and self.student_field is None
			and (self.affiliate_field is not None or self.parent_doctype in AFFILIATE_SCOPED_PARENTS)
		)


# Partnerships: the parents scoped by affiliate alone (one Frappe site may host several affiliates).
AFFILIATE_SCOPED_PARENTS = ("Partner",)

# Every DocType cis_app scopes by site or affiliate, with its rule: hooks.py registers one list
# condition and one document check for each, cis_app.permissions.scope applies the rule.
SCOPED_DOCTYPES: dict[str, ScopeRule] = {
	"Student": ScopeRule(site_field="site"),
	"Student Guardian": ScopeRule(site_field=None, parent_doctype="Student"),
	"Student Consent": ScopeRule(student_field="student"),
	"Needs Assessment": ScopeRule(student_field="student", affiliate_field="affiliate"),
	"Needs Assessment Item": ScopeRule(site_field=None, parent_doctype="Needs Assessment"),
	"Support Plan": ScopeRule(student_field="student"),
	"Support Plan Goal": ScopeRule(site_field=None, parent_doctype="Support Plan"),
	"Support Plan Support": ScopeRule(site_field=None, parent_doctype="Support Plan"),
	"School-wide Activity": ScopeRule(),
	"Group Session": ScopeRule(),
	"Group Session Attendee": ScopeRule(site_field=None, parent_doctype="Group Session"),
	"Student Check-In": ScopeRule(student_field="student"),
	"Student Check-In Goal Update": ScopeRule(site_field=None, parent_doctype="Student Check-In"),
	"Student Data Point": ScopeRule(student_field="student"),
	"Student Year-End Status": ScopeRule(student_field="student"),
	"Referral": ScopeRule(student_field="student"),
	"Disclosure Record": ScopeRule(student_field="student"),
	# partnerships: by affiliate
	"Partner": ScopeRule(site_field=None, affiliate_field="affiliate"),
	"Partner Contact": ScopeRule(site_field=None, parent_doctype="Partner"),
	"Partner Service": ScopeRule(site_field=None, parent_doctype="Partner"),
	"Partner Site": ScopeRule(site_field=None, parent_doctype="Partner"),
	"Partner Contribution": ScopeRule(site_field=None, affiliate_field="affiliate"),
}
# The same DocTypes in two lists: scoped by site (student records), and by affiliate (partnerships).
AFFILIATE_SCOPED = tuple(doctype for doctype, rule in SCOPED_DOCTYPES.items() if rule.by_affiliate_only)
SITE_SCOPED = tuple(doctype for doctype in SCOPED_DOCTYPES if doctype not in AFFILIATE_SCOPED)

# Records that describe a scoped record (versions, comments, files, workflow actions, ...) follow
# that record's rule (cis_app.permissions.record_trail). Frappe's own rules for them still apply as well.
RECORD_TRAIL: dict[str, tuple[str, str]] = {
	# DocType: (field naming the referred DocType, field naming the referred record)
	"Version": ("ref_doctype", "docname"),
	"Comment": ("reference_doctype", "reference_name"),
	"File": ("attached_to_doctype", "attached_to_name"),
	"Workflow Action": ("reference_doctype", "reference_name"),
	"ToDo": ("reference_type", "reference_name"),
	"Communication": ("reference_doctype", "reference_name"),
	"Access Log": ("export_from", "reference_document"),
	"Activity Log": ("reference_doctype", "reference_name"),
	"View Log": ("reference_doctype", "reference_name"),
	"DocShare": ("share_doctype", "share_name"),
	"Notification Log": ("document_type", "document_name"),
	"Document Follow": ("ref_doctype", "ref_docname"),
	"Energy Point Log": ("reference_doctype", "reference_name"),
	"Tag Link": ("document_type", "document_name"),
	"Document Share Key": ("reference_doctype", "reference_name"),
}
