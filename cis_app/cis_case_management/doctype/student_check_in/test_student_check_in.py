# Copyright (c) 2026, cis_app contributors and contributors
# For license information, please see license.txt

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import nowdate

from cis_app.cis_case_management.doctype.support_plan.support_plan import get_goals
from cis_app.permissions import clear_scope_cache
from cis_app.testing import TwoSites, make_school_year, make_student, make_support_plan


class TestStudentCheckIn(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.net = TwoSites.build()
		make_school_year()

	def tearDown(self):
		frappe.set_user("Administrator")

	def test_check_in_updates_goals_through_the_plan(self):
		student = make_student(self.net.site_a).name
		plan = make_support_plan(
			student,
			goals=[
				{
					"area": "Academic",
					"metric": "Other",
					"description": "Homework turned in",
					"baseline": 2,
					"target": 5,
					"direction": "Up",
				}
			],
		)
		clear_scope_cache()
		frappe.set_user(self.net.coordinator_a)
		updates = get_goals(plan.name)
		updates[0]["new_value"] = 4
		checkin = frappe.get_doc(
			{
				"doctype": "Student Check-In",
				"student": student,
				"support_plan": plan.name,
				"checkin_date": nowdate(),
				"contact_with": "Student",
				"minutes": 20,
				"notes": "<p>Talked about homework routine.</p>",
				"goal_updates": updates,
			}
		).insert()
		self.assertEqual(checkin.site, self.net.site_a)
		plan.reload()
		self.assertEqual((plan.goals[0].current_value, plan.goals[0].progress_status), (4, "Progressing"))

	def test_untouched_goal_rows_change_nothing(self):
		student = make_student(self.net.site_a).name
		plan = make_support_plan(student)
		updates = get_goals(plan.name)
		updates[0]["new_value"] = updates[0]["previous_value"]
		frappe.get_doc(
			{
				"doctype": "Student Check-In",
				"student": student,
				"support_plan": plan.name,
				"checkin_date": nowdate(),
				"contact_with": "Family",
				"goal_updates": updates,
			}
		).insert()
		plan.reload()
		self.assertEqual(plan.goals[0].progress_status, "")

	def test_check_in_for_a_student_of_another_site_is_refused(self):
		student = make_student(self.net.site_b).name
		count = frappe.db.count("Student Check-In")
		clear_scope_cache()
		frappe.set_user(self.net.coordinator_a)
		with self.assertRaises(frappe.PermissionError):
			frappe.get_doc(
				{
					"doctype": "Student Check-In",
					"student": student,
					"checkin_date": nowdate(),
					"contact_with": "Student",
				}
			).insert()
		frappe.set_user("Administrator")
		self.assertEqual(frappe.db.count("Student Check-In"), count)

	def test_case_notes_are_hidden_from_roles_without_permlevel_1(self):
		student = make_student(self.net.site_a).name
		checkin = frappe.get_doc(
			{
				"doctype": "Student Check-In",
				"student": student,
				"checkin_date": nowdate(),
				"contact_with": "Student",
				"notes": "Private note",
			}
		).insert()
		clear_scope_cache()
		frappe.set_user(self.net.admin)
		doc = frappe.get_doc("Student Check-In", checkin.name)
		doc.apply_fieldlevel_read_permissions()
		self.assertFalse(doc.get("notes"))
		frappe.set_user(self.net.coordinator_a)
		doc = frappe.get_doc("Student Check-In", checkin.name)
		doc.apply_fieldlevel_read_permissions()
		self.assertEqual(doc.get("notes"), "Private note")
