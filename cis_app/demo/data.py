"""A deterministic, entirely synthetic affiliate for demos, training and benchmarks.

Every name, id and date is made up from fixed word lists and a seeded random generator: the same
seed gives the same affiliate on every machine. No real person's data is used anywhere.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import date, timedelta

FIRST_NAMES = (
	"Avery",
	"Blake",
	"Cameron",
	"Dakota",
	"Emerson",
	"Finley",
	"Gray",
	"Harper",
	"Indigo",
	"Jordan",
	"Kai",
	"Logan",
	"Morgan",
	"Noel",
	"Oakley",
	"Parker",
	"Quinn",
	"Reese",
	"Sage",
	"Taylor",
	"Umber",
	"Val",
	"Winter",
	"Xen",
	"Yael",
	"Zion",
	"Ari",
	"Bay",
	"Cruz",
	"Devon",
	"Ellis",
	"Frankie",
	"Glen",
	"Hollis",
	"Ira",
	"Jules",
	"Kendall",
	"Lane",
	"Marlo",
	"Nico",
	"Onyx",
	"Peyton",
	"Remy",
	"Rowan",
	"Skyler",
	"Tatum",
	"Urban",
	"Vesper",
	"Wren",
	"Yuki",
)
LAST_NAMES = (
	"Alder",
	"Birch",
	"Cedar",
	"Dune",
	"Elm",
	"Fern",
	"Grove",
	"Hazel",
	"Ivy",
	"Juniper",
	"Kestrel",
	"Larch",
	"Maple",
	"Nettle",
	"Oak",
	"Pine",
	"Quill",
	"Reed",
	"Sorrel",
	"Thistle",
	"Umber",
	"Vale",
	"Willow",
	"Yarrow",
	"Zephyr",
	"Aspen",
	"Brook",
	"Clover",
	"Dale",
	"Ember",
	"Flint",
	"Glade",
	"Heath",
	"Iris",
	"Jasper",
	"Knoll",
	"Linden",
	"Moss",
	"North",
	"Orchard",
)
RELATIONSHIPS = ("Mother", "Father", "Grandparent", "Legal Guardian", "Foster Parent")

AFFILIATE = "Communities In Schools of Riverbend (Demo)"
DISTRICTS = ("Riverbend Unified (Demo)", "Cedar Valley ISD (Demo)")
# (site name, district index, school level, grades)
BASE_SITES = (
	("Alder Elementary (Demo)", 0, "Elementary", ("K", "1", "2", "3", "4", "5")),
	("Birch Elementary (Demo)", 0, "Elementary", ("PK", "K", "1", "2", "3", "4", "5")),
	("Cedar Middle (Demo)", 0, "Middle", ("6", "7", "8")),
	("Dune High (Demo)", 0, "High", ("9", "10", "11", "12")),
	("Elm Elementary (Demo)", 1, "Elementary", ("K", "1", "2", "3", "4", "5")),
	("Fern Middle (Demo)", 1, "Middle", ("6", "7", "8")),
	("Grove High (Demo)", 1, "High", ("9", "10", "11", "12")),
	("Hazel Academy (Demo)", 1, "Alternative", ("9", "10", "11", "12")),
)
SITES = BASE_SITES  # scaled by use_sites
PARTNERS = (
	("Riverbend Food Bank (Demo)", "Community Organization", ("Food Pantry and Weekend Meals",)),
	("Maple Tutoring Collective (Demo)", "Community Organization", ("Tutoring",)),
	("Big Oak Mentors (Demo)", "Community Organization", ("Mentoring",)),
	("Valley Community Health (Demo)", "Health Provider", ("Health Referral", "Dental and Vision Screening")),
	("First Cedar Bank (Demo)", "Business", ("College and Career Readiness",)),
	("Grove Street Church (Demo)", "Faith-Based Organization", ("Clothing Closet",)),
	("Riverbend Community Foundation (Demo)", "Foundation", ()),
	("Cedar Valley College (Demo)", "University or College", ("Tutoring", "College and Career Readiness")),
)

# The load test's scaled demo (``make_demo(sites=20)``): more sites after the eight above, named and
# leveled in turn, alternately in the two districts, each with a coordinator of its own.
EXTRA_SITE_TREES = ("Ivy", "Juniper", "Laurel", "Magnolia", "Nutmeg", "Oak", "Pine", "Quince", "Redwood", "Spruce", "Tamarack", "Willow")
EXTRA_SITE_LEVELS = (
	("Elementary", ("K", "1", "2", "3", "4", "5")),
	("Middle", ("6", "7", "8")),
	("High", ("9", "10", "11", "12")),
)

# The demo's users: one per role, all with DEMO_PASSWORD. Site indexes refer to SITES.
DEMO_PASSWORD = "cis-demo-2026"
BASE_USERS = (
	# email, first name, roles, affiliate-wide?, sites (index, staff role)
	("admin@cis-demo.example", "Ada Admin", ("CIS Administrator",), True, ()),
	(
		"manager@cis-demo.example",
		"Pat Manager",
		("Program Manager",),
		False,
		((0, "Program Manager"), (1, "Program Manager"), (2, "Program Manager"), (3, "Program Manager")),
	),
	(
		"coordinator@cis-demo.example",
		"Casey Coordinator",
		("Site Coordinator",),
		False,
		((0, "Site Coordinator"),),
	),
	(
		"coordinator2@cis-demo.example",
		"Robin Coordinator",
		("Site Coordinator",),
		False,
		((4, "Site Coordinator"),),
	),
	("partners@cis-demo.example", "Parker Partners", ("Partner Manager",), True, ()),
	("evaluator@cis-demo.example", "Evan Evaluator", ("Evaluator",), True, ()),
)
USERS = BASE_USERS  # scaled by use_sites


def scaled_sites(count: int) -> tuple:
	"""The demo's sites, ``count`` of them: the eight above, then generated ones (at most 8 + 36)."""
	extra = count - len(BASE_SITES)
	if extra < 0 or extra > len(EXTRA_SITE_TREES) * len(EXTRA_SITE_LEVELS):
		raise ValueError(f"the demo has between {len(BASE_SITES)} and {len(BASE_SITES) + 36} sites, not {count}")
	made = []
	for number in range(extra):
		tree = EXTRA_SITE_TREES[number % len(EXTRA_SITE_TREES)]
		level, grades = EXTRA_SITE_LEVELS[number % len(EXTRA_SITE_LEVELS)]
		suffix = "" if number < len(EXTRA_SITE_TREES) else f" {number // len(EXTRA_SITE_TREES) + 1}"
		made.append((f"{tree} {level}{suffix} (Demo)", number % 2, level, grades))
	return BASE_SITES + tuple(made)


