"""Reading a OneRoster 1.1 / 1.2 CSV package (a zip): manifest, headers, encodings, streamed rows.

Everything that makes a file unusable (no manifest, another version, a file the manifest calls bulk or
delta that is missing, a wrong header, an unreadable encoding) raises ``OneRosterError`` from
``open_package`` before a single data row is read, so the Frappe layer writes nothing. Problems of one
row (wrong number of cells) are ``RowError`` values: the row is skipped, the run goes on.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from ..file_limits import (
	MAX_FILE_BYTES,
	MAX_FILE_LINES,
	MAX_MANIFEST_BYTES,
	MAX_MANIFEST_LINES,
	FileTooLarge,
	check_lines,
	check_size,
)

SUPPORTED_VERSIONS = ("1.1", "1.2")
MODES = ("bulk", "delta", "absent")

# The files the roster import reads, in load order (orgs before users, users before enrolments).
ROSTER_FILES = ("orgs", "academicSessions", "classes", "users", "roles", "enrollments", "demographics")

_COMMON = ("sourcedId", "status", "dateLastModified")

# Columns the import needs in the header (case-sensitive, as the specification spells them). Other
# columns of the specification, and ``metadata.*`` extensions, are allowed and ignored.
REQUIRED_COLUMNS: dict[str, dict[str, tuple[str, ...]]] = {
	"1.1": {
		"orgs": (*_COMMON, "name", "type", "identifier", "parentSourcedId"),
		"academicSessions": (*_COMMON, "title", "type", "startDate", "endDate", "schoolYear"),
		"classes": (*_COMMON, "schoolSourcedId"),
		"users": (
			*_COMMON,
			"enabledUser",
			"orgSourcedIds",
			"role",
			"username",
			"givenName",
			"familyName",
			"identifier",
			"agentSourcedIds",
			"grades",
		),
		"enrollments": (*_COMMON, "classSourcedId", "schoolSourcedId", "userSourcedId", "role"),
		"demographics": (*_COMMON, "birthDate", "sex"),
	},
	"1.2": {
		"orgs": (*_COMMON, "name", "type", "identifier", "parentSourcedId"),
		"academicSessions": (*_COMMON, "title", "type", "startDate", "endDate", "schoolYear"),
		"classes": (*_COMMON, "schoolSourcedId"),
		"users": (
			*_COMMON,
			"enabledUser",
			"username",
			"givenName",
			"familyName",
			"identifier",
			"agentSourcedIds",
			"grades",
		),
		"roles": (*_COMMON, "userSourcedId", "roleType", "role", "orgSourcedId"),
		"enrollments": (*_COMMON, "classSourcedId", "schoolSourcedId", "userSourcedId", "role"),
		"demographics": (*_COMMON, "birthDate", "sex"),
	},
}


class OneRosterError(Exception):
	"""A package the import cannot read at all. ``code`` is stable for tests and the Frappe layer;
	``limit`` is the bound a file went past (codes ``too_large`` and ``too_many_lines``)."""

	def __init__(
		self, code: str, message: str, file: str | None = None, line: int | None = None, limit: int = 0
	):
		self.code = code
		self.message = message
		self.file = file
		self.line = line
		self.limit = limit
		where = f" ({file}" + (f", line {line}" if line else "") + ")" if file else ""
		super().__init__(f"{message}{where}")


@dataclass(frozen=True)
class RowError:
	"""One bad row, as the Roster Import's row log shows it (file, line, sourcedId, field, message)."""

	file: str
	line: int | None
	sourced_id: str
	field: str
	message: str
	code: str = "invalid"

	def as_dict(self) -> dict:
		return {
			"file": self.file,
			"line": self.line,
			"sourced_id": self.sourced_id,
			"field": self.field,
			"message": self.message,
			"code": self.code,
		}


@dataclass
class Manifest:
	version: str  # "1.1" or "1.2"
	modes: dict[str, str]  # file name without .csv -> bulk / delta / absent
	source_system: str = ""

	def mode(self, name: str) -> str:
		return self.modes.get(name, "absent")


