"""ABC data and year-end status files (cis_app.core.abc_import): headers, aliases, blank is not zero,
row errors, encodings, templates. Synthetic data only."""

import pytest

from cis_app.core.abc_import import (
	AbcRow,
	DistrictFileError,
	abc_template_csv,
	data_point_unchanged,
	map_status,
	parse_abc_file,
	parse_bool,
	parse_school_year_name,
	parse_year_end_file,
	read_abc_file,
	year_end_template_csv,
)
from cis_app.core.oneroster.plan import row_log_csv
from cis_app.core.oneroster.rules import RuleError


def csv_bytes(*lines: str, encoding: str = "utf-8", bom: bool = False) -> bytes:
	data = ("\r\n".join(lines) + "\r\n").encode(encoding)
	return (b"\xef\xbb\xbf" + data) if bom else data


ABC_HEADER = (
	"Student ID,As Of Date,Days Enrolled,Days Absent,Suspensions,Major Incidents,Minor Incidents,"
	"Failing Math,Failing ELA,GPA,Failed Courses"
)


def only(parsed):
	assert parsed.errors == []
	assert len(parsed.rows) == 1
	return parsed.rows[0]


# ---------------------------------------------------------------- blank is not zero


def test_empty_cells_stay_unknown_and_zero_is_a_value():
	row = only(parse_abc_file(csv_bytes(ABC_HEADER, "S1,2025-10-01,40,3,0,,,,,,")))
	assert row.figures["days_enrolled"] == 40
	assert row.figures["days_absent"] == 3.0
	assert row.figures["suspensions"] == 0
	assert row.figures["major_incidents"] is None
	assert row.figures["gpa"] is None
	assert row.groups == {"attendance", "behavior"}
	values = row.data_point_values()
	assert values["has_attendance"] == 1 and values["has_behavior"] == 1
	assert "has_course" not in values and "has_gpa" not in values and "gpa" not in values


def test_attendance_only_file_carries_only_attendance():
	parsed = parse_abc_file(csv_bytes("StudentNumber,AsOf,Days Enrolled,Absences", "S1,2025-10-01,40,5"))
	row = only(parsed)
	assert row.groups == {"attendance"}
	assert parsed.columns == ["days_enrolled", "days_absent"]
	assert set(row.data_point_values()) == {"has_attendance", "days_enrolled", "days_absent"}


def test_course_group_of_two_no_answers_is_recorded_by_its_flag():
	row = only(parse_abc_file(csv_bytes("LocalId,AsOf,Failing Math,Failing ELA", "S1,2025-10-01,N,no")))
	assert row.groups == {"course"}
	assert row.data_point_values() == {
		"has_course": 1,
		"failing_math": 0,
		"failing_ela": 0,
		"failed_courses": None,
	}


@pytest.mark.parametrize(
	"text,expected",
	[("Y", True), ("yes", True), ("1", True), ("TRUE", True), ("n", False), ("No", False), ("0", False)],
)
def test_booleans(text, expected):
	assert parse_bool(text) is expected


def test_boolean_empty_is_unknown_and_other_text_is_an_error():
	assert parse_bool("  ") is None
	with pytest.raises(RuleError):
		parse_bool("maybe")


# ---------------------------------------------------------------- headers


def test_header_aliases_of_sis_exports():
	parsed = parse_abc_file(
		csv_bytes(
			"student_number,as_of,Days In Membership,Total Absences,OSS,Cumulative GPA,Courses Failed",
			"S1,2025-10-01,40,2,1,2.5,0",
		)
	)
	row = only(parsed)
	assert row.figures["days_enrolled"] == 40
	assert row.figures["suspensions"] == 1
	assert row.figures["gpa"] == 2.5
	assert row.figures["failed_courses"] == 0


def test_days_present_is_never_days_enrolled():
	with pytest.raises(DistrictFileError) as info:
		parse_abc_file(csv_bytes("Student ID,As Of Date,Days Present,Days Absent", "S1,2025-10-01,38,2"))
	assert info.value.code == "ambiguous_column"
	assert "Days Present" in info.value.message


def test_days_present_beside_days_enrolled_is_ignored_with_a_warning():
	parsed = parse_abc_file(
		csv_bytes("Student ID,As Of Date,Days Enrolled,Days Present,Days Absent", "S1,2025-10-01,40,38,2")
	)
	assert only(parsed).figures["days_enrolled"] == 40
	assert any("Days Present" in warning for warning in parsed.warnings)


