"""The default approval flows, as Frappe Workflows an admin edits in the UI (Workflow list).

Created once (at install, and by a patch on sites installed before they existed), never updated
afterwards: ``bench migrate`` keeps whatever states, transitions and approvers an admin set.
Each state writes the plan's or assessment's ``status`` field (Workflow's "update field"), and the
code keys its rules (the consent gate, closure) on ``status``, so renaming a state is safe as long as
it still sets the status.
"""

from __future__ import annotations

import frappe
from frappe.model.workflow import get_workflow_name

from cis_app.core import referrals as _referrals
from cis_app.utils.roles import CIS_ROLES, CIS_WEBSITE_ROLES

SC, PM, ADMIN = "Site Coordinator", "Program Manager", "CIS Administrator"

NEEDS_ASSESSMENT = {
	"workflow_name": "Needs Assessment Approval",
	"document_type": "Needs Assessment",
	"states": [
		# state, style, role that may edit in this state, status it sets
		("Draft", "Danger", SC, "Draft"),
		("Submitted", "Warning", PM, "Submitted"),
		("Approved", "Success", PM, "Approved"),
		("Returned", "Info", SC, "Returned"),
	],
	"transitions": [
		# from, action, to, allowed role
		("Draft", "Submit", "Submitted", SC),
		("Submitted", "Approve", "Approved", PM),
		("Submitted", "Return", "Returned", PM),
		("Returned", "Resubmit", "Submitted", SC),
		("Submitted", "Approve", "Approved", ADMIN),
		("Submitted", "Return", "Returned", ADMIN),
	],
}

SUPPORT_PLAN = {
	"workflow_name": "Support Plan Approval",
	"document_type": "Support Plan",
	"states": [
		("Draft", "Danger", SC, "Draft"),
		("Pending Approval", "Warning", PM, "Pending Approval"),
		("Active", "Success", SC, "Active"),
		("Under Review", "Info", SC, "Under Review"),
		("Closed", "Inverse", PM, "Closed"),
	],
	"transitions": [
		("Draft", "Request Approval", "Pending Approval", SC),
		("Pending Approval", "Approve", "Active", PM),
		("Pending Approval", "Return", "Draft", PM),
		("Active", "Start Review", "Under Review", SC),
		("Under Review", "Resume", "Active", SC),
		("Under Review", "Close", "Closed", SC),
		("Active", "Close", "Closed", SC),
		("Pending Approval", "Approve", "Active", ADMIN),
		("Pending Approval", "Return", "Draft", ADMIN),
	],
}

VOL = "CIS Volunteer"
VOLUNTEER_HOURS = {
	"workflow_name": "Volunteer Hours Approval",
	"document_type": "Volunteer Hours",
	"states": [
		("Submitted", "Warning", VOL, "Submitted"),
		("Approved", "Success", SC, "Approved"),
		("Rejected", "Danger", SC, "Rejected"),
	],
	"transitions": [
		("Submitted", "Approve", "Approved", SC),
		("Submitted", "Reject", "Rejected", SC),
		("Rejected", "Resubmit", "Submitted", VOL),
		("Approved", "Reopen", "Submitted", SC),
		("Submitted", "Approve", "Approved", PM),
		("Submitted", "Reject", "Rejected", PM),
	],
}

# A referral's steps are the core's (cis_app.core.referrals.TRANSITIONS), by the coordinator or the
# program manager (on the partner's word); a partner contact takes theirs on the partner's portal
# (cis_app.cis_partnerships.portal, core.referrals.PARTNER_STEPS), which holds no desk permission.
REFERRAL_STYLES = {
	"Draft": "Danger",
	"Sent": "Warning",
	"Accepted": "Primary",
	"Declined": "Danger",
	"Service Started": "Info",
	"Completed": "Success",
	"Closed": "Inverse",
}
REFERRAL = {
	"workflow_name": "Referral Workflow",
	"document_type": "Referral",
	"states": [
		(status, REFERRAL_STYLES[status], PM if status == _referrals.CLOSED else SC, status)
		for status in _referrals.STATUSES
	],
	"transitions": [
		(from_status, action, to_status, role)
		for from_status, actions in _referrals.TRANSITIONS.items()
		for action, to_status in actions.items()
		for role in (SC, PM)
	],
}
PARTNER_CONTACT = "CIS Partner Contact"


