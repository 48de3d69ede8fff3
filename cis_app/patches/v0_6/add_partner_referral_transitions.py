"""Sites whose Referral Workflow was created before the partner's portal get the partner contacts'
transitions (accept, decline, start and complete the service), added once; nothing else changes."""

import frappe

from cis_app.setup.workflows import PARTNER_CONTACT, ensure_roles, partner_referral_transitions


def execute():
	if not frappe.db.exists("Workflow", "Referral Workflow"):
		return
	ensure_roles({PARTNER_CONTACT})
	workflow = frappe.get_doc("Workflow", "Referral Workflow")
	existing = {(row.state, row.action, row.next_state, row.allowed) for row in workflow.transitions}
	states = {row.state for row in workflow.states}
	added = False
	for transition in partner_referral_transitions():
		state, action, next_state, role = transition
		if transition in existing or state not in states or next_state not in states:
			continue
		workflow.append(
			"transitions",
			{
				"state": state,
				"action": action,
				"next_state": next_state,
				"allowed": role,
				"allow_self_approval": 1,
			},
		)
		added = True
	if added:
		workflow.save(ignore_permissions=True)
