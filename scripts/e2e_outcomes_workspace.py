"""End to end: the Outcomes workspace at a glance, as the Evaluator, a CIS Administrator and a site
coordinator, and the CIS Impact report on the demo.

- The Evaluator and the administrator see the six headline cards, the impact card and three charts;
  each card shows a percent (or a number of points for the impact card) or a word saying why there is
  none ("Suppressed", "No data", "No estimate"), and no card reads NaN, undefined or an error.
- The coordinator sees the six headline cards and two charts: the impact card and chart (CIS Impact's
  roles only) are not there.
- Each card's figure is the one its method answers for that user, over HTTP in the same session.
- No error in the browser's console on the way.
- CIS Impact (attendance, matched) opens for the Evaluator with its estimate, interval and the
  statement of what it assumes.

Needs a running site with the demo loaded (README, "Load the demo"), Playwright's Python package and
a Chromium (Debian's ``chromium`` works):

    python scripts/e2e_outcomes_workspace.py --url http://localhost:8000 --chromium /usr/bin/chromium

Exits non-zero if any step fails. Screenshots go to docs/screenshots/outcomes-workspace-*.png and
docs/screenshots/cis-impact-demo.png.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time

from browser import SHOTS, launch, login, new_page
from playwright.sync_api import Page, sync_playwright

EVALUATOR = "evaluator@cis-demo.example"
ADMIN = "admin@cis-demo.example"
COORDINATOR = "coordinator@cis-demo.example"
HEADLINE_CARDS = [
	"Remained in School",
	"Promoted",
	"Graduated or GED",
	"Attendance Goals Met or Progressed",
	"Academic Goals Met or Progressed",
	"Behavior Goals Met or Progressed",
]
IMPACT_CARD = "Attendance Effect of Case Management"
CHARTS = ["Outcomes Against Targets", "Outcomes Across Years", "Impact on Attendance"]
WORDS = {"Suppressed", "No data", "No estimate"}
METHOD = "/api/method/cis_app.cis_case_management.outcomes_dashboard."


def step(what: str) -> None:
	print(f"step: {what}", flush=True)


def open_workspace(page: Page, url: str, errors: list[str]) -> dict:
	page.goto(f"{url}/app/outcomes")
	page.wait_for_selector(".number-widget-box", timeout=30000)

	def loaded() -> bool:
		texts = page.evaluate(
			"() => [...document.querySelectorAll('.number-widget-box .widget-content')].map(e => e.innerText.trim())"
		)
		return bool(texts) and all(texts)

	deadline = time.time() + 30
	while not loaded() and time.time() < deadline:
		time.sleep(0.5)
	page.wait_for_load_state("networkidle")
	time.sleep(1.5)  # the charts draw after their data arrives
	cards = page.evaluate(
		"""() => Object.fromEntries([...document.querySelectorAll('.number-widget-box')].map(box => [
			box.querySelector('.widget-title').innerText.trim(),
			(box.querySelector('.widget-content') || {innerText: ''}).innerText.trim()]))"""
	)
	charts = page.evaluate(
		"() => [...document.querySelectorAll('.dashboard-widget-box .widget-title')].map(e => e.innerText.trim())"
	)
	return {"cards": {title.lower(): value for title, value in cards.items()}, "charts": charts, "errors": list(errors)}


def call(page: Page, method: str, args: dict) -> tuple[int, dict]:
	"""POST a method as the page's user (its session and CSRF token): (status, answer)."""
	return tuple(
		page.evaluate(
			"""async ([path, args]) => { const r = await fetch(path, {method: 'POST', credentials: 'same-origin',
				headers: {'Content-Type': 'application/json', 'X-Frappe-CSRF-Token': frappe.csrf_token},
				body: JSON.stringify(args)}); return [r.status, await r.json().catch(() => ({}))]; }""",
			[METHOD + method, args],
		)
	)


