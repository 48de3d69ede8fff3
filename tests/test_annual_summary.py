"""The affiliate annual summary (cis_app.core.annual_summary): definitions and suppression."""

import pytest

from cis_app.core.annual_summary import (
	ABOVE,
	BELOW,
	WITHIN,
	annual_summary,
	band,
	reaches_tier1,
	suppress_summary,
	tier1_standard_met,
)


def site(name, enrollment=0, affiliate="Aff", site_type="School", is_active=1):
	return {
		"name": name,
		"affiliate": affiliate,
		"site_type": site_type,
		"enrollment_count": enrollment,
		"is_active": is_active,
	}


def rows_by_site(rows):
	return {(row["affiliate"], row["site"]): row for row in rows}


def test_band_is_exact_and_inclusive():
	assert band(4, 100) == BELOW
	assert band(5, 100) == WITHIN
	assert band(10, 100) == WITHIN
	assert band(11, 100) == ABOVE
	# 49/1000 = 4.9% rounds to 4.9, 99/1000 = 9.9; 101/1000 = 10.1%: above though close
	assert band(49, 1000) == BELOW
	assert band(101, 1000) == ABOVE
	assert band(3, None) is None
	assert band(3, 0) is None


def test_tier1_reach_is_at_least_75_percent_exactly():
	assert reaches_tier1(75, 100)
	assert not reaches_tier1(74, 100)
	assert reaches_tier1(3, 4)
	assert not reaches_tier1(2, 3)  # 66.7%
	assert not reaches_tier1(500, None)
	assert tier1_standard_met(4, 100) is True
	assert tier1_standard_met(3, 100) is False
	assert tier1_standard_met(10, None) is None


