"""Factories for the integration tests (FrappeTestCase). Synthetic data only."""

from __future__ import annotations

import os
from contextlib import contextmanager
from datetime import date, timedelta
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from threading import Thread
from unittest.mock import patch

import frappe
from frappe.installer import update_site_config
from frappe.model.workflow import apply_workflow
from frappe.utils import add_days, get_test_client, getdate, nowdate

from cis_app.cis_partnerships.doctype.cis_volunteer.cis_volunteer import create_portal_user
from cis_app.core.plausibility import MAX_SCHOOL_YEAR_DAYS
from cis_app.permissions.scope import clear_scope_cache


def make_user(email: str, *roles: str) -> str:
	"""A System User with ``roles`` (created once, roles topped up)."""
	if not frappe.db.exists("User", email):
		user = frappe.get_doc(
			{
				"doctype": "User",
				"email": email,
				"first_name": email.split("@")[0],
				"send_welcome_email": 0,
				"user_type": "System User",
			}
		)
		user.flags.no_welcome_mail = True
		user.insert(ignore_permissions=True)
	user = frappe.get_doc("User", email)
	missing = [role for role in roles if role not in {r.role for r in user.roles}]
	if missing:
		user.add_roles(*missing)
	return email


def make_affiliate(name: str = "_Test Affiliate", staff: list[tuple] | None = None) -> str:
	"""An affiliate with ``staff`` rows ``(user, role)``: a row the affiliate already has (the same user
	in the same role, left by another test or an earlier run) is not added twice."""
	if not frappe.db.exists("Affiliate", name):
		frappe.get_doc({"doctype": "Affiliate", "affiliate_name": name, "state": "TX"}).insert(
			ignore_permissions=True
		)
	if staff:
		doc = frappe.get_doc("Affiliate", name)
		held = {(row.user, row.staff_role) for row in doc.staff}
		missing = [(user, role) for user, role in staff if (user, role) not in held]
		if missing:
			for user, role in missing:
				doc.append("staff", {"user": user, "staff_role": role})
			doc.save(ignore_permissions=True)
	return name


def make_district(name: str = "_Test District", affiliate: str = "_Test Affiliate") -> str:
	if not frappe.db.exists("School District", name):
		frappe.get_doc({"doctype": "School District", "district_name": name, "affiliate": affiliate}).insert(
			ignore_permissions=True
		)
	return name


def make_site(
	name: str,
	affiliate: str = "_Test Affiliate",
	district: str | None = "_Test District",
	staff: list[tuple] | None = None,
	is_active: int = 1,
) -> str:
	"""A site, with ``staff`` rows ``(user, role)`` or ``(user, role, from_date, to_date)``.

	A new site is inserted with its staff in one save (as given: a test may send a bad row on purpose);
	an existing one gets the rows appended whose user does not hold that role there yet.
	"""
	rows = []
	for row in staff or []:
		user, role, *period = row
		from_date, to_date = [*period, None, None][:2]
		rows.append({"user": user, "staff_role": role, "from_date": from_date, "to_date": to_date})
	if not frappe.db.exists("Site", name):
		frappe.get_doc(
			{
				"doctype": "Site",
				"site_name": name,
				"affiliate": affiliate,
				"school_district": district,
				"site_type": "School" if district else "Community Site",
				"school_level": "Middle",
				"is_active": is_active,
				"staff": rows,
			}
		).insert(ignore_permissions=True)
	elif rows:
		site = frappe.get_doc("Site", name)
		held = {(row.user, row.staff_role) for row in site.staff}
		missing = [row for row in rows if (row["user"], row["staff_role"]) not in held]
		if missing:
			for row in missing:
				site.append("staff", row)
			site.save(ignore_permissions=True)
	return name


def make_school_year(name: str | None = None, start: str | None = None, end: str | None = None) -> str:
	"""The School Year ``name`` from ``start`` to ``end`` (made once); without a name, the school year
	containing today (``school_year_covering``)."""
	if name is None:
		return school_year_covering()
	if not frappe.db.exists("School Year", name):
		frappe.get_doc(
			{
				"doctype": "School Year",
				"school_year_name": name,
				"year_start_date": start,
				"year_end_date": end,
			}
		).insert(ignore_permissions=True)
	return name


