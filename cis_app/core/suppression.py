"""Small-cell suppression of published figures, so no student can be re-identified.

The rules (docs/developer.md, "Outcome metrics"), with ``threshold`` 10 by default:

1. **Counts**: a count below the threshold is suppressed. The rule is "any count below the
   threshold", so a count of **0 is suppressed too** (0 < 10): a published 0 can itself disclose
   something ("0 of them dropped out" says every one of them stayed), and a rule without exceptions is
   one an evaluator can check by hand.
2. **Rates**: a rate is suppressed when its numerator, its denominator or its complement
   (denominator minus numerator) is below the threshold: 37 of 38 "remained" would reveal the one
   who dropped out. A rate with a denominator of 0 is suppressed by the same rule.
3. **Complementary, across groups**: in a grouped view, when exactly one group's value of a metric is
   suppressed and the total is shown, the group with the next smallest value (the count of a count,
   the denominator of a rate) is suppressed too, so the cell cannot be recomputed as the total minus
   the other groups. The same happens when several are suppressed but what they add up to (the total
   minus the shown groups: their counts, or their numerators, denominators or complements) is itself
   below the threshold, so "these two hidden cells are 0 together" cannot be read either. With no
   other group left to suppress, the total is suppressed instead.
4. **Complementary, within a group** (``linked``): cells bound by one sum, the total among them (in the
   outcome metrics: the cohort = year-end status missing + unknown outcome + the denominator of
   "remained in school"), are protected the same way: when exactly one of them is suppressed (a part:
   the total minus the others; the total: the sum of its parts), or the suppressed ones add up to less
   than the threshold, the smallest other one is suppressed too (the total, listed first, only when it is
   strictly the smallest).

Rules 3 and 4 are applied again until nothing changes (a cell suppressed by one can trigger the other).
A suppressed row loses its numerator, denominator and percent (all None): a suppressed value is absent,
not merely flagged.

What these rules do not do: relations between different metrics other than the ``linked`` ones (for
instance promoted + graduated denominators within remained's) are not protected.

Input and output frames have the columns ``metric``, ``group``, ``is_total``, ``numerator``,
``denominator`` (None for a count) and ``percent``; the output adds ``suppressed`` (0 or 1).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TypeVar

import pandas as pd

T = TypeVar("T")

DEFAULT_THRESHOLD = 10


def _is_missing(value) -> bool:
	return value is None or (isinstance(value, float) and value != value)


def is_small(value, threshold: int = DEFAULT_THRESHOLD) -> bool:
	"""True when ``value`` is a count below ``threshold`` (0 included)."""
	return not _is_missing(value) and value < threshold


def count_suppressed(count, threshold: int = DEFAULT_THRESHOLD) -> bool:
	"""Rule 1: a count below the threshold."""
	return is_small(count, threshold)


def rate_suppressed(numerator, denominator, threshold: int = DEFAULT_THRESHOLD) -> bool:
	"""Rule 2: numerator, denominator or complement below the threshold."""
	return (
		is_small(numerator, threshold)
		or is_small(denominator, threshold)
		or is_small(denominator - numerator, threshold)
	)


def cell_size(numerator, denominator) -> float:
	"""What "smallest" compares when a cell is hidden to protect another: the count of a count (no
	denominator), the denominator of a rate; a cell without a value is never the smallest."""
	value = numerator if _is_missing(denominator) else denominator
	return float("inf") if _is_missing(value) else float(value)


def smallest(candidates: Iterable[T], size: Callable[[T], float]) -> T | None:
	"""The complementary cell: the shown candidate of the smallest ``size`` (the first one on a tie),
	None when there is none. Rules 3 and 4 here and the check of an imported export
	(``core.network_rollup.leaks``) choose with it."""
	best, best_size = None, None
	for candidate in candidates:
		candidate_size = size(candidate)
		if best is None or candidate_size < best_size:
			best, best_size = candidate, candidate_size
	return best


class _Cells:
	"""The numerator, denominator and metric of each row by index label, read once: rules 3 and 4 look
	cells up many thousand times in a view grouped by site, and ``DataFrame.loc`` is slow at that."""

	def __init__(self, metrics: pd.DataFrame):
		self.numerator = metrics["numerator"].to_dict()
		self.denominator = metrics["denominator"].to_dict()
		self.metric = metrics["metric"].to_dict()

	def size(self, index) -> float:
		return cell_size(self.numerator[index], self.denominator[index])


def _validate_threshold(threshold) -> int:
	if isinstance(threshold, bool) or not isinstance(threshold, int) or threshold < 0:
		raise ValueError(f"threshold must be a whole number of 0 or more, not {threshold!r}")
	return threshold


def primary_suppression(metrics: pd.DataFrame, threshold: int = DEFAULT_THRESHOLD) -> pd.Series:
	"""Rules 1 and 2 for each row: a boolean Series on ``metrics``' index."""
	_validate_threshold(threshold)
	flags = [
		count_suppressed(row.numerator, threshold)
		if _is_missing(row.denominator)
		else rate_suppressed(row.numerator, row.denominator, threshold)
		for row in metrics[["numerator", "denominator"]].itertuples(index=False)
	]
	return pd.Series(flags, index=metrics.index, dtype=bool)


