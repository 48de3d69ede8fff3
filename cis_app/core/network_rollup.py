"""The Outcome Export format and the network roll-up.

An affiliate exports the suppressed outcome figures of a school year (per site and for the affiliate);
the national office imports the files of several affiliates and rolls them up. This module is the whole
contract: it writes the format (JSON and CSV), validates a file (refusing it with the reasons) and
combines validated files into per-affiliate and network rows, suppressing again at network level.

**The format** (``FORMAT`` "cis-outcome-export", ``VERSION`` 1). JSON, abridged (docs/evaluator.md has a full
example):

    {"format": "cis-outcome-export", "version": 1,
     "affiliate": {"id": "CIS of Travis County", "name": "CIS of Travis County"},
     "school_year": "2024-2025", "generated_at": "2025-08-15T14:03:00+00:00",
     "small_cell_threshold": 10,
     "rows": [{"level": "affiliate", "site": null, "metric": "cohort", "numerator": 412,
               "denominator": null, "percent": null, "target": null, "suppressed": 0}, ...]}

The CSV holds the same rows, one a line, under the header ``CSV_FIELDS``: the file-level fields
(``format`` ... ``small_cell_threshold``, the affiliate as ``affiliate_id`` / ``affiliate_name``) are
repeated on every line, so each line stands alone; an empty value is null. Rows: ``level``
("affiliate" or "site"), ``site`` (the site's name; null at affiliate level), ``metric`` (the stable
keys of ``core.outcomes.METRICS``), ``numerator``, ``denominator`` (null for a count), ``percent``
(one decimal, half up; null for a count), ``target`` (the affiliate's target for a rate, or null) and
``suppressed`` (0/1). A suppressed cell carries null numerator, denominator and percent, never a
number. In the CSV, a text cell a spreadsheet would run as a formula (starting with = + - @, a tab or
a carriage return) is written with a leading apostrophe, which the reader removes. Every metric appears once at affiliate level and once for each site. No other field is
allowed anywhere: the format has no place for student-level data, and a file with an unknown field is
refused.

**Validation** (``validate_export``) refuses, with every reason found (``ExportProblem``): a file that
is neither JSON nor CSV of this format, another format or version, a missing, unknown or ill-typed
field, a duplicate or missing row, a suppressed cell that carries a number, an inconsistent cell
(numerator above denominator, a percent that is not 100 x numerator / denominator, sites that add up
to more than the affiliate), a threshold below the importing site's minimum, and every **unsuppressed
small cell** at the file's own threshold (``core.suppression`` rules 1 and 2: a count below it, 0
included; a rate whose numerator, denominator or complement is below it), and every suppressed cell
that can be **recomputed by subtraction** (``leaks``): the affiliate's total shown with exactly one
site suppressed, or with suppressed sites adding up to less than the threshold; within a group, the
cohort shown with one of year-end status missing, unknown outcome and the denominator of remained in
school suppressed (or those suppressed adding up to less than the threshold), or the cohort
suppressed while those three are shown (their sum gives it back).

A file larger than ``MAX_FILE_BYTES`` or JSON nested deeper than ``MAX_JSON_DEPTH`` is refused before it
is parsed (``read_export``, which also says on which line each row and field is). Then ``check_names``
refuses, each with its line, every name the importing site does not know: the affiliate (one the
importer may import for, named as it is there), a site that is not one of that affiliate's sites there,
and the school year. Free text has no place in the format.

**The roll-up** (``network_rollup``), per school year and metric:

- *Per affiliate*: the affiliate-level row of its file, suppressed again at the network threshold
  when that is higher than the file's (rules 1 and 2), and the cohort's linked cells protected again.
- *Network total*: the sum of the affiliates' cells that are **known** (not suppressed), with the
  number of affiliates it covers (``affiliates_counted`` of ``affiliates_total``). A suppressed cell
  from a file is unknown and is never estimated: the total leaves it out instead of being suppressed
  itself. This is safe because the total is a sum of figures already published (it cannot be used to
  recompute a hidden cell: the hidden cell is not in it), and it keeps the network's figures when a
  few small affiliates have suppressed cells; the coverage column says which total is complete. A rate
  adds the numerators and the denominators of the same affiliates (those whose rate is known). The
  total is then suppressed again by rules 1 and 2 at the network threshold, and suppressed when no
  affiliate's cell is known.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from .outcomes import (
	COHORT,
	COUNT_METRICS,
	METRICS,
	REMAINED_IN_SCHOOL,
	STATUS_MISSING,
	UNKNOWN_OUTCOME_METRIC,
	percent,
)
from .spreadsheet import escape_for_export, unescape_cell
from .suppression import cell_size, count_suppressed, rate_suppressed, smallest

FORMAT = "cis-outcome-export"
VERSION = 1
AFFILIATE = "affiliate"
SITE = "site"
LEVELS = (AFFILIATE, SITE)
FILE_FIELDS = (
	"format",
	"version",
	"affiliate",
	"school_year",
	"generated_at",
	"small_cell_threshold",
	"rows",
)
AFFILIATE_FIELDS = ("id", "name")
ROW_FIELDS = ("level", "site", "metric", "numerator", "denominator", "percent", "target", "suppressed")
CSV_FILE_FIELDS = (
	"format",
	"version",
	"affiliate_id",
	"affiliate_name",
	"school_year",
	"generated_at",
	"small_cell_threshold",
)
CSV_FIELDS = CSV_FILE_FIELDS + ROW_FIELDS
# cohort = status missing + unknown outcome + the denominator of remained in school (core.outcomes)
LINK_TOTAL = COHORT
LINK_PARTS = (STATUS_MISSING, UNKNOWN_OUTCOME_METRIC, REMAINED_IN_SCHOOL)
MAX_TEXT = 140
MAX_ROWS = 100_000
MAX_FILE_BYTES = 10 * 1024 * 1024  # an export of 1,000 sites is under 1 MB
MAX_JSON_DEPTH = 4  # the file's object, its rows, a row (3), and one more for a clear message on a bad value

# What each problem says (the Frappe layer translates the same templates by code).
MESSAGES = {
	"unreadable": "The file cannot be read as an Outcome Export in JSON or CSV: {detail}.",
	"wrong_format": 'This is not an Outcome Export: its format is {found}, not "cis-outcome-export".',
	"wrong_version": "Outcome Export version {found} is not supported: this site reads version {expected}.",
	"missing_field": "{where}: field {field} is missing.",
	"unknown_field": "{where}: field {field} is not part of the Outcome Export format.",
	"bad_value": "{where}: {field} cannot be {value}.",
	"csv_mixed_files": "{where}: {field} differs from the first line; a CSV file holds one export.",
	"no_rows": "The file holds no rows.",
	"too_many_rows": "The file holds more than {limit} rows.",
	"duplicate_row": "{where}: this metric appears twice.",
	"missing_row": "{where}: the row is missing (every metric appears once for the affiliate and each site).",
	"suppressed_with_value": "{where}: the cell is suppressed but carries a number; a suppressed cell is empty.",
	"numerator_above_denominator": "{where}: the numerator is above the denominator.",
	"wrong_percent": "{where}: the percent {found} is not 100 x numerator / denominator ({expected}).",
	"sites_exceed_affiliate": "{where}: the sites add up to more than the affiliate.",
	"threshold_too_low": "The file was exported with a small-cell threshold of {found}; this site needs at least {minimum}.",
	"small_cell": "{where}: {value} is below the small-cell threshold {threshold} but is not suppressed.",
	"recoverable": "{where}: a suppressed cell can be recomputed by subtraction ({detail}).",
	"too_large": "The file is larger than {limit} MB; an Outcome Export is much smaller.",
	"too_deep": "The JSON is nested more than {limit} levels deep; an Outcome Export is not.",
	"unknown_affiliate": "{where}: {value} is not an affiliate of this site that you may import for.",
	"wrong_affiliate_name": "{where}: the affiliate's name {value} is not its name on this site, {expected}.",
	"unknown_site": "{where}: {value} is not a site of {affiliate} on this site.",
	"unknown_school_year": "{where}: {value} is not a School Year of this site.",
}


@dataclass(frozen=True)
class ExportProblem:
	"""One reason to refuse a file: ``code`` (a key of ``MESSAGES``) and its parameters."""

	code: str
	params: dict = field(default_factory=dict)

	@property
	def message(self) -> str:
		return MESSAGES[self.code].format(**self.params)


class ExportError(ValueError):
	"""A file refused, with every reason found (``problems``)."""

	def __init__(self, problems: list[ExportProblem]):
		self.problems = problems
		super().__init__("; ".join(problem.message for problem in problems))


# ---------------------------------------------------------------- writing


def _plain(value):
	"""A JSON-safe plain value (numpy scalars unwrapped, NaN as None)."""
	if value is None or (isinstance(value, float) and math.isnan(value)):
		return None
	return value.item() if hasattr(value, "item") else value


def _int_or_none(value):
	value = _plain(value)
	return None if value is None else int(value)


def export_rows(metrics, targets: dict[str, float] | None = None) -> list[dict]:
	"""The rows of an export from ``core.outcomes.suppress_outcomes(outcome_metrics(..., group_by="site"))``
	(any frame or list of dicts with metric, group, is_total, numerator, denominator, percent,
	suppressed): the totals become the affiliate's rows, the groups the sites'. Affiliate rows first,
	then each site in name order; metrics in ``METRICS`` order."""
	records = metrics.to_dict("records") if hasattr(metrics, "to_dict") else list(metrics)
	targets = targets or {}
	order = {metric: position for position, metric in enumerate(METRICS)}
	rows = []
	for record in records:
		suppressed = int(_plain(record.get("suppressed")) or 0)
		metric = record["metric"]
		is_total = bool(_plain(record["is_total"]))
		target = None if metric in COUNT_METRICS else _plain(targets.get(metric))
		rows.append(
			{
				"level": AFFILIATE if is_total else SITE,
				"site": None if is_total else str(_plain(record["group"]) or ""),
				"metric": metric,
				"numerator": None if suppressed else _int_or_none(record["numerator"]),
				"denominator": None
				if suppressed or metric in COUNT_METRICS
				else _int_or_none(record["denominator"]),
				"percent": None if suppressed else _plain(record.get("percent")),
				"target": None if target is None else float(target),
				"suppressed": suppressed,
			}
		)
	rows.sort(key=lambda row: (row["level"] != AFFILIATE, row["site"] or "", order[row["metric"]]))
	return rows


def build_export(
	affiliate_id: str,
	affiliate_name: str,
	school_year: str,
	generated_at: datetime | str,
	threshold: int,
	metrics,
	targets: dict[str, float] | None = None,
) -> dict:
	"""An Outcome Export (a dict in the JSON layout) from suppressed, site-grouped outcome metrics.

	The cells ``leaks`` finds recomputable (which ``core.suppression`` does not cover: a cohort
	suppressed while its three parts are shown) are suppressed too (``protect``), and the result is
	validated: a file this function returns is one ``validate_export`` accepts."""
	if isinstance(generated_at, datetime):
		generated_at = generated_at.isoformat(timespec="seconds")
	export = {
		"format": FORMAT,
		"version": VERSION,
		"affiliate": {"id": affiliate_id, "name": affiliate_name},
		"school_year": school_year,
		"generated_at": generated_at,
		"small_cell_threshold": threshold,
		"rows": protect(export_rows(metrics, targets), threshold),
	}
	validate_export(export)
	return export


def to_json(export: dict) -> str:
	return json.dumps(export, indent=1, ensure_ascii=False) + "\n"


def _csv_text(value) -> str:
	"""A cell of the CSV: empty for null; text a spreadsheet would run as a formula gets a leading
	apostrophe (``core.spreadsheet``), which the reader removes."""
	return "" if value is None else str(escape_for_export(value) if isinstance(value, str) else value)


def to_csv(export: dict) -> str:
	"""The rows of ``export`` as CSV under ``CSV_FIELDS`` (file-level fields repeated on each line)."""
	buffer = io.StringIO()
	writer = csv.writer(buffer, lineterminator="\n")
	writer.writerow(CSV_FIELDS)
	head = [
		export["format"],
		export["version"],
		export["affiliate"]["id"],
		export["affiliate"]["name"],
		export["school_year"],
		export["generated_at"],
		export["small_cell_threshold"],
	]
	for row in export["rows"]:
		writer.writerow([_csv_text(value) for value in head + [row[name] for name in ROW_FIELDS]])
	return buffer.getvalue()


# ---------------------------------------------------------------- reading


@dataclass
class Lines:
	"""Where a file's parts are: ``rows`` the line of each row (in order), ``fields`` the line of each
	file-level field (JSON) or of the first data line (CSV, where every line repeats them)."""

	rows: list[int] = field(default_factory=list)
	fields: dict[str, int] = field(default_factory=dict)

	def row(self, position: int) -> int | None:
		return self.rows[position - 1] if 0 < position <= len(self.rows) else None


def parse_export(content: bytes | str) -> dict:
	"""The export a file holds, JSON or CSV (told apart by the first character), as a dict in the JSON
	layout; not validated yet (``validate_export``). Raises ExportError when it cannot be read."""
	return read_export(content)[0]


def read_export(content: bytes | str) -> tuple[dict, Lines]:
	"""``parse_export``, and the line of each row and file-level field (``Lines``). A file larger than
	``MAX_FILE_BYTES`` or JSON nested deeper than ``MAX_JSON_DEPTH`` is refused before it is parsed."""
	if len(content) > MAX_FILE_BYTES:
		raise ExportError([ExportProblem("too_large", {"limit": MAX_FILE_BYTES // (1024 * 1024)})])
	if isinstance(content, bytes):
		try:
			content = content.decode("utf-8-sig")
		except UnicodeDecodeError:
			raise ExportError([ExportProblem("unreadable", {"detail": "it is not UTF-8 text"})]) from None
	text = content.lstrip("\ufeff").strip()
	if not text:
		raise ExportError([ExportProblem("unreadable", {"detail": "it is empty"})])
	if text[0] in "{[":
		lines = _json_lines(content.lstrip("\ufeff"))
		try:
			data = json.loads(text, parse_constant=_refuse_constant)
		except ValueError as error:
			raise ExportError([ExportProblem("unreadable", {"detail": f"invalid JSON ({error})"})]) from None
		except RecursionError:  # not reached after _json_lines; never a server error
			raise ExportError([ExportProblem("too_deep", {"limit": MAX_JSON_DEPTH})]) from None
		if not isinstance(data, dict):
			raise ExportError([ExportProblem("unreadable", {"detail": "the JSON is not an object"})])
		return data, lines
	unmarked = content.lstrip("\ufeff")
	return _parse_csv(text, unmarked[: len(unmarked) - len(unmarked.lstrip())].count("\n"))


_JSON_TOKEN = re.compile(r'"(?:[^"\\\n]|\\.)*"|[{}\[\]:,\n]|[^\s{}\[\]:,"]+')


def _json_lines(text: str) -> Lines:
	"""The lines of a JSON export's rows and top-level fields, read from its tokens; refuses a nesting
	deeper than ``MAX_JSON_DEPTH`` (Python's parser would raise RecursionError on a deep one)."""
	lines, line, stack = Lines(), 1, []
	key, expect_row, previous = None, False, None
	for match in _JSON_TOKEN.finditer(text):
		token = match.group()
		if token == "\n":
			line += 1
			continue
		in_rows = stack == ["{", "rows"]
		if in_rows and expect_row and token not in ",]":
			lines.rows.append(line)
			expect_row = False
		if token in "{[":
			if len(stack) >= MAX_JSON_DEPTH:
				raise ExportError([ExportProblem("too_deep", {"limit": MAX_JSON_DEPTH})])
			opens_rows = token == "[" and stack == ["{"] and key == "rows"
			stack.append("rows" if opens_rows else token)
			expect_row = opens_rows
		elif token in "}]":
			if stack:
				stack.pop()
		elif token == ",":
			expect_row = in_rows
		elif token == ":" and len(stack) == 1 and previous and previous.startswith('"'):
			key = previous[1:-1]
			lines.fields.setdefault(key, line)
		previous = token
	return lines


def _refuse_constant(name: str):
	raise ValueError(f"{name} is not a number")


def _parse_csv(text: str, skipped: int = 0) -> tuple[dict, Lines]:
	"""``skipped``: blank lines before ``text`` in the file (for the line numbers)."""
	starts = []  # the file line where each CSV record starts
	try:
		reader = csv.reader(io.StringIO(text))
		lines = []
		for values in reader:
			starts.append(skipped + reader.line_num - sum(value.count("\n") for value in values))
			lines.append(values)
	except csv.Error as error:
		raise ExportError([ExportProblem("unreadable", {"detail": f"invalid CSV ({error})"})]) from None
	header = [name.strip() for name in lines[0]]
	if header[:1] != ["format"] or "rows" in header:
		raise ExportError(
			[ExportProblem("unreadable", {"detail": "the first line is not the Outcome Export CSV header"})]
		)
	problems = [
		ExportProblem("unknown_field", {"where": "CSV header", "field": name})
		for name in header
		if name not in CSV_FIELDS
	]
	problems += [
		ExportProblem("missing_field", {"where": "CSV header", "field": name})
		for name in CSV_FIELDS
		if name not in header
	]
	if len(set(header)) != len(header):
		problems.append(ExportProblem("unreadable", {"detail": "a column appears twice in the header"}))
	if problems:
		raise ExportError(problems)
	records = []
	for number, values in zip(starts[1:], lines[1:], strict=True):
		if not any(value.strip() for value in values):
			continue
		values = [unescape_cell(value) for value in values]
		if len(values) != len(header):
			problems.append(
				ExportProblem(
					"unreadable",
					{"detail": f"line {number} has {len(values)} values, the header {len(header)}"},
				)
			)
			continue
		records.append((number, dict(zip(header, values, strict=True))))
	if problems:
		raise ExportError(problems)
	if not records:
		raise ExportError([ExportProblem("no_rows")])
	first = records[0][1]
	for number, record in records[1:]:
		for name in CSV_FILE_FIELDS:
			if record[name] != first[name]:
				problems.append(ExportProblem("csv_mixed_files", {"where": f"Line {number}", "field": name}))
	if problems:
		raise ExportError(problems)
	found = Lines(rows=[number for number, _record in records])
	found.fields = dict.fromkeys(FILE_FIELDS, records[0][0])
	return {
		"format": first["format"],
		"version": _csv_number(first["version"]),
		"affiliate": {"id": first["affiliate_id"], "name": first["affiliate_name"]},
		"school_year": first["school_year"],
		"generated_at": first["generated_at"],
		"small_cell_threshold": _csv_number(first["small_cell_threshold"]),
		"rows": [
			{
				"level": _csv_none(record["level"]),
				"site": _csv_none(record["site"]),
				"metric": _csv_none(record["metric"]),
				"numerator": _csv_number(record["numerator"]),
				"denominator": _csv_number(record["denominator"]),
				"percent": _csv_number(record["percent"]),
				"target": _csv_number(record["target"]),
				"suppressed": _csv_number(record["suppressed"]),
			}
			for _number, record in records
		],
	}, found


def _csv_none(value: str):
	value = value.strip()
	return value or None


def _csv_number(value: str):
	"""An int or a float from a CSV cell; None when empty; the text itself when it is not a number (the
	validator then names it)."""
	value = value.strip()
	if not value:
		return None
	try:
		return int(value)
	except ValueError:
		pass
	try:
		number = float(value)
	except ValueError:
		return value
	return number if math.isfinite(number) else value


# ---------------------------------------------------------------- validation


def _where(row: dict, position: int | None = None) -> str:
	level = row.get("level")
	place = f"site {row.get('site')}" if level == SITE else "affiliate"
	prefix = f"Row {position}" if position is not None else "Row"
	return f"{prefix} ({place}, {row.get('metric')})"


def _is_int(value) -> bool:
	return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value) -> bool:
	return (_is_int(value) or isinstance(value, float)) and math.isfinite(value)


