"""Fill a site with the synthetic demo affiliate.

    bench --site <site> execute cis_app.demo.load.make_demo
    bench --site <site> execute cis_app.demo.load.make_demo --kwargs "{'students': 500}"
    bench --site <site> execute cis_app.demo.load.make_demo --kwargs "{'students': 20000, 'sites': 20}"

The last is the load test's demo: 20 sites, each with a site coordinator of its own
(``coordinator-NN@cis-demo.example`` where the eight-site demo has none).

Everything is made up (``cis_app.demo.data``) and the same on every run. Running it again on a
site that already has the demo affiliate does nothing. The demo users and their password are listed
in the README.
"""

from __future__ import annotations

import random
from datetime import timedelta

import frappe
from frappe.desk.page.setup_wizard.setup_wizard import setup_complete
from frappe.model.workflow import apply_workflow
from frappe.utils import getdate, nowdate
from frappe.utils.password import update_password

from cis_app.utils.bulk import insert_dicts
from cis_app.cis_case_management.doctype.student_consent.student_consent import has_valid_consent_for_year
from cis_app.cis_network.doctype.school_year.school_year import get_current_school_year
from cis_app.cis_partnerships.doctype.cis_volunteer.cis_volunteer import create_portal_user
from cis_app.cis_partnerships.doctype.partner_contact.partner_contact import create_website_login
from cis_app.demo import data as demo
from cis_app.core.consent import SCOPE_CASE_MANAGEMENT, SCOPE_SHARE_WITH_PARTNER
from cis_app.core.early_warning import data_point_problems
from cis_app.core.plans import CASE_MANAGED_STATUSES
from cis_app.core.referrals import covering_consent
from cis_app.core.volunteering import (
	clearance_problem,
	exceeds_daily_cap,
	hour_value,
	hours_problem,
	hours_value,
)
from cis_app.cis_case_management.recompute import recompute_all


def make_demo(students: int = 2000, sites: int = len(demo.BASE_SITES)) -> None:
	frappe.only_for("System Manager")
	demo.use_sites(int(sites))
	complete_frappe_setup()
	if frappe.db.exists("Affiliate", demo.AFFILIATE):
		print(f"The demo affiliate {demo.AFFILIATE!r} is already on this site: nothing to do.")
		return
	today = getdate(nowdate())
	frappe.flags.in_demo = True
	# a large demo (the load test's 20,000 students) writes more than one transaction may: commit as
	# Frappe's bulk jobs do (a demo stopped halfway is made again, see scripts/cis_bench.py)
	frappe.db.auto_commit_on_many_writes = True
	make_school_years(today)
	make_network()
	make_users()
	make_partners()
	made = make_students(students, today)
	make_cycle(today)
	make_partnerships(today)
	make_partner_portal(today)
	print(f"Demo affiliate created: {len(demo.SITES)} sites, {made} students, {len(demo.PARTNERS)} partners.")
	print(f"Log in as any of {', '.join(u[0] for u in demo.USERS)} with password {demo.DEMO_PASSWORD!r}.")
	print(f"The demo volunteer logs in on the website as {demo.DEMO_VOLUNTEER} with the same password.")
	print(f"The demo partner contact logs in on the website as {demo.DEMO_PARTNER_CONTACT}, too.")


def complete_frappe_setup() -> None:
	"""Finish Frappe's setup on a brand-new site, so the demo users land on their workspace and not on
	the setup wizard (which only a System Manager can complete).

	Answers as the wizard would for a US affiliate, keeping what System Settings already hold. The
	answers carry no email, so no extra administrator is created. Nothing happens once setup is done.
	"""
	if frappe.db.get_single_value("System Settings", "setup_complete"):
		return

	language_code = frappe.db.get_single_value("System Settings", "language")
	language = language_code and frappe.db.get_value("Language", language_code, "language_name")
	result = setup_complete(
		{
			"language": language or "English",
			"lang": language or "English",
			"country": frappe.db.get_single_value("System Settings", "country") or "United States",
			"timezone": frappe.db.get_single_value("System Settings", "time_zone") or "America/Chicago",
			"currency": frappe.db.get_single_value("System Settings", "currency") or "USD",
		}
	)
	print(f"Frappe's setup (language, country, time zone, currency) completed: {result}.")