def site_coordinators(sites: tuple) -> tuple:
	"""A coordinator login for every site of ``sites`` without one among ``BASE_USERS``."""
	covered = {index for *_, rows in BASE_USERS for index, role in rows if role == "Site Coordinator"}
	return tuple(
		(f"coordinator-{index + 1:02d}@cis-demo.example", f"Coordinator Site{index + 1:02d}", ("Site Coordinator",), False, ((index, "Site Coordinator"),))
		for index in range(len(sites))
		if index not in covered
	)


def use_sites(count: int) -> None:
	"""Scale the demo to ``count`` sites, each with a site coordinator (the load test's demo). Every
	reader of ``SITES`` and ``USERS`` in this package sees the scaled lists; 8 restores the demo."""
	global SITES, USERS
	SITES = scaled_sites(count)
	USERS = BASE_USERS + (site_coordinators(SITES) if count > len(BASE_SITES) else ())


def coordinator_logins(count: int) -> list[str]:
	"""The site coordinators' logins of a demo of ``count`` sites, in site order (the load test's)."""
	sites = scaled_sites(count)
	users = BASE_USERS + (site_coordinators(sites) if count > len(BASE_SITES) else ())
	by_site = {index: email for email, _, roles, _, rows in users for index, role in rows if role == "Site Coordinator"}
	return [by_site[index] for index in sorted(by_site)]


# The demo volunteer logs in on the website (not the desk), cleared for the demo coordinator's site.
DEMO_VOLUNTEER = "volunteer@cis-demo.example"
# The demo partner contact (the Maple Tutoring Collective's) logs in on the website, on the
# partner's portal; one case-managed student of the demo coordinator's site may be referred to it.
DEMO_PARTNER_INDEX = 1
DEMO_PARTNER_CONTACT = f"contact{DEMO_PARTNER_INDEX + 1}@partner.example"