def _text_ok(value) -> bool:
	return isinstance(value, str) and value.strip() != "" and len(value) <= MAX_TEXT


def _check_fields(data: dict, expected: Iterable[str], where: str, problems: list) -> None:
	expected = tuple(expected)
	problems += [
		ExportProblem("unknown_field", {"where": where, "field": name})
		for name in data
		if name not in expected
	]
	problems += [
		ExportProblem("missing_field", {"where": where, "field": name})
		for name in expected
		if name not in data
	]


def _bad(where: str, name: str, value) -> ExportProblem:
	return ExportProblem(
		"bad_value", {"where": where, "field": name, "value": json.dumps(value, default=str)}
	)


def _validate_header(data: dict, minimum_threshold: int | None, problems: list) -> int | None:
	"""The file-level fields; returns the file's threshold when it is usable."""
	where = "File"
	_check_fields(data, FILE_FIELDS, where, problems)
	affiliate = data.get("affiliate")
	if not isinstance(affiliate, dict):
		if "affiliate" in data:
			problems.append(_bad(where, "affiliate", affiliate))
	else:
		_check_fields(affiliate, AFFILIATE_FIELDS, "Affiliate", problems)
		for name in AFFILIATE_FIELDS:
			if name in affiliate and not _text_ok(affiliate[name]):
				problems.append(_bad("Affiliate", name, affiliate[name]))
	if "school_year" in data and not _text_ok(data["school_year"]):
		problems.append(_bad(where, "school_year", data["school_year"]))
	if "generated_at" in data and not _is_timestamp(data["generated_at"]):
		problems.append(_bad(where, "generated_at", data["generated_at"]))
	threshold = data.get("small_cell_threshold")
	if "small_cell_threshold" in data and (not _is_int(threshold) or threshold < 1):
		problems.append(_bad(where, "small_cell_threshold", threshold))
		return None
	if threshold is not None and minimum_threshold is not None and threshold < minimum_threshold:
		problems.append(
			ExportProblem("threshold_too_low", {"found": threshold, "minimum": minimum_threshold})
		)
	return threshold


