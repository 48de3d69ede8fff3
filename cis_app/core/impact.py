"""Impact of case management against a matched comparison group (the rules of the CIS Impact report).

Outcome figures describe the students served; impact asks what would have happened without the
service. Students picked for support after a bad year tend to improve anyway (regression to the
mean), so the served students' own change, or their change against everyone else's, credits the
service with that. This module compares each served student with similar students of the same school
who were not served, matched on the year before.

The rules, exactly as computed:

- **Who**: ``served`` students (case-managed in the chosen year) and comparison students (not served
  that year, no plan the year before: the caller's frame holds only those two kinds). A student is
  *usable* when the chosen indicator is known both at baseline (the previous year) and at the end of
  the chosen year; blank is unknown, never zero. A served student who is not usable is *left out* and
  counted (``no_baseline``, ``no_outcome``); so is a served student without a match (``no_match``).
- **Propensity score**: a logistic regression of being served on the baseline indicators
  (``COVARIATES``, each standardised; an unknown value of an indicator other than the outcome's own is
  set to the mean and flagged by a 0/1 column), fitted by Newton's method with a tiny ridge so a
  perfectly separating indicator cannot blow it up. Matching uses its logit.
- **Matching**: nearest neighbour on the logit, one comparison student per served student, with
  replacement, within a caliper of ``CALIPER_SD`` (0.2) standard deviations of the logit, among the
  comparison students of the same school and grade band (``grade_band``: PK-5, 6-8, 9-12); when the
  school has none in that band, among those of the same district and band.
- **Effect** (``matched``): the average effect on the served, the mean over matched served students of
  (their change) - (their match's change), change = outcome - baseline. ``naive``: the mean change of
  all usable served students minus that of all usable comparison students, shown for contrast.
- **Interval**: 95%, percentile bootstrap over students (``BOOTSTRAP_REPS`` resamples; for ``matched``
  the served students with their matches, for ``naive`` served and comparison students separately),
  from a fixed seed, so the same data give the same interval. The propensity model is not refitted per
  resample, so the interval leaves out the model's own uncertainty.
- **Balance**: the standardised mean difference of each baseline indicator, served against comparison
  students, before matching (all usable ones) and after (the matches, counted as often as used);
  ``SMD_FLAG`` (0.1) or more in absolute value is flagged.
- **Units**: attendance rate in percent of days enrolled; chronic absence a 0/1 flag shown as a percent
  (its effect in percentage points); suspensions and failed courses as counts. Figures are rounded to
  one decimal (two for counts) only for display (``display``).
- **Suppression**: a row with fewer than ``threshold`` served or matched students shows no figure.

What the estimate assumes, said in the report: served and matched students were alike on what was
measured the year before; anything not measured (motivation, a family event) is not accounted for.
It is not a randomised trial.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .grades import grade_rank, normalize_grade
from .suppression import DEFAULT_THRESHOLD

OUTCOMES = {
	"attendance_rate": "Attendance rate (%)",
	"chronic_absence": "Chronically absent (%)",
	"suspensions": "Suspensions",
	"failed_courses": "Failed courses",
}
PERCENT_OUTCOMES = {"attendance_rate", "chronic_absence"}
COVARIATES = tuple(OUTCOMES)
METHODS = ("matched", "naive")
CALIPER_SD = 0.2
BOOTSTRAP_REPS = 1000
SEED = 20240601
SMD_FLAG = 0.1
GRADE_BANDS = ("PK-5", "6-8", "9-12")
# why an estimate has no figure (``Estimate.code``)
NO_SERVED, NO_COMPARISON, NO_MATCH, SUPPRESSED = "no_served", "no_comparison", "no_match", "suppressed"


class ImpactInputError(ValueError):
	"""What the caller asked for cannot be estimated; the message says why."""


def grade_band(grade) -> str | None:
	normal = normalize_grade(grade)
	if normal is None:
		return None
	rank = grade_rank(normal)
	if rank <= grade_rank("5"):
		return "PK-5"
	return "6-8" if rank <= grade_rank("8") else "9-12"


@dataclass
class Estimate:
	outcome: str
	method: str
	group: str
	served: int = 0
	matched: int = 0
	left_out: dict = field(default_factory=lambda: {"no_baseline": 0, "no_outcome": 0, "no_match": 0})
	effect: float | None = None
	ci_low: float | None = None
	ci_high: float | None = None
	served_baseline: float | None = None
	served_outcome: float | None = None
	comparison_baseline: float | None = None
	comparison_outcome: float | None = None
	balance: list[dict] = field(default_factory=list)
	suppressed: int = 0
	reason: str = ""  # why there is no estimate, for developers; the report words it from ``code``
	code: str = ""  # NO_SERVED, NO_COMPARISON, NO_MATCH or SUPPRESSED

	@property
	def left_out_total(self) -> int:
		return sum(self.left_out.values())


# -- the model -----------------------------------------------------------------------------------


def _design(frame: pd.DataFrame, outcome: str) -> np.ndarray:
	"""Standardised baseline indicators, unknowns at the mean with a flag column (the outcome's own
	baseline is known for every usable student)."""
	columns = []
	for name in COVARIATES:
		values = pd.to_numeric(frame[f"base_{name}"], errors="coerce").to_numpy(dtype=float)
		known = ~np.isnan(values)
		if not known.any():
			continue
		mean = values[known].mean()
		filled = np.where(known, values, mean)
		sd = filled.std()
		if sd > 0:
			columns.append((filled - mean) / sd)
		if name != outcome and not known.all():
			columns.append((~known).astype(float))
	ones = np.ones(len(frame))
	return np.column_stack([ones, *columns]) if columns else ones[:, None]


def propensity_logit(x: np.ndarray, served: np.ndarray, iterations: int = 25, ridge: float = 1e-4) -> np.ndarray:
	"""The linear predictor (logit) of a logistic regression of ``served`` on ``x`` (Newton's method)."""
	beta = np.zeros(x.shape[1])
	penalty = ridge * np.eye(x.shape[1])
	penalty[0, 0] = 0.0
	for _ in range(iterations):
		eta = np.clip(x @ beta, -30, 30)
		p = 1.0 / (1.0 + np.exp(-eta))
		gradient = x.T @ (served - p) - penalty @ beta
		hessian = (x * (p * (1 - p))[:, None]).T @ x + penalty
		step = np.linalg.solve(hessian, gradient)
		beta += step
		if np.abs(step).max() < 1e-8:
			break
	return x @ beta


def _nearest(served_logit: np.ndarray, pool_logit: np.ndarray, pool_index: np.ndarray, caliper: float):
	"""For each served logit, the index (in the whole frame) of the nearest pool member within the
	caliper, else -1."""
	order = np.argsort(pool_logit, kind="stable")
	sorted_logit, sorted_index = pool_logit[order], pool_index[order]
	right = np.searchsorted(sorted_logit, served_logit)
	left = np.clip(right - 1, 0, len(sorted_logit) - 1)
	right = np.clip(right, 0, len(sorted_logit) - 1)
	take_left = np.abs(served_logit - sorted_logit[left]) <= np.abs(sorted_logit[right] - served_logit)
	chosen = np.where(take_left, left, right)
	distance = np.abs(served_logit - sorted_logit[chosen])
	return np.where(distance <= caliper, sorted_index[chosen], -1)


def _stratum_codes(frame: pd.DataFrame, level: str) -> np.ndarray:
	keys = pd.Series(list(zip(frame[level].to_numpy(dtype=object), frame["band"].to_numpy(dtype=object), strict=True)))
	return pd.factorize(keys)[0]


def match(frame: pd.DataFrame, logit: np.ndarray, caliper: float) -> np.ndarray:
	"""Per row: for a served row, the row number of its match (-1 for none); -1 for other rows.

	Among the comparison students of the same school and grade band; a served student whose school has
	none in the band is matched among those of the same district and band."""
	result = np.full(len(frame), -1)
	served = frame["served"].to_numpy(dtype=bool)
	rows = np.arange(len(frame))
	school, district = _stratum_codes(frame, "school"), _stratum_codes(frame, "district")
	has_pool = np.isin(school, school[~served])
	for codes, todo in ((school, served & has_pool), (district, served & ~has_pool)):
		for code in np.unique(codes[todo]):
			in_group = codes == code
			pool = in_group & ~served
			if not pool.any():
				continue
			targets = in_group & todo
			result[targets] = _nearest(logit[targets], logit[pool], rows[pool], caliper)
	return result


# -- the estimate --------------------------------------------------------------------------------


def _smd(a: np.ndarray, b: np.ndarray) -> float | None:
	a, b = a[~np.isnan(a)], b[~np.isnan(b)]
	if len(a) < 2 or len(b) < 2:
		return None
	pooled = np.sqrt((a.var(ddof=1) + b.var(ddof=1)) / 2)
	if pooled == 0:
		return 0.0 if a.mean() == b.mean() else None
	return float((a.mean() - b.mean()) / pooled)


def _bootstrap_means(values: np.ndarray, reps: int, rng: np.random.Generator) -> np.ndarray:
	"""The means of ``reps`` resamples (with replacement) of ``values``, drawn a block at a time so a
	large group does not hold reps x n indices in memory at once."""
	n = len(values)
	means = np.empty(reps)
	block = max(1, 2_000_000 // max(n, 1))
	for start in range(0, reps, block):
		stop = min(reps, start + block)
		means[start:stop] = values[rng.integers(0, n, (stop - start, n))].mean(axis=1)
	return means


def _percentile_interval(samples: np.ndarray) -> tuple[float, float]:
	low, high = np.percentile(samples, [2.5, 97.5])
	return float(low), float(high)


def prepare(frame: pd.DataFrame, outcome: str) -> tuple[pd.DataFrame, dict]:
	"""The usable rows (chosen indicator known at baseline and at the end) and, for served students,
	how many were left out for a missing baseline or outcome."""
	if outcome not in OUTCOMES:
		raise ImpactInputError(f"Unknown outcome {outcome!r}: choose one of {', '.join(OUTCOMES)}.")
	missing = {"student", "school", "district", "grade", "served", "outcome", *(f"base_{c}" for c in COVARIATES)}
	missing -= set(frame.columns)
	if missing:
		raise ImpactInputError(f"The frame lacks the columns {', '.join(sorted(missing))}.")
	data = frame.copy()
	data["served"] = data["served"].astype(bool)
	bands: dict = {}  # a handful of distinct grades among many students: each band worked out once
	data["band"] = [bands[g] if g in bands else bands.setdefault(g, grade_band(g)) for g in data["grade"]]
	data = data[data["band"].notna()]
	baseline = pd.to_numeric(data[f"base_{outcome}"], errors="coerce")
	end = pd.to_numeric(data["outcome"], errors="coerce")
	served = data["served"]
	left_out = {
		"no_baseline": int((served & baseline.isna()).sum()),
		"no_outcome": int((served & baseline.notna() & end.isna()).sum()),
		"no_match": 0,
	}
	usable = data[baseline.notna() & end.notna()].copy()
	usable["baseline"] = pd.to_numeric(usable[f"base_{outcome}"], errors="coerce").astype(float)
	usable["end"] = pd.to_numeric(usable["outcome"], errors="coerce").astype(float)
	# one order for the same students whatever order they came in: ties and resamples depend on it
	usable = usable.sort_values("student", kind="stable").reset_index(drop=True)
	return usable, left_out


def estimate(
	frame: pd.DataFrame,
	outcome: str,
	method: str = "matched",
	group: str = "Total",
	threshold: int = DEFAULT_THRESHOLD,
	suppress_small_cells: bool = True,
	reps: int = BOOTSTRAP_REPS,
	seed: int = SEED,
) -> Estimate:
	"""The impact estimate of one group of students (see the module's rules).

	``frame``: one row per student with ``student``, ``school``, ``district``, ``grade``, ``served``
	(bool), ``base_<indicator>`` for each of ``COVARIATES`` (previous year; NaN unknown) and ``outcome``
	(the chosen indicator at the end of the chosen year; NaN unknown)."""
	if method not in METHODS:
		raise ImpactInputError(f"Unknown method {method!r}: choose matched or naive.")
	usable, left_out = prepare(frame, outcome)
	scale = 100.0 if outcome == "chronic_absence" else 1.0
	result = Estimate(outcome, method, group, left_out=left_out)
	served = usable["served"].to_numpy(dtype=bool)
	result.served = int(served.sum())
	if result.served == 0:
		result.code = NO_SERVED
		result.reason = "No served student has this indicator both the year before and this year."
		return _finish(result, threshold, suppress_small_cells)
	if (~served).sum() == 0:
		result.code = NO_COMPARISON
		result.reason = "No comparison student has this indicator both the year before and this year."
		result.left_out["no_match"] = result.served
		return _finish(result, threshold, suppress_small_cells)
	base = usable["baseline"].to_numpy() * scale
	end = usable["end"].to_numpy() * scale
	change = end - base
	rng = np.random.default_rng(seed)
	covariates = {c: pd.to_numeric(usable[f"base_{c}"], errors="coerce").to_numpy(dtype=float) for c in COVARIATES}

	if method == "naive":
		comparison = ~served
		result.matched = int(comparison.sum())
		s_change, c_change = change[served], change[comparison]
		result.effect = float(s_change.mean() - c_change.mean())
		draws = _bootstrap_means(s_change, reps, rng) - _bootstrap_means(c_change, reps, rng)
		result.ci_low, result.ci_high = _percentile_interval(draws)
		result.served_baseline, result.served_outcome = float(base[served].mean()), float(end[served].mean())
		result.comparison_baseline = float(base[comparison].mean())
		result.comparison_outcome = float(end[comparison].mean())
		result.balance = [
			{"indicator": c, "smd_before": _smd(v[served], v[comparison]), "smd_after": None}
			for c, v in covariates.items()
		]
		for row in result.balance:
			row["flagged"] = int(row["smd_before"] is not None and abs(row["smd_before"]) >= SMD_FLAG)
		return _finish(result, threshold, suppress_small_cells)

	logit = propensity_logit(_design(usable, outcome), served.astype(float))
	spread = logit.std()
	caliper = CALIPER_SD * spread if spread > 0 else 0.0
	matches = match(usable, logit, caliper)
	served_rows = np.flatnonzero(served)
	paired = served_rows[matches[served_rows] >= 0]
	partners = matches[paired]
	result.left_out["no_match"] = int(len(served_rows) - len(paired))
	result.matched = int(len(paired))
	if len(paired) == 0:
		result.code = NO_MATCH
		result.reason = "No served student found a comparison student close enough on the year before."
		return _finish(result, threshold, suppress_small_cells)
	differences = change[paired] - change[partners]
	result.effect = float(differences.mean())
	draws = _bootstrap_means(differences, reps, rng)
	result.ci_low, result.ci_high = _percentile_interval(draws)
	result.served_baseline, result.served_outcome = float(base[paired].mean()), float(end[paired].mean())
	result.comparison_baseline, result.comparison_outcome = float(base[partners].mean()), float(end[partners].mean())
	result.balance = balance(covariates, served, paired, partners)
	return _finish(result, threshold, suppress_small_cells)


def balance(covariates: dict[str, np.ndarray], served: np.ndarray, paired: np.ndarray, partners: np.ndarray) -> list[dict]:
	"""Per baseline indicator: its standardised mean difference, served against comparison students,
	before matching (all of them) and after (``paired`` served rows against their ``partners``, a
	partner counted as often as it is used); flagged from ``SMD_FLAG`` after matching."""
	rows = []
	for name, values in covariates.items():
		before = _smd(values[served], values[~served])
		after = _smd(values[paired], values[partners])
		flagged = after is not None and abs(after) >= SMD_FLAG
		rows.append({"indicator": name, "smd_before": before, "smd_after": after, "flagged": int(flagged)})
	return rows


def _finish(result: Estimate, threshold: int, suppress_small_cells: bool) -> Estimate:
	if suppress_small_cells and min(result.served, result.matched) < threshold:
		result.suppressed = 1
		result.effect = result.ci_low = result.ci_high = None
		result.served_baseline = result.served_outcome = None
		result.comparison_baseline = result.comparison_outcome = None
		result.balance = []
		result.matched = None if result.matched < threshold else result.matched
		result.served = None if result.served < threshold else result.served
		result.code = result.code or SUPPRESSED
		result.reason = result.reason or f"Fewer than {threshold} students: suppressed."
	return result


def display(value: float | None, outcome: str) -> float | None:
	"""A figure as the report shows it: one decimal for percents, two for counts."""
	if value is None:
		return None
	return round(value, 1 if outcome in PERCENT_OUTCOMES else 2)