def test_single_incidents_column_is_refused():
	with pytest.raises(DistrictFileError) as info:
		parse_abc_file(csv_bytes("Student ID,As Of Date,Incidents", "S1,2025-10-01,2"))
	assert "major or minor" in info.value.message


def test_iss_is_not_a_suspension():
	with pytest.raises(DistrictFileError):
		parse_abc_file(csv_bytes("Student ID,As Of Date,ISS", "S1,2025-10-01,2"))


@pytest.mark.parametrize(
	"header,code",
	[
		("As Of Date,Days Enrolled", "bad_header"),  # no student id
		("Student ID,Days Enrolled", "bad_header"),  # no as-of date
		("Student ID,As Of Date,Name", "bad_header"),  # no figure
		("Student ID,StudentNumber,As Of Date,GPA", "bad_header"),  # two columns, one field
	],
)
def test_file_errors(header, code):
	with pytest.raises(DistrictFileError) as info:
		parse_abc_file(csv_bytes(header, ",".join(["1"] * len(header.split(",")))))
	assert info.value.code == code


def test_empty_file_is_a_file_error():
	with pytest.raises(DistrictFileError):
		parse_abc_file(b"")


# ---------------------------------------------------------------- encodings


def test_bom_and_windows_1252():
	header = "Student ID,As Of Date,Days Enrolled,Days Absent"
	row = only(parse_abc_file(csv_bytes(header, "S1,2025-10-01,40,2", bom=True)))
	assert row.student_id == "S1"
	row = only(parse_abc_file(csv_bytes(header, "Sé1,2025-10-01,40,2", encoding="cp1252")))
	assert row.student_id == "Sé1"


# ---------------------------------------------------------------- row errors


def test_bad_rows_are_errors_and_the_others_import():
	parsed = parse_abc_file(
		csv_bytes(
			ABC_HEADER,
			"S1,2025-10-01,40,2,0,0,1,N,N,3.0,0",
			"S2,1/05/2023,40,2,,,,,,,",  # not ISO
			"S3,2023-13-01,40,2,,,,,,,",  # no month 13
			"S4,2025-10-01,40,50,,,,,,,",  # absent > enrolled
			"S5,2025-10-01,,5,,,,,,,",  # absent without enrolled
			"S6,2025-10-01,,,-1,,,,,,",  # negative
			"S7,2025-10-01,,,1.5,,,,,,",  # not whole
			"S8,2025-10-01,,,,,,maybe,,,",  # not a yes/no
			"S9,2025-10-01,,,,,,,,7,",  # GPA above 5
			"S10,2025-10-01,,,,,,,,,",  # no figures
			",2025-10-01,40,2,,,,,,,",  # no id
			"S1,2025-10-01,41,2,,,,,,,",  # duplicate student and date
			"S11,2025-10-01,40",  # cell count
			"=HYPERLINK(1),2025-10-01,x,,,,,,,,",  # formula-like id, bad number
		)
	)
	assert [row.student_id for row in parsed.rows] == ["S1"]
	by_id = {}
	for error in parsed.errors:
		by_id.setdefault(error.sourced_id, []).append(error.code)
	assert by_id == {
		"S2": ["bad_date"],
		"S3": ["bad_date"],
		"S4": ["too_large"],
		"S5": ["missing"],
		"S6": ["negative"],
		"S7": ["not_whole"],
		"S8": ["bad_boolean"],
		"S9": ["too_large"],
		"S10": ["no_figures"],
		"": ["missing"],
		"S1": ["duplicate"],
		"S11": ["cell_count"],
		"=HYPERLINK(1)": ["bad_number"],
	}
	lines = {error.sourced_id: error.line for error in parsed.errors}
	assert lines["S2"] == 3 and lines["S1"] == 13
	log = row_log_csv(parsed.errors)
	assert "'=HYPERLINK(1)" in log  # escaped in the downloaded log


def test_state_id_is_used_when_the_district_id_is_empty():
	parsed = parse_abc_file(
		csv_bytes("District Student ID,State Student ID,As Of Date,GPA", ",TX123,2025-10-01,2.0")
	)
	row = only(parsed)
	assert (row.student_id, row.id_kind) == ("TX123", "state")


def test_template_reads_back_without_rows():
	parsed = parse_abc_file(abc_template_csv().encode())
	assert parsed.rows == [] and parsed.errors == []
	assert abc_template_csv().splitlines()[0].startswith("District Student ID,State Student ID,As Of Date")
	parsed = parse_year_end_file(year_end_template_csv().encode())
	assert parsed.rows == [] and parsed.errors == []