def _is_timestamp(value) -> bool:
	if not isinstance(value, str) or not value:
		return False
	try:
		datetime.fromisoformat(value.replace("Z", "+00:00"))
	except ValueError:
		return False
	return True


def _validate_row(row, position: int, threshold: int | None, problems: list) -> bool:
	"""One row's fields, types and consistency, and rules 1 and 2 at the file's threshold; True when
	the row is well formed (usable by the cross-row checks)."""
	if not isinstance(row, dict):
		problems.append(_bad(f"Row {position}", "row", row))
		return False
	where = _where(row, position)
	before = len(problems)
	_check_fields(row, ROW_FIELDS, where, problems)
	if len(problems) > before:
		return False
	level, site, metric = row["level"], row["site"], row["metric"]
	if level not in LEVELS:
		problems.append(_bad(where, "level", level))
	if level == SITE and not _text_ok(site):
		problems.append(_bad(where, "site", site))
	if level == AFFILIATE and site not in (None, ""):
		problems.append(_bad(where, "site", site))
	if metric not in METRICS:
		problems.append(_bad(where, "metric", metric))
	if row["suppressed"] not in (0, 1) or isinstance(row["suppressed"], bool | float):
		problems.append(_bad(where, "suppressed", row["suppressed"]))
	target = row["target"]
	if target is not None and (not _is_number(target) or not 0 <= target <= 100 or metric in COUNT_METRICS):
		problems.append(_bad(where, "target", target))
	if len(problems) > before:
		return False
	numerator, denominator, shown_percent = row["numerator"], row["denominator"], row["percent"]
	if row["suppressed"]:
		if any(value is not None for value in (numerator, denominator, shown_percent)):
			problems.append(ExportProblem("suppressed_with_value", {"where": where}))
			return False
		return True
	for name in ("numerator",) if metric in COUNT_METRICS else ("numerator", "denominator"):
		if not _is_int(row[name]) or row[name] < 0:
			problems.append(_bad(where, name, row[name]))
	if metric in COUNT_METRICS:
		for name in ("denominator", "percent"):
			if row[name] is not None:
				problems.append(_bad(where, name, row[name]))
	elif shown_percent is not None and not _is_number(shown_percent):
		problems.append(_bad(where, "percent", shown_percent))
	if len(problems) > before:
		return False
	if metric not in COUNT_METRICS:
		if numerator > denominator:
			problems.append(ExportProblem("numerator_above_denominator", {"where": where}))
			return False
		expected = percent(numerator, denominator)
		if shown_percent != expected:
			problems.append(
				ExportProblem("wrong_percent", {"where": where, "found": shown_percent, "expected": expected})
			)
			return False
	if threshold is not None:
		problem = _small_cell(row, threshold)
		if problem:
			problems.append(
				ExportProblem("small_cell", {"where": where, "value": problem, "threshold": threshold})
			)
			return False
	return True


