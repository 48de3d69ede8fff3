"""End to end on a phone-sized Chromium (360 x 740): the demo coordinator records a check-in online,
loses the connection, records two more check-ins and a group-session roster, comes back online, and
the desk shows exactly three new check-ins and one new group session. Also checks the page's
accessibility (labels, accessible names, contrast, focus order), that the page opens offline from the
service worker, that a double tap and a re-send record nothing twice, and that logging out leaves
nothing of the coordinator on the phone.

Needs a running site with the demo loaded (README, "Load the demo"), Playwright's Python package and
a Chromium (Debian's ``chromium`` works; no browser download):

    python scripts/e2e_phone_checkin.py --url http://localhost:8000 --chromium /usr/bin/chromium

Exits non-zero if any step fails. Screenshots go to docs/screenshots/phone-checkin-*.png.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from browser import PASSWORD, SHOTS, launch, login, new_page
from playwright.sync_api import BrowserContext, Page, expect, sync_playwright

COORDINATOR = "coordinator@cis-demo.example"
PHONE = {"width": 360, "height": 740}

# Run in the page: every form control has a label, every button an accessible name, no positive
# tabindex, and the main colour pairs (read from the rendered page) have a contrast of at least 4.5.
A11Y_CHECK = """() => {
	const problems = [];
	const visible = (el) => !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length);
	for (const el of document.querySelectorAll("input, select, textarea")) {
		if (el.type === "hidden") continue;
		const labelled = (el.id && document.querySelector(`label[for="${el.id}"]`)) || el.closest("label")
			|| el.getAttribute("aria-label") || el.getAttribute("aria-labelledby");
		if (!labelled) problems.push(`no label: ${el.id || el.name || el.outerHTML.slice(0, 60)}`);
	}
	for (const el of document.querySelectorAll("button, a[href]")) {
		const name = (el.getAttribute("aria-label") || el.textContent || "").trim();
		if (!name) problems.push(`no accessible name: ${el.outerHTML.slice(0, 80)}`);
	}
	for (const el of document.querySelectorAll("[tabindex]")) {
		if (Number(el.getAttribute("tabindex")) > 0) problems.push(`positive tabindex: ${el.id}`);
	}
	const rgb = (c) => c.match(/[\\d.]+/g).slice(0, 3).map(Number);
	const lum = ([r, g, b]) => {
		const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
		return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
	};
	const ratio = (a, b) => { const [x, y] = [lum(rgb(a)), lum(rgb(b))].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
	const background = (el) => {
		for (let node = el; node; node = node.parentElement) {
			const bg = getComputedStyle(node).backgroundColor;
			if (bg && !bg.startsWith("rgba(0, 0, 0, 0)") && bg !== "transparent") return bg;
		}
		return "rgb(255, 255, 255)";
	};
	const pairs = [];
	const selectors = ["body", ".bar h1", "#net", "#logout", ".student .name", ".student .meta", ".tag",
		".tag.tier3", ".tag.alert", ".tag.warn", "label", "#new-group", "#show-mine", "#show-all", ".muted", ".notice"];
	for (const selector of selectors) {
		for (const el of document.querySelectorAll(selector)) {
			if (!visible(el) || !el.textContent.trim()) continue;
			const r = ratio(getComputedStyle(el).color, background(el));
			pairs.push({ selector, ratio: Math.round(r * 100) / 100 });
			if (r < 4.5) problems.push(`contrast ${r.toFixed(2)} < 4.5: ${selector}`);
			break;
		}
	}
	return { problems, pairs };
}"""


def check_focus_order(page: Page, steps: int = 8) -> None:
	"""Tabbing moves through the controls in the order they appear (logical focus order)."""
	page.evaluate("() => document.activeElement && document.activeElement.blur()")
	page.evaluate("() => window.scrollTo(0, 0)")
	seen = []
	for _ in range(steps):
		page.keyboard.press("Tab")
		seen.append(
			page.evaluate(
				"() => { const a = document.activeElement; a.dataset.e2eFocus = String(Date.now()); return a.id || a.textContent.trim().slice(0, 30); }"
			)
		)
	in_order = page.evaluate(
		"""() => { const els = [...document.querySelectorAll('[data-e2e-focus]')].sort((a, b) => Number(a.dataset.e2eFocus) - Number(b.dataset.e2eFocus));
		return els.every((el, i) => i === 0 || (els[i - 1].compareDocumentPosition(el) & Node.DOCUMENT_POSITION_FOLLOWING)); }"""
	)
	page.evaluate(
		"() => document.querySelectorAll('[data-e2e-focus]').forEach((el) => delete el.dataset.e2eFocus)"
	)
	if not in_order:
		raise AssertionError(f"focus order does not follow the page: {seen}")
	# the focused control is visibly outlined
	page.keyboard.press("Tab")
	outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
	if outline in ("none", ""):
		raise AssertionError("the focused control has no visible outline")


def top(page: Page) -> None:
	page.evaluate("() => window.scrollTo(0, 0)")
	time.sleep(0.3)


def desk_counts(desk: Page, url: str) -> dict[str, int]:
	counts = {}
	for doctype in ("Student Check-In", "Group Session"):
		response = desk.request.get(f"{url}/api/method/frappe.client.get_count", params={"doctype": doctype})
		if not response.ok:
			raise AssertionError(f"get_count {doctype}: HTTP {response.status}")
		counts[doctype] = response.json()["message"]
	return counts


def queue(page: Page) -> list[dict]:
	return page.evaluate(
		"""() => { const user = localStorage.getItem('cis-checkin:user');
		return JSON.parse(localStorage.getItem('cis-checkin:queue:' + user) || '[]'); }"""
	)


def open_student(page: Page, index: int) -> str:
	"""Tap the index-th student of the caseload; returns the student's id."""
	button = page.locator("#students button.student").nth(index)
	student = button.get_attribute("data-student")
	button.click()
	expect(page.locator("#view-checkin")).to_be_visible()
	return student


