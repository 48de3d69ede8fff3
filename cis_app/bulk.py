"""Bulk inserts for seeding (the demo, benchmarks): rows the core has already validated.

``frappe.db.bulk_insert`` runs no controller, so callers validate with ``cis_app.core`` first
(CONVENTIONS: validate in the core, then insert in bulk).
"""

from __future__ import annotations

from collections.abc import Iterable

import frappe
from frappe.utils import now_datetime

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