def _small_cell(row: dict, threshold: int) -> str | None:
	"""What is small in a shown cell (rules 1 and 2), or None."""
	numerator, denominator = row["numerator"], row["denominator"]
	if row["metric"] in COUNT_METRICS:
		return f"the count {numerator}" if count_suppressed(numerator, threshold) else None
	if not rate_suppressed(numerator, denominator, threshold):
		return None
	if numerator < threshold:
		return f"the numerator {numerator}"
	if denominator < threshold:
		return f"the denominator {denominator}"
	return f"the complement {denominator - numerator} (denominator minus numerator)"


def validate_export(data: dict, minimum_threshold: int | None = None) -> dict:
	"""``data`` (``parse_export``'s result) when it is a valid Outcome Export; raises ExportError with
	every problem found otherwise (the module's docstring lists them). ``minimum_threshold``: the
	importing site's small-cell threshold; a file exported with a lower one is refused."""
	if not isinstance(data, dict):
		raise ExportError([ExportProblem("unreadable", {"detail": "the JSON is not an object"})])
	if data.get("format") != FORMAT:
		raise ExportError([ExportProblem("wrong_format", {"found": json.dumps(data.get("format"))})])
	if data.get("version") != VERSION or isinstance(data.get("version"), bool):
		raise ExportError(
			[ExportProblem("wrong_version", {"found": json.dumps(data.get("version")), "expected": VERSION})]
		)
	problems: list[ExportProblem] = []
	threshold = _validate_header(data, minimum_threshold, problems)
	rows = data.get("rows")
	if not isinstance(rows, list):
		if "rows" in data:
			problems.append(_bad("File", "rows", "not a list"))
		raise ExportError(problems)
	if not rows:
		raise ExportError([*problems, ExportProblem("no_rows")])
	if len(rows) > MAX_ROWS:
		raise ExportError([*problems, ExportProblem("too_many_rows", {"limit": MAX_ROWS})])
	well_formed = [
		row for position, row in enumerate(rows, start=1) if _validate_row(row, position, threshold, problems)
	]
	if len(well_formed) == len(rows):
		problems += _completeness(rows)
	if not problems and threshold is not None:
		problems += [
			ExportProblem("sites_exceed_affiliate", {"where": _where(cell)})
			for cell in _inconsistent_totals(rows)
		]
		if not problems:
			problems += [
				ExportProblem("recoverable", {"where": _where(leak.cell), "detail": leak.detail})
				for leak in leaks(rows, threshold)
			]
	if problems:
		raise ExportError(problems)
	return data


