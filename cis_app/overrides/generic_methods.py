"""Whitelisted Frappe methods that would answer questions about records around the permission rules."""

from __future__ import annotations

import frappe
from frappe import _
from frappe.client import get_count as frappe_get_count
from frappe.client import get_safe_filters
from frappe.client import validate_link as frappe_validate_link
from frappe.utils.data import cint

from cis_app.permissions.field_guard import is_app_doctype, refuse_quoted_filter_fields
from cis_app.permissions.scope import can_see


@frappe.whitelist()
def get_count(doctype: str, filters=None, debug: bool = False, cache: bool = False) -> int:
	"""``frappe.client.get_count`` counts with ``frappe.db.count``, which ignores permissions: with
	filters it answers yes/no questions about any record (a Version of another site's plan whose data
	contains "Closed", a File attached to another site's consent). A count of a DocType with a
	row-level rule of ours (its scoped DocTypes, and the records that describe them) goes through
	``frappe.get_list`` instead, which applies role permissions and every row-level rule, as the list
	itself does; so does a count of any other DocType of the app (role permissions and the field
	guard). Every other app's DocType is counted by Frappe's own function."""
	if not (_has_row_rule(doctype) or is_app_doctype(doctype)):
		return frappe_get_count(doctype, filters=filters, debug=debug, cache=cache)
	filters = get_safe_filters(filters)
	refuse_quoted_filter_fields(doctype, filters)
	rows = frappe.get_list(
		doctype,
		filters=filters,
		fields=["count(*) as total"],
		order_by=None,
		limit_page_length=0,
	)
	return cint(rows[0].total) if rows else 0


@frappe.whitelist()
def validate_link(doctype: str, docname: str, fields=None):
	"""``frappe.client.validate_link`` confirms that any record exists. For a DocType with a row-level
	rule of ours, a record the user may not see gets the same answer as one that does not exist."""
	if (
		isinstance(doctype, str)
		and isinstance(docname, str)
		and _has_row_rule(doctype)
		and not can_see(doctype, docname)
	):
		if not frappe.has_permission(doctype, "read") and not frappe.has_permission(doctype, "select"):
			frappe.throw(
				_("You do not have Read or Select Permissions for {}").format(frappe.bold(doctype)),
				frappe.PermissionError,
			)
		return frappe._dict()
	return frappe_validate_link(doctype, docname, fields)


def _has_row_rule(doctype) -> bool:
	"""Whether the app puts a row-level rule of its own on ``doctype`` (its scoped DocTypes, and the
	records that describe them: Version, Comment, ToDo, Tag Link...). Every other DocType keeps
	Frappe's own behaviour."""
	if not isinstance(doctype, str):
		return False
	rules = frappe.get_hooks("permission_query_conditions", {}).get(doctype) or []
	return any(str(rule).startswith("cis_app.") for rule in rules)


@frappe.whitelist()
def get_link_title(doctype, docname):
	"""``frappe.desk.search.get_link_title`` reads the title of any record without a permission check
	(a student's full name for any logged-in user). For a DocType with a row-level rule of ours, a record
	the user may not see gets the answer of a record that does not exist."""
	# Frappe's function, read when called: a wrapper installed in its module since is the one used
	from frappe.desk.search import get_link_title as frappe_get_link_title

	if _has_row_rule(doctype) and not can_see(doctype, docname):
		if not frappe.has_permission(doctype, "read") and not frappe.has_permission(doctype, "select"):
			frappe.throw(
				_("You do not have Read or Select Permissions for {}").format(frappe.bold(doctype)),
				frappe.PermissionError,
			)
		return None if frappe.get_meta(doctype).show_title_field_in_link else docname
	return frappe_get_link_title(doctype, docname)


@frappe.whitelist()
def get_group_by_count(doctype: str, current_filters: str, field: str) -> list[dict]:
	"""``frappe.desk.listview.get_group_by_count`` with ``field="assigned_to"`` counts assignments over
	rows chosen by ``frappe.qb.get_query``, which applies no permission, no row rule and no field guard:
	with a filter on a hidden field it spells that field out. For a DocType with a row-level rule of
	ours the rows come from ``frappe.get_list`` instead (role permissions, our rule, the field guard),
	as the list itself does. Grouping by a field goes through ``frappe.get_list`` in Frappe already."""
	# Frappe's function, read when called: a wrapper installed in its module since is the one used
	from frappe.desk.listview import get_group_by_count as frappe_get_group_by_count

	if field != "assigned_to" or not _has_row_rule(doctype):
		return frappe_get_group_by_count(doctype, current_filters, field)

	# the list's own query (with its permission conditions), as a subquery: never a list of names
	readable = frappe.get_list(
		doctype,
		filters=frappe.parse_json(current_filters),
		fields=[f"`tab{doctype}`.`name`"],
		order_by=None,
		limit_page_length=0,
		run=False,
	)
	return frappe.db.sql(
		f"""select todo.allocated_to as name, count(*) as count
		from `tabToDo` todo join `tabUser` assignee on assignee.name = todo.allocated_to
		where todo.status != 'Cancelled' and assignee.user_type = 'System User'
			and todo.reference_type = %(doctype)s and todo.reference_name in ({readable.replace("%", "%%")})
		group by todo.allocated_to order by count desc limit 50""",  # nosemgrep: the subquery is Frappe's
		{"doctype": doctype},
		as_dict=True,
	)


@frappe.whitelist()
def get_tagged_docs(doctype, tag):
	"""``frappe.desk.doctype.tag.tag.get_tagged_docs`` checks the DocType permission, then returns every
	record carrying the tag (another site's student ids). For a DocType with a row-level rule of ours
	only the records the user may read are returned, in Frappe's shape."""
	# Frappe's function, read when called: a wrapper installed in its module since is the one used
	from frappe.desk.doctype.tag.tag import get_tagged_docs as frappe_get_tagged_docs

	if not _has_row_rule(doctype):
		return frappe_get_tagged_docs(doctype, tag)
	frappe.has_permission(doctype, throw=True)
	names = frappe.get_list(
		doctype, filters=[[doctype, "_user_tags", "like", tag]], pluck="name", limit_page_length=0
	)
	return [(name,) for name in names]
