"""Sites installed before the default workflows existed get them once (then admins own them)."""

from cis_app.install import create_support_types
from cis_app.workflows import create_default_workflows


def execute():
	create_support_types()
	create_default_workflows()