def test_every_figure_of_a_small_affiliate():
	sites = [site("North", 200), site("South", 0), site("Community", 0, site_type="Community Site")]
	plans = [
		{"student": "S1", "site": "North", "activated_on": "2025-09-10"},
		{"student": "S1", "site": "North", "activated_on": "2025-10-01"},  # a second plan: once
		{"student": "S2", "site": "North", "activated_on": "2025-09-01"},
		# S3 moved: plans at both sites, counted at the earliest activation (South)
		{"student": "S3", "site": "North", "activated_on": "2025-11-01"},
		{"student": "S3", "site": "South", "activated_on": "2025-09-05"},
		{"student": "S4", "site": "South", "activated_on": None},  # never activated: not counted
	]
	sessions = [
		{"name": "G1", "site": "North", "partner": "P1"},
		{"name": "G2", "site": "North", "partner": None},
		{"name": "G3", "site": "South", "partner": None},
	]
	attendees = [
		{"session": "G1", "student": "S1", "present": 1},
		{"session": "G2", "student": "S1", "present": 1},  # twice: once
		{"session": "G2", "student": "S5", "present": 0},  # absent: not counted
		{"session": "G1", "student": "S6", "present": 1},
		{"session": "G3", "student": "S6", "present": 1},  # at both sites: once in the total
	]
	activities = [
		{"site": "North", "head_count": 150, "partner": None},  # 75% of 200
		{"site": "North", "head_count": 180, "partner": "P2"},
		{"site": "North", "head_count": 200, "partner": None},
		{"site": "North", "head_count": 149, "partner": None},  # below 75%
		{"site": "South", "head_count": 300, "partner": None},  # no enrolment: not assessed
	]
	check_ins = [
		{"student": "S1", "site": "North", "contact_with": "Student", "minutes": 20},
		{"student": "S1", "site": "North", "contact_with": "Family", "minutes": 15},
		{"student": "S1", "site": "North", "contact_with": "Family", "minutes": 10},
		{"student": "S2", "site": "North", "contact_with": "Teacher", "minutes": 0},
		{"student": "S3", "site": "South", "contact_with": "Family", "minutes": 30},
		{"student": "S9", "site": "Elsewhere", "contact_with": "Family", "minutes": 99},  # not in scope
	]
	contributions = [
		{"partner": "P1", "affiliate": "Aff", "site": "North", "contribution_type": "Monetary", "value": 500},
		{
			"partner": "P3",
			"affiliate": "Aff",
			"site": "North",
			"contribution_type": "In-Kind Goods",
			"value": 120.5,
		},
		{"partner": "P4", "affiliate": "Aff", "site": None, "contribution_type": "Monetary", "value": 1000},
	]
	hours = [
		{
			"volunteer": "V1",
			"site": "North",
			"partner": "P1",
			"hours": 2,
			"value": 66.8,
			"status": "Approved",
		},
		{
			"volunteer": "V1",
			"site": "South",
			"partner": "P1",
			"hours": 1.5,
			"value": 50.1,
			"status": "Approved",
		},
		{
			"volunteer": "V2",
			"site": "South",
			"partner": None,
			"hours": 3,
			"value": 100.2,
			"status": "Approved",
		},
		{
			"volunteer": "V3",
			"site": "South",
			"partner": "P5",
			"hours": 8,
			"value": 267.2,
			"status": "Submitted",
		},
	]
	rows = annual_summary(
		sites, plans, sessions, attendees, activities, check_ins, contributions, hours, {"Aff"}
	)
	by = rows_by_site(rows)
	assert [(row["site"], row["is_total"]) for row in rows] == [
		("Community", 0),
		("North", 0),
		("South", 0),
		(None, 1),
	]
	north, south, community, total = (
		by["Aff", "North"],
		by["Aff", "South"],
		by["Aff", "Community"],
		by["Aff", None],
	)
	assert (north["schools_served"], south["schools_served"], community["schools_served"]) == (1, 1, 0)
	assert (north["enrollment"], south["enrollment"]) == (200, None)
	assert (north["case_managed"], south["case_managed"], total["case_managed"]) == (2, 1, 3)
	assert north["case_managed_share"] == 1.0 and north["case_managed_band"] == BELOW
	assert south["case_managed_share"] is None and south["case_managed_band"] is None
	assert (north["tier2_students"], south["tier2_students"], total["tier2_students"]) == (2, 1, 2)
	assert (north["tier2_sessions"], south["tier2_sessions"], total["tier2_sessions"]) == (2, 1, 3)
	assert (north["tier1_activities"], north["tier1_head_count"], north["tier1_reaching_75"]) == (4, 679, 3)
	assert north["tier1_standard_met"] is False
	assert south["tier1_standard_met"] is None
	assert (north["check_ins"], north["check_in_minutes"]) == (4, 45)
	assert (north["family_check_ins"], north["families_engaged"]) == (2, 1)
	assert (
		total["check_ins"],
		total["check_in_minutes"],
		total["family_check_ins"],
		total["families_engaged"],
	) == (
		5,
		75,
		3,
		2,
	)
	assert (north["contributions"], north["contribution_value"]) == (2, 620.5)
	assert (north["monetary_contributions"], north["monetary_value"]) == (1, 500)
	assert (north["in_kind_goods_contributions"], north["in_kind_goods_value"]) == (1, 120.5)
	assert (total["contributions"], total["contribution_value"], total["monetary_value"]) == (3, 1620.5, 1500)
	assert total["in_kind_services_contributions"] == 0
	# P1 (session, contribution, hours), P2 (activity), P3 (contribution) at North; P1 at South;
	# P4's affiliate-wide contribution in the total; P5's hours are not approved
	assert (north["partners_active"], south["partners_active"], total["partners_active"]) == (3, 1, 4)
	assert (north["volunteers"], north["volunteer_hours"], north["volunteer_value"]) == (1, 2, 66.8)
	assert (south["volunteers"], south["volunteer_hours"], south["volunteer_value"]) == (2, 4.5, 150.3)
	assert (total["volunteers"], total["volunteer_hours"], total["volunteer_value"]) == (2, 6.5, 217.1)
	assert (total["schools_served"], total["sites_served"], total["enrollment"]) == (2, 3, 200)
	assert total["schools_without_enrollment"] == 1
	# the total share: the case-managed students of the schools with an enrolment (North: 2 of 200)
	assert (total["case_managed_in_enrolled_schools"], total["case_managed_share"]) == (2, 1.0)
	assert (total["tier1_sites_met"], total["tier1_sites_assessed"]) == (0, 1)


