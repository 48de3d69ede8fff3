"""Refuse filtering, sorting or grouping by a field the user cannot read, and whole-record lists.

Frappe hides a field above the user's permlevel from the columns of a list, but still lets the user
filter, sort and group by it: a CIS Administrator without access to health notes could list the
students whose notes contain "asthma" (``reportview.get``, ``get_list``, counts, group-by counts, the
REST API, dashboard charts, number cards, exports). Every one of those doors builds its query with
``DatabaseQuery``, so the check sits there: before the conditions are built, each filter and
``or_filters`` entry, the sort, the grouping and every computed column (``count(...)``, ``sum(...)``)
is checked against the fields the user may read, and a query naming a field the user cannot read is
refused (403).

Field names are matched as MariaDB matches column names: case-insensitively, with or without
backticks, with or without a table prefix (``HEALTH_NOTES``, ```health_notes```,
```tabStudent`.`Health_Notes```, ``tabStudent.health_notes``). A plain column in ``fields`` is left to
Frappe, which drops a column the user cannot read from the answer. A filter on one of the app's
DocTypes whose field is not a plain name (backticks, a table prefix) is refused with a 417 saying how
to write it (Frappe would put it in the SQL as it is and answer 500).

A list of whole records (``fields=["*"]``, ``frappe.client.get_value`` with ``fieldname="*"``) of a
DocType that holds students is refused with the fields to ask for instead: a whole student record is
read by opening it (the desk form, ``frappe.client.get``, ``GET /api/resource/Student/<name>``), which
writes a View Log (``cis_app.cis_case_management.disclosures.record_api_read``). Frappe expands ``["*"]`` before the query
is built, so that check runs on the request (``refuse_whole_record_lists``, a ``before_request`` hook)
as well as on the query.

Only the app's own DocTypes are checked (those of the modules in ``modules.txt``): every other app's
DocTypes behave exactly as Frappe's. The wrapper outlives the request that installed it (one process
serves every site of the bench), so it asks on every call whether the current site has cis_app
(``cis_app.utils.installed.on_this_site``) and, on a site without it, is Frappe's function and nothing more.

Patch: ``frappe.model.db_query.DatabaseQuery.build_conditions`` (Frappe 15.55.1) is wrapped, once per
process, at the start of every request and background job (``before_request``, ``before_job``) and
when ``cis_app.permissions.scope`` is first imported: no hook runs between parsing a list's arguments and
building its SQL. It only ever refuses; it changes no query. Queries run with ``ignore_permissions``
(the app's own code) and Administrator's are not checked. On Frappe v16 lists no longer call
``build_conditions``: ``test_field_guard_spellings`` goes red then.
"""

from __future__ import annotations

import functools
import json
import re
from urllib.parse import unquote

import frappe
from frappe import _
from frappe.model import get_permitted_fields
from frappe.utils import escape_html

from cis_app.utils.installed import APP, on_this_site
from cis_app.utils.student_records import child_tables, student_fields

# A name as MariaDB reads one: `quoted` (a doubled backtick stands for one) or bare, optionally
# qualified by a table (`tabStudent`.`health_notes`, tabStudent.health_notes)
_NAME = r"(?:`(?:[^`]|``)+`|[\w$]+)"
QUALIFIED_NAME = re.compile(rf"({_NAME})\s*\.\s*({_NAME})|({_NAME})")
# a plain column in ``fields``: [table.]column [[as] alias]; Frappe drops it when unreadable
PLAIN_COLUMN = re.compile(rf"^\s*(?:{_NAME}\s*\.\s*)?{_NAME}(?:\s+(?:as\s+)?{_NAME})?\s*$", re.IGNORECASE)
PLAIN_FIELDNAME = re.compile(r"^\w+$")
DEFAULT_ORDER = "KEEP_DEFAULT_ORDERING"  # frappe.model.db_query.DefaultOrderBy
# whitelisted methods that read a list or a value with the fields a request names (``*`` = all)
LIST_METHODS = {
	"frappe.client.get_list": "fields",
	"frappe.client.get_value": "fieldname",
	"frappe.desk.reportview.get": "fields",
	"frappe.desk.reportview.get_list": "fields",
}
RESOURCE_LIST = re.compile(r"^/api/(?:v1/)?resource/([^/]+)/?$|^/api/v2/document/([^/]+)/?$")
METHOD_PATH = re.compile(r"^/api/(?:v1/|v2/)?method/([^/]+)/?$")