def check_card_values(page: Page, url: str, seen: dict, impact: bool) -> None:
	"""Each card shows what its method answers for this user, as a figure or a word."""
	for name in HEADLINE_CARDS + ([IMPACT_CARD] if impact else []):
		shown = seen["cards"].get(name.lower())
		if shown is None:
			raise AssertionError(f"the card {name} is missing: {seen['cards']}")
		if re.search(r"nan|undefined|error|null", shown, re.I):
			raise AssertionError(f"the card {name} reads {shown!r}")
		if name == IMPACT_CARD:
			answer = call(page, "impact", {})[1]["message"]
		else:
			metric = {
				"Remained in School": "remained_in_school",
				"Promoted": "promoted",
				"Graduated or GED": "graduated",
				"Attendance Goals Met or Progressed": "attendance_goals",
				"Academic Goals Met or Progressed": "academic_goals",
				"Behavior Goals Met or Progressed": "behavior_goals",
			}[name]
			answer = call(page, "headline", {"filters": {"metric": metric}})[1]["message"]
		if isinstance(answer, str):
			if answer not in WORDS or shown != answer:
				raise AssertionError(f"the card {name} shows {shown!r}; its method answers {answer!r}")
		else:
			number = float(re.sub(r"[^\d.\-]", "", shown) or "nan")
			if abs(number - float(answer["value"])) > 0.051:
				raise AssertionError(f"the card {name} shows {shown!r}; its method answers {answer['value']}")


def run(url: str, chromium: str) -> dict:
	report = {}
	with sync_playwright() as playwright:
		browser = launch(playwright, chromium)
		for user, impact in ((EVALUATOR, True), (ADMIN, True), (COORDINATOR, False)):
			step(f"the Outcomes workspace as {user}")
			page = new_page(browser, 1440, 2000)
			errors: list[str] = []
			# the page's own errors and failed requests; not the desk's realtime connection (socket.io),
			# whose server a test bench may serve for another site
			page.on(
				"console",
				lambda m, errors=errors: m.type == "error"
				and "socket.io" not in m.text
				and not m.text.startswith("Failed to load resource")
				and errors.append(m.text),
			)
			page.on("pageerror", lambda e, errors=errors: errors.append(str(e)))
			page.on(
				"response",
				lambda r, errors=errors: r.status >= 400
				and "/socket.io/" not in r.url
				and errors.append(f"HTTP {r.status} {r.url}"),
			)
			login(page, url, user)
			seen = open_workspace(page, url, errors)
			report[user] = seen
			expected_cards = {c.lower() for c in HEADLINE_CARDS + ([IMPACT_CARD] if impact else [])}
			if set(seen["cards"]) != expected_cards:
				raise AssertionError(f"{user}: cards {sorted(seen['cards'])}, expected {sorted(expected_cards)}")
			expected_charts = CHARTS if impact else CHARTS[:2]
			if sorted(seen["charts"]) != sorted(expected_charts):
				raise AssertionError(f"{user}: charts {seen['charts']}, expected {expected_charts}")
			if seen["errors"]:  # as the workspace loaded (the check's own refused call comes after)
				raise AssertionError(f"{user}: errors on the page: {seen['errors'][:3]}")
			check_card_values(page, url, seen, impact)
			if not impact:
				status, _ = call(page, "impact", {})
				if status != 403:
					raise AssertionError(f"{user}: the impact card's method answered {status}")
			if user != ADMIN:  # the guides show the Evaluator's and a coordinator's
				page.screenshot(path=str(SHOTS / f"outcomes-workspace-{user.split('@')[0]}.png"), full_page=True)
			if user == EVALUATOR:
				step("CIS Impact on the demo, as the Evaluator")
				page.goto(f"{url}/app/query-report/CIS Impact")
				page.wait_for_selector(".dt-row", timeout=60000)
				page.wait_for_load_state("networkidle")
				time.sleep(1.5)
				text = page.inner_text(".layout-main-section")
				if "not a randomised trial" not in text:
					raise AssertionError("CIS Impact does not say what its estimate assumes")
				report["impact_report"] = text[:400]
				page.set_viewport_size({"width": 1440, "height": 1500})
				page.screenshot(path=str(SHOTS / "cis-impact-demo.png"), full_page=False)
			page.context.close()
		browser.close()
	return report


def main() -> int:
	parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
	parser.add_argument("--url", default="http://localhost:8000")
	parser.add_argument("--chromium", default="/usr/bin/chromium")
	args = parser.parse_args()
	try:
		result = run(args.url.rstrip("/"), args.chromium)
	except Exception as error:  # a Playwright timeout as much as a failed check: say which, and fail
		print(f"FAILED: {type(error).__name__}: {error}", file=sys.stderr)
		return 1
	print(json.dumps({user: seen for user, seen in result.items() if user != "impact_report"}, indent=1))
	print("passed: the Outcomes workspace's cards and charts, per role, are the reports' figures")
	return 0


if __name__ == "__main__":
	sys.exit(main())
