"""How big a district file may be: the bounds the roster and ABC imports read within.

A district file is read as a stream, never whole; these bounds stop a file that is small on the wire
and huge once unpacked (a zip of millions of empty lines) before it costs the worker its memory or
an afternoon. Each bound is per file (a zip member, or an ABC / year-end CSV): its uncompressed size
in bytes and its number of lines. The manifest of a OneRoster zip is a few lines of properties and
gets bounds of its own.

The largest real roster these bounds allow: a district of 300,000 students in eight classes each
has 2.4 million enrolment lines of about 150 bytes (360 MB).
"""

from __future__ import annotations

import io
from typing import BinaryIO

MAX_FILE_BYTES = 512 * 1024 * 1024  # uncompressed, per file
MAX_FILE_LINES = 3_000_000  # per file, the header and blank lines included
MAX_MANIFEST_BYTES = 64 * 1024
MAX_MANIFEST_LINES = 1_000

# problem codes (the Frappe layer words them)
TOO_LARGE = "too_large"
TOO_MANY_LINES = "too_many_lines"


class FileTooLarge(Exception):
	"""A file past one of the bounds: ``code`` (TOO_LARGE or TOO_MANY_LINES), ``file`` and ``limit``."""

	def __init__(self, code: str, file: str, limit: int):
		self.code = code
		self.file = file
		self.limit = limit
		what = "bytes uncompressed" if code == TOO_LARGE else "lines"
		super().__init__(f"{file} is larger than this import reads (more than {limit:,} {what})")


def check_size(size: int, file: str, limit: int = MAX_FILE_BYTES) -> None:
	"""Refuse a file whose size (a zip member's declared uncompressed size, or a file's) is past
	``limit``: nothing of it needs reading."""
	if size > limit:
		raise FileTooLarge(TOO_LARGE, file, limit)


def check_lines(line: int, file: str, limit: int = MAX_FILE_LINES) -> None:
	"""Refuse a file once the line being read is past ``limit``."""
	if line > limit:
		raise FileTooLarge(TOO_MANY_LINES, file, limit)


class BoundedReader(io.RawIOBase):
	"""A binary stream that raises FileTooLarge once more than ``limit`` bytes were read from it (a
	zip member's declared size may be small while the stream behind it is not)."""

	def __init__(self, raw: BinaryIO, file: str, limit: int = MAX_FILE_BYTES):
		self.raw = raw
		self.file = file
		self.limit = limit
		self.read_bytes = 0

	def readable(self) -> bool:
		return True

	def readinto(self, buffer) -> int:
		data = self.raw.read(len(buffer))
		self.read_bytes += len(data)
		check_size(self.read_bytes, self.file, self.limit)
		buffer[: len(data)] = data
		return len(data)

	def close(self) -> None:
		self.raw.close()
		super().close()
