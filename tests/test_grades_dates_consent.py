from datetime import date

import pytest

from cis_app.core import consent, dates, grades


@pytest.mark.parametrize(
	"raw, expected",
	[
		("PK", "PK"),
		("Pre-K", "PK"),
		("kg", "K"),
		("K", "K"),
		("00", "K"),
		("1", "1"),
		("09", "9"),
		(9, "9"),
		(" 12 ", "12"),
		("12", "12"),
	],
)
def test_normalize_grade_accepts_roster_spellings(raw, expected):
	assert grades.normalize_grade(raw) == expected


@pytest.mark.parametrize("raw", ["13", "-1", "ninth", "", None, "1.5", True, "PK4"])
def test_normalize_grade_rejects_anything_outside_pk_12(raw):
	assert grades.normalize_grade(raw) is None


def test_grade_rank_orders_pk_k_then_numbers():
	assert [grades.grade_rank(g) for g in ("PK", "K", "1", "12")] == [-1, 0, 1, 12]
	with pytest.raises(ValueError):
		grades.grade_rank("13")


def test_date_range_allows_one_day_and_open_ends():
	assert dates.is_valid_range("2025-08-01", "2025-08-01")
	assert dates.is_valid_range(None, "2025-08-01")
	assert dates.is_valid_range("2025-08-01", None)
	assert not dates.is_valid_range("2025-08-02", "2025-08-01")


def test_is_active_on_includes_both_ends():
	assert dates.is_active_on("2025-08-01", "2025-08-01", "2025-08-31")
	assert dates.is_active_on("2025-08-31", "2025-08-01", "2025-08-31")
	assert not dates.is_active_on("2025-09-01", "2025-08-01", "2025-08-31")
	assert not dates.is_active_on("2025-07-31", "2025-08-01", None)
	assert dates.is_active_on("2030-01-01", None, None)


def test_overlaps():
	assert dates.overlaps("2025-01-01", "2025-06-30", "2025-06-30", "2025-12-31")
	assert not dates.overlaps("2025-01-01", "2025-06-29", "2025-06-30", "2025-12-31")
	assert dates.overlaps("2025-01-01", None, "2030-01-01", None)
	assert not dates.overlaps("2026-01-01", None, "2025-01-01", "2025-12-31")


def test_consent_status_through_its_life():
	signed, expiry = "2025-09-01", "2026-05-29"
	assert consent.consent_status(signed, expiry, None, "2025-08-31") == consent.PENDING
	assert consent.consent_status(signed, expiry, None, "2025-09-01") == consent.VALID
	assert consent.consent_status(signed, expiry, None, "2026-05-29") == consent.VALID
	assert consent.consent_status(signed, expiry, None, "2026-05-30") == consent.EXPIRED
	assert consent.consent_status(signed, expiry, "2025-10-01", "2025-09-30") == consent.VALID
	assert consent.consent_status(signed, expiry, "2025-10-01", "2025-10-01") == consent.REVOKED
	assert consent.consent_status(signed, expiry, "2025-10-01", "2026-06-01") == consent.REVOKED
	assert consent.consent_status(signed, None, None, "2040-01-01") == consent.VALID


def test_consent_problems():
	assert consent.consent_problems("2025-09-02", "2025-09-01", None) == ["signed_after_expiry"]
	assert consent.consent_problems("2025-09-01", "2025-09-01", None) == []
	assert consent.consent_problems("2025-09-02", None, "2025-09-01") == ["revoked_before_signed"]
	assert consent.consent_problems("2025-09-01", "2026-05-29", "2025-09-01") == []


def test_has_valid_consent_matches_scope_year_and_partner():
	rows = [
		{
			"scope": "Case Management",
			"school_year": "2025-2026",
			"signed_date": "2025-09-01",
			"expiry_date": "2026-05-29",
			"revoked_date": None,
		},
		{
			"scope": "Share with Partner",
			"school_year": "2025-2026",
			"partner": "Food Bank",
			"signed_date": "2025-09-01",
			"expiry_date": "2026-05-29",
			"revoked_date": None,
		},
	]
	on = date(2025, 10, 1)
	assert consent.has_valid_consent(rows, "Case Management", "2025-2026", on)
	assert not consent.has_valid_consent(rows, "Case Management", "2026-2027", on)
	assert not consent.has_valid_consent(rows, "Case Management", "2025-2026", date(2026, 6, 1))
	assert consent.has_valid_consent(rows, "Share with Partner", "2025-2026", on, partner="Food Bank")
	assert not consent.has_valid_consent(rows, "Share with Partner", "2025-2026", on, partner="Tutors")
	rows[0]["revoked_date"] = "2025-09-15"
	assert not consent.has_valid_consent(rows, "Case Management", "2025-2026", on)


def test_consent_check_day_is_today_or_the_end_of_a_past_year():
	assert consent.check_day("2026-11-28", "2027-05-28") == date(2026, 11, 28)
	assert consent.check_day("2026-11-28", "2026-05-29") == date(2026, 5, 29)
	assert consent.check_day("2026-11-28", None) == date(2026, 11, 28)
