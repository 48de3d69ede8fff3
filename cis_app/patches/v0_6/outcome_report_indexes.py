"""The CIS Outcomes report and the Affiliate Annual Summary read covering indexes on Support Plan,
Support Plan Goal and Student Year-End Status (``cis_app.cis_case_management.outcomes_data.add_outcome_indexes``). New
sites get them at install (``cis_app.setup.install.after_install``); existing sites here, once."""

from cis_app.cis_case_management.outcomes_data import add_outcome_indexes


def execute():
	add_outcome_indexes()
