"""In a real browser: a CIS Administrator runs a Roster Import of a sample file (dry run, then apply)
and the two results are captured for the administrator's guide (docs/administrator.md).

Needs a running site with the demo loaded and the sample files made (docs/administrator.md, "District data in"), a
worker for the long queue (``bench worker``), Playwright's Python package and a Chromium (Debian's
``chromium`` works; no browser download):

    python scripts/screenshots_roster_import.py --url http://localhost:8000 --chromium /usr/bin/chromium \\
        --file <site>/private/files/cis-samples/cedar-valley-isd-demo-oneroster-1.2.zip

Exits non-zero if a step fails. Screenshots go to docs/screenshots/.
"""

from __future__ import annotations

import argparse
import base64
import sys
import time
from pathlib import Path

from browser import SHOTS, launch, login, new_page
from playwright.sync_api import Page, expect, sync_playwright

ADMIN = "admin@cis-demo.example"
DISTRICT = "Cedar Valley ISD (Demo)"


def create_import(page: Page, url: str, file: Path, district: str) -> str:
	"""A Dry Run Roster Import of the district with the zip attached (private), through the API the
	form uses: the file is uploaded to the saved import, as the form does after the first save."""
	page.goto(f"{url}/app/roster-import")
	page.wait_for_function("() => window.frappe && frappe.csrf_token")
	return page.evaluate(
		"""async ([district, name, content]) => {
			const doc = await frappe.db.insert({doctype: "Roster Import", school_district: district, mode: "Dry Run"});
			const bytes = Uint8Array.from(atob(content), (c) => c.charCodeAt(0));
			const form = new FormData();
			form.append("file", new Blob([bytes], {type: "application/zip"}), name);
			form.append("is_private", "1");
			form.append("doctype", "Roster Import");
			form.append("docname", doc.name);
			form.append("fieldname", "import_file");
			const response = await fetch("/api/method/upload_file", {
				method: "POST", body: form, headers: {"X-Frappe-CSRF-Token": frappe.csrf_token},
			});
			const uploaded = (await response.json()).message;
			await frappe.db.set_value("Roster Import", doc.name, "import_file", uploaded.file_url);
			return doc.name;
		}""",
		[district, file.name, base64.b64encode(file.read_bytes()).decode()],
	)


def wait_until_done(page: Page, name: str, timeout: float = 600) -> str:
	end = time.time() + timeout
	while time.time() < end:
		status = page.evaluate(
			"async (name) => (await frappe.db.get_value('Roster Import', name, 'status')).message.status",
			name,
		)
		if status not in ("Pending", "Running"):
			return status
		time.sleep(1)
	raise TimeoutError(f"Roster Import {name} still running after {timeout} s: is a worker running?")


def run_and_capture(page: Page, url: str, name: str, button: str, shot: str, confirm: bool) -> str:
	"""Start the run with the form's button (unless it has already run in this mode), wait until the
	worker has finished it, and capture the form."""
	page.goto(f"{url}/app/roster-import/{name}")
	page.wait_for_selector(f"button:has-text('{button}')")
	done = page.evaluate(
		"""async (name) => {
			const doc = (await frappe.db.get_value("Roster Import", name, ["status", "summary"])).message;
			return doc.status !== "Pending" && doc.summary && JSON.parse(doc.summary).mode === cur_frm.doc.mode;
		}""",
		name,
	)
	if not done:
		page.click(f"button:has-text('{button}')")
		if confirm:
			page.click(".modal.show .btn-primary:has-text('Yes')")
		time.sleep(2)
	status = wait_until_done(page, name)
	page.goto(f"{url}/app/roster-import/{name}")
	page.wait_for_load_state("networkidle")
	expect(page.locator(".frappe-control[data-fieldname='summary_html']")).to_contain_text("New")
	time.sleep(1)
	page.screenshot(path=str(SHOTS / shot), full_page=True)
	return status


def main() -> int:
	parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
	parser.add_argument("--url", required=True)
	parser.add_argument("--chromium", default="/usr/bin/chromium")
	parser.add_argument("--file", type=Path, help="a sample OneRoster zip of the district")
	parser.add_argument("--name", help="an existing Roster Import of the district to go on with")
	parser.add_argument("--district", default=DISTRICT)
	args = parser.parse_args()
	with sync_playwright() as playwright:
		browser = launch(playwright, args.chromium)
		page = new_page(browser, 1440, 1000)
		login(page, args.url, ADMIN)
		name = args.name or create_import(page, args.url, args.file, args.district)
		dry = run_and_capture(page, args.url, name, "Start Dry Run", "roster-import-dry-run.png", False)
		print(f"{name} dry run: {dry}")
		page.evaluate("(name) => frappe.db.set_value('Roster Import', name, 'mode', 'Apply')", name)
		applied = run_and_capture(page, args.url, name, "Apply Import", "roster-import-applied.png", True)
		print(f"{name} applied: {applied}")
		browser.close()
	return 0


if __name__ == "__main__":
	sys.exit(main())
