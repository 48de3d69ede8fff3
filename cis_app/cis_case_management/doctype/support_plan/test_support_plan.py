# Copyright (c) 2026, cis_app contributors and contributors
# For license information, please see license.txt

import frappe
from frappe.model.workflow import WorkflowTransitionError
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, nowdate

from cis_app.utils.exceptions import ConsentRequiredError, InvalidGoalError, OutsideSchoolYearError, WrongTierError
from cis_app.permissions.scope import clear_scope_cache
from cis_app.tests.factories import (
	TwoSites,
	act,
	make_consent,
	make_data_point,
	make_school_year,
	make_student,
	make_support_plan,
)


class TestSupportPlan(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.net = TwoSites.build()
		cls.year = make_school_year()

	def tearDown(self):
		frappe.set_user("Administrator")

	def consented_student(self, site=None):
		student = make_student(site or self.net.site_a)
		make_consent(student.name, school_year=self.year)
		return student.name

	def test_goal_with_target_equal_to_baseline_is_refused(self):
		student = make_student(self.net.site_a).name
		count = frappe.db.count("Support Plan")
		with self.assertRaises(InvalidGoalError):
			make_support_plan(
				student,
				[{"area": "Attendance", "metric": "Other", "baseline": 90, "target": 90, "direction": "Up"}],
			)
		with self.assertRaises(InvalidGoalError):
			make_support_plan(
				student,
				[{"area": "Behavior", "metric": "Other", "baseline": 4, "target": 5, "direction": "Down"}],
			)
		self.assertEqual(frappe.db.count("Support Plan"), count)

	def test_dates_outside_the_school_year_are_refused(self):
		student = make_student(self.net.site_a).name
		end = frappe.db.get_value("School Year", self.year, "year_end_date")
		with self.assertRaises(OutsideSchoolYearError):
			make_support_plan(student, start_date=add_days(end, 1))

	def test_school_plan_cannot_hold_tier_3(self):
		plan = frappe.get_doc(
			{
				"doctype": "Support Plan",
				"plan_type": "School",
				"site": self.net.site_a,
				"school_year": self.year,
				"supports": [{"support_type": "Case Management Meeting", "tier": "Tier 3"}],
			}
		)
		with self.assertRaises(WrongTierError):
			plan.insert()
		plan.supports[0].update({"support_type": "Attendance Club", "tier": "Tier 1"})
		with self.assertRaises(WrongTierError):  # Attendance Club is a Tier 2 support
			plan.insert()

	def test_full_workflow_by_the_right_roles(self):
		student = self.consented_student()
		plan = make_support_plan(student)
		self.assertEqual((plan.workflow_state, plan.status), ("Draft", "Draft"))
		plan = act(plan, "Request Approval", self.net.coordinator_a)
		self.assertEqual(plan.status, "Pending Approval")
		plan = act(plan, "Return", self.net.program_manager)
		self.assertEqual(plan.status, "Draft")
		plan = act(plan, "Request Approval", self.net.coordinator_a)
		plan = act(plan, "Approve", self.net.program_manager)
		self.assertEqual((plan.workflow_state, plan.status), ("Active", "Active"))
		self.assertEqual(frappe.db.get_value("Student", student, "is_case_managed"), 1)
		plan = act(plan, "Start Review", self.net.coordinator_a)
		self.assertEqual(plan.status, "Under Review")
		plan = act(plan, "Resume", self.net.coordinator_a)
		self.assertEqual(plan.status, "Active")
		frappe.db.set_value("Support Plan", plan.name, "exit_reason", "Goals Met")
		plan = act(plan, "Close", self.net.coordinator_a)
		self.assertEqual(plan.status, "Closed")
		self.assertEqual(str(plan.exit_date), nowdate())

	def test_wrong_roles_are_refused(self):
		plan = make_support_plan(self.consented_student())
		with self.assertRaises(WorkflowTransitionError):
			act(plan, "Approve", self.net.coordinator_a)  # not from Draft, and not a coordinator's action
		plan = act(plan, "Request Approval", self.net.coordinator_a)
		with self.assertRaises(WorkflowTransitionError):
			act(plan, "Approve", self.net.coordinator_a)
		self.assertEqual(frappe.db.get_value("Support Plan", plan.name, "status"), "Pending Approval")
		# a coordinator of another site cannot even act on it
		with self.assertRaises(frappe.PermissionError):
			act(plan, "Return", self.net.coordinator_b)
		self.assertEqual(frappe.db.get_value("Support Plan", plan.name, "status"), "Pending Approval")

	def test_closing_needs_an_exit_reason(self):
		plan = make_support_plan(self.consented_student())
		plan = act(plan, "Request Approval", self.net.coordinator_a)
		plan = act(plan, "Approve", self.net.program_manager)
		with self.assertRaises(frappe.MandatoryError):
			act(plan, "Close", self.net.coordinator_a)
		self.assertEqual(frappe.db.get_value("Support Plan", plan.name, "status"), "Active")

	def test_a_past_years_plan_needs_that_years_consent(self):
		past = make_school_year("2001-2002", "2001-08-13", "2002-05-31")
		student = make_student(self.net.site_a).name
		plan = make_support_plan(student, school_year=past)
		plan = act(plan, "Request Approval", self.net.coordinator_a)
		with self.assertRaises(ConsentRequiredError):
			act(plan, "Approve", self.net.program_manager)
		make_consent(student, school_year=past, signed_date="2001-09-01")  # expires with the year
		self.assertEqual(act(plan, "Approve", self.net.program_manager).status, "Active")

	def test_status_cannot_be_set_around_the_workflow(self):
		plan = make_support_plan(make_student(self.net.site_a).name)
		clear_scope_cache()
		frappe.set_user(self.net.coordinator_a)
		doc = frappe.get_doc("Support Plan", plan.name)
		doc.status = "Active"
		doc.save()
		self.assertEqual(frappe.db.get_value("Support Plan", plan.name, "status"), "Draft")
		doc.workflow_state = "Active"
		with self.assertRaises(frappe.ValidationError):
			doc.save()
		frappe.set_user("Administrator")
		self.assertEqual(
			frappe.db.get_value("Support Plan", plan.name, ["status", "workflow_state"]), ("Draft", "Draft")
		)

	def test_consent_gate(self):
		student = make_student(self.net.site_a).name
		plan = make_support_plan(student)
		plan = act(plan, "Request Approval", self.net.coordinator_a)
		with self.assertRaises(ConsentRequiredError):
			act(plan, "Approve", self.net.program_manager)
		self.assertEqual(frappe.db.get_value("Support Plan", plan.name, "status"), "Pending Approval")
		# a revoked consent does not count, nor one for another year or scope
		make_consent(student, school_year=self.year, revoked_date=nowdate())
		make_consent(student, scope="Media Release", school_year=self.year)
		with self.assertRaises(ConsentRequiredError):
			act(plan, "Approve", self.net.program_manager)
		make_consent(student, school_year=self.year)
		plan = act(plan, "Approve", self.net.program_manager)
		self.assertEqual(plan.status, "Active")

	def test_goal_progress_follows_data_points(self):
		plan = make_support_plan(
			self.consented_student(),
			goals=[
				{
					"area": "Attendance",
					"metric": "Attendance Rate (%)",
					"baseline": 90,
					"target": 95,
					"direction": "Up",
				},
				{
					"area": "Behavior",
					"metric": "Out-of-School Suspensions",
					"baseline": 4,
					"target": 2,
					"direction": "Down",
				},
				{"area": "Other", "metric": "Other", "baseline": 1, "target": 3, "direction": "Up"},
			],
		)
		self.assertEqual([g.progress_status for g in plan.goals], ["", "", ""])
		make_data_point(plan.student, days_enrolled=100, days_absent=7, suspensions=4)
		plan.reload()
		self.assertEqual([g.current_value for g in plan.goals][:2], [93, 4])
		self.assertEqual(
			[g.progress_status for g in plan.goals], ["Progressing", "No Progress, Positive", ""]
		)
		self.assertEqual((plan.goals_total, plan.goals_on_track), (3, 1))
		make_data_point(
			plan.student, days_enrolled=120, days_absent=5, suspensions=2, as_of_date=add_days(nowdate(), 0)
		)
		plan.reload()
		self.assertEqual([g.progress_status for g in plan.goals][:2], ["Met", "Met"])
		self.assertEqual(plan.goals_on_track, 2)

	def test_a_new_plan_reads_the_latest_data_at_once(self):
		student = self.consented_student()
		make_data_point(student, days_enrolled=50, days_absent=4)
		plan = make_support_plan(student)
		self.assertEqual((plan.goals[0].current_value, plan.goals[0].progress_status), (92, "Progressing"))

	def test_coordinators_see_only_their_sites_plans(self):
		mine = make_support_plan(make_student(self.net.site_a).name).name
		theirs = make_support_plan(make_student(self.net.site_b).name).name
		clear_scope_cache()
		frappe.set_user(self.net.coordinator_a)
		visible = set(frappe.get_list("Support Plan", filters={"name": ["in", [mine, theirs]]}, pluck="name"))
		self.assertEqual(visible, {mine})
		self.assertFalse(frappe.get_doc("Support Plan", theirs).has_permission("read"))
		goals = frappe.get_list(
			"Support Plan Goal", parent_doctype="Support Plan", filters={"parent": theirs}, fields=["name"]
		)
		self.assertEqual(goals, [])
		for user in (self.net.evaluator, self.net.partner_manager):
			frappe.set_user(user)
			with self.assertRaises(frappe.PermissionError):
				frappe.get_list("Support Plan")


class TestWorkflowsSurviveMigrate(FrappeTestCase):
	def test_admin_changes_to_a_workflow_survive_a_migrate(self):
		from frappe.model.sync import sync_for
		from frappe.utils.fixtures import sync_fixtures

		from cis_app.setup.install import after_install
		from cis_app.patches.v0_1.create_default_workflows import execute as run_patch

		workflow = frappe.get_doc("Workflow", "Support Plan Approval")
		# the admin lets program managers close plans too, and renames a state's approver
		workflow.append(
			"transitions",
			{
				"state": "Active",
				"action": "Close",
				"next_state": "Closed",
				"allowed": "Program Manager",
				"allow_self_approval": 1,
			},
		)
		for state in workflow.states:
			if state.state == "Pending Approval":
				state.allow_edit = "CIS Administrator"
		workflow.save()
		expected = (len(workflow.transitions), [s.allow_edit for s in workflow.states])

		# what `bench migrate` runs for the app: schema sync, fixtures, hooks, (already-run) patches
		sync_for("cis_app", force=True)
		sync_fixtures("cis_app")
		for hook in frappe.get_hooks("after_migrate", app_name="cis_app"):
			frappe.get_attr(hook)()
		run_patch()
		after_install()  # even a reinstall's defaults step leaves it alone

		workflow = frappe.get_doc("Workflow", "Support Plan Approval")
		self.assertEqual((len(workflow.transitions), [s.allow_edit for s in workflow.states]), expected)
		self.assertEqual(
			frappe.db.count("Workflow", {"document_type": "Support Plan"}), 1, "no second default workflow"
		)


class TestPatchesDoOneThing(FrappeTestCase):
	def test_a_workflow_deleted_on_purpose_stays_deleted(self):
		"""The volunteer hours patch adds only its own workflow, never the plan workflow an admin deleted."""
		from cis_app.patches.v0_2.create_volunteer_hours_workflow import execute as add_hours_workflow

		for name in ("Support Plan Approval", "Volunteer Hours Approval"):
			frappe.delete_doc("Workflow", name, force=True, ignore_permissions=True)
		add_hours_workflow()
		self.assertFalse(frappe.db.exists("Workflow", "Support Plan Approval"))
		self.assertTrue(frappe.db.exists("Workflow", "Volunteer Hours Approval"))
		frappe.db.rollback()  # the other tests need the plan workflow back
		frappe.clear_cache()


class TestCaseManagementFollowsPlans(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.net = TwoSites.build()
		make_school_year()

	def tearDown(self):
		frappe.set_user("Administrator")

	def test_case_managed_while_a_plan_is_active_or_under_review(self):
		from frappe.model.workflow import apply_workflow

		from cis_app.tests.factories import make_active_plan

		student = make_student(self.net.site_a).name
		self.assertEqual(frappe.db.get_value("Student", student, "is_case_managed"), 0)
		plan = make_active_plan(student)
		self.assertEqual(frappe.db.get_value("Student", student, "is_case_managed"), 1)
		second = make_active_plan(student)
		plan = apply_workflow(plan.as_dict(), "Start Review")
		self.assertEqual(frappe.db.get_value("Student", student, "is_case_managed"), 1)
		frappe.db.set_value("Support Plan", plan.name, "exit_reason", "Goals Met")
		apply_workflow(plan.as_dict(), "Close")
		self.assertEqual(frappe.db.get_value("Student", student, "is_case_managed"), 1)  # the second is open
		frappe.db.set_value("Support Plan", second.name, "exit_reason", "Goals Met")
		apply_workflow(second.as_dict(), "Close")
		self.assertEqual(frappe.db.get_value("Student", student, "is_case_managed"), 0)

	def test_a_client_cannot_set_case_management(self):
		student = frappe.get_doc("Student", make_student(self.net.site_a).name)
		student.is_case_managed = 1
		student.save()
		self.assertEqual(frappe.db.get_value("Student", student.name, "is_case_managed"), 0)

	def test_a_data_fed_goal_takes_its_metrics_area_and_direction(self):
		student = make_student(self.net.site_a).name
		plan = make_support_plan(
			student,
			goals=[
				{
					"area": "Other",
					"metric": "Out-of-School Suspensions",
					"baseline": 4,
					"target": 1,
					"direction": "Down",
				}
			],
		)
		self.assertEqual((plan.goals[0].area, plan.goals[0].direction), ("Behavior", "Down"))
		with self.assertRaises(InvalidGoalError):
			make_support_plan(
				student,
				goals=[
					{
						"area": "Behavior",
						"metric": "Out-of-School Suspensions",
						"baseline": 1,
						"target": 4,
						"direction": "Up",
					}
				],
			)
		loaded = frappe.get_doc("Support Plan", plan.name)
		loaded.run_method("onload")
		self.assertEqual(tuple(loaded.get_onload()["metric_areas"]["GPA"]), ("Academic", "Up"))


class TestActivatedOn(FrappeTestCase):
	"""``activated_on``: the day a plan first became Active (it puts the student in the outcome cohort)."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.net = TwoSites.build()
		cls.year = make_school_year()

	def tearDown(self):
		frappe.set_user("Administrator")

	def activated_on(self, plan) -> str | None:
		value = frappe.db.get_value("Support Plan", plan, "activated_on")
		return str(value) if value else None

	def test_set_on_activation_and_kept_through_review_and_closure(self):
		from frappe.model.workflow import apply_workflow

		from cis_app.tests.factories import make_active_plan

		student = make_student(self.net.site_a).name
		draft = make_support_plan(student, activated_on=add_days(nowdate(), -50))
		self.assertIsNone(self.activated_on(draft.name))  # a client cannot put a draft in the cohort
		plan = make_active_plan(student)
		self.assertEqual(self.activated_on(plan.name), nowdate())
		# as if activated earlier in the year: review, resume and closure keep the first day
		earlier = add_days(nowdate(), -30)
		frappe.db.set_value("Support Plan", plan.name, "activated_on", earlier)
		plan = apply_workflow(frappe.get_doc("Support Plan", plan.name).as_dict(), "Start Review")
		self.assertEqual((plan.status, self.activated_on(plan.name)), ("Under Review", earlier))
		plan = apply_workflow(plan.as_dict(), "Resume")
		self.assertEqual((plan.status, self.activated_on(plan.name)), ("Active", earlier))
		doc = frappe.get_doc("Support Plan", plan.name)
		doc.activated_on = None  # a client trying to clear it
		doc.save()
		self.assertEqual(self.activated_on(plan.name), earlier)
		frappe.db.set_value("Support Plan", plan.name, "exit_reason", "Goals Met")
		plan = apply_workflow(frappe.get_doc("Support Plan", plan.name).as_dict(), "Close")
		self.assertEqual((plan.status, self.activated_on(plan.name)), ("Closed", earlier))
		# a copy of the plan starts a new one, not activated
		copy = frappe.copy_doc(frappe.get_doc("Support Plan", plan.name), ignore_no_copy=False)
		self.assertIsNone(copy.activated_on)

	def activate_with_history(self, student: str):
		"""Draft -> Pending Approval -> Active, with the Version Frappe writes for the activation (Frappe
		skips Versions while tests run, so the diff of the two saves is recorded here, by Frappe's own
		``Version.update_version_info``)."""
		from frappe.model.workflow import apply_workflow

		make_consent(student, school_year=self.year)
		plan = make_support_plan(student, school_year=self.year)
		apply_workflow(plan.as_dict(), "Request Approval")
		before = frappe.get_doc("Support Plan", plan.name)
		apply_workflow(before.as_dict(), "Approve")
		version = frappe.new_doc("Version")
		self.assertTrue(version.update_version_info(before, frappe.get_doc("Support Plan", plan.name)))
		version.insert(ignore_permissions=True)
		return plan, version.name

	def test_the_patch_fills_blanked_plans_from_their_history(self):
		from cis_app.patches.v0_4.set_plan_activated_on import execute
		from cis_app.tests.factories import make_active_plan

		from_version, activation = self.activate_with_history(make_student(self.net.site_a).name)
		from_start = make_active_plan(make_student(self.net.site_a).name)
		from_creation = make_active_plan(make_student(self.net.site_b).name)
		kept = make_active_plan(make_student(self.net.site_b).name)
		draft = make_support_plan(make_student(self.net.site_a).name)

		self.assertIn(
			'["status","Pending Approval","Active"]', frappe.db.get_value("Version", activation, "data")
		)
		version_day = add_days(nowdate(), -20)
		frappe.db.set_value("Version", activation, "creation", f"{version_day} 10:00:00")
		start_day = add_days(nowdate(), -40)
		for plan in (from_version, from_start):
			frappe.db.set_value("Support Plan", plan.name, "start_date", start_day)
		creation_day = add_days(nowdate(), -60)
		frappe.db.set_value("Support Plan", from_creation.name, "creation", f"{creation_day} 09:00:00")
		kept_day = add_days(nowdate(), -10)
		frappe.db.set_value("Support Plan", kept.name, "activated_on", kept_day)
		for plan in (from_version, from_start, from_creation):
			frappe.db.set_value("Support Plan", plan.name, "activated_on", None)
		# an Under Review plan is filled too
		frappe.db.set_value("Support Plan", from_start.name, {"status": "Under Review"})

		execute()

		self.assertEqual(self.activated_on(from_version.name), version_day)
		self.assertEqual(self.activated_on(from_start.name), start_day)
		self.assertEqual(self.activated_on(from_creation.name), creation_day)
		self.assertEqual(self.activated_on(kept.name), kept_day)
		self.assertIsNone(self.activated_on(draft.name))