def make_network_site() -> str:
	"""A site standing for the national network in the browser checks of the network roll-up: Frappe's
	setup completed and the demo's two school years, nothing else. Returns the previous school year's
	name (the year whose outcomes the demo's affiliate exports)."""
	frappe.only_for("System Manager")
	complete_frappe_setup()
	make_school_years(getdate(nowdate()))
	frappe.db.commit()
	return demo.school_years(getdate(nowdate()))[0].name


def make_school_years(today) -> None:
	years = demo.school_years(today)
	for year in years:
		if not frappe.db.exists("School Year", year.name):
			frappe.get_doc(
				{
					"doctype": "School Year",
					"school_year_name": year.name,
					"year_start_date": year.start,
					"year_end_date": year.end,
				}
			).insert()
	settings = frappe.get_single("CIS Settings")
	settings.current_school_year = years[-1].name
	settings.save()


def site_names() -> list[str]:
	return [site[0] for site in demo.SITES]


def make_network() -> None:
	frappe.get_doc(
		{
			"doctype": "Affiliate",
			"affiliate_name": demo.AFFILIATE,
			"abbreviation": "CIS-RB",
			"state": "TX",
			"service_area": "Riverbend and Cedar Valley counties (fictional)",
		}
	).insert()
	for district in demo.DISTRICTS:
		frappe.get_doc(
			{
				"doctype": "School District",
				"district_name": district,
				"affiliate": demo.AFFILIATE,
				"state": "TX",
				"agreement_status": "Active",
				"agreement_start_date": "2024-07-01",
				"agreement_end_date": "2027-06-30",
			}
		).insert()
	for name, district_index, level, _grades in demo.SITES:
		frappe.get_doc(
			{
				"doctype": "Site",
				"site_name": name,
				"affiliate": demo.AFFILIATE,
				"school_district": demo.DISTRICTS[district_index],
				"school_level": level,
				"enrollment_count": 600 if level == "Elementary" else 900,
			}
		).insert()


def make_users() -> None:
	affiliate = frappe.get_doc("Affiliate", demo.AFFILIATE)
	sites = site_names()
	for email, full_name, roles, affiliate_wide, site_rows in demo.USERS:
		first, last = full_name.split(" ", 1)
		if not frappe.db.exists("User", email):
			user = frappe.get_doc(
				{
					"doctype": "User",
					"email": email,
					"first_name": first,
					"last_name": last,
					"send_welcome_email": 0,
					"user_type": "System User",
				}
			)
			user.flags.no_welcome_mail = True
			user.insert(ignore_permissions=True)
			user.add_roles(*roles)
		update_password(email, demo.DEMO_PASSWORD)
		if affiliate_wide:
			affiliate.append("staff", {"user": email, "staff_role": roles[0], "from_date": "2024-07-01"})
		for site_index, staff_role in site_rows:
			site = frappe.get_doc("Site", sites[site_index])
			site.append("staff", {"user": email, "staff_role": staff_role, "from_date": "2024-07-01"})
			site.save()
	affiliate.save()


def make_partners() -> None:
	sites = site_names()
	for index, (name, partner_type, services) in enumerate(demo.PARTNERS):
		frappe.get_doc(
			{
				"doctype": "Partner",
				"partner_name": name,
				"partner_type": partner_type,
				"affiliate": demo.AFFILIATE,
				"partner_manager": "partners@cis-demo.example",
				"services_offered": [{"support_type": service} for service in services],
				"sites_served": [{"site": sites[(index + offset) % len(sites)]} for offset in range(3)],
				"contacts": [
					{
						"contact_name": f"Contact {index + 1}",
						"designation": "Program Lead",
						"email": f"contact{index + 1}@partner.example",
						"is_primary": 1,
					}
				],
			}
		).insert()


def make_students(count: int, today) -> int:
	sites = site_names()
	partners = [partner[0] for partner in demo.PARTNERS]
	made = 0
	for spec in demo.students(count, today):
		student = frappe.get_doc(
			{
				"doctype": "Student",
				"site": sites[spec.site_index],
				"district_student_id": spec.district_student_id,
				"state_student_id": spec.state_student_id,
				"first_name": spec.first_name,
				"last_name": spec.last_name,
				"date_of_birth": spec.date_of_birth,
				"gender": spec.gender,
				"grade_level": spec.grade_level,
				"directory_opt_out": spec.directory_opt_out,
				"guardians": spec.guardians,
			}
		).insert()
		for consent in spec.consents:
			values = {k: v for k, v in consent.items() if k != "partner_index"}
			if "partner_index" in consent:
				values["partner"] = partners[consent["partner_index"]]
			frappe.get_doc({"doctype": "Student Consent", "student": student.name, **values}).insert()
		made += 1
	return made


