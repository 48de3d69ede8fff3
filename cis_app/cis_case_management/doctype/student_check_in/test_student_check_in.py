# Copyright (c) 2026, cis_app contributors and contributors
# For license information, please see license.txt

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, nowdate

from cis_app.cis_case_management.doctype.support_plan.support_plan import get_goals
from cis_app.permissions.scope import clear_scope_cache
from cis_app.tests.factories import TwoSites, make_student, make_support_plan, school_year_covering


class TestStudentCheckIn(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.net = TwoSites.build()
		# check-ins are dated today and up to 10 days before: one school year holds them all
		school_year_covering(add_days(nowdate(), -10), nowdate())

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

	def test_editing_an_old_check_in_does_not_push_stale_values(self):
		"""Fixing a typo in an old check-in's notes must not put its goal value back over a newer one."""
		student = make_student(self.net.site_a).name
		plan = make_support_plan(
			student,
			goals=[{"area": "Other", "metric": "Other", "baseline": 2, "target": 6, "direction": "Up"}],
		)

		def check_in(day, value):
			updates = get_goals(plan.name)
			updates[0]["new_value"] = value
			return frappe.get_doc(
				{
					"doctype": "Student Check-In",
					"student": student,
					"support_plan": plan.name,
					"checkin_date": day,
					"contact_with": "Student",
					"goal_updates": updates,
				}
			).insert()

		old = check_in(add_days(nowdate(), -10), 3)
		check_in(add_days(nowdate(), -2), 5)
		plan.reload()
		self.assertEqual(
			(plan.goals[0].current_value, str(plan.goals[0].value_updated_on)), (5, add_days(nowdate(), -2))
		)
		old.reload()
		old.notes = "<p>Typo fixed.</p>"
		old.save()
		plan.reload()
		self.assertEqual(plan.goals[0].current_value, 5)
		# changing the old check-in's value does not override the newer value either
		old.goal_updates[0].new_value = 4
		old.save()
		plan.reload()
		self.assertEqual((plan.goals[0].current_value, plan.goals[0].value_source), (5, "Check-In"))