class UnreadableFieldError(frappe.PermissionError):
	"""A query filters, sorts, groups or computes by a field the user may not read."""


class WholeRecordListError(frappe.PermissionError):
	"""A list of whole records (``*``) of a DocType that holds students."""


class FilterFieldNameError(frappe.ValidationError):
	"""A filter names a field in a form Frappe would put into the SQL as it is."""


# ------------------------------------------------------------------ installing the check


def install(*args, **kwargs) -> None:
	"""Wrap ``DatabaseQuery.build_conditions`` once per process."""
	# Frappe's module, read when the wrapper is installed (once per process, by a hook)
	from frappe.model.db_query import DatabaseQuery

	if getattr(DatabaseQuery, "_cis_field_guard", False):
		return
	original = DatabaseQuery.build_conditions

	def build_conditions(self):
		# per call: this process may serve a site of the bench without cis_app next (cis_app.utils.installed)
		if not self.flags.ignore_permissions and on_this_site():
			refuse_unreadable_fields(self)
		return original(self)

	DatabaseQuery.build_conditions = build_conditions
	DatabaseQuery._cis_field_guard = True


# ------------------------------------------------------------------ whose DocTypes


@functools.cache
def app_modules() -> frozenset[str]:
	return frozenset(frappe.scrub(module) for module in frappe.get_module_list(APP))


def is_app_doctype(doctype: str | None) -> bool:
	if not doctype or not isinstance(doctype, str):
		return False
	module = frappe.db.get_value("DocType", doctype, "module", cache=True)
	return bool(module) and frappe.scrub(module) in app_modules()


def app_doctype_named(name: str) -> str | None:
	"""The app's DocType ``name`` stands for (DocType names compare case-insensitively in the database,
	as table names may on some systems)."""
	if not name:
		return None

	def lookup():
		row = frappe.db.get_value("DocType", name, ["name", "module"], as_dict=True)
		return row.name if row and row.module and frappe.scrub(row.module) in app_modules() else None

	return frappe.local_cache("cis_app_doctype_named", name.lower(), lookup)


def hidden_fields(doctype: str, parent_doctype: str | None, user: str) -> frozenset[str]:
	"""Fields (lower case) of the app's ``doctype`` above permlevel 0 that ``user`` may not read; none for
	another app's DocType."""
	if not is_app_doctype(doctype):
		return frozenset()
	meta = frappe.get_meta(doctype)
	restricted = {df.fieldname for df in meta.fields if df.permlevel and df.fieldname}
	if not restricted:
		return frozenset()

	permitted = set(get_permitted_fields(doctype, parenttype=parent_doctype, user=user))
	return frozenset(fieldname.lower() for fieldname in restricted - permitted)


# ------------------------------------------------------------------ the check on a query


def refuse_unreadable_fields(query) -> None:
	user = query.user or frappe.session.user
	if user == "Administrator":
		return
	main = query.doctype
	hidden: dict[str, frozenset[str]] = {}

	def hidden_of(doctype: str) -> frozenset[str]:
		if doctype not in hidden:
			hidden[doctype] = hidden_fields(doctype, main if doctype != main else None, user)
		return hidden[doctype]

	guard = _Names(query, hidden_of)
	for filters in (query.filters, query.or_filters):
		for condition in _as_list(filters):
			if isinstance(condition, str):
				guard.check_text(condition, guard.query_doctypes())
				continue
			for doctype, fieldname in _filter_fields(main, condition):
				guard.check_filter(doctype, fieldname)
	for text in (query.order_by, query.group_by):
		if text and text != DEFAULT_ORDER:
			guard.check_text(text, guard.query_doctypes())
	for field in query.fields or []:
		if not isinstance(field, str):
			continue
		if field.strip() == "*":
			refuse_whole_records(main)
		elif not PLAIN_COLUMN.match(field):
			guard.check_text(field, guard.query_doctypes())


