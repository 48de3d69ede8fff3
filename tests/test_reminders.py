from datetime import date

from cis_app.core.reminders import (
	AGREEMENT_RENEWAL,
	CHECKIN_OVERDUE,
	CONSENT_EXPIRING,
	HOURS_PENDING,
	PLAN_REVIEW,
	agreements_for_renewal,
	already_sent,
	build_digests,
	consents_expiring,
	current_staff_by_site,
	hours_waiting,
	plans_due_for_review,
	students_without_checkin,
)

TODAY = date(2026, 11, 28)


def test_plan_review_due_within_seven_days_of_open_plans_only():
	plans = [
		{"name": "P1", "site": "A", "status": "Active", "next_review_date": "2026-12-05"},  # 7 days
		{"name": "P2", "site": "A", "status": "Active", "next_review_date": "2026-12-06"},  # 8 days
		{"name": "P3", "site": "A", "status": "Closed", "next_review_date": "2026-12-01"},
		{"name": "P4", "site": "A", "status": "Under Review", "next_review_date": "2026-11-28"},
		{"name": "P5", "site": "A", "status": "Active", "next_review_date": "2026-11-27"},  # past
		{"name": "P6", "site": "A", "status": "Active", "next_review_date": None},
	]
	items = plans_due_for_review(plans, TODAY)
	assert [(i["name"], i["days"]) for i in items] == [("P1", 7), ("P4", 0)]
	assert items[0]["kind"] == PLAN_REVIEW
	assert items[0]["document_type"] == "Support Plan"


def test_case_managed_students_without_a_checkin_for_a_month():
	students = [
		{"name": "S1", "site": "A", "student_name": "Ann", "is_case_managed": 1},
		{"name": "S2", "site": "A", "student_name": "Ben", "is_case_managed": 1},
		{"name": "S3", "site": "A", "student_name": "Cal", "is_case_managed": 1},
		{"name": "S4", "site": "A", "student_name": "Dee", "is_case_managed": 0},
	]
	checkins = [
		{"student": "S1", "last_checkin": "2026-10-28"},  # 31 days
		{"student": "S2", "last_checkin": "2026-10-29"},  # 30 days: not yet
	]
	items = students_without_checkin(students, checkins, TODAY)
	assert sorted((i["name"], i["days"]) for i in items) == [("S1", 31), ("S3", None)]
	assert {i["kind"] for i in items} == {CHECKIN_OVERDUE}
	assert {i["title"] for i in items} == {"Ann", "Cal"}


def test_valid_consents_expiring_within_thirty_days():
	consents = [
		{"name": "C1", "site": "A", "status": "Valid", "expiry_date": "2026-12-28"},  # 30 days
		{"name": "C2", "site": "A", "status": "Valid", "expiry_date": "2026-12-29"},  # 31 days
		{"name": "C3", "site": "A", "status": "Revoked", "expiry_date": "2026-12-01"},
		{"name": "C4", "site": "A", "status": "Valid", "expiry_date": None},
	]
	items = consents_expiring(consents, TODAY)
	assert [(i["name"], i["days"], i["kind"]) for i in items] == [("C1", 30, CONSENT_EXPIRING)]


def test_hours_submitted_more_than_a_week_ago():
	hours = [
		{"name": "H1", "site": "A", "status": "Submitted", "creation": "2026-11-20 09:00:00"},  # 8 days
		{"name": "H2", "site": "A", "status": "Submitted", "creation": "2026-11-21 09:00:00"},  # 7 days
		{"name": "H3", "site": "A", "status": "Approved", "creation": "2026-10-01 09:00:00"},
	]
	items = hours_waiting(hours, TODAY)
	assert [(i["name"], i["days"], i["kind"]) for i in items] == [("H1", 8, HOURS_PENDING)]


def test_agreements_go_to_the_partner_manager_inside_the_window():
	partners = [
		{
			"name": "Food Bank",
			"partner_manager": "pm@example.org",
			"agreement_status": "Signed",
			"agreement_renewal_date": "2026-12-10",
			"reminder_days": 30,
		},
		{
			"name": "Tutors",
			"partner_manager": "pm@example.org",
			"agreement_status": "Signed",
			"agreement_renewal_date": "2027-03-01",
			"reminder_days": 30,
		},
		{
			"name": "No Manager",
			"partner_manager": None,
			"agreement_status": "Signed",
			"agreement_renewal_date": "2026-12-01",
			"reminder_days": 30,
		},
		{
			"name": "Draft",
			"partner_manager": "pm@example.org",
			"agreement_status": "Draft",
			"agreement_renewal_date": "2026-12-01",
			"reminder_days": 30,
		},
	]
	items = agreements_for_renewal(partners, TODAY)
	assert [(i["name"], i["kind"], i["recipients"], i["days"]) for i in items] == [
		("Food Bank", AGREEMENT_RENEWAL, ["pm@example.org"], 12)
	]


def test_current_staff_only():
	rows = [
		{"site": "A", "user": "a@example.org", "from_date": "2025-08-01", "to_date": None},
		{"site": "A", "user": "old@example.org", "from_date": "2024-08-01", "to_date": "2025-06-30"},
		{"site": "A", "user": "future@example.org", "from_date": "2027-01-01", "to_date": None},
		{"site": "B", "user": "b@example.org", "from_date": None, "to_date": None},
		{"site": "A", "user": "a@example.org", "from_date": None, "to_date": None},
	]
	assert current_staff_by_site(rows, TODAY) == {"A": ["a@example.org"], "B": ["b@example.org"]}


def _items():
	return [
		{"kind": CONSENT_EXPIRING, "name": "C1", "site": "A", "due_date": date(2026, 12, 20)},
		{"kind": PLAN_REVIEW, "name": "P1", "site": "A", "due_date": date(2026, 12, 1)},
		{"kind": PLAN_REVIEW, "name": "P2", "site": "B", "due_date": date(2026, 12, 2)},
		{"kind": HOURS_PENDING, "name": "H1", "site": "C", "due_date": date(2026, 11, 1)},  # no staff
		{"kind": PLAN_REVIEW, "name": "P3", "site": None, "due_date": date(2026, 12, 2)},
		{
			"kind": AGREEMENT_RENEWAL,
			"name": "Food Bank",
			"site": None,
			"due_date": date(2026, 12, 10),
			"recipients": ["pm@example.org"],
		},
	]


def test_one_digest_per_recipient_scoped_to_their_sites():
	staff = {
		"A": ["coord.a@example.org", "manager@example.org"],
		"B": ["coord.b@example.org", "manager@example.org"],
	}
	digests = build_digests(_items(), staff)
	assert {user: [i["name"] for i in items] for user, items in digests.items()} == {
		"coord.a@example.org": ["P1", "C1"],
		"manager@example.org": ["P1", "P2", "C1"],
		"coord.b@example.org": ["P2"],
		"pm@example.org": ["Food Bank"],
	}


def test_switched_off_kinds_are_left_out():
	staff = {"A": ["coord.a@example.org"]}
	digests = build_digests(_items(), staff, enabled_kinds=[CONSENT_EXPIRING])
	assert {user: [i["name"] for i in items] for user, items in digests.items()} == {
		"coord.a@example.org": ["C1"]
	}


def test_a_second_run_on_the_same_day_is_skipped():
	assert already_sent("2026-11-28", TODAY)
	assert not already_sent("2026-11-27", TODAY)
	assert not already_sent(None, TODAY)
