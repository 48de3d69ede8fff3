from datetime import date

import pytest

from cis_app.core import volunteering as v


@pytest.mark.parametrize(
	"hours, problem",
	[
		(0, "not_positive"),
		(-1, "not_positive"),
		(None, "not_positive"),
		(0.25, None),
		(24, None),
		(24.01, "over_a_day"),
	],
)
def test_hours(hours, problem):
	assert v.hours_problem(hours) == problem


def test_daily_cap_across_entries():
	assert not v.exceeds_daily_cap([8, 8], 8)
	assert v.exceeds_daily_cap([8, 8], 8.5)
	assert not v.exceeds_daily_cap([], 24)
	assert v.exceeds_daily_cap([0.5], 24)


VOLUNTEER = {
	"status": "Active",
	"background_check_status": "Cleared",
	"background_check_expiry": "2026-12-31",
	"sites": ["Alder"],
}


def test_clearance():
	assert v.clearance_problem(VOLUNTEER, "Alder", "2026-12-31") is None
	assert v.clearance_problem(VOLUNTEER, "Alder", "2027-01-01") == "check_lapsed"
	assert v.clearance_problem(VOLUNTEER, "Birch", "2026-06-01") == "site_not_cleared"
	assert v.clearance_problem({**VOLUNTEER, "status": "Applicant"}, "Alder", "2026-06-01") == "inactive"
	assert (
		v.clearance_problem({**VOLUNTEER, "background_check_status": "Pending"}, "Alder", "2026-06-01")
		== "check_not_cleared"
	)
	assert v.clearance_problem({**VOLUNTEER, "background_check_expiry": None}, "Alder", "2030-01-01") is None


def test_hour_value_by_year_with_default():
	table = {2025: 34.79, 2024: 33.49}
	assert v.hour_value("2025-03-01", table) == 34.79
	assert v.hour_value(date(2024, 12, 31), table) == 33.49
	assert v.hour_value("2026-01-01", table, default=35.0) == 35.0
	assert v.hour_value("2026-01-01", {}) == v.INDEPENDENT_SECTOR_2024
	assert v.hours_value(2.5, 34.79) == 86.98


def test_agreements():
	assert v.agreement_problem("2026-01-10", "2026-01-09") == "renewal_before_signing"
	assert v.agreement_problem("2026-01-10", "2026-01-10") is None
	today = "2026-11-28"
	assert v.is_lapsed("2026-11-27", today) and not v.is_lapsed("2026-11-28", today)
	assert v.needs_reminder("2026-12-28", today, 30) and not v.needs_reminder("2026-12-29", today, 30)
	assert not v.needs_reminder(None, today, 30)


def test_agreement_status_has_one_home():
	from cis_app.core.volunteering import agreement_status

	assert agreement_status(None, None, None, "2026-11-29") == "None"
	assert agreement_status("Draft", "2026-01-01", "2027-01-01", "2026-11-29") == "Signed"
	assert agreement_status("Signed", "2025-01-01", "2026-11-28", "2026-11-29") == "Lapsed"
	assert agreement_status("Signed", "2025-01-01", "2026-11-29", "2026-11-29") == "Signed"
	assert agreement_status("Lapsed", "2025-01-01", "2027-11-29", "2026-11-29") == "Signed"
	assert agreement_status("Lapsed", "2025-01-01", "2026-01-01", "2026-11-29") == "Lapsed"


def test_summarize_hours_folds_a_finer_grain_into_any_group():
	from decimal import Decimal

	# summed per (site, volunteer, partner, activity) as the report's query returns them
	rows = [
		{"site": "S1", "volunteer": "V1", "partner": "P1", "activity": "Tutoring", "hours": Decimal("2.000000000"),
		 "value": Decimal("69.580000000"), "entries": 1},
		{"site": "S1", "volunteer": "V1", "partner": "P1", "activity": "Mentoring", "hours": 0.1, "value": 0.1,
		 "entries": 1},
		{"site": "S1", "volunteer": "V2", "partner": None, "activity": "Tutoring", "hours": 0.2, "value": 0.2,
		 "entries": 1},
		{"site": "S2", "volunteer": "V1", "partner": "P1", "activity": "Tutoring", "hours": 3, "value": 104.37,
		 "entries": 2},
	]  # fmt: skip
	assert v.summarize_hours(rows, "site") == [
		{"group_value": "S2", "hours": 3.0, "value": 104.37, "volunteers": 1, "entries": 2},
		{"group_value": "S1", "hours": 2.3, "value": 69.88, "volunteers": 2, "entries": 3},
	]
	assert v.summarize_hours(rows, "partner") == [
		{"group_value": "P1", "hours": 5.1, "value": 174.05, "volunteers": 1, "entries": 4},
		{"group_value": None, "hours": 0.2, "value": 0.2, "volunteers": 1, "entries": 1},
	]
	assert [(g["group_value"], g["volunteers"]) for g in v.summarize_hours(rows, "activity")] == [
		("Tutoring", 2),
		("Mentoring", 1),
	]
	# every grouping adds up to the same totals: the sum of the rows, exactly
	for field in ("site", "volunteer", "partner", "activity"):
		groups = v.summarize_hours(rows, field)
		assert sum(Decimal(str(g["value"])) for g in groups) == Decimal("174.25")
		assert sum(g["entries"] for g in groups) == 5
	assert v.summarize_hours([], "site") == []
