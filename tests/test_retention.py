"""The retention rule (cis_app.core.retention): who is due for erasure, who is skipped and why, and
what an erased record holds. Framework-free."""

from __future__ import annotations

import datetime

import pytest

from cis_app.core import retention as rules
from tests.metadata import doctypes

TODAY = datetime.date(2026, 11, 29)


def student(name, status="Graduated", left_on="2021-06-01", erased=None):
	return {"name": name, "enrollment_status": status, "left_on": left_on, "record_erased_on": erased}


def test_cutoff_is_the_years_before_today():
	assert rules.cutoff(TODAY, 5) == datetime.date(2021, 11, 29)
	assert rules.cutoff(datetime.date(2028, 2, 29), 1) == datetime.date(2027, 2, 28)
	assert rules.cutoff(TODAY, 0) == TODAY
	with pytest.raises(rules.RetentionRuleError):
		rules.cutoff(TODAY, -1)


def test_due_after_more_than_the_retention_years():
	students = [
		student("STU-1", left_on="2021-06-01"),  # 5.5 years: due
		student("STU-2", left_on="2021-11-29"),  # exactly 5 years: due (on the cutoff)
		student("STU-3", left_on="2021-11-30"),  # one day short
		student("STU-4", status="Enrolled", left_on=None),
		student("STU-5", status="Transferred", left_on=datetime.date(2020, 1, 1)),
		student("STU-6", status="Withdrawn", left_on=datetime.datetime(2019, 5, 1, 10, 0)),
	]
	due, skipped = rules.students_due(students, {}, TODAY, 5)
	assert [row["student"] for row in due] == ["STU-6", "STU-5", "STU-1", "STU-2"]
	assert skipped == []


def test_a_student_with_an_open_plan_is_skipped_with_the_reason():
	due, skipped = rules.students_due(
		[student("STU-1"), student("STU-2")], {"STU-2": ["SP-2", "SP-1"]}, TODAY, 5
	)
	assert [row["student"] for row in due] == ["STU-1"]
	assert skipped == [
		{
			"student": "STU-2",
			"enrollment_status": "Graduated",
			"left_on": "2021-06-01",
			"reason": rules.REASON_OPEN_PLAN,
			"detail": "SP-1, SP-2",
		}
	]


def test_erased_students_and_students_without_a_leaving_day_are_skipped():
	due, skipped = rules.students_due(
		[student("STU-1", erased="2026-01-02 10:00:00"), student("STU-2", status="Moved", left_on=None)],
		{},
		TODAY,
		5,
	)
	assert due == []
	assert [(row["student"], row["reason"], row["detail"]) for row in skipped] == [
		("STU-2", rules.REASON_NO_LEAVING_DATE, "Moved"),
		("STU-1", rules.REASON_ALREADY_ERASED, "2026-01-02"),
	]


def test_every_reason_has_a_message():
	assert set(rules.REASON_TEXT) == {
		rules.REASON_OPEN_PLAN,
		rules.REASON_ALREADY_ERASED,
		rules.REASON_NO_LEAVING_DATE,
	}


def test_left_on_follows_the_enrollment_status():
	assert rules.left_on_for("Graduated", None, TODAY) == TODAY
	assert rules.left_on_for("Graduated", datetime.date(2020, 6, 1), TODAY) == datetime.date(2020, 6, 1)
	assert rules.left_on_for("Enrolled", datetime.date(2020, 6, 1), TODAY) is None


def test_left_statuses_are_enrollment_statuses():
	field = next(f for f in doctypes()["Student"]["fields"] if f["fieldname"] == "enrollment_status")
	options = set(field["options"].split("\n"))
	assert set(rules.LEFT_STATUSES) == options - {"Enrolled"}


def test_erased_values_cover_the_identifying_fields_and_only_existing_ones():
	values = rules.erased_student_values("STU-0000042")
	fields = {f["fieldname"]: f for f in doctypes()["Student"]["fields"]}
	assert set(values) <= set(fields)
	for identifying in (
		"first_name",
		"middle_name",
		"last_name",
		"student_name",
		"date_of_birth",
		"district_student_id",
		"state_student_id",
		"oneroster_sourced_id",
		"health_notes",
		"family_situation",
	):
		assert identifying in values, identifying
	assert values["district_student_id"] == "ERASED-STU-0000042"
	assert values["first_name"] == values["student_name"] == rules.ERASED
	# what the outcome reports count stays
	for kept in (
		"site",
		"grade_level",
		"enrollment_status",
		"is_case_managed",
		"school_district",
		"affiliate",
	):
		assert kept not in values


def test_mandatory_student_fields_keep_a_value():
	fields = {f["fieldname"]: f for f in doctypes()["Student"]["fields"]}
	values = rules.erased_student_values("STU-1")
	for fieldname, value in values.items():
		if fields[fieldname].get("reqd"):
			assert value, fieldname


def test_free_text_fields_are_found_by_type():
	fields = [
		{"fieldname": "notes", "fieldtype": "Text Editor"},
		{"fieldname": "reason", "fieldtype": "Small Text"},
		{"fieldname": "minutes", "fieldtype": "Int"},
		{"fieldname": "what", "fieldtype": "Small Text"},
	]
	assert rules.free_text_fields(fields, keep=["what"]) == ["notes", "reason"]


def test_mentions_finds_old_values_case_insensitively():
	assert rules.mentions("Talked with ana EXAMPLE's mother", ["Ana Example"])
	assert not rules.mentions("Group tutoring, 6 students", ["Ana Example", "T-1", ""])
	assert not rules.mentions(None, ["Ana"])
	assert not rules.mentions("a b", ["a"])  # values shorter than 3 characters are ignored
