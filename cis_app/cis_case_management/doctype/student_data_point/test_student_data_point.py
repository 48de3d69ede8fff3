# Copyright (c) 2026, cis_app contributors and contributors
# For license information, please see license.txt

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, nowdate

from cis_app.utils.exceptions import InvalidDataPointError, OutsideSchoolYearError
from cis_app.permissions.scope import clear_scope_cache
from cis_app.tests.factories import TwoSites, make_active_plan, make_data_point, make_student, school_year_covering


class TestStudentDataPoint(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.net = TwoSites.build()
		# data points are dated today and 20 days before, in the school year of the plans they feed
		school_year_covering(add_days(nowdate(), -20), nowdate())

	def tearDown(self):
		frappe.set_user("Administrator")

	def test_more_days_absent_than_enrolled_is_refused(self):
		student = make_student(self.net.site_a).name
		with self.assertRaises(InvalidDataPointError):
			make_data_point(student, days_enrolled=10, days_absent=11)
		self.assertFalse(frappe.db.exists("Student Data Point", {"student": student}))

	def test_future_or_out_of_year_dates_are_refused(self):
		student = make_student(self.net.site_a).name
		with self.assertRaises(InvalidDataPointError):
			make_data_point(student, as_of_date=add_days(nowdate(), 1), days_enrolled=10)
		with self.assertRaises(OutsideSchoolYearError):
			make_data_point(student, as_of_date="1999-01-04", days_enrolled=10)

	def test_risk_follows_the_latest_data_point(self):
		student = make_student(self.net.site_a, grade_level="9").name
		make_data_point(
			student, days_enrolled=50, days_absent=6, suspensions=1, failing_math=1, failing_ela=1
		)
		risk = frappe.db.get_value(
			"Student",
			student,
			["risk_score", "suggested_tier", "attendance_band", "risk_flags"],
			as_dict=True,
		)
		self.assertEqual(
			(risk.risk_score, risk.suggested_tier, risk.attendance_band, risk.risk_flags),
			(6, "Tier 3", "Chronic", "attendance,behavior,course"),
		)
		# a later attendance-only extract: attendance from it, behavior and course still from the
		# latest data point that carries them
		make_data_point(student, days_enrolled=60, days_absent=2)
		risk = frappe.db.get_value(
			"Student", student, ["risk_score", "suggested_tier", "risk_unknown", "risk_flags"], as_dict=True
		)
		self.assertEqual(
			(risk.risk_score, risk.suggested_tier, risk.risk_unknown, risk.risk_flags),
			(4, "Tier 2", "", "behavior,course"),
		)
		# then one that records behavior as clean and course as passing: everything known, no risk
		make_data_point(student, days_enrolled=65, days_absent=2, suspensions=0, has_course=1)
		risk = frappe.db.get_value("Student", student, ["risk_score", "risk_unknown"], as_dict=True)
		self.assertEqual((risk.risk_score, risk.risk_unknown), (0, ""))

	def test_blank_is_not_zero(self):
		"""Only days enrolled and absent entered: behavior and course are unknown, never clean, and a
		behavior goal of the student's active plan does not jump to Met at 0."""
		student = make_student(self.net.site_a).name
		plan = make_active_plan(
			student,
			goals=[
				{
					"area": "Behavior",
					"metric": "Out-of-School Suspensions",
					"baseline": 3,
					"target": 0,
					"direction": "Down",
				},
				{
					"area": "Behavior",
					"metric": "Behavior Incidents",
					"baseline": 5,
					"target": 1,
					"direction": "Down",
				},
			],
		)
		point = make_data_point(student, days_enrolled=40, days_absent=1)
		self.assertEqual(
			(point.has_attendance, point.has_behavior, point.has_course, point.has_gpa), (1, 0, 0, 0)
		)
		risk = frappe.db.get_value(
			"Student", student, ["risk_score", "suggested_tier", "risk_unknown"], as_dict=True
		)
		self.assertEqual(
			(risk.risk_score, risk.suggested_tier, risk.risk_unknown), (0, "Tier 1", "behavior,course")
		)
		goals = frappe.get_doc("Support Plan", plan.name).goals
		self.assertEqual([goal.progress_status for goal in goals], ["", ""])
		self.assertEqual([goal.value_updated_on for goal in goals], [None, None])
		# a real zero, entered: the goal is met
		make_data_point(student, days_enrolled=45, days_absent=2, suspensions=0)
		goals = frappe.get_doc("Support Plan", plan.name).goals
		self.assertEqual([goal.progress_status for goal in goals], ["Met", "Met"])
		self.assertEqual(goals[0].value_source, "Data Point")

	def test_editing_a_data_point_keeps_what_it_carries(self):
		student = make_student(self.net.site_a).name
		point = make_data_point(student, days_enrolled=40, days_absent=2)
		point.period_label = "Q1"
		point.save()
		point.reload()
		self.assertEqual((point.has_behavior, point.suspensions), (0, 0))
		point.minor_incidents = 3
		point.save()
		self.assertEqual(point.has_behavior, 1)
		point.has_attendance = 0
		point.save()
		point.reload()
		self.assertEqual((point.has_attendance, point.days_enrolled, point.days_absent), (0, 0, 0))

	def test_a_data_point_without_figures_is_refused(self):
		student = make_student(self.net.site_a).name
		# a new student is unknown on every indicator, not "low risk"
		self.assertEqual(
			frappe.db.get_value("Student", student, "risk_unknown"), "attendance,behavior,course"
		)
		with self.assertRaises(InvalidDataPointError):
			make_data_point(student, period_label="Q1")
		self.assertFalse(frappe.db.exists("Student Data Point", {"student": student}))

	def test_deleting_data_points_recomputes(self):
		student = make_student(self.net.site_a).name
		plan = make_active_plan(
			student,
			goals=[
				{
					"area": "Attendance",
					"metric": "Days Absent",
					"baseline": 10,
					"target": 4,
					"direction": "Down",
				}
			],
		)
		first = make_data_point(student, as_of_date=add_days(nowdate(), -20), days_enrolled=40, days_absent=6)
		second = make_data_point(student, days_enrolled=50, days_absent=3, suspensions=2)
		self.assertEqual(frappe.db.get_value("Student", student, "risk_score"), 3)
		self.assertEqual(frappe.get_doc("Support Plan", plan.name).goals[0].current_value, 3)
		second.delete()
		risk = frappe.db.get_value(
			"Student", student, ["risk_score", "risk_unknown", "attendance_band"], as_dict=True
		)
		self.assertEqual(
			(risk.risk_score, risk.risk_unknown, risk.attendance_band), (2, "behavior,course", "Chronic")
		)
		goal = frappe.get_doc("Support Plan", plan.name).goals[0]
		self.assertEqual((goal.current_value, goal.progress_status), (6, "Progressing"))
		first.delete()
		risk = frappe.db.get_value(
			"Student", student, ["risk_score", "suggested_tier", "risk_unknown"], as_dict=True
		)
		self.assertEqual(
			(risk.risk_score, risk.suggested_tier, risk.risk_unknown), (0, "", "attendance,behavior,course")
		)
		goal = frappe.get_doc("Support Plan", plan.name).goals[0]
		self.assertEqual((goal.value_updated_on, goal.progress_status, goal.value_source), (None, "", ""))

	def test_an_import_queues_one_recompute(self):
		from unittest.mock import patch

		student = make_student(self.net.site_a).name
		frappe.flags.in_import = True
		try:
			with patch("frappe.enqueue") as enqueue:
				make_data_point(student, days_enrolled=40, days_absent=8)
				make_data_point(student, days_enrolled=41, days_absent=9)
				self.assertEqual(enqueue.call_count, 0)  # nothing before the transaction commits
				frappe.db.after_commit.run()  # what a commit runs (the test's transaction stays open)
		finally:
			frappe.flags.in_import = False
		self.assertEqual(frappe.db.get_value("Student", student, "risk_updated_on"), None)
		# one job for the whole transaction, however many rows it imported
		self.assertEqual(
			[(call.args[0], call.kwargs.get("deduplicate")) for call in enqueue.call_args_list],
			[("cis_app.cis_case_management.recompute.recompute_pending", True)],
		)
		from cis_app.cis_case_management.recompute import PENDING_KEY, recompute_pending

		self.assertIn(
			student, {s.decode() if isinstance(s, bytes) else s for s in frappe.cache.smembers(PENDING_KEY)}
		)
		recompute_pending()
		self.assertEqual(frappe.db.get_value("Student", student, "attendance_band"), "Severe")

	def test_thresholds_come_from_settings(self):
		settings = frappe.get_single("CIS Settings")
		settings.chronic_absence_rate = 15
		settings.save()
		try:
			student = make_student(self.net.site_a).name
			make_data_point(student, days_enrolled=100, days_absent=12)
			self.assertEqual(frappe.db.get_value("Student", student, "attendance_band"), "At Risk")
		finally:
			settings.chronic_absence_rate = 10
			settings.save()

	def test_inconsistent_thresholds_are_refused(self):
		settings = frappe.get_single("CIS Settings")
		settings.at_risk_absence_rate = 30
		with self.assertRaises(frappe.ValidationError):
			settings.save()

	def test_data_points_are_scoped(self):
		other = make_data_point(make_student(self.net.site_b).name, days_enrolled=10).name
		clear_scope_cache()
		frappe.set_user(self.net.coordinator_a)
		self.assertNotIn(other, frappe.get_list("Student Data Point", pluck="name"))
		frappe.set_user(self.net.partner_manager)
		with self.assertRaises(frappe.PermissionError):
			frappe.get_list("Student Data Point")

	def test_one_bad_goal_does_not_stop_the_recompute(self):
		from cis_app.cis_case_management.recompute import recompute_all

		good_student, bad_student = (make_student(self.net.site_a).name for _ in range(2))
		goal = {
			"area": "Attendance",
			"metric": "Days Absent",
			"baseline": 10,
			"target": 4,
			"direction": "Down",
		}
		good = make_active_plan(good_student, goals=[goal])
		bad = make_active_plan(bad_student, goals=[goal])
		# a goal made invalid behind the form's back (an old import, a direct edit)
		frappe.db.set_value("Support Plan Goal", bad.goals[0].name, "target", 10)
		make_data_point(good_student, days_enrolled=40, days_absent=3)
		make_data_point(bad_student, days_enrolled=40, days_absent=3)
		result = recompute_all()
		self.assertIn((bad.goals[0].name, "target_equals_baseline"), result["skipped_goals"])
		self.assertEqual(frappe.get_doc("Support Plan", good.name).goals[0].progress_status, "Met")