def test_unchanged_against_the_stored_data_point():
	row = only(
		parse_abc_file(csv_bytes("Student ID,As Of Date,Days Enrolled,Days Absent", "S1,2025-10-01,40,2"))
	)
	stored = {
		"has_attendance": 1,
		"days_enrolled": 40,
		"days_absent": 2.0,
		"has_behavior": 0,
		"suspensions": 0,
	}
	assert data_point_unchanged(row, stored)
	assert not data_point_unchanged(row, {**stored, "days_absent": 3.0})
	assert not data_point_unchanged(row, {**stored, "has_attendance": 0})
	assert isinstance(row, AbcRow)


# ---------------------------------------------------------------- year-end statuses


@pytest.mark.parametrize(
	"text,status",
	[
		("Promoted", "Promoted"),
		("PROMOTED", "Promoted"),
		("Retained", "Retained"),
		("Grad", "Graduated"),
		("Graduate", "Graduated"),
		("GED", "GED"),
		("Dropout", "Dropped Out"),
		("Drop Out", "Dropped Out"),
		("dropped out", "Dropped Out"),
		("Transfer", "Transferred"),
		("Moved", "Moved"),
		("Deceased", "Deceased"),
	],
)
def test_status_spellings(text, status):
	assert map_status(text) == status


def test_unknown_status_is_an_error():
	with pytest.raises(RuleError) as info:
		map_status("Summer School")
	assert info.value.code == "unknown_status"


@pytest.mark.parametrize("text", ["2025-2026", "2025-26", "2026", "2025/2026"])
def test_school_year_spellings(text):
	assert parse_school_year_name(text) == "2025-2026"


@pytest.mark.parametrize("text", ["2025-2027", "25-26", "", "SY26"])
def test_bad_school_years(text):
	with pytest.raises(RuleError):
		parse_school_year_name(text)


def test_year_end_file():
	parsed = parse_year_end_file(
		csv_bytes(
			"StudentNumber,School Year,Status,Grade",
			"S1,2025-26,PROMOTED,",
			"S2,2026,Grad,12",
			"S3,2025-2026,Summer School,5",
			"S4,2025-2026,Retained,13",
			"S1,2025-2026,Retained,",
		)
	)
	assert [(r.student_id, r.school_year, r.status, r.grade_level) for r in parsed.rows] == [
		("S1", "2025-2026", "Promoted", None),
		("S2", "2025-2026", "Graduated", "12"),
	]
	assert [(e.sourced_id, e.code) for e in parsed.errors] == [
		("S3", "unknown_status"),
		("S4", "grade_not_served"),
		("S1", "duplicate"),
	]


def test_year_end_file_needs_a_status_column():
	with pytest.raises(DistrictFileError):
		parse_year_end_file(csv_bytes("Student ID,School Year", "S1,2026"))


# ---------------------------------------------------------------- streamed


def test_read_abc_file_gives_rows_and_row_errors_one_at_a_time_in_file_order():
	content = csv_bytes(
		ABC_HEADER,
		"S1,2025-10-01,40,3,,,,,,,",
		"S2,1/05/2023,40,3,,,,,,,",
		"S1,2025-10-01,41,3,,,,,,,",
		"S3,2025-10-01,40,3",
		"S4,2025-10-01,,,,,,,,3.5,",
	)
	parsed, items = read_abc_file(content)
	assert parsed.rows == [] and parsed.errors == []  # nothing read yet
	assert parsed.columns[:2] == ["days_enrolled", "days_absent"]
	got = [
		(item.line, item.student_id) if isinstance(item, AbcRow) else (item.line, item.field, item.code)
		for item in items
	]
	assert got == [
		(2, "S1"),
		(3, "as_of_date", "bad_date"),
		(4, "as_of_date", "duplicate"),
		(5, "", "cell_count"),
		(6, "S4"),
	]
	# parse_abc_file holds the same, split
	whole = parse_abc_file(content)
	assert [row.line for row in whole.rows] == [2, 6]
	assert [(error.line, error.code) for error in whole.errors] == [
		(3, "bad_date"),
		(4, "duplicate"),
		(5, "cell_count"),
	]


def test_read_abc_file_raises_a_header_error_before_any_row():
	with pytest.raises(DistrictFileError):
		read_abc_file(csv_bytes("Student ID,Days Enrolled", "S1,40"))
