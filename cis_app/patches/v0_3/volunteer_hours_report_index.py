"""The Volunteer Hours Summary reads an index that leads with the site (so a coordinator's report
reads only their sites' rows); ``on_doctype_update`` creates it and drops the old covering index.
A schema sync runs that hook only when the DocType changes, so existing sites get it here once."""

from cis_app.cis_partnerships.doctype.volunteer_hours.volunteer_hours import on_doctype_update


def execute():
	on_doctype_update()