def check_names(
	export: dict,
	lines: Lines,
	affiliate_name: str | None,
	sites: Iterable[str],
	school_year_known: bool,
) -> list[ExportProblem]:
	"""The names of a valid export (``validate_export``) against what the importing site knows, each
	problem with its line: the affiliate must be one the importer may import for, named as on this
	site (``affiliate_name``; None when it is not such an affiliate), every site one of that
	affiliate's ``sites``, and the school year one of this site's. Free text has no place in a file
	(a site called "<a student's name> dropped out" would be imported and shown)."""

	def at(name: str) -> str:
		line = lines.fields.get(name)
		return f"Line {line}" if line else "File"

	problems = []
	affiliate = export["affiliate"]
	if affiliate_name is None:
		problems.append(
			ExportProblem(
				"unknown_affiliate", {"where": at("affiliate"), "value": json.dumps(affiliate["id"])}
			)
		)
	elif affiliate["name"] != affiliate_name:
		problems.append(
			ExportProblem(
				"wrong_affiliate_name",
				{
					"where": at("affiliate"),
					"value": json.dumps(affiliate["name"]),
					"expected": json.dumps(affiliate_name),
				},
			)
		)
	if not school_year_known:
		problems.append(
			ExportProblem(
				"unknown_school_year",
				{"where": at("school_year"), "value": json.dumps(export["school_year"])},
			)
		)
	known = set(sites)
	for position, row in enumerate(export["rows"], start=1):
		if row["level"] == SITE and row["site"] not in known:
			known.add(row["site"])  # each unknown site once, at its first line
			line = lines.row(position)
			where = _where(row, position)
			problems.append(
				ExportProblem(
					"unknown_site",
					{
						"where": where.replace(f"Row {position}", f"Line {line}") if line else where,
						"value": json.dumps(row["site"]),
						"affiliate": json.dumps(affiliate["id"]),
					},
				)
			)
	return problems


