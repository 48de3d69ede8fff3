"""Row-level access to student data (FERPA): deny by default.

A user sees the records of the sites they currently serve (``cis_app.core.access``). For each scoped
DocType one rule says where its site comes from; the same rule builds the list condition
(``permission_query_conditions``) and answers the single-document check (``has_permission``), so the
two cannot drift apart. Roles (DocPerm) still decide which DocTypes a user may touch at all.

Partnership records (partners and their contributions) are scoped the same way by affiliate: one
Frappe site may host several affiliates, and staff see only the affiliates they serve.

Frappe's sharing and assignment would grant read around these rules, so sharing a scoped record
with anyone outside its site's staff is refused (``validate_share``), and scoped DocTypes are kept
out of global search. Records that describe a scoped record (versions, comments, files, workflow
actions, ...) follow the record's rule: ``cis_app.permissions.record_trail``.
"""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import nowdate

from cis_app.utils.bulk import update_by_key
from cis_app.core.access import permitted_affiliates, permitted_sites, sql_in_condition
from cis_app.utils.exceptions import OutOfScopeError, ShareNotAllowedError
from cis_app.utils.roles import SCOPED_DOCTYPES, STAFF_ROLES, ScopeRule

# Users who are never restricted by site scope.
UNRESTRICTED_USERS = frozenset({"Administrator"})
# Permission types that change a record: for these the stored site must be in scope too, so a
# record of another site cannot be pulled into one's own by editing its site.
WRITE_PTYPES = frozenset({"write", "delete", "submit", "cancel", "amend", "create"})


# The DocTypes whose records name or describe students (not the partnerships, not school-wide
# activities): what cis_app.permissions.ways_out and cis_app.cis_case_management.disclosures call student-level.
STUDENT_LEVEL_DOCTYPES = frozenset(
	doctype
	for doctype, rule in SCOPED_DOCTYPES.items()
	if doctype in ("Student", "Group Session")
	or rule.student_field
	or rule.parent_doctype
	in ("Student", "Needs Assessment", "Support Plan", "Group Session", "Student Check-In")
)


def note_student_read(doctype: str | None) -> None:
	"""The permission rules were asked about student-level records in this request: a file it answers
	with must come from a route that records the disclosure (cis_app.permissions.ways_out)."""
	if doctype in STUDENT_LEVEL_DOCTYPES and getattr(frappe.local, "flags", None) is not None:
		frappe.local.flags.cis_read_student_data = True


# ---------------------------------------------------------------- scope of a user


def get_permitted_sites(user: str | None = None) -> frozenset[str]:
	"""Sites ``user`` currently serves, through Site Staff and Affiliate Staff rows.

	Memoised for the request; ``clear_scope_cache`` drops it when assignments change.
	"""
	return _scope(user)[0]


def get_permitted_affiliates(user: str | None = None) -> frozenset[str]:
	"""Affiliates ``user`` currently serves: Affiliate Staff rows, and the affiliates of their sites."""
	return _scope(user)[1]


def _scope(user: str | None) -> tuple[frozenset[str], frozenset[str]]:
	user = user or frappe.session.user
	cache = getattr(frappe.local, "cis_site_scope", None)
	if cache is None:
		cache = frappe.local.cis_site_scope = {}
	if user not in cache:
		cache[user] = _load_scope(user)
	return cache[user]


def _load_scope(user: str) -> tuple[frozenset[str], frozenset[str]]:
	site_rows = frappe.get_all(
		"Site Staff",
		filters={"user": user, "parenttype": "Site"},
		fields=["parent as site", "from_date", "to_date"],
	)
	affiliate_rows = frappe.get_all(
		"Affiliate Staff",
		filters={"user": user, "parenttype": "Affiliate"},
		fields=["parent as affiliate", "from_date", "to_date"],
	)
	sites_by_affiliate: dict[str, list[str]] = {}
	if affiliate_rows:
		for site in frappe.get_all(
			"Site",
			filters={"affiliate": ["in", [row.affiliate for row in affiliate_rows]]},
			fields=["name", "affiliate"],
		):
			sites_by_affiliate.setdefault(site.affiliate, []).append(site.name)
	today = nowdate()
	sites = permitted_sites(site_rows, affiliate_rows, sites_by_affiliate, today)
	site_affiliates = (
		frappe.get_all("Site", filters={"name": ["in", list(sites)]}, pluck="affiliate") if sites else []
	)
	return sites, permitted_affiliates(affiliate_rows, site_affiliates, today)