# ---------------------------------------------------------------- the support cycle

TIER3_SUPPORTS = ("Tutoring", "Mentoring", "Counselling", "Family Engagement", "Case Management Meeting")


def make_cycle(today) -> None:
	"""A full previous school year and the current one up to today: assessments, plans moved
	through the workflow, deliveries in the three tiers, data points and year-end statuses."""
	rng = random.Random(11)
	years = demo.school_years(today)
	sites = site_names()
	partners = [partner[0] for partner in demo.PARTNERS]
	students = frappe.get_all(
		"Student",
		filters={"affiliate": demo.AFFILIATE},
		fields=["name", "student_name", "site", "grade_level", "district_student_id"],
		order_by="name",
	)
	# the students referred for case management are those whose guardians signed its consent; they
	# become case-managed (is_case_managed, derived) once their plan is approved
	referred = set(
		frappe.get_all(
			"Student Consent",
			filters={"scope": "Case Management", "student": ["in", [s.name for s in students]]},
			pluck="student",
		)
	)
	profiles = {s.name: demo.risk_profile(s.district_student_id or s.name) for s in students}
	for year in years:
		current = year is years[-1]
		last_day = min(year.end, today)
		for site in sites:
			make_school_assessment_and_plan(site, year, rng, apply_workflow)
			make_school_wide_activities(site, year, last_day, rng, partners)
			make_group_sessions(site, year, last_day, rng, [s for s in students if s.site == site])
		points = []
		for student in students:
			# each student's lasting risk with the year's ups and downs; the referred were referred for a
			# bad year before, and this year case management lowers their absences (the built-in effect)
			risk, effect = demo.year_risk(profiles[student.name], current, student.name in referred)
			for as_of in demo.data_point_dates(year, today):
				points.append(
					{
						"student": student.name,
						"student_name": student.student_name,
						"site": student.site,
						"school_year": year.name,
						"as_of_date": as_of,
						"period_label": as_of.strftime("%b %Y"),
						"source": "Import",
						**demo.data_point(rng, risk, year, as_of, student.grade_level, effect),
					}
				)
		# thousands of rows: checked with the controller's own rule (the core), then inserted in bulk
		invalid = [point for point in points if data_point_problems(point)]
		if invalid:
			raise ValueError(f"demo data points fail validation: {invalid[:3]}")
		insert_dicts("Student Data Point", points)
		for student in students:
			if student.name in referred:
				plan = make_student_plan(student, year, today, rng, apply_workflow)
				make_check_ins(student, plan, year, last_day, rng)
				if year.end < today and student.grade_level != "PK":  # outcomes are for grades K-12
					frappe.get_doc(
						{
							"doctype": "Student Year-End Status",
							"student": student.name,
							"school_year": year.name,
							"grade_level": student.grade_level,
							"year_end_status": demo.year_end_status(rng, student.grade_level),
						}
					).insert()
		# plans follow their data: recompute now that the year's data points are in
		recompute_all()
		if year.end >= today:
			continue
		for plan in frappe.get_all(
			"Support Plan",
			filters={
				"school_year": year.name,
				"plan_type": "Student",
				"status": ["in", CASE_MANAGED_STATUSES],
			},
			pluck="name",
		):
			doc = frappe.get_doc("Support Plan", plan)
			doc.exit_reason = "End of School Year"
			doc.exit_date = year.end
			doc.save()
			apply_workflow(doc, "Close")