def consented_rows(desk: Page, phone: Page, count: int) -> list[int]:
	"""Rows of the phone's caseload whose student has a valid case-management consent this school year:
	a check-in for any other is refused (rightly), and which students the demo gives a revoked consent
	depends on its size."""
	consented = set(
		desk.evaluate(
			"""async () => {
			const year = await frappe.db.get_single_value('CIS Settings', 'current_school_year');
			const rows = await frappe.db.get_list('Student Consent', {filters: {scope: 'Case Management',
				school_year: year, status: 'Valid'}, fields: ['student'], limit: 0});
			return rows.map((r) => r.student); }"""
		)
	)
	shown = phone.locator("#students button.student").evaluate_all(
		"(buttons) => buttons.map((b) => b.dataset.student)"
	)
	rows = [index for index, student in enumerate(shown) if student in consented][:count]
	if len(rows) < count:
		raise AssertionError(f"the caseload shows {len(rows)} consented students, the check needs {count}")
	return rows


def record_check_in(page: Page, index: int, note: str, double_tap: bool = False) -> str:
	student = open_student(page, index)
	page.fill("#ci-note", note)
	if double_tap:
		# two submits in the same instant (a double tap): one entry
		page.evaluate(
			"() => { const f = document.getElementById('checkin-form'); f.requestSubmit(); f.requestSubmit(); }"
		)
	else:
		page.click("#ci-save")
	expect(page.locator("#view-list")).to_be_visible()
	return student


def wait_until(condition, message: str, timeout: float = 30) -> None:
	deadline = time.time() + timeout
	while time.time() < deadline:
		if condition():
			return
		time.sleep(0.5)
	raise AssertionError(message)


def wait_queue_empty(page: Page, timeout: float = 30) -> None:
	try:
		wait_until(lambda: not queue(page), "", timeout)
	except AssertionError:
		raise AssertionError(f"the queue was not sent in {timeout:.0f} s: {page_state(page)}") from None


def page_state(page: Page) -> dict:
	"""What the phone shows and keeps, for a failure's message."""
	return page.evaluate(
		"""() => ({notice: document.getElementById('notice').textContent.trim(),
			net: document.getElementById('net').textContent.trim(), online: navigator.onLine,
			queue: JSON.parse(localStorage.getItem('cis-checkin:queue:' + localStorage.getItem('cis-checkin:user')) || '[]')
				.map((e) => ({kind: e.kind, state: e.state, message: e.message}))})"""
	)


def site_timezone(desk: Page, url: str) -> str:
	desk.goto(f"{url}/app")
	desk.wait_for_function("() => window.frappe && frappe.boot && frappe.boot.time_zone")
	return desk.evaluate("() => frappe.boot.time_zone.system")


def step(what: str) -> None:
	"""Say which step runs, so a failure's last lines name it."""
	print(f"step: {what}", flush=True)