def clear_scope_cache(*args, **kwargs) -> None:
	"""Forget memoised scopes (after a Site or Affiliate's staff changes)."""
	frappe.local.cis_site_scope = {}


def is_unrestricted(user: str | None = None) -> bool:
	return (user or frappe.session.user) in UNRESTRICTED_USERS


def app_list_rules() -> dict[str, str]:
	"""Each DocType with a list condition of cis_app's (``permission_query_conditions``), with the
	method, as Frappe reads the hooks (other apps' rules for the same DocType apply as well)."""
	rules = {}
	for doctype, methods in frappe.get_hooks("permission_query_conditions").items():
		ours = [method for method in methods if method.startswith("cis_app.")]
		if ours:
			rules[doctype] = ours[-1]
	return rules


def is_staff(user: str | None = None, roles: tuple[str, ...] = STAFF_ROLES) -> bool:
	"""Whether ``user`` counts as staff: the Administrator and System Managers always, otherwise a
	user holding one of ``roles`` (by default every CIS role that is not a website-only one). Guests
	and website users (volunteers, partner contacts) never."""
	user = user or frappe.session.user
	if user == "Guest":
		return False
	user_roles = set(frappe.get_roles(user))
	return is_unrestricted(user) or "System Manager" in user_roles or bool(set(roles) & user_roles)


# ---------------------------------------------------------------- district-wide runs (imports, retention)
# A Roster Import or a Retention Run reaches every student of an affiliate: System Managers run them
# for any affiliate, a CIS Administrator only for the affiliates they serve (the DocType's permissions
# grant the role itself).
ANY_AFFILIATE_ROLES = frozenset({"System Manager"})


def runs_any_affiliate(user: str | None = None) -> bool:
	user = user or frappe.session.user
	return is_unrestricted(user) or bool(ANY_AFFILIATE_ROLES & set(frappe.get_roles(user)))


def affiliate_run_conditions(doctype: str, user: str | None = None) -> str:
	"""``permission_query_conditions`` of an affiliate-wide run: the affiliates the user serves."""
	user = user or frappe.session.user
	if runs_any_affiliate(user):
		return ""
	return sql_in_condition(f"`tab{doctype}`.`affiliate`", get_permitted_affiliates(user), frappe.db.escape)


def has_affiliate_run_permission(
	doc, ptype: str | None, user: str | None, affiliate: str | None, stored_affiliate
) -> bool:
	"""``has_permission`` of an affiliate-wide run whose affiliate is ``affiliate``: only within the
	affiliates the user serves; a change must also leave the stored affiliate in scope
	(``stored_affiliate()``, read only for a change), so another affiliate's run cannot be pulled in."""
	user = user or frappe.session.user
	if runs_any_affiliate(user):
		return True
	permitted = get_permitted_affiliates(user)
	if not affiliate:
		return bool(doc.is_new() and permitted)
	if affiliate not in permitted:
		return False
	if (ptype or "read") in WRITE_PTYPES:
		stored = stored_affiliate()
		if stored and stored not in permitted:
			return False
	return True


def move_student_records(moved: dict[str, str]) -> None:
	"""Students moved to a new site (student -> site): the records hanging off them carry the new site,
	the copy list conditions read (one statement per DocType, for one student or a roster's worth)."""
	if not moved:
		return
	for doctype, rule in SCOPED_DOCTYPES.items():
		if rule.student_field and rule.site_field:
			update_by_key(doctype, rule.student_field, rule.site_field, moved)


# ---------------------------------------------------------------- list conditions


def site_condition(doctype: str, user: str | None = None) -> str:
	"""The SQL condition limiting ``doctype``'s rows to ``user``'s sites or affiliates ('' when
	unrestricted)."""
	user = user or frappe.session.user
	if is_unrestricted(user):
		return ""
	rule = SCOPED_DOCTYPES[doctype]
	if rule.parent_doctype:
		parent = rule.parent_doctype
		return (
			f"`tab{doctype}`.`parent` in (select `tab{parent}`.`name` from `tab{parent}` "
			f"where {site_condition(parent, user)})"
		)
	parts = []
	if rule.site_field:
		parts.append(
			sql_in_condition(
				f"`tab{doctype}`.`{rule.site_field}`", get_permitted_sites(user), frappe.db.escape
			)
		)
	if rule.affiliate_field:
		in_affiliate = sql_in_condition(
			f"`tab{doctype}`.`{rule.affiliate_field}`", get_permitted_affiliates(user), frappe.db.escape
		)
		if rule.site_field:
			in_affiliate = f"(ifnull(`tab{doctype}`.`{rule.site_field}`, '') = '' and {in_affiliate})"
		parts.append(in_affiliate)
	return parts[0] if len(parts) == 1 else "(" + " or ".join(parts) + ")"


