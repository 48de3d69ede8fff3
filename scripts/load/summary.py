"""The figures of a load run, from the steps ``locustfile.StepShape`` wrote (one JSON line a step).

Prints, per step, users, requests per second, failures and the worst p95; then the largest step held
(every request type's p95 under 500 ms and no failure), and at that step p50/p95/p99 per request type
with the ratio of each p95 to the peers' (``/api/method/ping`` and a plain ``get_list``).

    python scripts/load/summary.py --steps load-steps.jsonl
"""

from __future__ import annotations

import argparse
import json
import sys

HELD_P95_MS = 500
PEERS = ("peer: ping", "peer: get_list School Year")


def held(step: dict) -> bool:
	requests = {name: row for name, row in step["requests"].items() if name != "login"}
	return step["failures"] == 0 and all(row["p95"] < HELD_P95_MS for row in requests.values())


def summarize(steps: list[dict]) -> str:
	lines = ["users  req/s  failures  worst p95 (ms)  held"]
	for step in steps:
		worst = max((row["p95"] for name, row in step["requests"].items() if name != "login"), default=0)
		lines.append(f"{step['users']:>5}  {step['rps']:>5}  {step['failures']:>8}  {worst:>14.0f}  {'yes' if held(step) else 'no'}")
	good = [step for step in steps if held(step)]
	if not good:
		lines.append("No step held (p95 under 500 ms with no failure) at the first load.")
		return "\n".join(lines)
	best = good[-1]
	lines.append(f"\nLargest load held: {best['users']} users, {best['rps']} requests per second")
	peers = {name: best["requests"][name]["p95"] for name in PEERS if name in best["requests"]}
	lines.append("request type                                count    p50    p95    p99   p95 / ping   p95 / get_list")
	for name, row in sorted(best["requests"].items()):
		ratios = [
			f"{row['p95'] / peers[peer]:>10.1f}" if peers.get(peer) else f"{'-':>10}" for peer in PEERS
		]
		lines.append(
			f"{name:<42} {row['count']:>6} {row['p50']:>6.0f} {row['p95']:>6.0f} {row['p99']:>6.0f} {ratios[0]}   {ratios[1]}"
		)
	return "\n".join(lines)


def main() -> int:
	parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
	parser.add_argument("--steps", default="load-steps.jsonl")
	args = parser.parse_args()
	steps = [json.loads(line) for line in open(args.steps) if line.strip()]
	print(summarize(steps))
	return 0


if __name__ == "__main__":
	sys.exit(main())