@dataclass
class SchoolYearSpec:
	name: str
	start: date
	end: date


def school_years(today: date) -> list[SchoolYearSpec]:
	"""The previous and the current school year around ``today`` (years run mid-August to late May)."""
	first = today.year if today.month >= 8 else today.year - 1
	years = []
	for start_year in (first - 1, first):
		years.append(
			SchoolYearSpec(
				f"{start_year}-{start_year + 1}", date(start_year, 8, 11), date(start_year + 1, 5, 29)
			)
		)
	return years


@dataclass
class DemoStudent:
	site_index: int
	district_student_id: str
	state_student_id: str
	first_name: str
	last_name: str
	date_of_birth: date
	gender: str
	grade_level: str
	is_case_managed: bool
	directory_opt_out: bool
	guardians: list[dict] = field(default_factory=list)
	consents: list[dict] = field(default_factory=list)


def _birth_date(rng: random.Random, grade: str, school_year_start: date) -> date:
	age_on_sept_1 = {"PK": 4, "K": 5}.get(grade) or int(grade) + 5
	born = date(school_year_start.year - age_on_sept_1, 9, 1) - timedelta(days=rng.randint(1, 364))
	return born


# The demo's built-in effect of case management (CIS Impact should find it): in the current school year a
# case-managed student's absence rate is this much lower than the student's risk gives (2 points of
# attendance). The year before carries no effect, so the change from the year before shows it.
TRUE_ATTENDANCE_EFFECT = 2.0
YEAR_SHOCK_SD = 0.12  # a year's own ups and downs on the 0..1 risk scale, around the student's lasting risk
ABSENCE_NOISE_SD = 0.003  # one extract's scatter of the absence rate around what the year's risk gives
REFERRAL_CUT, REFERRAL_SPREAD = 0.9, 0.2  # who gets referred: a logistic curve in last year's risk
REFERRAL_CURVE_MEAN = 0.1225  # the curve's mean over the demo's students (measured): scales it to a share


@dataclass(frozen=True)
class RiskProfile:
	"""A student's risk (0..1) for the demo's data: ``lasting`` (the student's own level), and the two
	years' risks, each the lasting level plus that year's shock (clipped to 0..1)."""

	lasting: float
	last_year: float
	this_year: float


def risk_profile(key: str) -> RiskProfile:
	"""The risk profile of the student with this district id: the same on every machine and run."""
	rng = random.Random(f"risk:{key}")
	lasting = rng.random() ** 2

	def year() -> float:
		return min(1.0, max(0.0, lasting + rng.gauss(0.0, YEAR_SHOCK_SD)))

	return RiskProfile(lasting, year(), year())


def year_risk(profile: RiskProfile, current: bool, referred: bool) -> tuple[float, float]:
	"""(risk, effect) of a student's data points in a demo school year: last year's or this year's
	risk, and the built-in effect (points of attendance) for a referred student this year."""
	if not current:
		return profile.last_year, 0.0
	return profile.this_year, TRUE_ATTENDANCE_EFFECT if referred else 0.0


def referral_chance(last_year_risk: float, share: float) -> float:
	"""The chance a student is referred for case management, from last year's risk alone (what a
	coordinator sees): selection on the baseline, which the matched comparison can account for. Scaled
	so that about ``share`` of a typical school is referred."""
	curve = 1.0 / (1.0 + math.exp(-(last_year_risk - REFERRAL_CUT) / REFERRAL_SPREAD))
	return min(1.0, curve * share / REFERRAL_CURVE_MEAN)


