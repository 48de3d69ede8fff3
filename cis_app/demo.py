"""Fill a site with the synthetic demo affiliate.

    bench --site <site> execute cis_app.demo.make_demo
    bench --site <site> execute cis_app.demo.make_demo --kwargs "{'students': 500}"

Everything is made up (``cis_app.core.demo``) and the same on every run. Running it again on a
site that already has the demo affiliate does nothing. The demo users and their password are listed
in the README.
"""

from __future__ import annotations

import frappe
from frappe.utils import getdate, nowdate

from cis_app.core import demo


def make_demo(students: int = 2000) -> None:
	frappe.only_for("System Manager")
	if frappe.db.exists("Affiliate", demo.AFFILIATE):
		print(f"The demo affiliate {demo.AFFILIATE!r} is already on this site: nothing to do.")
		return
	today = getdate(nowdate())
	frappe.flags.in_demo = True
	make_school_years(today)
	make_network()
	make_users()
	make_partners()
	made = make_students(students, today)
	print(f"Demo affiliate created: {len(demo.SITES)} sites, {made} students, {len(demo.PARTNERS)} partners.")
	print(f"Log in as any of {', '.join(u[0] for u in demo.USERS)} with password {demo.DEMO_PASSWORD!r}.")


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
	from frappe.utils.password import update_password

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
				"is_case_managed": spec.is_case_managed,
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