class _Names:
	"""Resolves the names a query's text uses to (DocType, field) as MariaDB would, and refuses a hidden
	one."""

	def __init__(self, query, hidden_of):
		self.query = query
		self.main = query.doctype
		self.hidden_of = hidden_of

	def query_doctypes(self) -> list[str]:
		"""DocTypes an unqualified column may belong to: the main one, its child tables (a filter on a
		child's field joins it) and the tables already joined."""
		doctypes = [self.main, *_child_tables(self.main)]
		for table in getattr(self.query, "tables", None) or []:
			doctypes.append(_unquote(table).removeprefix("tab"))
		for link in getattr(self.query, "link_tables", None) or []:
			doctypes.append(link.doctype)
		return list(dict.fromkeys(doctypes))

	def table_doctype(self, table: str) -> str | None:
		table = _unquote(table)
		aliases = getattr(self.query, "linked_table_aliases", None) or {}
		if table in aliases:
			table = _unquote(aliases[table])
		if table[:3].lower() == "tab":
			return app_doctype_named(table[3:])
		return app_doctype_named(table)

	def check_text(self, text, doctypes: list[str]) -> None:
		for table, column, bare in QUALIFIED_NAME.findall(str(text)):
			if table:
				doctype = self.table_doctype(table)
				if doctype:
					self.check(doctype, column)
			else:
				for doctype in doctypes:
					self.check(doctype, bare)

	def check(self, doctype: str, name: str) -> None:
		fieldname = _unquote(name).lower()
		if fieldname in self.hidden_of(doctype):
			_refuse(doctype, fieldname)

	def check_filter(self, doctype: str, fieldname) -> None:
		if fieldname is None:
			return
		text = str(fieldname)
		doctypes = [doctype, *_child_tables(doctype)]
		self.check_text(text, doctypes)
		if (
			not PLAIN_FIELDNAME.match(text.strip())
			and "ifnull(" not in text.lower()
			and any(is_app_doctype(dt) for dt in doctypes)
		):
			refuse_field_name(doctype, text)


def refuse_quoted_filter_fields(doctype: str, filters) -> None:
	"""A filter whose field name holds a backtick (```name```, ```tabToDo`.`name```): Frappe would put
	it in the SQL as it is and answer 500. For the counts the app answers itself (``cis_app.overrides.generic_methods.
	get_count``: its DocTypes and the records about them; other apps' DocTypes keep Frappe's count). The app's DocTypes are checked in every list
	(``_Names.check_filter``, which first refuses a field the user cannot read, however spelt), except
	for Administrator: here they are checked for Administrator only."""
	if is_app_doctype(doctype) and frappe.session.user != "Administrator":
		return
	for condition in _as_list(filters):
		names = (
			[condition]
			if isinstance(condition, str)
			else [f for _dt, f in _filter_fields(doctype, condition)]
		)
		for fieldname in names:
			if "`" in str(fieldname or ""):
				refuse_field_name(doctype, str(fieldname))


def refuse_field_name(doctype: str, text: str) -> None:
	"""A filter's field written as something other than a plain field name: a clear 417."""
	frappe.throw(
		_(
			"{0} is not a field name of {1}. Write the field's name alone, without backticks or a "
			"table name (for a child table's field: [child DocType, field, operator, value])."
		).format(frappe.bold(escape_html(text)), _(doctype)),
		FilterFieldNameError,
		title=_("Invalid Filter"),
	)


def _unquote(name: str) -> str:
	name = name.strip()
	if len(name) >= 2 and name[0] == "`" and name[-1] == "`":
		return name[1:-1].replace("``", "`")
	return name


def _child_tables(doctype: str) -> list[str]:
	if not is_app_doctype(doctype):
		return []
	return [df.options for df in frappe.get_meta(doctype).get_table_fields()]