def _key(row: dict) -> tuple:
	return (row["level"], row["site"] if row["level"] == SITE else None, row["metric"])


def _completeness(rows: list[dict]) -> list[ExportProblem]:
	problems, seen = [], set()
	for position, row in enumerate(rows, start=1):
		key = _key(row)
		if key in seen:
			problems.append(ExportProblem("duplicate_row", {"where": _where(row, position)}))
		seen.add(key)
	sites = sorted({row["site"] for row in rows if row["level"] == SITE})
	for level, site in [(AFFILIATE, None)] + [(SITE, site) for site in sites]:
		for metric in METRICS:
			if (level, site, metric) not in seen:
				row = {"level": level, "site": site, "metric": metric}
				problems.append(ExportProblem("missing_row", {"where": _where(row)}))
	return problems


# ---------------------------------------------------------------- cells that can be worked out


@dataclass(frozen=True)
class Leak:
	"""A suppressed cell that can be recomputed (``detail`` says how), and the shown cell whose
	suppression would stop it (``fix``: a row of the export, None when no cell is left)."""

	cell: dict
	detail: str
	fix: dict | None


def _size(row: dict) -> float:
	return cell_size(row["numerator"], row["denominator"])


def _smallest(rows: list[dict]) -> dict | None:
	"""The shown cell to suppress as well, chosen as the suppression rules choose it."""
	return smallest(rows, _size)