def make_school_assessment_and_plan(site: str, year, rng, apply_workflow) -> None:
	needs = [
		("Attendance", "Chronic absence above the district average", "High", 1),
		("Basic Needs", "Families report food insecurity on weekends", "High", 0),
		("Academic", "Reading below grade level in the early grades", "Medium", 1),
		("Behavior", "Rising minor incidents at lunch", "Medium", 1),
		("Mental Health", "Long waits for counselling referrals", "High", 1),
	]
	assessment = frappe.get_doc(
		{
			"doctype": "Needs Assessment",
			"assessment_scope": "School",
			"site": site,
			"school_year": year.name,
			"assessment_date": year.start,
			"summary": "Synthetic demo assessment.",
			"needs": [
				{"category": c, "description": d, "priority": p, "is_gap": g, "evidence": "District data"}
				for c, d, p, g in rng.sample(needs, 4)
			],
		}
	).insert()
	apply_workflow(assessment, "Submit")
	apply_workflow(assessment, "Approve")
	plan = frappe.get_doc(
		{
			"doctype": "Support Plan",
			"plan_type": "School",
			"site": site,
			"school_year": year.name,
			"needs_assessment": assessment.name,
			"start_date": year.start,
			"end_date": year.end,
			"supports": [
				{"support_type": "Clothing Closet", "tier": "Tier 1", "frequency": "Weekly"},
				{"support_type": "Attendance Incentives", "tier": "Tier 1", "frequency": "Monthly"},
				{"support_type": "Tutoring", "tier": "Tier 2", "frequency": "Weekly"},
				{"support_type": "Attendance Club", "tier": "Tier 2", "frequency": "Weekly"},
			],
		}
	).insert()
	apply_workflow(plan, "Request Approval")
	apply_workflow(plan, "Approve")


def make_school_wide_activities(site: str, year, last_day, rng, partners: list[str]) -> None:
	day = year.start + timedelta(days=20)
	enrollment = frappe.db.get_value("Site", site, "enrollment_count") or 600
	while day <= last_day:
		support = rng.choice(
			(
				"Clothing Closet",
				"Food Pantry and Weekend Meals",
				"School-wide Assembly",
				"Attendance Incentives",
			)
		)
		frappe.get_doc(
			{
				"doctype": "School-wide Activity",
				"site": site,
				"support_type": support,
				"activity_date": day,
				"head_count": int(enrollment * rng.uniform(0.4, 0.95)),
				"partner": rng.choice(partners) if rng.random() < 0.5 else None,
			}
		).insert()
		day += timedelta(days=30)


def make_group_sessions(site: str, year, last_day, rng, students: list) -> None:
	groups = {
		"Tutoring": rng.sample(students, min(10, len(students))),
		"Attendance Club": rng.sample(students, min(8, len(students))),
	}
	day = year.start + timedelta(days=((1 - year.start.weekday()) % 7) + 14)  # a Tuesday, week 3
	while day <= last_day:
		for support, roster in groups.items():
			frappe.get_doc(
				{
					"doctype": "Group Session",
					"site": site,
					"support_type": support,
					"session_date": day,
					"minutes": 45,
					"attendees": [{"student": s.name, "present": int(rng.random() < 0.85)} for s in roster],
				}
			).insert()
		day += timedelta(days=14)


def make_student_plan(student, year, today, rng, apply_workflow):
	goals = [
		{
			"area": "Attendance",
			"metric": "Attendance Rate (%)",
			"baseline": 86,
			"target": 92,
			"direction": "Up",
		}
	]
	goals.append(
		rng.choice(
			[
				{
					"area": "Behavior",
					"metric": "Out-of-School Suspensions",
					"baseline": 2,
					"target": 0,
					"direction": "Down",
				},
				{
					"area": "Behavior",
					"metric": "Behavior Incidents",
					"baseline": 6,
					"target": 3,
					"direction": "Down",
				},
			]
		)
	)
	goals.append(
		{"area": "Academic", "metric": "Course Failures", "baseline": 2, "target": 0, "direction": "Down"}
		if student.grade_level not in ("9", "10", "11", "12")
		else {"area": "Academic", "metric": "GPA", "baseline": 2.0, "target": 2.7, "direction": "Up"}
	)
	review = min(today + timedelta(days=rng.randint(-3, 40)), year.end) if year.end >= today else year.end
	for goal in goals:
		goal["next_review_date"] = review
	plan = frappe.get_doc(
		{
			"doctype": "Support Plan",
			"plan_type": "Student",
			"student": student.name,
			"school_year": year.name,
			"start_date": year.start + timedelta(days=45),
			"goals": goals,
			"supports": [
				{
					"support_type": support,
					"tier": "Tier 3",
					"frequency": rng.choice(("Weekly", "Twice a Month")),
				}
				for support in rng.sample(TIER3_SUPPORTS, 2)
			],
		}
	).insert()
	if year.end >= today and rng.random() < 0.1:
		return plan  # a few current plans are still drafts
	apply_workflow(plan, "Request Approval")
	if year.end >= today and rng.random() < 0.1:
		return plan  # waiting for the program manager

	# a revoked consent leaves the plan waiting, as the consent gate would for a coordinator
	if has_valid_consent_for_year(student.name, "Case Management", year.name):
		apply_workflow(plan, "Approve")
	return plan


