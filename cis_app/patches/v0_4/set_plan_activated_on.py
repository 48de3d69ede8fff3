"""Fill ``activated_on`` of existing support plans that have been Active (the outcome cohort needs it).

A plan that is Active, Under Review or Closed has been Active (the workflow reaches Under Review and
Closed only through Active). Its day of activation, in order of preference: the first Version whose
changes set ``status`` to Active; else its start date; else the day it was created. Plans whose
``activated_on`` is already set keep it.
"""

import json
from collections import defaultdict

import frappe
from frappe.utils import getdate

from cis_app.core.plans import ACTIVE, CASE_MANAGED_STATUSES, CLOSED

CHUNK = 1000


def execute():
	plans = frappe.get_all(
		"Support Plan",
		filters={"status": ["in", [*CASE_MANAGED_STATUSES, CLOSED]], "activated_on": ["is", "not set"]},
		fields=["name", "start_date", "creation"],
	)
	if not plans:
		return
	activated = first_activations([plan.name for plan in plans])
	by_day = defaultdict(list)
	for plan in plans:
		day = activated.get(plan.name) or plan.start_date or plan.creation
		by_day[getdate(day)].append(plan.name)
	support_plan = frappe.qb.DocType("Support Plan")
	for day, names in by_day.items():
		for start in range(0, len(names), CHUNK):
			(
				frappe.qb.update(support_plan)
				.set(support_plan.activated_on, day)
				.where(support_plan.name.isin(names[start : start + CHUNK]))
			).run()


def first_activations(names: list[str]) -> dict:
	"""{plan: the creation date of its first Version that changed ``status`` to Active}."""
	version = frappe.qb.DocType("Version")
	found = {}
	for start in range(0, len(names), CHUNK):
		rows = (
			frappe.qb.from_(version)
			.select(version.docname, version.data, version.creation)
			.where(version.ref_doctype == "Support Plan")
			.where(version.docname.isin(names[start : start + CHUNK]))
			.where(version.data.like('%"status"%'))
			.orderby(version.creation)
		).run(as_dict=True)
		for row in rows:
			if row.docname not in found and sets_status_active(row.data):
				found[row.docname] = getdate(row.creation)
	return found


def sets_status_active(data: str | None) -> bool:
	"""Whether a Version's data changes ``status`` to Active."""
	try:
		changed = json.loads(data or "{}").get("changed") or []
	except (ValueError, AttributeError):
		return False
	return any(
		isinstance(change, list) and len(change) == 3 and change[0] == "status" and change[2] == ACTIVE
		for change in changed
	)