def _hidden_sum_small(total: dict, shown: list[dict], threshold: int) -> bool:
	numerator = total["numerator"] - sum(row["numerator"] for row in shown)
	if total["metric"] in COUNT_METRICS:
		return numerator < threshold
	denominator = total["denominator"] - sum(row["denominator"] for row in shown)
	return numerator < threshold or denominator < threshold or denominator - numerator < threshold


def _by_group(rows: list[dict]) -> dict:
	groups: dict = {}
	for row in rows:
		groups.setdefault(row["site"] if row["level"] == SITE else None, {})[row["metric"]] = row
	return groups


def _inconsistent_totals(rows: list[dict]) -> list[dict]:
	"""Affiliate cells (shown) smaller than what their shown sites add up to."""
	groups = _by_group(rows)
	total = groups.get(None, {})
	wrong = []
	for metric, cell in total.items():
		if cell["suppressed"]:
			continue
		shown = [
			group[metric]
			for site, group in groups.items()
			if site is not None and not group[metric]["suppressed"]
		]
		if sum(row["numerator"] for row in shown) > cell["numerator"] or (
			metric not in COUNT_METRICS and sum(row["denominator"] for row in shown) > cell["denominator"]
		):
			wrong.append(cell)
	return wrong


def leaks(rows: list[dict], threshold: int) -> list[Leak]:
	"""The suppressed cells of an export's rows (well formed) that shown cells give away:

	- across sites, per metric, with the affiliate's cell shown: exactly one site suppressed, or the
	  suppressed sites adding up (affiliate minus shown sites: the count, or the numerator, denominator
	  or complement) to less than ``threshold`` (0 included); the fix is the smallest shown site (or,
	  with none left, the affiliate's cell);
	- within each group (the affiliate, each site), the cohort and its parts (``LINK_PARTS``: their
	  counts and the denominator of remained in school add up to the cohort): the cohort shown with
	  exactly one part suppressed, or the suppressed parts adding up to less than ``threshold``; or the
	  cohort suppressed while every part is shown. The fix is the smallest shown part."""
	found = []
	groups = _by_group(rows)
	total = groups.get(None, {})
	sites = [group for site, group in groups.items() if site is not None]
	for metric in METRICS:
		cell = total.get(metric)
		if cell is None or cell["suppressed"] or not sites:
			continue
		members = [group[metric] for group in sites if metric in group]
		hidden = [row for row in members if row["suppressed"]]
		shown = [row for row in members if not row["suppressed"]]
		if len(hidden) == 1:
			detail = "the affiliate minus the other sites"
		elif hidden and _hidden_sum_small(cell, shown, threshold):
			detail = f"the suppressed sites add up to less than {threshold}"
		else:
			continue
		found.append(Leak(hidden[0], detail, _smallest(shown) or cell))
	for group in groups.values():
		if LINK_TOTAL not in group or any(part not in group for part in LINK_PARTS):
			continue
		cohort = group[LINK_TOTAL]
		parts = [group[part] for part in LINK_PARTS]
		hidden = [row for row in parts if row["suppressed"]]
		shown = [row for row in parts if not row["suppressed"]]
		if cohort["suppressed"]:
			if not hidden:
				found.append(Leak(cohort, "the sum of its three parts", _smallest(shown)))
			continue
		if len(hidden) == 1:
			detail = "the cohort minus the two other parts"
		elif hidden and cohort["numerator"] - sum(_size(row) for row in shown) < threshold:
			detail = f"the suppressed parts of the cohort add up to less than {threshold}"
		else:
			continue
		found.append(Leak(hidden[0], detail, _smallest(shown)))
	return found


def _suppress_cell(cell: dict) -> None:
	cell.update(numerator=None, denominator=None, percent=None, suppressed=1)


def protect(rows: list[dict], threshold: int) -> list[dict]:
	"""``rows`` (copied) with every cell ``leaks`` would give away protected: the fix of each leak is
	suppressed, again until nothing leaks."""
	rows = [dict(row) for row in rows]
	while True:
		found = [
			leak for leak in leaks(rows, threshold) if leak.fix is not None and not leak.fix["suppressed"]
		]
		if not found:
			return rows
		_suppress_cell(found[0].fix)


# ---------------------------------------------------------------- the network roll-up


