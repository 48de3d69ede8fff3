"""Sites installed before volunteer hours existed get their approval workflow once."""

from cis_app.workflows import create_default_workflows


def execute():
	create_default_workflows()
