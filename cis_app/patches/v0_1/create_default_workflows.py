"""Sites installed before the support cycle existed get its two approval workflows once (then admins
own them). Only these two: the volunteer hours workflow came later, with its own patch."""

from cis_app.setup.install import create_support_types
from cis_app.setup.workflows import NEEDS_ASSESSMENT, SUPPORT_PLAN, create_default_workflows


def execute():
	create_support_types()
	create_default_workflows((NEEDS_ASSESSMENT["workflow_name"], SUPPORT_PLAN["workflow_name"]))