# A School Year made for a day ends this many days after it (the rest of its days come before it).
DAYS_AFTER_DAY = 165


def school_year_ending_in(day: date) -> int:
	"""The calendar year in which the school year around ``day`` ends: the next one from August on
	(the rule of the district files, ``cis_app.demo.data.school_years``); July counts with the year that
	ends in it."""
	return day.year + 1 if day.month >= 8 else day.year


def school_year_covering(*days) -> str:
	"""The School Year containing every one of ``days`` (default: today), made when none contains any.

	Tests that date records today, or some days or weeks before today, call this first: a fresh site
	has no School Year at all, and records dated outside every year are refused.

	A made year lasts the most a School Year may (366 days) and ends ``DAYS_AFTER_DAY`` days after the
	latest day asked for (today, when asked for a period around today), but not after 31 December of
	the calendar year its school year ends in. So dates up to some six months before and after today
	share one year on any day of the run, July included (an August-to-June year would leave July
	between two years), and every test of a run gets the same year, whichever runs first. It is named
	as the district files name that school year ("2026-2027" for the one ending in 2027), so a roster
	import matches it instead of making a second, overlapping one; and it is fitted between the School
	Years already there, which must not overlap.
	"""
	wanted = sorted(getdate(day) for day in days) or [getdate(nowdate())]
	first, last = wanted[0], wanted[-1]
	touching = frappe.get_all(
		"School Year",
		filters={"year_start_date": ["<=", last], "year_end_date": [">=", first]},
		fields=["name", "year_start_date", "year_end_date"],
	)
	if len(touching) == 1 and (
		getdate(touching[0].year_start_date) <= first and last <= getdate(touching[0].year_end_date)
	):
		return touching[0].name
	if touching:
		raise AssertionError(
			f"No School Year can contain {first} to {last}: "
			+ ", ".join(f"{y.name} ({y.year_start_date} to {y.year_end_date})" for y in touching)
			+ " already cover part of it. Run the tests on a fresh site."
		)

	today = getdate(nowdate())
	anchor = min(max(today, first), last)  # today, when it is among the days asked for
	ends_in = school_year_ending_in(anchor)
	end = max(min(anchor + timedelta(days=DAYS_AFTER_DAY), date(ends_in, 12, 31)), last)
	start = min(end - timedelta(days=MAX_SCHOOL_YEAR_DAYS - 1), first)
	if (end - start).days + 1 > MAX_SCHOOL_YEAR_DAYS:
		raise AssertionError(f"{first} to {last} is longer than a School Year may last.")
	# between the neighbours: none of them touches first..last, so they lie wholly before or after it
	before = frappe.get_all(
		"School Year",
		filters={"year_end_date": ["<", first]},
		fields=["year_end_date"],
		order_by="year_end_date desc",
		limit=1,
	)
	if before:
		start = max(start, getdate(before[0].year_end_date) + timedelta(days=1))
	after = frappe.get_all(
		"School Year",
		filters={"year_start_date": [">", last]},
		fields=["year_start_date"],
		order_by="year_start_date asc",
		limit=1,
	)
	if after:
		end = min(end, getdate(after[0].year_start_date) - timedelta(days=1))
	name = f"{ends_in - 1}-{ends_in}"
	if frappe.db.exists("School Year", name):  # that name is held by a year of other dates
		name = f"_Test School Year {start.isoformat()}"
	return make_school_year(name, start.isoformat(), end.isoformat())


_student_counter = [0]


def make_student(site: str, **values) -> frappe._dict:
	_student_counter[0] += 1
	number = _student_counter[0]
	doc = frappe.get_doc(
		{
			"doctype": "Student",
			"site": site,
			"first_name": values.pop("first_name", f"Test{number}"),
			"last_name": values.pop("last_name", "Student"),
			"district_student_id": values.pop("district_student_id", f"T-{frappe.generate_hash(length=8)}"),
			"grade_level": values.pop("grade_level", "7"),
			**values,
		}
	)
	doc.insert(ignore_permissions=True)
	return doc