def test_affiliate_wide_contributions_only_when_asked():
	sites = [site("North", 100)]
	contributions = [
		{"partner": "P4", "affiliate": "Aff", "site": None, "contribution_type": "Monetary", "value": 10}
	]
	total = annual_summary(sites, contributions=contributions)[-1]
	assert (total["contributions"], total["partners_active"]) == (0, 0)
	total = annual_summary(sites, contributions=contributions, include_affiliate_wide=["Aff"])[-1]
	assert (total["contributions"], total["partners_active"], total["monetary_value"]) == (1, 1, 10)


def test_served_sites_and_standard_met():
	sites = [site("Open", 100), site("Closed", 100, is_active=0), site("ClosedBusy", 40, is_active=0)]
	activities = [{"site": "ClosedBusy", "head_count": 30} for _ in range(4)]
	rows = annual_summary(sites, activities=activities)
	assert [row["site"] for row in rows] == ["ClosedBusy", "Open", None]
	assert rows[0]["tier1_standard_met"] is True  # 4 activities reaching 30 of 40 = 75%
	assert rows[1]["tier1_standard_met"] is False
	assert (rows[-1]["tier1_sites_met"], rows[-1]["tier1_sites_assessed"]) == (1, 2)


def test_affiliates_get_their_own_totals():
	sites = [site("A1", 100, affiliate="Alpha"), site("B1", 100, affiliate="Beta")]
	plans = [{"student": "S1", "site": "B1", "activated_on": "2025-09-01"}]
	rows = annual_summary(sites, plans)
	assert [(row["affiliate"], row["site"]) for row in rows] == [
		("Alpha", "A1"),
		("Alpha", None),
		("Beta", "B1"),
		("Beta", None),
	]
	assert [row["case_managed"] for row in rows] == [0, 0, 1, 1]


def test_no_site_in_scope_is_an_empty_summary():
	assert annual_summary([]) == []
	assert suppress_summary([]) == []


def _plans(site_name, count, prefix):
	return [
		{"student": f"{prefix}{i}", "site": site_name, "activated_on": "2025-09-01"} for i in range(count)
	]


def test_small_student_counts_are_suppressed_and_program_figures_are_not():
	sites = [site("North", 400), site("South", 300)]
	plans = _plans("North", 30, "N") + _plans("South", 4, "S")
	check_ins = [{"student": "N0", "site": "North", "contact_with": "Student", "minutes": 5}] * 12 + [
		{"student": "S0", "site": "South", "contact_with": "Family", "minutes": 7}
	]
	hours = [{"volunteer": "V1", "site": "South", "hours": 1, "value": 30, "status": "Approved"}]
	rows = suppress_summary(annual_summary(sites, plans, check_ins=check_ins, volunteer_hours=hours), 10)
	north, south, total = rows
	# South's 4 case-managed students are suppressed with their share and band; North's 30 would then
	# give South's back from the total (34), so North's is suppressed too (rule 3), and its share (rule 4)
	assert south["case_managed"] is None and south["case_managed_share"] is None
	assert south["case_managed_band"] is None
	assert north["case_managed"] is None and north["case_managed_share"] is None
	assert total["case_managed"] == 34
	assert total["case_managed_share"] == pytest.approx(4.9)
	# check-ins: South's 1 and North's 12 hidden, minutes with them; the total shown
	assert (south["check_ins"], south["check_in_minutes"]) == (None, None)
	assert (north["check_ins"], north["check_in_minutes"]) == (None, None)
	assert (total["check_ins"], total["check_in_minutes"]) == (13, 67)
	# 0 is a small count too; family figures: 1 at South, 0 at North, 1 in the total
	assert total["family_check_ins"] is None and total["families_engaged"] is None
	# program figures are never suppressed, even small ones
	assert (south["volunteers"], south["volunteer_hours"], south["volunteer_value"]) == (1, 1, 30)
	assert (south["enrollment"], south["schools_served"], south["tier2_sessions"]) == (300, 1, 0)
	assert "case_managed" in south["suppressed"] and "volunteers" not in south["suppressed"]