def _as_list(filters) -> list:
	if not filters:
		return []
	if isinstance(filters, str):
		try:
			filters = json.loads(filters)
		except ValueError:
			return [filters]
	if isinstance(filters, dict):
		return [[key, value] for key, value in filters.items()]
	return list(filters)


def _filter_fields(main: str, condition) -> list[tuple[str, object]]:
	"""(doctype, field name as written) of each field a parsed filter names."""
	if isinstance(condition, dict):  # {fieldname: value}, as ``get_filter`` reads one
		return [(main, key) for key in condition]
	items = list(condition) if isinstance(condition, list | tuple) else []
	if len(items) >= 4:
		doctype = items[0] if isinstance(items[0], str) and items[0] else main
		return [(doctype, items[1])]
	if items:
		return [(main, items[0])]
	return []


def _refuse(doctype: str, fieldname: str) -> None:
	df = frappe.get_meta(doctype).get_field(fieldname)
	label = df.label if df and df.label else fieldname
	frappe.throw(
		_("You cannot filter, sort or group {0} by {1}: you do not have access to that field.").format(
			_(doctype), frappe.bold(_(label))
		),
		UnreadableFieldError,
		title=_("Not Permitted"),
	)


# ------------------------------------------------------------------ whole records


def holds_students(doctype: str | None) -> bool:
	"""DocTypes whose rows are about one student: the record, its child rows (guardians), and rows naming
	the student (consents, plans, check-ins, referrals...)."""
	if not doctype or not isinstance(doctype, str) or not is_app_doctype(doctype):
		return False
	return doctype in student_fields() or doctype in child_tables("Student")


def list_fields(doctype: str) -> list[str]:
	"""The fields to name instead of ``*``: the name, the title and the list view's columns, all at
	permlevel 0 (readable by whoever may read the DocType; on the request the user is not known yet)."""
	meta = frappe.get_meta(doctype)
	level_0 = {df.fieldname for df in meta.fields if not df.permlevel}
	fields = ["name"]
	for fieldname in [meta.title_field, *(df.fieldname for df in meta.fields if df.in_list_view)]:
		if fieldname and fieldname in level_0 and fieldname not in fields:
			fields.append(fieldname)
	return fields


def refuse_whole_records(doctype: str) -> None:
	if not holds_students(doctype):
		return
	frappe.throw(
		_(
			"Whole {0} records are not given out as a list or a value: name the fields you need, for "
			"example {1}. To read one whole record, open it (the form, or GET /api/resource/{0}/<name>): "
			"that read is recorded."
		).format(_(doctype), frappe.bold(json.dumps(list_fields(doctype)))),
		WholeRecordListError,
		title=_("Not Permitted"),
	)


def refuse_whole_record_lists(*args, **kwargs) -> None:
	"""``before_request`` hook: ``fields=["*"]`` (or ``fieldname="*"``) asked of a DocType that holds
	students through Frappe's list and value methods or the REST list. Frappe turns ``["*"]`` into
	every readable field before the query is built, so it is refused here, on the request."""
	request = getattr(frappe.local, "request", None)
	if not request or not getattr(frappe.local, "form_dict", None):
		return
	form = frappe.local.form_dict
	doctype = param = None
	path = request.path or ""
	if match := RESOURCE_LIST.match(path):
		if request.method != "GET":
			return

		doctype, param = unquote(match.group(1) or match.group(2)), "fields"
	else:
		method = (match.group(1) if (match := METHOD_PATH.match(path)) else None) or form.get("cmd")
		if method in LIST_METHODS:
			doctype, param = form.get("doctype"), LIST_METHODS[method]
	if not doctype or not _asks_for_everything(form.get(param)):
		return
	refuse_whole_records(doctype)


def _asks_for_everything(fields) -> bool:
	if isinstance(fields, str):
		if fields.strip() == "*":
			return True
		try:
			fields = json.loads(fields)
		except ValueError:
			return False
	if isinstance(fields, str):
		return fields.strip() == "*"
	if isinstance(fields, list | tuple):
		return any(isinstance(field, str) and field.strip() == "*" for field in fields)
	return False