def make_check_ins(student, plan, year, last_day, rng) -> None:
	"""Roughly monthly formal meetings, valid by construction (the student's own plan, dates inside
	the school year and not after today): inserted in bulk."""
	rows = []
	day = year.start + timedelta(days=50)
	while day <= last_day:
		rows.append(
			{
				"student": student.name,
				"student_name": student.student_name,
				"site": student.site,
				"support_plan": plan.name,
				"checkin_date": day,
				"contact_with": rng.choice(("Student", "Student", "Family", "Teacher")),
				"contact_method": rng.choice(("In Person", "In Person", "Phone")),
				"is_formal_meeting": 1,
				"minutes": rng.choice((15, 20, 30, 45)),
				"notes": "Synthetic demo note.",
			}
		)
		day += timedelta(days=rng.randint(18, 34))
	insert_dicts("Student Check-In", rows)


# ---------------------------------------------------------------- partners and volunteers


def make_partnerships(today) -> None:
	sites = site_names()
	partners = [partner[0] for partner in demo.PARTNERS]
	for partner, agreement in zip(partners, demo.agreements(today), strict=True):
		doc = frappe.get_doc("Partner", partner)
		doc.update({**agreement, "reminder_days": 45})
		doc.save()
	for row in demo.contributions(today):
		kind = row["contribution_type"]
		frappe.get_doc(
			{
				"doctype": "Partner Contribution",
				"partner": partners[row["partner_index"]],
				"contribution_type": kind,
				"contribution_date": row["contribution_date"],
				"amount" if kind == "Monetary" else "fair_value": row["value"],
				"site": sites[row["site_index"]] if row["site_index"] is not None else None,
				"description": "Synthetic demo contribution.",
			}
		).insert()

	specs = demo.volunteers()
	# the demo volunteer, first: cleared for the demo coordinator's site
	specs[0].update(
		{"email": demo.DEMO_VOLUNTEER, "first_name": "Val", "last_name": "Volunteer", "site_indexes": [0]}
	)
	names = []
	for spec in specs:
		volunteer = frappe.get_doc(
			{
				"doctype": "CIS Volunteer",
				"first_name": spec["first_name"],
				"last_name": spec["last_name"],
				"email": spec["email"],
				"affiliate": demo.AFFILIATE,
				"partner": partners[spec["partner_index"]] if spec["partner_index"] is not None else None,
				"status": "Active",
				"background_check_status": "Cleared",
				"background_check_date": today - timedelta(days=500 if spec["lapsed"] else 380),
				"background_check_expiry": today - timedelta(days=30)
				if spec["lapsed"]
				else today + timedelta(days=330),
				"training_completed": 1,
				"training_date": today - timedelta(days=370),
				"sites": [{"site": sites[i]} for i in spec["site_indexes"]],
			}
		).insert()
		names.append(volunteer.name)
	create_portal_user(names[0])
	update_password(demo.DEMO_VOLUNTEER, demo.DEMO_PASSWORD)

	# a year of hours, valid by construction (tests/test_demo.py checks the generator): inserted in
	# bulk with the value the controller would compute, approved except the last two weeks
	from frappe.model.naming import make_autoname

	settings = frappe.get_single("CIS Settings")
	by_year = {row.year: row.hourly_value for row in settings.volunteer_hour_values}
	details = {}
	for name in names:
		details[name] = frappe.db.get_value(
			"CIS Volunteer",
			name,
			["volunteer_name", "partner", "status", "background_check_status", "background_check_expiry"],
			as_dict=True,
		)
		details[name]["sites"] = frappe.get_all("CIS Volunteer Site", filters={"parent": name}, pluck="site")
	rows, per_day = [], {}
	for row in demo.hours_entries(len(names), [spec["site_indexes"] for spec in specs], today):
		volunteer = details[names[row["volunteer_index"]]]
		site = sites[row["site_index"]]
		# the controller's rules (the core), applied before the bulk insert
		if clearance_problem(volunteer, site, row["date"]):
			continue  # e.g. a lapsed check: no hours after it
		day_key = (row["volunteer_index"], row["date"])
		if hours_problem(row["hours"]) or exceeds_daily_cap(per_day.get(day_key, []), row["hours"]):
			raise ValueError(f"demo hours fail validation: {row}")
		per_day.setdefault(day_key, []).append(row["hours"])
		rate = hour_value(row["date"], by_year, settings.default_volunteer_hour_value)
		rows.append(
			{
				"name": make_autoname("VH-.YYYY.-.######"),
				"naming_series": "VH-.YYYY.-.######",
				"volunteer": names[row["volunteer_index"]],
				"volunteer_name": volunteer.volunteer_name,
				"partner": volunteer.partner,
				"site": site,
				"affiliate": demo.AFFILIATE,
				"date": row["date"],
				"hours": row["hours"],
				"activity": "Tutoring" if row["volunteer_index"] % 3 else "Mentoring",
				"students_served": row["students_served"],
				"status": row["outcome"],
				"workflow_state": row["outcome"],
				"hourly_value": rate,
				"value": hours_value(row["hours"], rate),
				"reviewed_by": None if row["outcome"] == "Submitted" else "coordinator@cis-demo.example",
				"rejection_reason": "Duplicate of another entry." if row["outcome"] == "Rejected" else None,
			}
		)
	insert_dicts("Volunteer Hours", rows)