def test_one_site_suppressed_alone_takes_the_next_smallest_with_it():
	sites = [site("A", 1000), site("B", 1000), site("C", 1000)]
	plans = _plans("A", 5, "a") + _plans("B", 20, "b") + _plans("C", 40, "c")
	rows = rows_by_site(suppress_summary(annual_summary(sites, plans), 10))
	assert rows["Aff", "A"]["case_managed"] is None
	assert rows["Aff", "B"]["case_managed"] is None  # the next smallest
	assert rows["Aff", "C"]["case_managed"] == 40
	assert rows["Aff", "C"]["case_managed_share"] == 4.0
	assert rows["Aff", None]["case_managed"] == 65


def test_a_single_site_suppressed_hides_the_total():
	rows = suppress_summary(annual_summary([site("Only", 500)], _plans("Only", 3, "x")), 10)
	assert rows[0]["case_managed"] is None and rows[1]["case_managed"] is None
	assert rows[1]["case_managed_share"] is None


def test_share_complement_below_threshold_suppresses_the_count():
	# 25 of 30 enrolled are case-managed: the 5 who are not would be revealed
	rows = suppress_summary(
		annual_summary([site("Tiny", 30), site("Big", 1000)], _plans("Tiny", 25, "t")), 10
	)
	tiny = rows[1]
	assert tiny["site"] == "Tiny"
	assert tiny["case_managed"] is None and tiny["case_managed_share"] is None
	assert "case_managed_share" in tiny["suppressed"] and "case_managed" in tiny["suppressed"]


def test_share_without_enrolment_does_not_hide_a_large_count():
	sites = [site("NoEnrolment", 0), site("Other", 0)]
	plans = _plans("NoEnrolment", 12, "n") + _plans("Other", 15, "o")
	rows = suppress_summary(annual_summary(sites, plans), 10)
	assert [row["case_managed"] for row in rows] == [12, 15, 27]
	assert all(row["case_managed_share"] is None for row in rows)


def test_threshold_zero_suppresses_nothing():
	rows = suppress_summary(annual_summary([site("A", 100)], _plans("A", 1, "a")), 0)
	assert rows[0]["case_managed"] == 1 and rows[0]["suppressed"] == []


def test_rows_aggregated_by_sql_give_the_same_figures():
	sites = [site("North", 100), site("South", 50)]
	sessions = [{"name": f"G{i}", "site": "North", "partner": "P1"} for i in range(3)]
	attendees = [{"session": f"G{i}", "student": "S1", "present": 1} for i in range(3)]
	check_ins = [
		{"student": "S1", "site": "North", "contact_with": "Family", "minutes": 10},
		{"student": "S1", "site": "North", "contact_with": "Family", "minutes": 20},
		{"student": "S2", "site": "South", "contact_with": "Student", "minutes": 5},
	]
	contributions = [
		{"partner": "P2", "affiliate": "Aff", "site": "South", "contribution_type": "Monetary", "value": 5},
		{"partner": "P2", "affiliate": "Aff", "site": "South", "contribution_type": "Monetary", "value": 7},
	]
	hours = [
		{"volunteer": "V1", "site": "North", "hours": 1, "value": 30, "status": "Approved"},
		{"volunteer": "V1", "site": "North", "hours": 2, "value": 60, "status": "Approved"},
	]
	one_row_each = annual_summary(sites, [], sessions, attendees, [], check_ins, contributions, hours)
	aggregated = annual_summary(
		sites,
		sessions=[{"site": "North", "partner": "P1", "count": 3}],
		attendees=[{"site": "North", "student": "S1"}],  # the present ones, selected by SQL
		check_ins=[
			{"student": "S1", "site": "North", "contact_with": "Family", "minutes": 30, "count": 2},
			{"student": "S2", "site": "South", "contact_with": "Student", "minutes": 5, "count": 1},
		],
		contributions=[
			{
				"partner": "P2",
				"affiliate": "Aff",
				"site": "South",
				"contribution_type": "Monetary",
				"value": 12,
				"count": 2,
			}
		],
		volunteer_hours=[{"volunteer": "V1", "site": "North", "hours": 3, "value": 90, "status": "Approved"}],
	)
	assert aggregated == one_row_each
	total = aggregated[-1]
	assert (
		total["tier2_sessions"],
		total["tier2_students"],
		total["check_ins"],
		total["family_check_ins"],
	) == (
		3,
		1,
		3,
		2,
	)
	assert (total["contributions"], total["monetary_value"], total["volunteer_hours"]) == (2, 12, 3)