def affiliate_cells(export: dict) -> list[dict]:
	"""The affiliate-level cells of a validated export, as ``network_rollup`` takes them."""
	return [
		{
			"school_year": export["school_year"],
			"affiliate": export["affiliate"]["id"],
			"affiliate_name": export["affiliate"]["name"],
			"small_cell_threshold": export["small_cell_threshold"],
			"metric": row["metric"],
			"numerator": row["numerator"],
			"denominator": row["denominator"],
			"suppressed": row["suppressed"],
		}
		for row in export["rows"]
		if row["level"] == AFFILIATE
	]


def _primary(row: dict, threshold: int) -> bool:
	if row["metric"] in COUNT_METRICS:
		return count_suppressed(row["numerator"], threshold)
	return rate_suppressed(row["numerator"], row["denominator"], threshold)


def _cell(row: dict, threshold: int) -> dict:
	"""A roll-up cell: unknown (suppressed) when the file suppressed it, it is missing, or it is small
	at ``threshold`` (rules 1 and 2)."""
	known = (
		row is not None
		and not row.get("suppressed")
		and row.get("numerator") is not None
		and (row["metric"] in COUNT_METRICS or row.get("denominator") is not None)
	)
	if known:
		cell = {
			"numerator": int(row["numerator"]),
			"denominator": None if row["metric"] in COUNT_METRICS else int(row["denominator"]),
		}
		if not _primary({"metric": row["metric"], **cell}, threshold):
			return {**cell, "suppressed": 0}
	return {"numerator": None, "denominator": None, "suppressed": 1}


def network_rollup(cells: Iterable[dict], threshold: int) -> list[dict]:
	"""Per-affiliate and network rows from affiliate-level cells (``affiliate_cells`` of each file, or
	the same fields read back from storage: school_year, affiliate, affiliate_name, metric,
	numerator, denominator, suppressed; an affiliate appears once per school year).

	Returns, per school year (in name order) and metric (``METRICS`` order), the network total
	(``is_total`` 1, ``group`` None) then one row per affiliate (by name): school_year, metric, group
	(the affiliate's name), affiliate (its id), is_total, numerator, denominator, percent, suppressed
	(0/1), affiliates_counted and affiliates_total (for the total: how many affiliates' cells it
	adds up, of how many). The module's docstring states the rule."""
	by_year: dict[str, dict[str, dict]] = {}
	for row in cells:
		affiliates = by_year.setdefault(row["school_year"], {})
		entry = affiliates.setdefault(
			row["affiliate"],
			{"name": row.get("affiliate_name") or row["affiliate"], "threshold": 0, "metrics": {}},
		)
		entry["threshold"] = max(entry["threshold"], int(row.get("small_cell_threshold") or 0))
		entry["metrics"][row["metric"]] = row
	result = []
	for year in sorted(by_year):
		affiliates = sorted(by_year[year].items(), key=lambda item: (item[1]["name"], item[0]))
		groups = {}
		for affiliate, entry in affiliates:
			limit = max(threshold, entry["threshold"])
			group = {metric: _cell(entry["metrics"].get(metric), limit) for metric in METRICS}
			group = _protect_group(group, limit)
			groups[affiliate] = group
		for metric in METRICS:
			known = [
				groups[affiliate][metric]
				for affiliate, _entry in affiliates
				if not groups[affiliate][metric]["suppressed"]
			]
			total = {"numerator": None, "denominator": None, "suppressed": 1}
			if known:
				numerator = sum(cell["numerator"] for cell in known)
				denominator = None if metric in COUNT_METRICS else sum(cell["denominator"] for cell in known)
				total = _cell(
					{"metric": metric, "numerator": numerator, "denominator": denominator}, threshold
				)
			result.append(_rollup_row(year, metric, None, None, True, total, len(known), len(affiliates)))
			for affiliate, entry in affiliates:
				cell = groups[affiliate][metric]
				counted = 0 if cell["suppressed"] else 1
				result.append(_rollup_row(year, metric, entry["name"], affiliate, False, cell, counted, 1))
	return result


def _protect_group(group: dict[str, dict], threshold: int) -> dict[str, dict]:
	"""One affiliate's cells with the cohort's linked cells protected (``leaks``, within a group)."""
	rows = [{"level": AFFILIATE, "site": None, "metric": metric, **cell} for metric, cell in group.items()]
	rows = protect(rows, threshold)
	return {
		row["metric"]: {
			"numerator": row["numerator"],
			"denominator": row["denominator"],
			"suppressed": row["suppressed"],
		}
		for row in rows
	}


def _rollup_row(year, metric, group, affiliate, is_total, cell, counted, of) -> dict:
	suppressed = int(cell["suppressed"])
	numerator = None if suppressed else cell["numerator"]
	denominator = None if suppressed else cell["denominator"]
	return {
		"school_year": year,
		"metric": metric,
		"group": group,
		"affiliate": affiliate,
		"is_total": int(is_total),
		"numerator": numerator,
		"denominator": denominator,
		"percent": None if suppressed or metric in COUNT_METRICS else percent(numerator, denominator),
		"suppressed": suppressed,
		"affiliates_counted": counted,
		"affiliates_total": of,
	}
