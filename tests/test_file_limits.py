"""The bounds district files are read within (``core.file_limits``): a zip small on the wire whose
manifest or data file unpacks to millions of lines is refused quickly, with little memory, and so is
an ABC or year-end file past the bounds."""

import io
import resource
import time
import zipfile

import pytest

from cis_app.core import file_limits
from cis_app.core.abc_import import DistrictFileError, parse_abc_file, parse_year_end_file, read_csv_rows
from cis_app.core.oneroster import OneRosterError, open_package
from cis_app.core.oneroster.stream import ExistingStudents, RosterStream

from .test_oneroster import DISTRICT, SITES, YEARS, make_zip, roster_files

MANIFEST = "propertyName,value\r\nmanifest.version,1.0\r\noneroster.version,1.1\r\n"


def deflated(members: dict[str, bytes]) -> bytes:
	buffer = io.BytesIO()
	with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
		for name, content in members.items():
			archive.writestr(name, content)
	return buffer.getvalue()


def peak_memory_mb() -> float:
	return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def test_the_bounds_are_plain_numbers_a_real_roster_stays_under():
	# a district of 300,000 students in eight classes: 2.4 million enrolment lines of ~150 bytes
	assert file_limits.MAX_FILE_LINES > 300_000 * 8
	assert file_limits.MAX_FILE_BYTES > 300_000 * 8 * 150
	assert file_limits.MAX_MANIFEST_LINES < 10_000
	assert file_limits.MAX_MANIFEST_BYTES <= 1024 * 1024


def test_a_small_zip_whose_manifest_holds_five_million_lines_is_refused_quickly():
	content = deflated({"manifest.csv": MANIFEST.encode() + b"\n" * 5_000_000})
	assert len(content) < 30_000  # small on the wire
	before, started = peak_memory_mb(), time.perf_counter()
	with pytest.raises(OneRosterError) as caught:
		open_package(content)
	assert time.perf_counter() - started < 1
	assert peak_memory_mb() - before < 20
	assert caught.value.code == file_limits.TOO_LARGE
	assert caught.value.file == "manifest.csv"
	assert caught.value.limit == file_limits.MAX_MANIFEST_BYTES


def test_a_manifest_within_the_size_but_past_the_lines_is_refused():
	lines = MANIFEST + "\r\n" * (file_limits.MAX_MANIFEST_LINES + 5)
	with pytest.raises(OneRosterError) as caught:
		open_package(make_zip(roster_files(), manifest=lines))
	assert (caught.value.code, caught.value.limit) == (
		file_limits.TOO_MANY_LINES,
		file_limits.MAX_MANIFEST_LINES,
	)


def test_a_member_whose_declared_size_is_past_the_bound_is_refused_before_a_row_is_read():
	files = roster_files()
	with pytest.raises(OneRosterError) as caught:
		open_package(make_zip(files), max_bytes=len(files["users"]) - 1)
	assert (caught.value.code, caught.value.file) == (file_limits.TOO_LARGE, "users.csv")
	open_package(make_zip(files), max_bytes=max(len(text) for text in files.values()))  # at the bound: read


def test_a_data_file_past_the_line_bound_stops_the_read_with_its_name():
	files = roster_files()
	files["users"] += "\r\n" * 50
	package = open_package(make_zip(files), max_lines=40)
	stream = RosterStream(
		package, district=DISTRICT, sites=SITES, school_years=YEARS, existing=ExistingStudents()
	)
	with stream, pytest.raises(OneRosterError) as caught:
		stream.read()
	assert (caught.value.code, caught.value.file, caught.value.limit) == (
		file_limits.TOO_MANY_LINES,
		"users.csv",
		40,
	)


ABC = "Student ID,As Of Date,Days Enrolled,Days Absent\r\nS1,2025-10-01,40,2\r\n"


def test_an_abc_file_past_the_line_bound_is_a_file_error():
	content = (ABC + "\r\n" * 100).encode()
	with pytest.raises(DistrictFileError) as caught:
		parse_abc_file(content, max_lines=50)
	assert (caught.value.code, caught.value.limit) == (file_limits.TOO_MANY_LINES, 50)
	assert len(parse_abc_file(content).rows) == 1  # within the default bounds: read


def test_an_abc_or_year_end_file_past_the_size_bound_is_refused_before_it_is_read(tmp_path):
	path = tmp_path / "abc.csv"
	path.write_bytes(ABC.encode())
	with pytest.raises(DistrictFileError) as caught:
		read_csv_rows(path, max_bytes=10)
	assert (caught.value.code, caught.value.limit) == (file_limits.TOO_LARGE, 10)
	with pytest.raises(DistrictFileError) as caught:
		parse_year_end_file(
			io.BytesIO(b"Student ID,School Year,Status\r\n" + b"S1,2025-2026,Promoted\r\n" * 10), max_bytes=64
		)
	assert caught.value.code == file_limits.TOO_LARGE


def test_an_abc_file_is_read_from_its_path_as_a_stream(tmp_path):
	path = tmp_path / "abc.csv"
	path.write_bytes(ABC.encode() + b"\r\n" * 200_000)
	before = peak_memory_mb()
	assert len(parse_abc_file(path).rows) == 1
	assert peak_memory_mb() - before < 20