@dataclass
class RosterPackage:
	"""An opened, checked package. Rows are read lazily with ``rows(name)``, one file at a time."""

	zip_file: zipfile.ZipFile
	manifest: Manifest
	headers: dict[str, list[str]] = field(default_factory=dict)
	encodings: dict[str, str] = field(default_factory=dict)
	warnings: list[str] = field(default_factory=list)
	max_lines: int = MAX_FILE_LINES

	@property
	def version(self) -> str:
		return self.manifest.version

	def mode(self, name: str) -> str:
		"""bulk / delta, or absent for a file the import will not read."""
		return self.manifest.mode(name) if name in self.headers else "absent"

	def has(self, name: str) -> bool:
		return name in self.headers

	def rows(self, name: str, errors: list[RowError]) -> Iterator[tuple[int, dict[str, str]]]:
		"""Yield ``(line, row)`` for each data row of ``name`` as a dict by column (see ``raw_rows``)."""
		header = self.headers.get(name)
		for line, cells in self.raw_rows(name, errors):
			yield line, dict(zip(header, cells, strict=True))

	def raw_rows(self, name: str, errors: list[RowError]) -> Iterator[tuple[int, list[str]]]:
		"""Yield ``(line, row)`` for each data row of ``name``; a row whose cell count differs from the
		header is appended to ``errors`` and skipped. ``line`` is the file line where the row starts."""
		if name not in self.headers:
			return
		header = self.headers[name]
		file_name = f"{name}.csv"
		with self._text(name) as text:
			reader = csv.reader(text)
			try:
				next(reader)  # the header, checked by open_package
				line = reader.line_num + 1
				for cells in reader:
					start, line = line, reader.line_num + 1
					check_lines(reader.line_num, file_name, self.max_lines)
					if not cells:
						continue  # blank line
					if len(cells) != len(header):
						errors.append(
							RowError(
								file_name,
								start,
								cells[0].strip() if cells else "",
								"",
								f"the row has {len(cells)} cells, the header has {len(header)}",
								"cell_count",
							)
						)
						continue
					yield start, cells
			except UnicodeDecodeError as exc:
				raise OneRosterError(
					"bad_encoding",
					f"the file is neither UTF-8 nor Windows-1252 ({exc.reason})",
					file_name,
					reader.line_num + 1,
				)
			except csv.Error as exc:
				raise OneRosterError(
					"bad_csv", f"the file is not valid CSV: {exc}", file_name, reader.line_num
				)
			except (zipfile.BadZipFile, EOFError) as exc:
				raise OneRosterError("bad_zip", f"the zip is damaged: {exc}", file_name, reader.line_num)
			except FileTooLarge as exc:
				raise too_large(exc) from None

	def _text(self, name: str) -> io.TextIOWrapper:
		return io.TextIOWrapper(
			self.zip_file.open(f"{name}.csv"), encoding=self.encodings[name], newline="", errors="strict"
		)


def detect_encoding(raw: BinaryIO, chunk_size: int = 1 << 20) -> str:
	"""``utf-8-sig`` (BOM), ``utf-16`` (BOM), ``utf-8`` if every byte decodes as UTF-8, else ``cp1252``.

	Reads the stream once in chunks (a 40 MB file is never held whole). Windows-1252 is what Excel
	writes on US Windows; a file that is valid UTF-8 is almost never meant as Windows-1252.
	"""
	head = raw.read(4)
	if head.startswith(codecs.BOM_UTF8):
		return "utf-8-sig"
	if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
		return "utf-16"
	decoder = codecs.getincrementaldecoder("utf-8")()
	try:
		decoder.decode(head)
		while chunk := raw.read(chunk_size):
			decoder.decode(chunk)
		decoder.decode(b"", final=True)
	except UnicodeDecodeError:
		return "cp1252"
	return "utf-8"


def _as_zip(source: str | Path | bytes | BinaryIO) -> zipfile.ZipFile:
	if isinstance(source, bytes):
		source = io.BytesIO(source)
	try:
		return zipfile.ZipFile(source)
	except (zipfile.BadZipFile, OSError) as exc:
		raise OneRosterError("not_a_zip", f"the file is not a zip archive: {exc}")


def too_large(exc: FileTooLarge) -> OneRosterError:
	"""A file past a bound of ``core.file_limits``, as the error the import reports."""
	return OneRosterError(exc.code, str(exc), exc.file, limit=exc.limit)


