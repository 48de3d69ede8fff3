"""Sites installed before volunteer hours existed get their approval workflow once, and only it."""

from cis_app.setup.workflows import VOLUNTEER_HOURS, create_default_workflows


def execute():
	create_default_workflows((VOLUNTEER_HOURS["workflow_name"],))