def make_consent(student: str, scope: str = "Case Management", school_year: str | None = None, **values):
	return frappe.get_doc(
		{
			"doctype": "Student Consent",
			"student": student,
			"scope": scope,
			"school_year": school_year or make_school_year(),
			"guardian_name": "Test Guardian",
			"signed_date": values.pop("signed_date", add_days(nowdate(), -10)),
			**values,
		}
	).insert(ignore_permissions=True)


class TwoSites:
	"""Two sites of one affiliate, a coordinator at each, and a user for every other role.

	Call ``TwoSites.build()`` in ``setUpClass``; the attributes name the records.
	"""

	affiliate = "_Test Affiliate"
	district = "_Test District"
	site_a = "_Test Site A"
	site_b = "_Test Site B"
	coordinator_a = "cis-coordinator-a@example.com"
	coordinator_b = "cis-coordinator-b@example.com"
	coordinator_none = "cis-coordinator-none@example.com"
	program_manager = "cis-program-manager@example.com"
	admin = "cis-admin@example.com"
	partner_manager = "cis-partner-manager@example.com"
	evaluator = "cis-evaluator@example.com"

	@classmethod
	def build(cls) -> type[TwoSites]:
		make_user(cls.coordinator_a, "Site Coordinator")
		make_user(cls.coordinator_b, "Site Coordinator")
		make_user(cls.coordinator_none, "Site Coordinator")
		make_user(cls.program_manager, "Program Manager")
		make_user(cls.admin, "CIS Administrator")
		make_user(cls.partner_manager, "Partner Manager")
		make_user(cls.evaluator, "Evaluator")
		# each row checked on its own: the records may be left, whole or in part, by another test's commit
		make_affiliate(
			cls.affiliate,
			staff=[
				(cls.admin, "CIS Administrator"),
				(cls.partner_manager, "Partner Manager"),
				(cls.evaluator, "Evaluator"),
			],
		)
		make_district(cls.district, cls.affiliate)
		make_site(
			cls.site_a,
			cls.affiliate,
			cls.district,
			staff=[(cls.coordinator_a, "Site Coordinator"), (cls.program_manager, "Program Manager")],
		)
		make_site(cls.site_b, cls.affiliate, cls.district, staff=[(cls.coordinator_b, "Site Coordinator")])

		clear_scope_cache()
		return cls


def make_support_plan(
	student: str, goals: list[dict] | None = None, school_year: str | None = None, **values
):
	"""A Student support plan in Draft with ``goals`` (default: attendance 90 -> 95, up)."""
	return frappe.get_doc(
		{
			"doctype": "Support Plan",
			"plan_type": "Student",
			"student": student,
			"school_year": school_year or make_school_year(),
			"goals": goals
			if goals is not None
			else [
				{
					"area": "Attendance",
					"metric": "Attendance Rate (%)",
					"baseline": 90,
					"target": 95,
					"direction": "Up",
				}
			],
			**values,
		}
	).insert(ignore_permissions=True)


def make_active_plan(student: str, goals: list[dict] | None = None, school_year: str | None = None):
	"""A Student plan moved through the default workflow to Active, with the consent that needs: the
	student becomes case-managed the way a coordinator makes them so."""
	year = school_year or make_school_year()
	if not frappe.db.exists(
		"Student Consent", {"student": student, "scope": "Case Management", "school_year": year}
	):
		make_consent(student, school_year=year)
	plan = make_support_plan(student, goals=goals, school_year=year)
	plan = apply_workflow(plan.as_dict(), "Request Approval")
	apply_workflow(plan.as_dict(), "Approve")
	return frappe.get_doc("Support Plan", plan.name)


def make_data_point(student: str, **values):
	return frappe.get_doc(
		{
			"doctype": "Student Data Point",
			"student": student,
			"as_of_date": values.pop("as_of_date", nowdate()),
			**values,
		}
	).insert(ignore_permissions=True)


def act(doc, action: str, user: str):
	"""Apply a workflow action as ``user`` (as the desk's action menu does)."""
	clear_scope_cache()
	frappe.set_user(user)
	try:
		return apply_workflow(doc.as_dict() if hasattr(doc, "as_dict") else doc, action)
	finally:
		frappe.set_user("Administrator")


