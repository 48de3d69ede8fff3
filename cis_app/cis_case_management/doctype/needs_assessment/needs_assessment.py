# Copyright (c) 2026, cis_app contributors and contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document

from cis_app.permissions.scope import check_in_scope, site_of
from cis_app.cis_network.settings import validate_within_school_year
from cis_app.setup.workflows import sync_status


class NeedsAssessment(Document):
	def validate(self):
		sync_status(self)
		self.set_scope_fields()
		# after the scope fields are normalised: an edit cannot move an assessment out of one's scope
		check_in_scope(self)
		validate_within_school_year(self, self.school_year, ["assessment_date"])
		self.validate_needs_before_submission()

	def set_scope_fields(self):
		"""Community: an affiliate. School: a site. Student: a student, whose site it takes."""
		if self.assessment_scope == "Community":
			self.site = self.student = None
			if not self.affiliate:
				frappe.throw(
					_("A community assessment needs the affiliate it assesses."), frappe.MandatoryError
				)
			return
		if self.assessment_scope == "School":
			self.student = None
		elif self.student:
			self.site = site_of(self)  # the student's: one rule, cis_app.permissions.scope
		if self.site:
			self.affiliate = frappe.db.get_value("Site", self.site, "affiliate")

	def validate_needs_before_submission(self):
		if self.status not in ("Draft", "Returned") and not self.needs:
			frappe.throw(_("List at least one need before submitting the assessment."), frappe.MandatoryError)


@frappe.whitelist()
def get_need_coverage(name: str) -> list[dict]:
	"""For each need of a school assessment: the catalogue's supports of that category, the partners
	serving the site that offer them, and whether the site's plan for the year already includes them,
	so plans fill gaps instead of duplicating what exists."""
	assessment = frappe.get_doc("Needs Assessment", name)
	assessment.check_permission("read")
	if not assessment.site:
		return []
	support_types = frappe.get_all(
		"Support Type", filters={"is_active": 1}, fields=["name", "category"], order_by="name"
	)
	by_category: dict[str, list[str]] = {}
	for row in support_types:
		by_category.setdefault(row.category, []).append(row.name)

	partner_site = frappe.qb.DocType("Partner Site")
	partner_service = frappe.qb.DocType("Partner Service")
	partner = frappe.qb.DocType("Partner")
	offered = (
		frappe.qb.from_(partner)
		.join(partner_site)
		.on(partner_site.parent == partner.name)
		.join(partner_service)
		.on(partner_service.parent == partner.name)
		.select(partner.name, partner_service.support_type)
		.where(partner_site.site == assessment.site)
		.where(partner.status == "Active")
	).run(as_dict=True)
	partners_by_type: dict[str, set[str]] = {}
	for row in offered:
		partners_by_type.setdefault(row.support_type, set()).add(row.name)

	planned = set(
		frappe.get_all(
			"Support Plan Support",
			filters={
				"parenttype": "Support Plan",
				"parent": [
					"in",
					frappe.get_all(
						"Support Plan",
						filters={
							"site": assessment.site,
							"school_year": assessment.school_year,
							"plan_type": "School",
						},
						pluck="name",
					)
					or [""],
				],
			},
			pluck="support_type",
		)
	)
	coverage = []
	for need in assessment.needs:
		types = by_category.get(need.category, [])
		coverage.append(
			{
				"idx": need.idx,
				"category": need.category,
				"description": need.description,
				"is_gap": need.is_gap,
				"support_types": types,
				"partners": sorted({p for t in types for p in partners_by_type.get(t, ())}),
				"in_school_plan": sorted(t for t in types if t in planned),
			}
		)
	return coverage
