"""District data files, framework-free: the ABC data (attendance, behavior, course performance) and
year-end statuses, read from a CSV a student information system exports.

Both readers share the rules of the OneRoster import: UTF-8 with or without BOM or Windows-1252 (see
``detect_encoding``), ISO dates only, a row that breaks a rule is a ``RowError`` (the run goes on), a
file that cannot be read at all raises ``DistrictFileError`` before any row is used.

Blank is not zero: an empty cell is unknown (None), a ``0`` is a real zero. A data point carries an
indicator group (``core.data_points``) only when its file row has a value in one of that group's
columns, so a file with attendance columns only leaves behavior and course performance unknown.

Header names are matched loosely (case, spaces, ``_`` and ``-`` ignored) against the aliases below.
Some headers look close but mean something else (``Days Present`` is not days enrolled, ``ISS`` is not
an out-of-school suspension, ``Incidents`` does not say major or minor): they are never taken for a
figure. Such a column is ignored with a warning when the file also has the column it could be
mistaken for, and refused (a file error saying what to rename) when it is the only one.

Rows whose first cell starts with ``#`` are comments (the downloadable template's help row).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import BinaryIO

from .data_points import CHECK_FIELDS, GROUP_FLAGS, GROUP_OF_FIELD, INDICATOR_GROUPS
from .file_limits import (
	MAX_FILE_BYTES,
	MAX_FILE_LINES,
	BoundedReader,
	FileTooLarge,
	check_lines,
	check_size,
)
from .grades import GRADE_LEVELS
from .oneroster.package import RowError, detect_encoding
from .oneroster.rules import RuleError, map_grade, parse_date
from .outcomes import (
	DECEASED,
	DROPPED_OUT,
	GED,
	GRADUATED,
	MOVED,
	PROMOTED,
	RETAINED,
	STATUSES,
	TRANSFERRED,
)

ABC_FILE = "abc.csv"
YEAR_END_FILE = "year_end.csv"
MAX_GPA = 5.0


class DistrictFileError(Exception):
	"""A file the import cannot read at all (wrong header, undecodable, past a bound of
	``core.file_limits``: then ``limit`` is the bound). ``code`` is stable."""

	def __init__(self, code: str, message: str, line: int | None = None, limit: int = 0):
		self.code = code
		self.message = message
		self.line = line
		self.limit = limit
		super().__init__(message + (f" (line {line})" if line else ""))


def header_key(name: str) -> str:
	"""A header cell folded for matching: ``"Days  Enrolled"``, ``"days_enrolled"`` -> ``daysenrolled``."""
	return re.sub(r"[^0-9a-z]", "", str(name or "").lower())


def _aliases(**columns: tuple[str, ...]) -> dict[str, str]:
	return {header_key(alias): column for column, aliases in columns.items() for alias in aliases}


_STUDENT_ID_ALIASES = {
	"district_student_id": (
		"district_student_id",
		"District Student ID",
		"Student ID",
		"StudentID",
		"Student Number",
		"StudentNumber",
		"Student No",
		"Local ID",
		"LocalId",
		"Local Student ID",
		"Student Local ID",
		"SIS ID",
		"Student SIS ID",
	),
	"state_student_id": (
		"state_student_id",
		"State Student ID",
		"State ID",
		"StateId",
		"SSID",
		"Student State ID",
		"State Unique ID",
		"StudentUniqueId",
	),
}

ABC_ALIASES: dict[str, str] = _aliases(
	**_STUDENT_ID_ALIASES,
	as_of_date=("as_of_date", "As Of Date", "AsOf", "As Of", "Report Date", "Snapshot Date", "Date"),
	days_enrolled=(
		"days_enrolled",
		"Days Enrolled",
		"Enrolled Days",
		"Days In Membership",
		"Membership Days",
		"Days Membership",
		"Membership",
	),
	days_absent=(
		"days_absent",
		"Days Absent",
		"Absent Days",
		"Absences",
		"Total Absences",
		"Days Absent Total",
	),
	suspensions=(
		"suspensions",
		"Suspensions",
		"OSS",
		"OSS Count",
		"Out Of School Suspensions",
		"Out-of-School Suspensions",
		"Suspension Count",
	),
	major_incidents=("major_incidents", "Major Incidents", "Major Referrals", "Major Discipline Incidents"),
	minor_incidents=("minor_incidents", "Minor Incidents", "Minor Referrals", "Minor Discipline Incidents"),
	failing_math=("failing_math", "Failing Math", "Math Failing", "Failed Math"),
	failing_ela=(
		"failing_ela",
		"Failing ELA",
		"ELA Failing",
		"Failed ELA",
		"Failing English",
		"Failed English",
		"Failing Reading",
	),
	gpa=("gpa", "GPA", "Cumulative GPA", "Cum GPA", "Grade Point Average"),
	failed_courses=(
		"failed_courses",
		"Failed Courses",
		"Courses Failed",
		"Failed Semester Courses",
		"Course Failures",
		"Number Of Failed Courses",
	),
)

# Headers that look like a figure but are not: key -> (what it is, the columns it may be mistaken for).
ABC_LOOKALIKES: dict[str, tuple[str, tuple[str, ...]]] = {
	header_key("Days Present"): (
		"Days Present is not Days Enrolled (enrolled = present + absent): export Days Enrolled",
		("days_enrolled",),
	),
	header_key("Present"): ("Present is not Days Enrolled: export Days Enrolled", ("days_enrolled",)),
	header_key("Attendance Rate"): (
		"an attendance rate cannot be split back into days: export Days Enrolled and Days Absent",
		("days_enrolled", "days_absent"),
	),
	header_key("ADA"): (
		"average daily attendance is not days enrolled: export Days Enrolled and Days Absent",
		("days_enrolled", "days_absent"),
	),
	header_key("Incidents"): (
		"Incidents does not say major or minor: rename it Major Incidents or Minor Incidents",
		("major_incidents", "minor_incidents"),
	),
	header_key("Referrals"): (
		"Referrals does not say major or minor: rename it Major Incidents or Minor Incidents",
		("major_incidents", "minor_incidents"),
	),
	header_key("ISS"): (
		"in-school suspensions are not out-of-school suspensions: export OSS as Suspensions",
		("suspensions",),
	),
	header_key("In School Suspensions"): (
		"in-school suspensions are not out-of-school suspensions: export OSS as Suspensions",
		("suspensions",),
	),
}

YEAR_END_ALIASES: dict[str, str] = _aliases(
	**_STUDENT_ID_ALIASES,
	school_year=("school_year", "School Year", "SchoolYear", "Year", "SY", "Academic Year"),
	status=(
		"status",
		"Year-End Status",
		"Year End Status",
		"End Of Year Status",
		"EOY Status",
		"Outcome",
		"Promotion Status",
	),
	grade_level=("grade_level", "Grade", "Grade Level", "GradeLevel"),
)

INT_FIELDS = frozenset(
	{"days_enrolled", "suspensions", "major_incidents", "minor_incidents", "failed_courses"}
)
FLOAT_FIELDS = frozenset({"days_absent", "gpa"})
ABC_FIGURES = tuple(GROUP_OF_FIELD)

_TRUE = frozenset({"y", "yes", "1", "true", "t", "x"})
_FALSE = frozenset({"n", "no", "0", "false", "f"})

# Year-end statuses: the app's values and the spellings SIS exports use, folded with header_key.
STATUS_ALIASES: dict[str, str] = {
	**{header_key(status): status for status in STATUSES},
	**{
		header_key(alias): status
		for status, aliases in {
			PROMOTED: ("Promote", "Pass", "Passed", "Advanced"),
			RETAINED: ("Retain", "Held Back", "Not Promoted", "Repeat"),
			GRADUATED: ("Grad", "Graduate", "Diploma", "Graduated With Diploma"),
			GED: ("HSE", "High School Equivalency", "GED Completer"),
			DROPPED_OUT: ("Dropout", "Drop Out", "Dropped", "Drop-out"),
			TRANSFERRED: ("Transfer", "Transferred Out", "Transfer Out"),
			MOVED: ("Moved Away", "Move", "Moved Out Of District"),
			DECEASED: ("Died", "Death"),
		}.items()
		for alias in aliases
	},
}


# ---------------------------------------------------------------- reading


def _open_binary(source: str | Path | bytes | BinaryIO, file: str, max_bytes: int) -> BinaryIO:
	"""The file as a binary stream read from its start (a path is opened, never read whole); a file
	whose size is known and past ``max_bytes`` is refused before it is read."""
	if isinstance(source, bytes):
		check_size(len(source), file, max_bytes)
		return io.BytesIO(source)
	if isinstance(source, str | Path):
		check_size(Path(source).stat().st_size, file, max_bytes)
		return open(source, "rb")
	return BoundedReader(source, file, max_bytes)


def _rewind(stream: BinaryIO, source, file: str, max_bytes: int) -> BinaryIO:
	if stream.seekable():
		stream.seek(0)
		return stream
	stream.close()  # a stream that cannot seek is read once more from a path, or refused
	return _open_binary(source, file, max_bytes)


def read_csv_rows(
	source: str | Path | bytes | BinaryIO,
	file: str = ABC_FILE,
	max_bytes: int = MAX_FILE_BYTES,
	max_lines: int = MAX_FILE_LINES,
) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
	"""The header and an iterator of ``(line, cells)`` data rows (blank and ``#`` comment rows left
	out), read as a stream (``core.file_limits``: a file past ``max_bytes`` or ``max_lines`` raises
	DistrictFileError ``too_large`` / ``too_many_lines``). Encoding detected like the OneRoster reader;
	an undecodable file raises DistrictFileError."""
	try:
		stream = _open_binary(source, file, max_bytes)
		encoding = detect_encoding(stream)
		stream = _rewind(stream, source, file, max_bytes)
	except FileTooLarge as exc:
		raise DistrictFileError(exc.code, str(exc), limit=exc.limit) from None
	text = io.TextIOWrapper(stream, encoding=encoding, newline="", errors="strict")
	reader = csv.reader(text)

	def failed(exc: Exception, line: int) -> DistrictFileError:
		text.close()
		if isinstance(exc, FileTooLarge):
			return DistrictFileError(exc.code, str(exc), line, exc.limit)
		if isinstance(exc, UnicodeDecodeError):
			return DistrictFileError(
				"bad_encoding", f"the file is neither UTF-8 nor Windows-1252 ({exc.reason})", line
			)
		return DistrictFileError("bad_csv", f"the file is not valid CSV: {exc}", line)

	try:
		header = next(reader, [])
	except (csv.Error, UnicodeDecodeError, FileTooLarge) as exc:
		raise failed(exc, 1) from None
	if not any(cell.strip() for cell in header):
		text.close()
		raise DistrictFileError("bad_header", "the header row is missing (the file is empty)", 1)

	def rows() -> Iterator[tuple[int, list[str]]]:
		line = reader.line_num + 1
		try:
			for cells in reader:
				start, line = line, reader.line_num + 1
				check_lines(reader.line_num, file, max_lines)
				if not any(cell.strip() for cell in cells) or cells[0].lstrip().startswith("#"):
					continue
				yield start, cells
		except (csv.Error, UnicodeDecodeError, FileTooLarge) as exc:
			raise failed(exc, line) from None
		finally:
			text.close()

	return [cell.strip() for cell in header], rows()


def map_header(
	header: list[str], aliases: dict[str, str], lookalikes: dict | None = None
) -> tuple[dict[str, int], list[str]]:
	"""The column index of each known field and the warnings (ignored columns).

	Raises DistrictFileError when two columns mean the same field, or a look-alike column stands
	where the field it may be mistaken for is missing."""
	positions: dict[str, int] = {}
	unknown: list[str] = []
	lookalike_columns: list[tuple[str, str, tuple[str, ...]]] = []
	for index, name in enumerate(header):
		key = header_key(name)
		field_name = aliases.get(key)
		if field_name is None:
			if lookalikes and key in lookalikes:
				lookalike_columns.append((name, *lookalikes[key]))
			elif name:
				unknown.append(name)
			continue
		if field_name in positions:
			raise DistrictFileError(
				"bad_header",
				f"the columns {header[positions[field_name]]!r} and {name!r} both mean {field_name}: keep one",
				1,
			)
		positions[field_name] = index
	warnings = []
	for name, reason, fields in lookalike_columns:
		if not any(field_name in positions for field_name in fields):
			raise DistrictFileError("ambiguous_column", f"column {name!r}: {reason}", 1)
		warnings.append(f"column {name!r} ignored: {reason}")
	if unknown:
		warnings.append("columns ignored (not recognised): " + ", ".join(unknown))
	return positions, warnings


def _require_student_id(positions: dict[str, int]) -> None:
	if "district_student_id" not in positions and "state_student_id" not in positions:
		raise DistrictFileError(
			"bad_header", "a student id column is missing: add District Student ID or State Student ID", 1
		)


# ---------------------------------------------------------------- values


def parse_bool(value: object) -> bool | None:
	"""Y/N, yes/no, 1/0, true/false (any case), T/F, X; None for empty; anything else a RuleError."""
	text = "" if value is None else str(value).strip()
	if not text:
		return None
	folded = text.lower()
	if folded in _TRUE:
		return True
	if folded in _FALSE:
		return False
	raise RuleError("bad_boolean", f"{text!r} is not yes or no: write Y or N")


def parse_number(value: object, whole: bool) -> int | float | None:
	"""A non-negative number (a whole one when ``whole``; ``3.0`` counts as 3); None for empty."""
	text = "" if value is None else str(value).strip()
	if not text:
		return None
	try:
		number = float(text)
	except ValueError:
		raise RuleError("bad_number", f"{text!r} is not a number")
	if number != number or number in (float("inf"), float("-inf")):
		raise RuleError("bad_number", f"{text!r} is not a number")
	if number < 0:
		raise RuleError("negative", f"{text} is negative: counts start at 0")
	if whole:
		if not number.is_integer():
			raise RuleError("not_whole", f"{text} is not a whole number")
		return int(number)
	return number


@dataclass
class AbcRow:
	"""One valid row of an ABC file: who, when, and the figures of the groups it carries."""

	line: int
	student_id: str  # the district student id, or the state id when ``id_kind`` is "state"
	id_kind: str  # "district" or "state"
	as_of_date: date
	figures: dict[str, float | int | bool | None] = field(default_factory=dict)

	@property
	def groups(self) -> set[str]:
		"""The indicator groups this row carries: those with a value in one of their columns."""
		return {GROUP_OF_FIELD[name] for name, value in self.figures.items() if value is not None}

	def data_point_values(self) -> dict:
		"""The figures and flags to set on a Student Data Point: only the groups the row carries (an
		absent group's fields are not sent, so a stored group is never cleared by a file without it).
		Within a carried group an empty cell is stored as Frappe stores it (0 / unticked)."""
		values: dict = {}
		for group in sorted(self.groups):
			values[GROUP_FLAGS[group]] = 1
			for name in INDICATOR_GROUPS[group]:
				value = self.figures.get(name)
				if name in CHECK_FIELDS:
					value = 1 if value else 0
				values[name] = value
		return values


@dataclass
class ParsedFile:
	rows: list = field(default_factory=list)
	errors: list[RowError] = field(default_factory=list)
	warnings: list[str] = field(default_factory=list)
	columns: list[str] = field(default_factory=list)  # the fields the file carries


def _parse_cell(values: dict[str, str], name: str, parse, row_errors: list) -> object:
	"""``parse`` the cell ``name``; a RuleError is appended to ``row_errors`` and gives None."""
	try:
		return parse(values.get(name))
	except RuleError as exc:
		row_errors.append((name, exc.message, exc.code))
		return None


def _required_date(value: object) -> date | None:
	return parse_date(value, required=True)


def _whole(value: object) -> int | None:
	return parse_number(value, whole=True)  # type: ignore[return-value]


def _decimal(value: object) -> float | None:
	return parse_number(value, whole=False)


def _cells(positions: dict[str, int], cells: list[str]) -> dict[str, str]:
	return {name: cells[index].strip() for name, index in positions.items()}


def _student_id(values: dict[str, str]) -> tuple[str, str]:
	if values.get("district_student_id"):
		return values["district_student_id"], "district"
	if values.get("state_student_id"):
		return values["state_student_id"], "state"
	return "", ""


def _cell_count_error(file: str, line: int, cells: list[str], header: list[str]) -> RowError:
	return RowError(
		file,
		line,
		cells[0].strip() if cells else "",
		"",
		f"the row has {len(cells)} cells, the header has {len(header)}",
		"cell_count",
	)


def parse_abc_file(source: str | Path | bytes | BinaryIO, file: str = ABC_FILE, **limits) -> ParsedFile:
	"""Read an ABC file: one ``AbcRow`` per valid row, a ``RowError`` per bad one (all held: for a
	file of any size, ``read_abc_file`` gives them one at a time).

	File errors (no student id or as-of date column, no figure column, an ambiguous column, two
	columns for one field) raise DistrictFileError. Row rules: a student id; an ISO as-of date; at least
	one figure; counts whole and not negative; days absent only with days enrolled and not above them;
	GPA 0 to 5; Y/N flags; one row per student and date.
	"""
	result, items = read_abc_file(source, file, **limits)
	for item in items:
		(result.errors if isinstance(item, RowError) else result.rows).append(item)
	return result


def read_abc_file(
	source: str | Path | bytes | BinaryIO, file: str = ABC_FILE, **limits
) -> tuple[ParsedFile, Iterator[AbcRow | RowError]]:
	"""The header checked now (a file error raises DistrictFileError, see ``parse_abc_file``), and the
	rows: each an ``AbcRow`` or a ``RowError``, in file order, one at a time (the file's cells are never
	all parsed into objects at once; an undecodable or broken CSV raises DistrictFileError when met)."""
	header, rows = read_csv_rows(source, file, **limits)
	positions, warnings = map_header(header, ABC_ALIASES, ABC_LOOKALIKES)
	_require_student_id(positions)
	if "as_of_date" not in positions:
		raise DistrictFileError("bad_header", "the As Of Date column is missing", 1)
	if not any(name in positions for name in ABC_FIGURES):
		raise DistrictFileError(
			"bad_header",
			"no figure column: add at least one of " + ", ".join(_template_label(n) for n in ABC_FIGURES),
			1,
		)
	result = ParsedFile(warnings=warnings, columns=[name for name in ABC_FIGURES if name in positions])
	return result, _abc_rows(header, positions, rows, file)


def _abc_rows(
	header: list[str], positions: dict[str, int], rows: Iterator[tuple[int, list[str]]], file: str
) -> Iterator[AbcRow | RowError]:
	seen: dict[tuple[str, str, date], int] = {}
	for line, cells in rows:
		if len(cells) != len(header):
			yield _cell_count_error(file, line, cells, header)
			continue
		values = _cells(positions, cells)
		student_id, id_kind = _student_id(values)
		row_errors: list[tuple[str, str, str]] = []  # field, message, code
		if not student_id:
			row_errors.append(("student_id", "the student id is empty", "missing"))
		as_of = _parse_cell(values, "as_of_date", _required_date, row_errors)
		figures: dict = {}
		for name in ABC_FIGURES:
			if name not in positions:
				continue
			parse = parse_bool if name in CHECK_FIELDS else _whole if name in INT_FIELDS else _decimal
			figures[name] = _parse_cell(values, name, parse, row_errors)
		failed = {error[0] for error in row_errors}
		enrolled, absent, gpa = (figures.get(n) for n in ("days_enrolled", "days_absent", "gpa"))
		if absent is not None and "days_absent" not in failed:
			if enrolled is None and "days_enrolled" not in failed:
				row_errors.append(
					("days_enrolled", "days absent needs days enrolled: fill in Days Enrolled", "missing")
				)
			elif enrolled is not None and absent > enrolled:
				row_errors.append(
					(
						"days_absent",
						f"days absent ({absent:g}) exceed days enrolled ({enrolled})",
						"too_large",
					)
				)
		if gpa is not None and gpa > MAX_GPA:
			row_errors.append(("gpa", f"GPA {gpa:g} is above {MAX_GPA:g}", "too_large"))
		if not row_errors and all(value is None for value in figures.values()):
			row_errors.append(("", "the row has no figures: every figure cell is empty", "no_figures"))
		if not row_errors:
			key = (id_kind, student_id, as_of)
			if key in seen:
				row_errors.append(
					(
						"as_of_date",
						f"the student has another row for {as_of.isoformat()} (line {seen[key]}): keep one",
						"duplicate",
					)
				)
			else:
				seen[key] = line
		if row_errors:
			for name, message, code in row_errors:
				yield RowError(file, line, student_id, name, message, code)
			continue
		yield AbcRow(line, student_id, id_kind, as_of, figures)


def data_point_unchanged(row: AbcRow, stored: dict) -> bool:
	"""True when ``stored`` (a data point as the database returns it: zeros, flags) already holds
	what ``row`` would set, so a re-import of the same file saves nothing."""
	for name, value in row.data_point_values().items():
		if float(stored.get(name) or 0) != float(value or 0):
			return False
	return True


# ---------------------------------------------------------------- year-end statuses


def map_status(value: object) -> str:
	"""The app's year-end status for a status as an SIS spells it (``PROMOTED``, ``Grad``, ``Drop
	Out``...); RuleError ``unknown_status`` otherwise."""
	text = "" if value is None else str(value).strip()
	if not text:
		raise RuleError("missing", "the status is empty")
	status = STATUS_ALIASES.get(header_key(text))
	if status is None:
		raise RuleError("unknown_status", f"unknown status {text!r}: use one of {', '.join(STATUSES)}")
	return status


def parse_school_year_name(value: object) -> str:
	"""The app's School Year name (``2025-2026``) for ``2025-2026``, ``2025-26`` or ``2026`` (the
	year it ends, as OneRoster writes it)."""
	text = "" if value is None else str(value).strip()
	match = re.fullmatch(r"(\d{4})\s*[-/]\s*(\d{2}|\d{4})", text)
	if match:
		start = int(match.group(1))
		end_text = match.group(2)
		end = int(end_text) if len(end_text) == 4 else (start + 1) // 100 * 100 + int(end_text)
		if end == start + 1:
			return f"{start}-{end}"
	elif re.fullmatch(r"\d{4}", text):
		end = int(text)
		return f"{end - 1}-{end}"
	raise RuleError(
		"bad_school_year", f"school year {text!r}: write it as 2025-2026, 2025-26 or 2026 (the year it ends)"
	)


@dataclass
class YearEndRow:
	line: int
	student_id: str
	id_kind: str
	school_year: str
	status: str
	grade_level: str | None  # None: the student's grade level


def parse_year_end_file(
	source: str | Path | bytes | BinaryIO, file: str = YEAR_END_FILE, **limits
) -> ParsedFile:
	"""Read a year-end status file: student id, school year, status and an optional grade level."""
	header, rows = read_csv_rows(source, file, **limits)
	positions, warnings = map_header(header, YEAR_END_ALIASES)
	_require_student_id(positions)
	for required, label in (("school_year", "School Year"), ("status", "Status")):
		if required not in positions:
			raise DistrictFileError("bad_header", f"the {label} column is missing", 1)
	result = ParsedFile(warnings=warnings, columns=[n for n in ("grade_level",) if n in positions])
	seen: dict[tuple[str, str, str], int] = {}
	for line, cells in rows:
		if len(cells) != len(header):
			result.errors.append(_cell_count_error(file, line, cells, header))
			continue
		values = _cells(positions, cells)
		student_id, id_kind = _student_id(values)
		row_errors: list[tuple[str, str, str]] = []
		if not student_id:
			row_errors.append(("student_id", "the student id is empty", "missing"))
		parsed = {}
		for name, parse in (
			("school_year", parse_school_year_name),
			("status", map_status),
			("grade_level", lambda v: map_grade(v) if str(v or "").strip() else None),
		):
			try:
				parsed[name] = parse(values.get(name))
			except RuleError as exc:
				row_errors.append((name, exc.message, exc.code))
		if not row_errors:
			key = (id_kind, student_id, parsed["school_year"])
			if key in seen:
				row_errors.append(
					(
						"school_year",
						f"the student has another row for {parsed['school_year']} (line {seen[key]}): keep one",
						"duplicate",
					)
				)
			else:
				seen[key] = line
		if row_errors:
			result.errors.extend(
				RowError(file, line, student_id, name, message, code) for name, message, code in row_errors
			)
			continue
		result.rows.append(
			YearEndRow(
				line, student_id, id_kind, parsed["school_year"], parsed["status"], parsed["grade_level"]
			)
		)
	return result


# ---------------------------------------------------------------- templates

_TEMPLATE_LABELS = {
	"district_student_id": "District Student ID",
	"state_student_id": "State Student ID",
	"as_of_date": "As Of Date",
	"days_enrolled": "Days Enrolled",
	"days_absent": "Days Absent",
	"suspensions": "Suspensions",
	"major_incidents": "Major Incidents",
	"minor_incidents": "Minor Incidents",
	"failing_math": "Failing Math",
	"failing_ela": "Failing ELA",
	"gpa": "GPA",
	"failed_courses": "Failed Courses",
	"school_year": "School Year",
	"status": "Status",
	"grade_level": "Grade Level",
}


def _template_label(name: str) -> str:
	return _TEMPLATE_LABELS[name]


ABC_HELP = {
	"district_student_id": "# The district's student id (or leave empty and fill State Student ID)",
	"state_student_id": "Used when District Student ID is empty",
	"as_of_date": "YYYY-MM-DD: the date the figures describe; one row per student and date",
	"days_enrolled": "Whole days enrolled so far (not days present); empty = unknown",
	"days_absent": "Days absent for any reason (half days allowed); needs Days Enrolled",
	"suspensions": "Out-of-school suspensions; 0 = none, empty = unknown",
	"major_incidents": "Major discipline incidents; 0 = none, empty = unknown",
	"minor_incidents": "Minor discipline incidents; 0 = none, empty = unknown",
	"failing_math": "Y or N (also yes/no, 1/0, true/false); empty = unknown",
	"failing_ela": "Y or N (also yes/no, 1/0, true/false); empty = unknown",
	"gpa": "0 to 5; empty = unknown",
	"failed_courses": "Failed semester courses; 0 = none, empty = unknown",
}

YEAR_END_HELP = {
	"district_student_id": "# The district's student id (or leave empty and fill State Student ID)",
	"state_student_id": "Used when District Student ID is empty",
	"school_year": "2025-2026, 2025-26 or 2026 (the year it ends)",
	"status": "One of " + ", ".join(STATUSES) + " (common SIS spellings such as Grad or Dropout work)",
	"grade_level": "Grade at year end: "
	+ ", ".join(GRADE_LEVELS)
	+ "; empty = the grade already recorded, else the student's grade now (fill it in once students moved up)",
}


def template_csv(help_by_column: dict[str, str]) -> str:
	"""A template: the header and a help row (a ``#`` comment row, which the reader skips)."""
	buffer = io.StringIO()
	writer = csv.writer(buffer, lineterminator="\r\n")
	writer.writerow([_template_label(name) for name in help_by_column])
	writer.writerow(list(help_by_column.values()))
	return buffer.getvalue()


def abc_template_csv() -> str:
	return template_csv(ABC_HELP)


def year_end_template_csv() -> str:
	return template_csv(YEAR_END_HELP)
