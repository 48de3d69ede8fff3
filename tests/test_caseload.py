from datetime import date

from cis_app.core.caseload import build_caseload, summarize

TODAY = date(2026, 11, 28)


def test_overdue_meetings_and_due_reviews_come_first():
	students = [
		{"name": "S1", "student_name": "Ann", "is_case_managed": 1, "risk_score": 2},
		{"name": "S2", "student_name": "Ben", "is_case_managed": 1, "risk_score": 5},
		{
			"name": "S3",
			"student_name": "Cal",
			"is_case_managed": 0,
			"risk_score": 6,
			"suggested_tier": "Tier 3",
		},
		{"name": "S4", "student_name": "Dee", "is_case_managed": 1, "risk_score": 1},
	]
	plans = [
		{
			"student": "S1",
			"name": "P1",
			"status": "Active",
			"goals_total": 3,
			"goals_on_track": 2,
			"next_review_date": "2026-12-05",
		},
		{"student": "S2", "name": "P2", "status": "Active", "next_review_date": "2027-02-01"},
		{"student": "S4", "name": "P4", "status": "Active", "next_review_date": "2027-02-01"},
	]
	checkins = [
		{"student": "S1", "last_checkin": "2026-11-20"},
		{"student": "S2", "last_checkin": "2026-10-28"},  # 31 days: overdue
		{"student": "S4", "last_checkin": "2026-10-29"},  # exactly 30 days: not overdue
	]
	rows = build_caseload(students, plans, checkins, TODAY)
	assert [r["name"] for r in rows] == ["S2", "S1", "S3", "S4"]
	by = {r["name"]: r for r in rows}
	assert by["S2"]["meeting_overdue"] and by["S2"]["days_since_checkin"] == 31
	assert not by["S4"]["meeting_overdue"] and by["S4"]["days_since_checkin"] == 30
	assert by["S1"]["review_due"] and by["S1"]["goals_on_track"] == 2
	assert not by["S3"]["meeting_overdue"] and by["S3"]["tier"] == ""
	assert summarize(rows) == {
		"students": 4,
		"case_managed": 3,
		"meetings_overdue": 1,
		"reviews_due": 1,
		"high_risk": 1,
	}


def test_case_managed_student_never_met_is_overdue():
	rows = build_caseload([{"name": "S1", "is_case_managed": 1}], [], [], TODAY)
	assert (
		rows[0]["meeting_overdue"]
		and rows[0]["days_since_checkin"] is None
		and rows[0]["support_plan"] is None
	)


def test_earliest_review_plan_wins():
	plans = [
		{"student": "S1", "name": "P-late", "next_review_date": "2027-03-01"},
		{"student": "S1", "name": "P-soon", "next_review_date": "2026-12-01"},
		{"student": "S1", "name": "P-none"},
	]
	assert build_caseload([{"name": "S1"}], plans, [], TODAY)[0]["support_plan"] == "P-soon"
