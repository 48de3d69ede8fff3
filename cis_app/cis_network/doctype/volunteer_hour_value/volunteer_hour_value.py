# Copyright (c) 2026, cis_app contributors and contributors
# For license information, please see license.txt

from frappe.model.document import Document


class VolunteerHourValue(Document):
	pass
