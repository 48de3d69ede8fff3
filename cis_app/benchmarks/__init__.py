"""Benchmarks that seed synthetic data on a site of their own and print their figures."""

from __future__ import annotations

import frappe
from frappe.utils import now_datetime

STANDARD_FIELDS = ("creation", "modified", "owner", "modified_by", "docstatus")


def insert_in_chunks(doctype: str, fields: list[str], rows, chunk: int = 10_000) -> None:
	"""Bulk-insert ``rows`` (tuples matching ``fields``) with Frappe's standard columns, committing
	every ``chunk`` rows so one huge transaction does not slow the seeding down."""
	stamp = now_datetime()
	standard = (stamp, stamp, "Administrator", "Administrator", 0)
	batch = []
	for row in rows:
		batch.append((*row, *standard))
		if len(batch) >= chunk:
			frappe.db.bulk_insert(doctype, [*fields, *STANDARD_FIELDS], batch)
			frappe.db.commit()  # nosemgrep: a seeding command, committed in chunks
			batch = []
	if batch:
		frappe.db.bulk_insert(doctype, [*fields, *STANDARD_FIELDS], batch)
	frappe.db.commit()  # nosemgrep