def run(url: str, chromium: str) -> dict:
	with sync_playwright() as playwright:
		browser = launch(playwright, chromium)
		desk = new_page(browser)
		login(desk, url, COORDINATOR)
		timezone = site_timezone(desk, url)  # the phone's clock agrees with the school's day
		before = desk_counts(desk, url)

		phone_context: BrowserContext = browser.new_context(
			viewport=PHONE, is_mobile=True, has_touch=True, timezone_id=timezone, service_workers="allow"
		)
		phone = phone_context.new_page()
		phone.on("dialog", lambda dialog: dialog.accept())
		login(phone, url, COORDINATOR)
		step("the caseload on the phone, its accessibility and focus order")
		phone.goto(f"{url}/cis/checkin")
		expect(phone.locator("#students button.student").first).to_be_visible(timeout=20000)
		phone.evaluate("() => navigator.serviceWorker.ready")
		a11y = phone.evaluate(A11Y_CHECK)
		if a11y["problems"]:
			raise AssertionError(f"accessibility: {a11y['problems']}")
		check_focus_order(phone)
		top(phone)
		phone.screenshot(path=str(SHOTS / "phone-checkin-caseload.png"))

		step("1. a check-in online")
		# 1. online: the check-in is sent at once
		stamp = int(time.time())
		rows = consented_rows(desk, phone, 3)
		student = open_student(phone, rows[0])
		phone.fill("#ci-note", f"Phone check-in online {stamp}")
		form_a11y = phone.evaluate(A11Y_CHECK)
		if form_a11y["problems"]:
			raise AssertionError(f"accessibility of the form: {form_a11y['problems']}")
		phone.screenshot(path=str(SHOTS / "phone-checkin-form.png"), full_page=True)
		# the first send fails (a dropped answer): the page tries again within seconds, not on its
		# 30-second tick, and the entry is recorded once
		failures = {"left": 1}

		def drop_first(route):
			if failures["left"]:
				failures["left"] -= 1
				route.abort("connectionreset")
			else:
				route.continue_()

		phone.route("**/api/method/cis_app.api.checkin.sync", drop_first)
		phone.click("#ci-save")
		wait_queue_empty(phone, timeout=12)
		phone.unroute("**/api/method/cis_app.api.checkin.sync")
		if failures["left"]:
			raise AssertionError("the first send was not made (the dropped answer was not tried)")
		online_student = student

		step("2. offline: two check-ins and a roster")
		# 2. offline: two check-ins (the second by a double tap) and a roster, all kept on the phone
		phone_context.set_offline(True)
		expect(phone.locator("#net")).to_have_text("Offline")
		record_check_in(phone, rows[1], f"Phone check-in offline A {stamp}")
		record_check_in(phone, rows[2], f"Phone check-in offline B {stamp}", double_tap=True)
		phone.click("#new-group")
		expect(phone.locator("#view-group")).to_be_visible()
		phone.select_option("#gs-support", "Tutoring")
		for _ in range(3):
			phone.locator("#gs-roster button[aria-pressed='false']").first.click()
		expect(phone.locator("#gs-count")).to_contain_text("3")
		phone.click("#gs-save")
		waiting = queue(phone)
		if [e["kind"] for e in waiting] != ["check_in", "check_in", "group_session"]:
			raise AssertionError(f"expected three queued entries, found {waiting}")
		expect(phone.locator("#queue-list > li")).to_have_count(3)
		step("the page opens offline from the service worker")
		# the page opens without a connection (service worker), the queue still there
		reloaded = phone.reload()
		if not (reloaded and reloaded.from_service_worker):
			raise AssertionError("the page did not open offline from the service worker")
		expect(phone.locator("#queue-list > li")).to_have_count(3, timeout=10000)
		expect(phone.locator("#students button.student").first).to_be_visible()
		top(phone)
		phone.screenshot(path=str(SHOTS / "phone-checkin-offline-queue.png"))

		# an entry the server will refuse: a student who is not (or no longer) at the coordinator's site
		phone.evaluate(
			"""() => { const user = localStorage.getItem('cis-checkin:user'); const k = 'cis-checkin:queue:' + user;
			const q = JSON.parse(localStorage.getItem(k)); const d = new Date();
			const today = `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
			q.push({client_id: crypto.randomUUID(), kind: 'check_in', state: 'waiting', message: '',
				recorded_at_device: d.toISOString(), payload: {student: 'STU-9999999', checkin_date: today,
				contact_with: 'Student', contact_method: 'In Person', minutes: 15, notes: 'moved away'}});
			localStorage.setItem(k, JSON.stringify(q)); }"""
		)

		step("the session ends while offline; back online the page asks to log in")
		# the session ends while the phone is offline (cookies gone): back online, the page asks to log
		# in again and keeps the queue; after the login the queue is sent
		phone_context.clear_cookies()
		phone_context.set_offline(False)
		expect(phone.locator("#notice")).to_contain_text("Your session has ended", timeout=15000)
		if len(queue(phone)) != 4:
			raise AssertionError(f"the queue was not kept when the session ended: {queue(phone)}")
		top(phone)
		phone.screenshot(path=str(SHOTS / "phone-checkin-session-ended.png"))
		phone.locator("#notice a").click()
		phone.wait_for_url("**/login**")
		phone.fill("#login_email", COORDINATOR)
		phone.fill("#login_password", PASSWORD)
		phone.click(".btn-login")
		phone.wait_for_url("**/cis/checkin", timeout=20000)

		step("3. after the login the queue is sent by itself")
		# 3. the queue is sent by itself; the refusal stays on the phone with its reason
		wait_until(
			lambda: all(e["state"] == "refused" for e in queue(phone)),
			"the queue was not sent after the login",
		)
		expect(phone.locator("#notice")).to_contain_text("3 sent")
		refused = queue(phone)
		if len(refused) != 1 or "not among the students of the sites you serve" not in refused[0]["message"]:
			raise AssertionError(f"expected one refusal with its reason, found {refused}")
		expect(phone.locator("#queue-list .reason")).to_contain_text("not among the students")
		top(phone)
		phone.screenshot(path=str(SHOTS / "phone-checkin-refused.png"))
		phone.locator("#queue-list button[data-discard]").click()  # the dialog is accepted
		expect(phone.locator("#queue")).to_be_hidden()
		expect(phone.locator("#notice")).to_contain_text("Nothing is waiting to be sent")
		top(phone)
		phone.screenshot(path=str(SHOTS / "phone-checkin-synced.png"))

		step("4. the same entries sent again")
		# 4. the same entries sent again (a retry after a lost answer): nothing new
		resent = phone.evaluate(
			"""async (entries) => {
				const info = await (await fetch('/api/method/cis_app.api.checkin.session')).json();
				const r = await fetch('/api/method/cis_app.api.checkin.sync', {method: 'POST',
					headers: {'Content-Type': 'application/json', 'X-Frappe-CSRF-Token': info.message.csrf_token},
					body: JSON.stringify({entries})});
				return (await r.json()).message.map((a) => a.status);
			}""",
			waiting,
		)
		if resent != ["duplicate", "duplicate", "duplicate"]:
			raise AssertionError(f"a re-send was not answered duplicate: {resent}")

		after = desk_counts(desk, url)
		stored = desk.request.get(
			f"{url}/api/resource/Student Check-In",
			params={
				"filters": json.dumps([["client_id", "in", [e["client_id"] for e in waiting]]]),
				"fields": json.dumps(["name", "student", "client_id"]),
			},
		).json()["data"]

		step("5. logging out leaves nothing on the phone")
		# 5. logging out leaves nothing of the coordinator on the phone
		phone.click("#logout")
		phone.wait_for_url("**/login**")
		left = phone.evaluate("() => Object.keys(localStorage).filter((k) => k.startsWith('cis-checkin:'))")

		# logging out elsewhere (the desk's own logout call) clears the phone's storage too
		login(phone, url, COORDINATOR)
		phone.goto(f"{url}/cis/checkin")
		expect(phone.locator("#students button.student").first).to_be_visible(timeout=20000)
		kept = phone.evaluate(
			"() => Object.keys(localStorage).filter((k) => k.startsWith('cis-checkin:')).length"
		)
		phone.evaluate("async () => { await fetch('/api/method/logout', {credentials: 'same-origin'}); }")
		left_after_desk_logout = phone.evaluate(
			"() => Object.keys(localStorage).filter((k) => k.startsWith('cis-checkin:'))"
		)
		browser.close()

	new = {doctype: after[doctype] - before[doctype] for doctype in before}
	result = {
		"before": before,
		"after": after,
		"new": new,
		"online_student": online_student,
		"offline_check_ins_stored": len(stored),
		"resent": resent,
		"left_on_phone_after_logout": left,
		"kept_while_logged_in": kept,
		"left_after_desk_logout": left_after_desk_logout,
		"contrast": a11y["pairs"],
	}
	if new != {"Student Check-In": 3, "Group Session": 1}:
		raise AssertionError(f"expected 3 new check-ins and 1 new group session, got {new}")
	if len(stored) != 2:
		raise AssertionError(f"expected the two offline check-ins once each, got {stored}")
	if left or left_after_desk_logout or not kept:
		raise AssertionError(f"left on the phone after logout: {left} {left_after_desk_logout} (kept {kept})")
	return result


def main() -> int:
	parser = argparse.ArgumentParser()
	parser.add_argument("--url", default="http://localhost:8000")
	parser.add_argument("--chromium", default="/usr/bin/chromium")
	args = parser.parse_args()
	try:
		result = run(args.url.rstrip("/"), args.chromium)
	except Exception as error:  # a Playwright timeout as much as a failed check: say which, and fail
		print(f"FAILED: {type(error).__name__}: {error}", file=sys.stderr)
		return 1
	print(json.dumps(result, indent=1))
	print("passed: 1 check-in online, 2 check-ins and 1 roster offline; the desk shows 3 + 1 new records")
	return 0


if __name__ == "__main__":
	sys.exit(main())