def students(
	count: int, today: date, seed: int = 2026, case_managed_share: float = 0.08
) -> list[DemoStudent]:
	"""``count`` synthetic students spread evenly over the demo sites, with guardians and consents.

	About ``case_managed_share`` of them are case-managed (Tier 3) and have a signed case-management
	consent for the current school year; a few of those were revoked, and some students have a
	media release or a consent to share with a partner. Who is case-managed follows last year's risk
	(``referral_chance`` of ``risk_profile``): the students with the worse year before, as in a school.
	"""
	rng = random.Random(seed)
	current = school_years(today)[-1]
	result = []
	for number in range(count):
		site_index = number % len(SITES)
		_, district_index, _, grades = SITES[site_index]
		grade = grades[rng.randrange(len(grades))]
		first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
		district_id = f"D{district_index + 1}-{100000 + number}"
		student = DemoStudent(
			site_index=site_index,
			district_student_id=district_id,
			state_student_id=f"S{9000000 + number}",
			first_name=first,
			last_name=last,
			date_of_birth=_birth_date(rng, grade, current.start),
			gender=rng.choice(("Female", "Male", "Female", "Male", "Non-binary", "Not Reported")),
			grade_level=grade,
			is_case_managed=rng.random() < referral_chance(risk_profile(district_id).last_year, case_managed_share),
			directory_opt_out=rng.random() < 0.03,
		)
		for g in range(rng.choice((1, 1, 2))):
			relationship = rng.choice(RELATIONSHIPS)
			student.guardians.append(
				{
					"guardian_name": f"{rng.choice(FIRST_NAMES)} {last}",
					"relationship": relationship,
					"phone": f"555-01{rng.randint(0, 99):02d}",
					"email": f"guardian{number}.{g}@family.example",
					"is_primary": 1 if g == 0 else 0,
					"lives_with_student": 1,
				}
			)
		signer = student.guardians[0]["guardian_name"]
		signed = current.start + timedelta(days=rng.randint(0, 40))
		signed = min(signed, today)
		if student.is_case_managed:
			previous = school_years(today)[0]
			student.consents.append(
				{
					"scope": "Case Management",
					"guardian_name": signer,
					"school_year": previous.name,
					"signed_date": previous.start + timedelta(days=rng.randint(5, 40)),
				}
			)
			consent = {
				"scope": "Case Management",
				"guardian_name": signer,
				"signed_date": signed,
				"school_year": current.name,
			}
			if rng.random() < 0.05:
				consent["revoked_date"] = min(signed + timedelta(days=30), today)
			student.consents.append(consent)
			if rng.random() < 0.5:
				student.consents.append(
					{
						"scope": "Share with Partner",
						"partner_index": rng.randrange(len(PARTNERS) - 1),
						"guardian_name": signer,
						"signed_date": signed,
						"school_year": current.name,
						"purpose": "Tutoring and mentoring services",
					}
				)
		elif rng.random() < 0.3:
			student.consents.append(
				{
					"scope": "Media Release",
					"guardian_name": signer,
					"signed_date": signed,
					"school_year": current.name,
				}
			)
		result.append(student)
	return result


# ---------------------------------------------------------------- the support cycle


def data_point_dates(year: SchoolYearSpec, today: date) -> list[date]:
	"""Quarterly data points (end of October, January, March, and the year's last day), up to today."""
	y0, y1 = year.start.year, year.end.year
	return [d for d in (date(y0, 10, 31), date(y1, 1, 31), date(y1, 3, 31), year.end) if d <= today]


def data_point(
	rng: random.Random, risk: float, year: SchoolYearSpec, as_of: date, grade: str, effect: float = 0.0
) -> dict:
	"""One synthetic ABC data point; ``risk`` in 0..1 makes absences, incidents and failures likelier;
	``effect`` (points of attendance) lowers the absence rate by that much (case management's effect).

	Like a real district extract it does not always carry every indicator group: the October extract
	has course marks for only part of the students (first-quarter grades are not all posted), and one
	extract in ten has no discipline data. A group it leaves out is unflagged and its figures left out,
	so the student's risk lists it as unknown (``cis_app.core.data_points``)."""
	enrolled = max(1, int((as_of - year.start).days * 5 / 7 * 0.93))
	rate = rng.gauss(0.03 + 0.12 * risk - effect / 100, ABSENCE_NOISE_SD)
	absent = min(enrolled, round(enrolled * max(0.0, rate)))
	point = {"days_enrolled": enrolled, "days_absent": absent, "has_attendance": 1}
	if rng.random() >= 0.1:
		point.update(
			{
				"suspensions": int(rng.random() < 0.05 + 0.35 * risk) + int(rng.random() < 0.15 * risk),
				"major_incidents": int(rng.random() < 0.08 + 0.4 * risk),
				"minor_incidents": int(rng.random() * (1 + 8 * risk)),
				"has_behavior": 1,
			}
		)
	if as_of.month != 10 or rng.random() < 0.6:
		point.update(
			{
				"failing_math": int(rng.random() < 0.06 + 0.4 * risk),
				"failing_ela": int(rng.random() < 0.05 + 0.35 * risk),
				"has_course": 1,
			}
		)
		if grade in ("9", "10", "11", "12"):
			point["gpa"] = round(min(4.0, max(0.8, rng.gauss(3.2 - 1.4 * risk, 0.4))), 2)
			point["failed_courses"] = int(rng.random() < 0.1 + 0.4 * risk)
			point["has_gpa"] = 1
	return point