def read_manifest(zip_file: zipfile.ZipFile) -> Manifest:
	"""Parse ``manifest.csv`` (propertyName,value). Raises OneRosterError if missing or of another version."""
	names = set(zip_file.namelist())
	if "manifest.csv" not in names:
		nested = sorted(n for n in names if n.endswith("/manifest.csv"))
		hint = f"; found {nested[0]}: zip the files themselves, not their folder" if nested else ""
		raise OneRosterError("missing_manifest", f"manifest.csv is missing at the root of the zip{hint}")
	try:
		check_size(zip_file.getinfo("manifest.csv").file_size, "manifest.csv", MAX_MANIFEST_BYTES)
		with zip_file.open("manifest.csv") as raw:
			encoding = detect_encoding(raw)
		rows = []
		with io.TextIOWrapper(zip_file.open("manifest.csv"), encoding=encoding, newline="") as text:
			reader = csv.reader(text)
			for row in reader:
				check_lines(reader.line_num, "manifest.csv", MAX_MANIFEST_LINES)
				if row:
					rows.append(row)
	except FileTooLarge as exc:
		raise too_large(exc) from None
	if not rows or [cell.strip() for cell in rows[0][:2]] != ["propertyName", "value"]:
		raise OneRosterError("bad_header", "the header must be propertyName,value", "manifest.csv", 1)
	properties: dict[str, str] = {}
	for line, row in enumerate(rows[1:], start=2):
		if len(row) != 2:
			raise OneRosterError(
				"bad_manifest",
				f"expected 2 cells (propertyName,value), found {len(row)}",
				"manifest.csv",
				line,
			)
		properties[row[0].strip()] = row[1].strip()
	version = properties.get("oneroster.version", "")
	# 1.2.1 is a revision of 1.2 with the same files.
	major_minor = ".".join(version.split(".")[:2])
	if major_minor not in SUPPORTED_VERSIONS:
		raise OneRosterError(
			"manifest_version",
			f"oneroster.version is {version or 'missing'}; this import reads OneRoster 1.1 and 1.2",
			"manifest.csv",
		)
	modes: dict[str, str] = {}
	for key, value in properties.items():
		if not key.startswith("file."):
			continue
		if value not in MODES:
			raise OneRosterError(
				"bad_manifest", f"{key} is {value!r}: expected bulk, delta or absent", "manifest.csv"
			)
		modes[key[len("file.") :]] = value
	return Manifest(major_minor, modes, properties.get("source.systemName", ""))


def _check_header(name: str, header: list[str], version: str) -> None:
	file_name = f"{name}.csv"
	required = REQUIRED_COLUMNS[version][name]
	if not header or not any(cell.strip() for cell in header):
		raise OneRosterError("bad_header", "the header row is missing (the file is empty)", file_name, 1)
	if "sourcedId" not in header and "sourcedid" not in (cell.strip().lower() for cell in header):
		found = ",".join(header[:4])
		raise OneRosterError(
			"bad_header",
			f"the header row is missing: the first row ({found}...) must name the columns, starting with sourcedId",
			file_name,
			1,
		)
	by_folded = {column.strip().lower(): column for column in header}
	for column in required:
		if column in header:
			continue
		found = by_folded.get(column.lower())
		hint = f" (found {found!r}: column names are case-sensitive)" if found else ""
		raise OneRosterError("bad_header", f"required column {column!r} is missing{hint}", file_name, 1)
	seen: set[str] = set()
	for column in header:
		if column in seen:
			raise OneRosterError("bad_header", f"column {column!r} appears twice in the header", file_name, 1)
		seen.add(column)


def open_package(
	source: str | Path | bytes | BinaryIO, max_bytes: int = MAX_FILE_BYTES, max_lines: int = MAX_FILE_LINES
) -> RosterPackage:
	"""Open and check a OneRoster CSV zip: manifest, required files, encodings and headers.

	Raises OneRosterError (codes: not_a_zip, missing_manifest, bad_manifest, manifest_version,
	missing_file, bad_header, bad_encoding, too_large) before any data row is read; a file found
	longer than ``max_lines`` while its rows are read raises too_many_lines (``core.file_limits``).
	"""
	zip_file = _as_zip(source)
	manifest = read_manifest(zip_file)
	names = set(zip_file.namelist())
	package = RosterPackage(zip_file, manifest, max_lines=max_lines)
	for name in ROSTER_FILES:
		if name not in REQUIRED_COLUMNS[manifest.version]:
			continue
		mode = manifest.mode(name)
		present = f"{name}.csv" in names
		if mode == "absent":
			if present:
				package.warnings.append(
					f"{name}.csv is in the zip but the manifest calls it absent: not read"
				)
			continue
		if not present:
			raise OneRosterError(
				"missing_file", f"the manifest calls {name}.csv {mode} but it is missing", f"{name}.csv"
			)
		try:
			check_size(zip_file.getinfo(f"{name}.csv").file_size, f"{name}.csv", max_bytes)
		except FileTooLarge as exc:
			raise too_large(exc) from None
		try:
			with zip_file.open(f"{name}.csv") as raw:
				package.encodings[name] = detect_encoding(raw)
		except (zipfile.BadZipFile, EOFError) as exc:
			raise OneRosterError("bad_zip", f"the zip is damaged: {exc}", f"{name}.csv")
		try:
			with package._text(name) as text:
				header = next(csv.reader(text), [])
		except UnicodeDecodeError as exc:
			raise OneRosterError(
				"bad_encoding", f"the header cannot be decoded ({exc.reason})", f"{name}.csv", 1
			)
		_check_header(name, header, manifest.version)
		package.headers[name] = header
	if manifest.version == "1.2" and package.has("users") and not package.has("roles"):
		raise OneRosterError(
			"missing_file", "OneRoster 1.2 users need roles.csv to tell students from staff", "roles.csv"
		)
	return package