def get_permission_query_conditions(user: str | None = None, doctype: str | None = None) -> str:
	"""``permission_query_conditions`` hook for every scoped DocType."""
	note_student_read(doctype)
	return site_condition(doctype, user)


# ---------------------------------------------------------------- single documents


def site_of(doc) -> str | None:
	"""The authoritative site of a scoped document (or its parent, for child rows)."""
	rule = SCOPED_DOCTYPES[doc.doctype]
	if rule.parent_doctype:
		if not doc.get("parent"):
			return None
		parent = frappe.get_doc(rule.parent_doctype, doc.parent)
		return site_of(parent)
	if rule.student_field and doc.get(rule.student_field):
		return frappe.db.get_value("Student", doc.get(rule.student_field), "site")
	return doc.get(rule.site_field) if rule.site_field else None


def affiliate_of(doc) -> str | None:
	"""The affiliate a site-less scoped document belongs to (a community assessment, a partner)."""
	rule = SCOPED_DOCTYPES[doc.doctype]
	if rule.parent_doctype:
		if not doc.get("parent"):
			return None
		return affiliate_of(frappe.get_doc(rule.parent_doctype, doc.parent))
	return doc.get(rule.affiliate_field) if rule.affiliate_field else None


def stored_value(doc, fieldname: str):
	"""The value the database holds for an existing document's field (None for a new document)."""
	if not doc.get("name") or doc.is_new():
		return None
	return frappe.db.get_value(doc.doctype, doc.name, fieldname)


def stored_scope_of(doc) -> tuple[str | None, str | None]:
	"""(site, affiliate) the database holds for an existing document ((None, None) for a new one or a
	child row)."""
	rule = SCOPED_DOCTYPES[doc.doctype]
	if rule.parent_doctype or not doc.get("name") or doc.is_new():
		return None, None
	fields = [field for field in (rule.site_field, rule.affiliate_field) if field]
	stored = frappe.db.get_value(doc.doctype, doc.name, fields, as_dict=True) or {}
	return (
		stored.get(rule.site_field) if rule.site_field else None,
		stored.get(rule.affiliate_field) if rule.affiliate_field else None,
	)


def _in_scope(site: str | None, affiliate: str | None, rule: ScopeRule, user: str) -> bool | None:
	"""True/False for a known scope; None when the record has neither a site nor an affiliate yet."""
	if site:
		return site in get_permitted_sites(user)
	if rule.affiliate_field and affiliate:
		return affiliate in get_permitted_affiliates(user)
	return None


def has_scoped_permission(doc, ptype: str | None = None, user: str | None = None) -> bool:
	"""``has_permission`` hook for every scoped DocType: True only within the user's sites (or
	affiliates, for site-less records).

	A new document with no site yet is let through to its own validation (a mandatory site), so the
	user gets "Site is required" rather than a bare permission error. For a change, the stored site or
	affiliate must be in scope too, so a record cannot be pulled in from another site or affiliate.
	"""
	user = user or frappe.session.user
	note_student_read(doc.doctype)
	if is_unrestricted(user):
		return True
	rule = SCOPED_DOCTYPES[doc.doctype]
	site = site_of(doc)
	if doc.is_new() and site and rule.site_field and not frappe.db.exists("Site", site):
		site = None  # a site that does not exist: the record's validation names the field
	allowed = _in_scope(site, affiliate_of(doc), rule, user)
	if allowed is None:
		scope = get_permitted_affiliates(user) if rule.site_field is None else get_permitted_sites(user)
		return bool(doc.is_new() and scope)
	if not allowed:
		return False
	if (ptype or "read") in WRITE_PTYPES:
		stored_site, stored_affiliate = stored_scope_of(doc)
		if _in_scope(stored_site, stored_affiliate, rule, user) is False:
			return False
	return True