def partner_referral_transitions() -> list[tuple[str, str, str, str]]:
	"""The Referral Workflow's transitions for partner contacts: each step of the core's partner actions."""
	transitions = []
	for (from_status, _action), steps in _referrals.PARTNER_STEPS.items():
		status = from_status
		for step in steps:
			row = (status, step, _referrals.TRANSITIONS[status][step], PARTNER_CONTACT)
			if row not in transitions:
				transitions.append(row)
			status = row[2]
	return transitions


REFERRAL["transitions"] += partner_referral_transitions()

DEFAULT_WORKFLOWS = (NEEDS_ASSESSMENT, SUPPORT_PLAN, VOLUNTEER_HOURS, REFERRAL)


def create_default_workflows(names: tuple[str, ...] | None = None) -> None:
	"""Create each default workflow (or those of ``names``) that does not exist yet.

	Idempotent and never overwrites. A patch names the one workflow it adds, so a workflow an admin
	deleted on purpose is not brought back by a later patch."""
	for definition in DEFAULT_WORKFLOWS:
		if names is not None and definition["workflow_name"] not in names:
			continue
		if frappe.db.exists("Workflow", definition["workflow_name"]):
			continue
		for state, style, _role, _status in definition["states"]:
			if not frappe.db.exists("Workflow State", state):
				frappe.get_doc(
					{"doctype": "Workflow State", "workflow_state_name": state, "style": style}
				).insert(ignore_permissions=True)
		ensure_roles({role for _from, _action, _to, role in definition["transitions"]})
		for _from, action, _to, _role in definition["transitions"]:
			if not frappe.db.exists("Workflow Action Master", action):
				frappe.get_doc({"doctype": "Workflow Action Master", "workflow_action_name": action}).insert(
					ignore_permissions=True
				)
		workflow = frappe.get_doc(
			{
				"doctype": "Workflow",
				"workflow_name": definition["workflow_name"],
				"document_type": definition["document_type"],
				"workflow_state_field": "workflow_state",
				"is_active": 1,
				"send_email_alert": 0,
				"states": [
					{
						"state": state,
						"doc_status": "0",
						"allow_edit": role,
						"update_field": "status",
						"update_value": status,
					}
					for state, _style, role, status in definition["states"]
				],
				"transitions": [
					{
						"state": from_state,
						"action": action,
						"next_state": to_state,
						"allowed": role,
						"allow_self_approval": 1,
					}
					for from_state, action, to_state, role in definition["transitions"]
				],
			}
		)
		workflow.insert(ignore_permissions=True)


def ensure_roles(roles: set[str]) -> None:
	"""Our roles a workflow names, before the roles fixture is synced (install syncs fixtures after
	``after_install``, migrate after the patches). The fixture then sets the rest of each role."""
	for role in sorted(roles):
		if role in CIS_ROLES and not frappe.db.exists("Role", role):
			frappe.get_doc(
				{"doctype": "Role", "role_name": role, "desk_access": int(role not in CIS_WEBSITE_ROLES)}
			).insert(ignore_permissions=True)


def remove_default_workflows(doctypes: list[str]) -> None:
	for name in frappe.get_all("Workflow", filters={"document_type": ["in", doctypes]}, pluck="name"):
		frappe.delete_doc("Workflow", name, force=True, ignore_permissions=True)


def sync_status(doc) -> None:
	"""Keep ``doc.status`` what its workflow state says, whatever a client sent.

	``status`` is read-only in the form but not on the API: without this, a PUT could set a plan to
	Active and skip the approval. With an active workflow, the state's "update field" value wins
	(Frappe has already checked that the state change is a permitted transition).
	"""
	workflow_name = get_workflow_name(doc.doctype)
	if not workflow_name:
		return
	workflow = frappe.get_cached_doc("Workflow", workflow_name)
	state = doc.get(workflow.workflow_state_field) or (workflow.states[0].state if workflow.states else None)
	for row in workflow.states:
		if row.state == state and row.update_field == "status" and row.update_value:
			doc.status = row.update_value
			return
	before = doc.get_doc_before_save()
	if before is not None:
		doc.status = before.status
	elif not doc.status:
		doc.status = doc.meta.get_field("status").default