def make_volunteer(
	email: str, sites: list[str], affiliate: str = "_Test Affiliate", **values
) -> frappe._dict:
	"""An active, cleared CIS Volunteer with a portal login; returns names of both."""
	name = make_volunteer_record(email, sites, affiliate, **values)
	user = create_portal_user(name)
	return frappe._dict(name=name, user=user)


def make_hours(volunteer: str, site: str, hours: float = 2, **values):
	return frappe.get_doc(
		{
			"doctype": "Volunteer Hours",
			"volunteer": volunteer,
			"site": site,
			"date": values.pop("date", nowdate()),
			"hours": hours,
			"activity": values.pop("activity", "Tutoring"),
			**values,
		}
	).insert(ignore_permissions=True)


def http(method: str, path: str, user_token: str, site: str | None = None, **kwargs):
	"""Run one request through Frappe's WSGI application, as ``frappe serve`` would (``site``: when
	called from a thread of the test's own, which has no Frappe site)."""
	site = site or frappe.local.site
	client = get_test_client(use_cookies=False)
	result = {}

	def run():
		with patch("frappe.app.get_site_name", return_value=site):
			result["response"] = getattr(client, method)(
				path, headers={"Authorization": f"token {user_token}"}, **kwargs
			)

	thread = Thread(target=run)
	thread.start()
	thread.join()
	return result["response"]


def api_token(user: str) -> str:
	doc = frappe.get_doc("User", user)
	secret = frappe.generate_hash(length=15)
	doc.api_key = doc.api_key or frappe.generate_hash(length=15)
	doc.api_secret = secret
	doc.save(ignore_permissions=True)
	return f"{doc.api_key}:{secret}"


def make_volunteer_record(email: str, sites: list[str], affiliate: str = "_Test Affiliate", **values) -> str:
	"""An active, cleared CIS Volunteer without a portal login (``make_volunteer`` creates one)."""
	name = frappe.db.get_value("CIS Volunteer", {"email": email}, "name")
	if name:
		return name
	return (
		frappe.get_doc(
			{
				"doctype": "CIS Volunteer",
				"first_name": values.pop("first_name", email.split("@")[0]),
				"email": email,
				"affiliate": affiliate,
				"status": values.pop("status", "Active"),
				"background_check_status": values.pop("background_check_status", "Cleared"),
				"background_check_date": values.pop("background_check_date", add_days(nowdate(), -100)),
				"background_check_expiry": values.pop("background_check_expiry", add_days(nowdate(), 265)),
				"sites": [{"site": site} for site in sites],
				**values,
			}
		)
		.insert(ignore_permissions=True)
		.name
	)


class AssetsOnlyHandler(SimpleHTTPRequestHandler):
	"""Serves the bench's built assets (the print stylesheet and its fonts) and nothing else."""

	def translate_path(self, path: str) -> str:
		translated = super().translate_path(path)
		assets = os.path.join(self.directory, "assets") + os.sep
		return translated if translated.startswith(assets) else os.path.join(assets, "-not-served-")

	def log_message(self, *args):
		pass


@contextmanager
def asset_server():
	"""wkhtmltopdf fetches the print stylesheet from the site's URL; in a test or a screenshot script no
	web server of the site runs, so serve the assets on a free local port and point the site's URL at
	it for the duration."""
	sites_path = os.path.abspath(frappe.local.sites_path)
	server = ThreadingHTTPServer(("127.0.0.1", 0), partial(AssetsOnlyHandler, directory=sites_path))
	Thread(target=server.serve_forever, daemon=True).start()
	previous = frappe.local.conf.get("host_name")
	frappe.local.conf.host_name = f"http://127.0.0.1:{server.server_address[1]}"
	try:
		yield
	finally:
		frappe.local.conf.host_name = previous
		server.shutdown()
		server.server_close()


@contextmanager
def asset_server_for_requests():
	"""``asset_server`` for requests run through ``http`` (another thread, which reads the site's
	configuration from its file): the site's URL is written to site_config.json for the duration."""
	with asset_server():
		url = frappe.local.conf.host_name
		previous = frappe.get_site_config().get("host_name")
		update_site_config("host_name", url)
		try:
			yield
		finally:
			update_site_config("host_name", previous if previous else "None")