def _hidden_sum_is_small(cells: _Cells, hidden: Sequence, threshold: int) -> bool:
	"""Whether what the hidden cells add up to (which the shown cells give away) is below the threshold:
	for cells of one rate, their numerators, denominators or complements; otherwise their sizes (the
	count of a count, the denominator of a rate: what adds up to a linked total)."""
	numerators = [cells.numerator[index] for index in hidden]
	denominators = [cells.denominator[index] for index in hidden]
	if all(not _is_missing(value) for value in numerators + denominators):
		total = sum(float(value) for value in numerators)
		base = sum(float(value) for value in denominators)
		return is_small(total, threshold) or is_small(base, threshold) or is_small(base - total, threshold)
	return is_small(sum(cells.size(index) for index in hidden), threshold)


def _needs_another(cells: _Cells, hidden: Sequence, threshold: int) -> bool:
	return len(hidden) == 1 or (len(hidden) > 1 and _hidden_sum_is_small(cells, hidden, threshold))


def _across_groups(
	metrics: pd.DataFrame, cells: _Cells, suppressed: pd.Series, threshold: int = DEFAULT_THRESHOLD
) -> bool:
	"""Rule 3 once over every metric; True when it suppressed anything."""
	changed = False
	for _metric, rows in metrics.groupby("metric", sort=False):
		totals = rows.index[rows["is_total"].astype(bool)]
		groups = rows.index[~rows["is_total"].astype(bool)]
		if not len(totals) or not len(groups) or suppressed[totals].all():
			continue
		hidden = [index for index in groups if suppressed[index]]
		if not _needs_another(cells, hidden, threshold):
			continue
		other = smallest([index for index in groups if not suppressed[index]], cells.size)
		for index in [other] if other is not None else list(totals):
			suppressed[index] = True
		changed = True
	return changed


def _within_groups(
	metrics: pd.DataFrame,
	cells_of: _Cells,
	suppressed: pd.Series,
	linked: Sequence[Sequence[str]],
	threshold: int = DEFAULT_THRESHOLD,
) -> bool:
	"""Rule 4 once over every group (totals included); True when it suppressed anything."""
	changed = False
	group_key = metrics["group"].astype(object).where(~metrics["is_total"].astype(bool), "\0total")
	for cells in linked:
		rows = metrics[metrics["metric"].isin(cells)]
		for _group, members in rows.groupby(group_key[rows.index], sort=False, dropna=False):
			hidden = [index for index in members.index if suppressed[index]]
			if not _needs_another(cells_of, hidden, threshold):
				continue
			# the first key is the total: on a tie, a part is hidden rather than the headline figure
			shown = sorted(
				(index for index in members.index if not suppressed[index]),
				key=lambda index: cells_of.metric[index] == cells[0],
			)
			other = smallest(shown, cells_of.size)
			if other is not None:
				suppressed[other] = True
				changed = True
	return changed


def suppress(
	metrics: pd.DataFrame,
	threshold: int = DEFAULT_THRESHOLD,
	linked: Sequence[Sequence[str]] = (),
) -> pd.DataFrame:
	"""``metrics`` with every rule of this module applied: adds ``suppressed`` (0/1) and blanks the
	numerator, denominator and percent of each suppressed row. ``linked``: groups of metric keys whose
	cells within one group add up to a shown figure (rule 4)."""
	result = metrics.copy()
	if result.empty:
		result["suppressed"] = pd.Series(dtype=int)
		return result
	result["is_total"] = result["is_total"].astype(bool)
	for column in ("numerator", "denominator", "percent"):
		result[column] = result[column].astype(object)
	suppressed = primary_suppression(result, threshold)
	cells = _Cells(result)
	while _across_groups(result, cells, suppressed, threshold) | _within_groups(
		result, cells, suppressed, linked, threshold
	):
		pass
	for column in ("numerator", "denominator", "percent"):
		result[column] = result[column].where(~suppressed, None)
	result["suppressed"] = suppressed.astype(int)
	return result
