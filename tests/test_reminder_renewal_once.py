"""A partner agreement's renewal is reported to its manager once per renewal date."""

from datetime import date

from cis_app.core.reminders import agreements_for_renewal

TODAY = date(2026, 11, 28)
PARTNER = {
	"name": "Food Bank",
	"partner_name": "Food Bank",
	"partner_manager": "pm@example.org",
	"agreement_status": "Signed",
	"agreement_renewal_date": "2026-12-10",
	"reminder_days": 30,
}


def names(items):
	return [(i["name"], i["due_date"]) for i in items]


def test_not_yet_reported_is_listed():
	assert names(agreements_for_renewal([PARTNER], TODAY, {})) == [("Food Bank", date(2026, 12, 10))]


def test_reported_today_is_still_listed_in_todays_digest():
	reported = {("Food Bank", "2026-12-10"): "2026-11-28"}
	assert names(agreements_for_renewal([PARTNER], TODAY, reported)) == [("Food Bank", date(2026, 12, 10))]


def test_reported_on_an_earlier_day_is_not_listed_again():
	reported = {("Food Bank", date(2026, 12, 10)): date(2026, 11, 27)}
	assert agreements_for_renewal([PARTNER], TODAY, reported) == []


def test_a_new_renewal_date_is_a_new_renewal():
	reported = {("Food Bank", date(2025, 12, 10)): date(2025, 11, 1)}
	assert names(agreements_for_renewal([PARTNER], TODAY, reported)) == [("Food Bank", date(2026, 12, 10))]


def test_without_reports_behaves_as_before():
	assert names(agreements_for_renewal([PARTNER], TODAY)) == [("Food Bank", date(2026, 12, 10))]
