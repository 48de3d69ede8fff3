# Copyright (c) 2026, cis_app contributors and contributors
# For license information, please see license.txt

import frappe
from frappe.model.workflow import WorkflowTransitionError
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days

from cis_app.cis_case_management.doctype.needs_assessment.needs_assessment import get_need_coverage
from cis_app.utils.exceptions import OutsideSchoolYearError
from cis_app.permissions.scope import clear_scope_cache
from cis_app.tests.factories import TwoSites, act, make_school_year, make_student


def make_assessment(site=None, scope="School", **values):
	return frappe.get_doc(
		{
			"doctype": "Needs Assessment",
			"assessment_scope": scope,
			"site": site,
			"school_year": make_school_year(),
			"assessment_date": frappe.utils.nowdate(),
			"needs": [
				{
					"category": "Attendance",
					"description": "Chronic absence in grade 7",
					"priority": "High",
					"is_gap": 1,
				}
			],
			**values,
		}
	).insert(ignore_permissions=True)


class TestNeedsAssessment(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.net = TwoSites.build()

	def tearDown(self):
		frappe.set_user("Administrator")

	def test_approval_path(self):
		assessment = make_assessment(self.net.site_a)
		assessment = act(assessment, "Submit", self.net.coordinator_a)
		self.assertEqual(assessment.status, "Submitted")
		assessment = act(assessment, "Return", self.net.program_manager)
		self.assertEqual(assessment.status, "Returned")
		assessment = act(assessment, "Resubmit", self.net.coordinator_a)
		assessment = act(assessment, "Approve", self.net.program_manager)
		self.assertEqual((assessment.workflow_state, assessment.status), ("Approved", "Approved"))

	def test_coordinator_cannot_approve(self):
		assessment = act(make_assessment(self.net.site_a), "Submit", self.net.coordinator_a)
		with self.assertRaises(WorkflowTransitionError):
			act(assessment, "Approve", self.net.coordinator_a)
		self.assertEqual(frappe.db.get_value("Needs Assessment", assessment.name, "status"), "Submitted")

	def test_submitting_without_needs_is_refused(self):
		assessment = make_assessment(self.net.site_a, needs=[])
		with self.assertRaises(frappe.MandatoryError):
			act(assessment, "Submit", self.net.coordinator_a)

	def test_date_outside_school_year(self):
		year = make_school_year()
		end = frappe.db.get_value("School Year", year, "year_end_date")
		with self.assertRaises(OutsideSchoolYearError):
			make_assessment(self.net.site_a, assessment_date=add_days(end, 1))

	def test_student_assessment_takes_the_students_site_and_is_scoped(self):
		student = make_student(self.net.site_b)
		assessment = make_assessment(self.net.site_a, scope="Student", student=student.name)
		self.assertEqual(assessment.site, self.net.site_b)
		clear_scope_cache()
		frappe.set_user(self.net.coordinator_a)
		self.assertFalse(frappe.get_doc("Needs Assessment", assessment.name).has_permission("read"))
		self.assertNotIn(assessment.name, frappe.get_list("Needs Assessment", pluck="name"))
		frappe.set_user(self.net.coordinator_b)
		self.assertIn(assessment.name, frappe.get_list("Needs Assessment", pluck="name"))

	def test_community_assessment_is_seen_by_the_affiliates_staff(self):
		assessment = make_assessment(scope="Community", affiliate=self.net.affiliate)
		self.assertIsNone(assessment.site)
		for user in (self.net.coordinator_a, self.net.coordinator_b, self.net.admin):
			clear_scope_cache()
			frappe.set_user(user)
			self.assertIn(assessment.name, frappe.get_list("Needs Assessment", pluck="name"))
			self.assertTrue(frappe.get_doc("Needs Assessment", assessment.name).has_permission("read"))
		frappe.set_user(self.net.coordinator_none)
		self.assertNotIn(assessment.name, frappe.get_list("Needs Assessment", pluck="name"))

	def test_an_edit_cannot_move_an_assessment_into_another_affiliate(self):
		"""Scope fields are normalised first, then checked: a school assessment of one's own site cannot
		be turned into a community assessment of an affiliate one does not serve."""
		from cis_app.tests.factories import make_affiliate

		make_affiliate("_Test NA Other Affiliate")
		assessment = make_assessment(self.net.site_a)
		clear_scope_cache()
		frappe.set_user(self.net.coordinator_a)
		doc = frappe.get_doc("Needs Assessment", assessment.name)
		doc.assessment_scope = "Community"
		doc.affiliate = "_Test NA Other Affiliate"
		with self.assertRaises(frappe.PermissionError):
			doc.save()
		frappe.set_user("Administrator")
		self.assertEqual(
			frappe.db.get_value("Needs Assessment", assessment.name, ["assessment_scope", "site"]),
			("School", self.net.site_a),
		)
		theirs = make_assessment(scope="Community", affiliate="_Test NA Other Affiliate")
		frappe.set_user(self.net.coordinator_a)
		self.assertNotIn(theirs.name, frappe.get_list("Needs Assessment", pluck="name"))
		self.assertFalse(frappe.get_doc("Needs Assessment", theirs.name).has_permission("read"))

	def test_coverage_shows_catalogue_partners_and_plan(self):
		frappe.get_doc(
			{
				"doctype": "Partner",
				"partner_name": "_Test Coverage Partner",
				"partner_type": "Business",
				"affiliate": self.net.affiliate,
				"services_offered": [{"support_type": "Attendance Club"}],
				"sites_served": [{"site": self.net.site_a}],
			}
		).insert()
		assessment = make_assessment(self.net.site_a)
		coverage = get_need_coverage(assessment.name)
		self.assertEqual(len(coverage), 1)
		self.assertIn("Attendance Club", coverage[0]["support_types"])
		self.assertIn("_Test Coverage Partner", coverage[0]["partners"])
		self.assertEqual(coverage[0]["in_school_plan"], [])
		clear_scope_cache()
		frappe.set_user(self.net.coordinator_b)
		with self.assertRaises(frappe.PermissionError):
			get_need_coverage(assessment.name)
