"""Sites installed before referrals existed get the referral workflow once, and only it."""

from cis_app.setup.workflows import create_default_workflows


def execute():
	create_default_workflows(("Referral Workflow",))
