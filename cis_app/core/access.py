"""Who may see which site's students (FERPA: legitimate educational interest).

A user's scope is the set of sites they serve on a given day:
- each current Site Staff assignment (site coordinator or program manager) grants that site;
- each current Affiliate Staff assignment grants every site of that affiliate.
An assignment is current when the day falls between its from and to dates (open ends allowed).
Everything else is denied: a user with no current assignment has an empty scope.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from .dates import is_active_on


def permitted_sites(
	site_assignments: Iterable[Mapping],
	affiliate_assignments: Iterable[Mapping],
	sites_by_affiliate: Mapping[str, Iterable[str]],
	on: object,
) -> frozenset[str]:
	"""The sites a user may see on ``on``.

	``site_assignments``: dicts with ``site``, ``from_date``, ``to_date``.
	``affiliate_assignments``: dicts with ``affiliate``, ``from_date``, ``to_date``.
	``sites_by_affiliate``: affiliate -> its sites.
	"""
	sites: set[str] = set()
	for row in site_assignments:
		if row.get("site") and is_active_on(on, row.get("from_date"), row.get("to_date")):
			sites.add(row["site"])
	for row in affiliate_assignments:
		if row.get("affiliate") and is_active_on(on, row.get("from_date"), row.get("to_date")):
			sites.update(sites_by_affiliate.get(row["affiliate"], ()))
	return frozenset(sites)


def permitted_affiliates(
	affiliate_assignments: Iterable[Mapping], site_affiliates: Iterable[str], on: object
) -> frozenset[str]:
	"""The affiliates a user serves on ``on``: those of their current Affiliate Staff rows, and those
	of the sites they serve. Partners, contributions and volunteers are scoped by affiliate.

	``affiliate_assignments``: dicts with ``affiliate``, ``from_date``, ``to_date``; ``site_affiliates``:
	the affiliate of each site in the user's site scope."""
	affiliates = {
		row["affiliate"]
		for row in affiliate_assignments
		if row.get("affiliate") and is_active_on(on, row.get("from_date"), row.get("to_date"))
	}
	affiliates.update(affiliate for affiliate in site_affiliates if affiliate)
	return frozenset(affiliates)


def sql_in_condition(column: str, values: Iterable[str], escape) -> str:
	"""``column in (...)`` for a non-empty scope, or a condition that matches nothing.

	A plain ``in`` (never Frappe's ``ifnull(col,'')='' or col in ...``) so the index on ``column``
	is used. ``escape`` quotes one value for SQL (``frappe.db.escape``).
	"""
	quoted = sorted({escape(value) for value in values if value})
	if not quoted:
		return "1=0"
	return f"{column} in ({', '.join(quoted)})"