# ---------------------------------------------------------------- the partner's portal


def make_partner_portal(today=None) -> str:
	"""The demo partner contact's website login, and one student of the demo coordinator's site who
	can be referred to that partner: a case-managed student with an active plan this year and a
	synthetic consent naming the partner. Returns the student. Idempotent; also brings a demo site
	loaded before the partner's portal existed up to date:

	    bench --site <site> execute cis_app.demo.load.make_partner_portal
	"""
	frappe.only_for("System Manager")
	frappe.flags.in_demo = True
	today = getdate(today or nowdate())
	partner = demo.PARTNERS[demo.DEMO_PARTNER_INDEX][0]
	doc = frappe.get_doc("Partner", partner)
	contact = next(row for row in doc.contacts if row.email == demo.DEMO_PARTNER_CONTACT)
	if not contact.user:
		create_website_login(partner, contact.name)
	update_password(demo.DEMO_PARTNER_CONTACT, demo.DEMO_PASSWORD)

	year = get_current_school_year()
	plans = frappe.get_all(
		"Support Plan",
		filters={"site": site_names()[0], "plan_type": "Student", "school_year": year, "status": "Active"},
		fields=["student", "student_name"],
		order_by="student_name asc",
	)
	plan = next(
		(plan for plan in plans if has_valid_consent_for_year(plan.student, SCOPE_CASE_MANAGEMENT, year)),
		None,
	)
	if plan is None:
		print("No case-managed student with an active plan at the demo coordinator's site: nothing to refer.")
		return ""
	shares = frappe.get_all(
		"Student Consent",
		filters={"student": plan.student, "scope": SCOPE_SHARE_WITH_PARTNER, "partner": partner},
		fields=["name", "scope", "partner", "school_year", "signed_date", "expiry_date", "revoked_date"],
	)
	if not covering_consent(shares, partner, year, today):
		guardian = frappe.db.get_value(
			"Student Consent",
			{"student": plan.student, "scope": SCOPE_CASE_MANAGEMENT, "school_year": year},
			"guardian_name",
		)
		frappe.get_doc(
			{
				"doctype": "Student Consent",
				"student": plan.student,
				"scope": SCOPE_SHARE_WITH_PARTNER,
				"partner": partner,
				"school_year": year,
				"guardian_name": guardian or "Demo Guardian",
				"signed_date": today - timedelta(days=7),
				"purpose": "Tutoring through a partner (synthetic demo consent)",
			}
		).insert()
	print(f"{plan.student_name} ({plan.student}) can be referred to {partner}.")
	return plan.student