def check_in_scope(doc, user: str | None = None) -> None:
	"""Controller guard: throw a clear error when ``doc`` lies outside the user's sites or affiliates.

	Called from ``validate`` (after the record's scope fields are normalised) as a second line behind
	``has_permission`` (which only says "no permission"), and covering saves that skip the permission
	check. A student of another site is answered exactly like a student that does not exist, so the
	error tells nothing about records the user may not see.
	"""
	user = user or frappe.session.user
	if is_unrestricted(user) or doc.flags.ignore_permissions:
		return
	rule = SCOPED_DOCTYPES[doc.doctype]
	student = doc.get(rule.student_field) if rule.student_field else None
	if student and site_of(doc) not in get_permitted_sites(user):
		raise_link_not_found([(doc, rule.student_field)])
	if not student and rule.site_field and doc.get(rule.site_field):
		if not frappe.db.exists("Site", doc.get(rule.site_field)):
			raise_link_not_found([(doc, rule.site_field)])
	stored_site, stored_affiliate = stored_scope_of(doc)
	for site, affiliate in ((site_of(doc), affiliate_of(doc)), (stored_site, stored_affiliate)):
		if _in_scope(site, affiliate, rule, user) is False:
			frappe.throw(
				_(
					"You are not assigned to {0}. You can only work with records of the sites and affiliates you serve."
				).format(frappe.bold(site or affiliate)),
				OutOfScopeError,
				title=_("Not Permitted"),
			)


def raise_link_not_found(links: list[tuple]) -> None:
	"""The error for links to records the user may not see: word for word Frappe's own error for a
	link to a record that does not exist ("Could not find Row #2: Student: STU-0001"), so the answer
	tells nothing about records outside the user's scope. ``links``: (document or row, fieldname)."""
	messages = []
	for doc, fieldname in links:
		df = doc.meta.get_field(fieldname)
		label = _(df.label, context=df.parent) if df else fieldname
		if doc.get("parentfield"):
			messages.append("{} #{}: {}: {}".format(_("Row"), doc.idx, label, doc.get(fieldname)))
		else:
			messages.append(f"{label}: {doc.get(fieldname)}")
	frappe.throw(_("Could not find {0}").format(", ".join(messages)), frappe.LinkValidationError)


def can_see(doctype: str, name: str, user: str | None = None) -> bool:
	"""Whether ``name`` exists for ``user``: through the list condition, so the answer for a record of
	another site or affiliate is the same as for one that does not exist."""
	if not name:
		return False
	return bool(
		frappe.get_list(doctype, filters={"name": name}, pluck="name", limit_page_length=1, user=user)
	)


# ---------------------------------------------------------------- sharing and assignment


def validate_share(doc, method=None) -> None:
	"""DocShare ``validate`` hook: scoped records are never shared.

	In Frappe a share grants read even where the ``has_permission`` hook says no, and it outlives
	the site assignment that justified it. Staff of a student's site already see the record, so a
	share could only ever reach someone who must not. "Assign To" shares a document only with an
	assignee who cannot read it, so assigning to the site's own staff still works, and assigning to
	anyone else is refused here.
	"""
	if doc.share_doctype not in SCOPED_DOCTYPES:
		return
	frappe.throw(
		_(
			"{0} records cannot be shared or assigned to {1}: only staff assigned to the record's site may see it. Add the user to the site's staff instead."
		).format(_(doc.share_doctype), frappe.bold(doc.user) if doc.user else _("everyone")),
		ShareNotAllowedError,
		title=_("Not Permitted"),
	)


def validate_assignment(doc, method=None) -> None:
	"""ToDo ``validate`` hook: a scoped record can only be assigned to staff who may read it.

	Frappe would otherwise create the ToDo and then share the record with the assignee.
	"""
	if doc.reference_type not in SCOPED_DOCTYPES or not doc.reference_name or not doc.allocated_to:
		return
	target = frappe.get_doc(doc.reference_type, doc.reference_name)
	role_perms = frappe.permissions.get_role_permissions(
		frappe.get_meta(doc.reference_type), user=doc.allocated_to
	)
	if role_perms.get("read") and has_scoped_permission(target, "read", doc.allocated_to):
		return
	frappe.throw(
		_(
			"{0} cannot be assigned to {1}: they do not serve site {2}. Add the user to the site's staff first."
		).format(
			_(doc.reference_type),
			frappe.bold(doc.allocated_to),
			frappe.bold(site_of(target) or affiliate_of(target) or ""),
		),
		ShareNotAllowedError,
		title=_("Not Permitted"),
	)


# Filtering, sorting or grouping by an unreadable field is refused wherever this module is in use
# (requests and jobs install it through hooks as well).
from cis_app.permissions import field_guard
field_guard.install()
