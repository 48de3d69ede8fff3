"""Bulk inserts for seeding (the demo, benchmarks): rows the core has already validated.

``frappe.db.bulk_insert`` runs no controller, so callers validate with ``cis_app.core`` first
(the rules in the core, then one insert for many rows).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal

import frappe
from frappe.utils import now_datetime
from pymysql.constants import SERVER_STATUS
from pymysql.converters import escape_string

STANDARD_FIELDS = ("creation", "modified", "owner", "modified_by", "docstatus")
NUMERIC_TYPES = ("Int", "Float", "Currency", "Check", "Percent")


def insert_rows(
	doctype: str, fields: list[str], rows: Iterable[tuple], chunk: int = 10_000, commit: bool = False
) -> None:
	"""Insert ``rows`` (tuples matching ``fields``) with Frappe's standard columns filled in.

	With ``commit``, commit every ``chunk`` rows (a seeding command, so one huge transaction does
	not slow it down); otherwise the caller's transaction holds everything."""
	stamp = now_datetime()
	standard = (stamp, stamp, "Administrator", "Administrator", 0)
	columns = [*fields, *STANDARD_FIELDS]
	batch = []
	for row in rows:
		batch.append((*row, *standard))
		if len(batch) >= chunk:
			frappe.db.bulk_insert(doctype, columns, batch)
			if commit:
				frappe.db.commit()  # nosemgrep: seeding, committed in chunks
			batch = []
	if batch:
		frappe.db.bulk_insert(doctype, columns, batch)
	if commit:
		frappe.db.commit()  # nosemgrep


def insert_dicts(doctype: str, rows: list[dict]) -> None:
	"""Insert dict rows: missing numbers become 0 (Frappe's numeric columns are NOT NULL) and
	missing names a random hash, as Frappe would give them."""
	if not rows:
		return
	fields = sorted({key for row in rows for key in row} | {"name"})
	meta = frappe.get_meta(doctype)
	numeric = {field for field in fields if (df := meta.get_field(field)) and df.fieldtype in NUMERIC_TYPES}

	def value(row: dict, field: str):
		current = row.get(field)
		if current is not None:
			return current
		if field == "name":
			return frappe.generate_hash(length=10)
		return 0 if field in numeric else None

	insert_rows(
		doctype, fields, (tuple(value(row, field) for field in fields) for row in rows), chunk=len(rows)
	)


def sql_literal(value, escape=escape_string) -> str:
	"""``value`` as a MariaDB literal, escaped as the driver escapes parameters (``escape``: the
	connection's ``escape_string``): text, numbers, None, dates and datetimes. A statement of thousands
	of rows built this way costs a fraction of passing them as parameters (several driver calls a value)."""
	if type(value) is str:
		return "'" + escape(value) + "'"
	if value is None:
		return "NULL"
	if isinstance(value, bool):
		return "1" if value else "0"
	if isinstance(value, int | float):
		return repr(value)
	if isinstance(value, Decimal):
		return str(value)
	if isinstance(value, datetime):
		return "'" + value.isoformat(sep=" ") + "'"
	if isinstance(value, date):
		return "'" + value.isoformat() + "'"
	return "'" + escape(str(value)) + "'"


def _escape():
	"""The connection's own escaping: PyMySQL's ``escape_string``, or quotes doubled when the server
	runs with NO_BACKSLASH_ESCAPES (as ``Connection.escape_string`` decides, once per statement)."""
	if not frappe.db._conn:
		frappe.db.connect()
	if frappe.db._conn.server_status & SERVER_STATUS.SERVER_STATUS_NO_BACKSLASH_ESCAPES:
		return frappe.db._conn.escape_string
	return escape_string


def _row_sql(row: tuple, keep: list[int], escape) -> str:
	"""``(v1,v2,...)`` of the ``keep`` columns of ``row`` (text and NULL inline: most values are)."""
	parts = []
	for index in keep:
		value = row[index]
		if type(value) is str:
			parts.append("'" + escape(value) + "'")
		elif value is None:
			parts.append("NULL")
		elif type(value) is int:
			parts.append(str(value))
		else:
			parts.append(sql_literal(value, escape))
	return "(" + ",".join(parts) + ")"


def insert_values(doctype: str, columns: list[str] | tuple[str, ...], rows: list[tuple]) -> None:
	"""One multi-row ``INSERT`` of ``rows`` (tuples in the order of ``columns``), every value escaped
	(``sql_literal``). The caller chunks (a few thousand rows a statement) and has validated the rows:
	no controller runs."""
	if not rows:
		return
	# a column empty in every row is left to its default (NULL), as an INSERT of it would store
	keep = [index for index in range(len(columns)) if any(row[index] is not None for row in rows)]
	names, escape = ", ".join(f"`{columns[index]}`" for index in keep), _escape()
	values = ",".join([_row_sql(row, keep, escape) for row in rows])
	frappe.db.sql(f"insert into `tab{doctype}` ({names}) values {values}")


def update_by_name(doctype: str, changes: dict[str, dict]) -> None:
	"""Set ``changes[name][field]`` on each row ``name`` in one ``UPDATE ... CASE`` statement; a row
	keeps the fields it has no change for."""
	if not changes:
		return
	fields, escape = sorted({field for values in changes.values() for field in values}), _escape()
	assignments = []
	for field in fields:
		cases = " ".join(
			f"when {sql_literal(name, escape)} then {sql_literal(values[field], escape)}"
			for name, values in changes.items()
			if field in values
		)
		assignments.append(f"`{field}` = case `name` {cases} else `{field}` end")
	names = ",".join(sql_literal(name, escape) for name in changes)
	frappe.db.sql(f"update `tab{doctype}` set {', '.join(assignments)} where `name` in ({names})")


def update_by_key(doctype: str, key: str, field: str, values: dict[str, object]) -> None:
	"""Set ``field`` to ``values[k]`` on every row whose ``key`` column is ``k`` (one statement)."""
	if not values:
		return
	params: list = []
	for key_value, value in values.items():
		params.extend((key_value, value))
	params.extend(values)
	frappe.db.sql(
		f"update `tab{doctype}` set `{field}` = case `{key}` {' '.join(['when %s then %s'] * len(values))} "
		f"else `{field}` end where `{key}` in ({', '.join(['%s'] * len(values))})",
		params,
	)


def reserve_series_names(prefix: str, digits: int, count: int) -> list[str]:
	"""``count`` names of a naming series (``STU-`` + 7 digits), reserved in one step as
	``make_autoname`` would give them one by one (the Series row is locked until the commit)."""
	if count <= 0:
		return []
	series = frappe.qb.DocType("Series")
	row = frappe.qb.from_(series).where(series.name == prefix).for_update().select(series.current).run()
	if row:
		current = int(row[0][0] or 0)
		frappe.qb.update(series).set(series.current, current + count).where(series.name == prefix).run()
	else:
		current = 0
		frappe.qb.into(series).columns("name", "current").insert(prefix, count).run()
	return [f"{prefix}{number:0{digits}d}" for number in range(current + 1, current + count + 1)]