def year_end_status(rng: random.Random, grade: str) -> str:
	"""A plausible year-end status for a case-managed student in ``grade``."""
	roll = rng.random()
	if roll < 0.02:
		return "Dropped Out" if grade in ("9", "10", "11", "12") else "Moved"
	if roll < 0.05:
		return rng.choice(("Transferred", "Moved"))
	if grade == "12":
		return "Graduated" if roll < 0.93 else ("GED" if roll < 0.96 else "Retained")
	return "Promoted" if roll < 0.95 else "Retained"


# ---------------------------------------------------------------- partners and volunteers


def agreements(today: date) -> list[dict]:
	"""One agreement per demo partner: most renew in a year or more, one is due within 60 days,
	one lapsed last month (so the expiring-agreements report and reminders have something to show)."""
	result = []
	for index, _partner in enumerate(PARTNERS):
		signed = today - timedelta(days=200 + 40 * index)
		renewal = signed + timedelta(days=730)
		if index == 1:
			renewal = today + timedelta(days=25)
		if index == 5:
			renewal = today - timedelta(days=20)
		result.append({"agreement_signed_date": signed, "agreement_renewal_date": renewal})
	return result


def contributions(today: date, seed: int = 5) -> list[dict]:
	"""About two years of synthetic contributions: partner index, type, date, value."""
	rng = random.Random(seed)
	result = []
	day = today - timedelta(days=700)
	while day <= today:
		partner = rng.randrange(len(PARTNERS))
		kind = rng.choice(("Monetary", "Monetary", "In-Kind Goods", "In-Kind Services"))
		value = round(rng.choice((250, 500, 1000, 2500, 5000)) * rng.uniform(0.5, 1.5), 2)
		result.append(
			{
				"partner_index": partner,
				"contribution_type": kind,
				"contribution_date": day,
				"value": value,
				"site_index": rng.randrange(len(SITES)) if rng.random() < 0.5 else None,
			}
		)
		day += timedelta(days=rng.randint(6, 16))
	return result


def volunteers(count: int = 30, seed: int = 9) -> list[dict]:
	"""Synthetic volunteers: partner index (or None), cleared site indexes, clearance."""
	rng = random.Random(seed)
	result = []
	for number in range(count):
		first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
		result.append(
			{
				"first_name": first,
				"last_name": last,
				"email": f"volunteer{number + 1}@volunteers.example",
				"partner_index": rng.randrange(len(PARTNERS)) if rng.random() < 0.7 else None,
				"site_indexes": sorted(rng.sample(range(len(SITES)), rng.choice((1, 1, 2)))),
				"lapsed": number == 7,  # one whose background check has lapsed
			}
		)
	return result


def hours_entries(
	volunteer_count: int, site_indexes: list[list[int]], today: date, seed: int = 13
) -> list[dict]:
	"""A year of hours: each volunteer about weekly at one of their sites; the last two weeks still
	waiting for approval, a few rejected."""
	rng = random.Random(seed)
	result = []
	for number in range(volunteer_count):
		day = today - timedelta(days=365 - rng.randint(0, 20))
		while day <= today:
			if day.weekday() < 5:
				age = (today - day).days
				result.append(
					{
						"volunteer_index": number,
						"site_index": rng.choice(site_indexes[number]),
						"date": day,
						"hours": rng.choice((1, 1.5, 2, 2, 3, 4)),
						"students_served": rng.randint(1, 12),
						"outcome": "Submitted"
						if age <= 14
						else ("Rejected" if rng.random() < 0.03 else "Approved"),
					}
				)
			day += timedelta(days=rng.randint(5, 10))
	return result
