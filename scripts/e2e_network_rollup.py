"""End to end in a real browser: the network roll-up (Outcome Export files of several affiliates, imported and summed).

1. On an affiliate's site with the demo loaded (``--url``; it only reads there): the demo CIS
   Administrator opens CIS Outcomes for the previous school year and downloads the Outcome Export as
   JSON and as CSV from the report's "Outcome Export" button; both files are valid, hold the same rows,
   and name no student. The Evaluator sees Network Mode but no export button; a coordinator sees
   neither.
2. On the network's site (``--network-url``; a site of its own: it writes there), Administrator
   (``--network-password``) registers the two affiliates and their sites there when missing (a file
   naming an affiliate or site the site does not know is refused), creates a Network Outcome Import,
   attaches (sidebar) the demo's JSON and a second, synthetic affiliate's CSV, saves and submits it,
   and opens the roll-up in network mode. A file with an unsuppressed small cell is refused with its
   reason. The records made there are removed at the end.

    python scripts/e2e_network_rollup.py --url http://localhost:8000 --network-url http://localhost:8001 \\
        --year 2025-2026 --chromium /usr/bin/chromium

Needs the School Year ``--year`` on the network's site. Exits non-zero if any step fails. Screenshots go
to docs/screenshots/network-*.png.
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
import tempfile
from pathlib import Path

from browser import PASSWORD, SHOTS, launch, new_page
from playwright.sync_api import Page, expect, sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pandas as pd

from cis_app.core import network_rollup
from cis_app.core.outcomes import outcome_metrics, suppress_outcomes

ADMIN = "admin@cis-demo.example"
EVALUATOR = "evaluator@cis-demo.example"
COORDINATOR = "coordinator@cis-demo.example"
REPORT = "/app/query-report/CIS Outcomes"


def login(page: Page, url: str, user: str, password: str = PASSWORD) -> None:
	page.goto(f"{url}/login")
	page.fill("#login_email", user)
	page.fill("#login_password", password)
	page.click(".btn-login")
	page.wait_for_url("**/app**")
	page.wait_for_load_state("networkidle")


def logout(page: Page, url: str) -> None:
	page.goto(f"{url}/api/method/logout")
	page.context.clear_cookies()


def open_report(page: Page, url: str, year: str, **filters) -> None:
	query = "&".join(f"{key}={value}" for key, value in {"school_year": year, **filters}.items())
	page.goto(f"{url}{REPORT}?{query}")
	page.wait_for_selector(".dt-row, .no-result", state="attached", timeout=60000)
	page.wait_for_load_state("networkidle")
	close_stray_dialogs(page)


def close_stray_dialogs(page: Page) -> None:
	"""Close a message another part of the desk may have opened (not this check's concern)."""
	for _ in range(3):
		if not page.locator(".modal:visible").count():
			return
		page.keyboard.press("Escape")
		page.wait_for_timeout(400)


def export_button(page: Page):
	return page.locator(".page-actions .inner-group-button button:has-text('Outcome Export')")


def download_exports(page: Page, url: str, year: str, folder: Path) -> dict[str, Path]:
	login(page, url, ADMIN)
	open_report(page, url, year, group_by="Site")
	files = {}
	for label in ("JSON", "CSV"):
		export_button(page).click()
		item = page.locator(f".page-actions .inner-group-button .dropdown-item:has-text('{label}')")
		expect(item).to_be_visible()
		if label == "JSON":
			page.screenshot(path=str(SHOTS / "network-outcome-export-button.png"))
		with page.expect_download(timeout=60000) as download:
			item.click()
		path = folder / download.value.suggested_filename
		download.value.save_as(path)
		files[label] = path
	logout(page, url)
	return files


def check_exports(files: dict[str, Path], year: str) -> dict:
	exports = {
		label: network_rollup.validate_export(network_rollup.parse_export(path.read_bytes()))
		for label, path in files.items()
	}
	# two downloads: only the time they were generated may differ
	if {**exports["JSON"], "generated_at": None} != {**exports["CSV"], "generated_at": None}:
		raise AssertionError("the JSON and CSV exports differ")
	export = exports["JSON"]
	if export["school_year"] != year:
		raise AssertionError(f"exported {export['school_year']}, not {year}")
	for path in files.values():
		text = path.read_text()
		if "Student" in text or "STU-" in text:
			raise AssertionError(f"{path.name} names a student")
	sites = {row["site"] for row in export["rows"] if row["level"] == "site"}
	print(
		f"export: {export['affiliate']['name']}, {len(sites)} sites, {len(export['rows'])} rows, JSON = CSV"
	)
	return export


def check_roles(page: Page, url: str, year: str) -> None:
	login(page, url, EVALUATOR)
	open_report(page, url, year)
	if export_button(page).count():
		raise AssertionError("the Evaluator sees the Outcome Export button")
	expect(page.locator(".page-form .frappe-control[data-fieldname='network_mode']")).to_be_visible()
	logout(page, url)
	login(page, url, COORDINATOR)
	open_report(page, url, year)
	if export_button(page).count():
		raise AssertionError("a coordinator sees the Outcome Export button")
	expect(page.locator(".page-form .frappe-control[data-fieldname='network_mode']")).to_be_hidden()
	logout(page, url)
	print("roles: the Evaluator sees Network Mode only; a coordinator neither")


def synthetic_export(year: str, threshold: int) -> dict:
	"""A second affiliate's export: two sites, figures made up."""
	rows = []
	for site, count in (("Eastside Middle (Synthetic)", 60), ("Lakeview High (Synthetic)", 45)):
		for number in range(count):
			status = "Promoted" if number < count - 15 else ("Retained" if number < count - 5 else "Moved")
			grade = "8" if "Middle" in site else "10"
			rows.append((f"{site}-{number}", site, grade, status))
	cohort = pd.DataFrame(rows, columns=["student", "site", "grade_level", "year_end_status"])
	metrics = suppress_outcomes(outcome_metrics(cohort, None, group_by="site"), threshold)
	return network_rollup.build_export(
		"CIS of Lakeview (Synthetic)",
		"CIS of Lakeview (Synthetic)",
		year,
		"2026-08-01T12:00:00+00:00",
		threshold,
		metrics,
	)


def attach_file(page: Page, path: Path) -> None:
	"""Attach ``path`` to the open form with the sidebar's Attach File, as a person would."""
	page.locator(".form-sidebar .add-attachment-btn").first.click()
	page.locator(".file-uploader input[type=file]").set_input_files(str(path))
	page.locator(".modal:visible .btn-modal-primary:has-text('Upload')").click()
	page.wait_for_selector(".file-uploader", state="detached", timeout=30000)
	page.wait_for_timeout(500)


def new_import(page: Page, url: str, title: str, files: list[Path]) -> str:
	"""A new import saved with its title (Frappe uploads files only to a saved record), then the
	files attached and saved again (which checks them). Returns its name."""
	page.goto(f"{url}/app/network-outcome-import/new")
	page.wait_for_selector(".frappe-control[data-fieldname='title'] input")
	page.locator(".frappe-control[data-fieldname='title'] input").fill(title)
	page.keyboard.press("Control+s")
	page.wait_for_url("**/app/network-outcome-import/NOI-*", timeout=60000)
	page.wait_for_selector(".form-sidebar .add-attachment-btn", state="attached")
	name = page.evaluate("() => cur_frm.doc.name")
	for path in files:
		attach_file(page, path)
	page.get_by_role("button", name="Check Files").click()
	return name


REGISTER = """async (affiliates) => {
	const made = [];
	for (const [affiliate, sites] of Object.entries(affiliates)) {
		if (!(await frappe.db.exists("Affiliate", affiliate))) {
			await frappe.db.insert({doctype: "Affiliate", affiliate_name: affiliate});
			made.push(["Affiliate", affiliate]);
		}
		for (const site of sites) {
			if (!(await frappe.db.exists("Site", site))) {
				await frappe.db.insert({doctype: "Site", site_name: site, affiliate});
				made.push(["Site", site]);
			}
		}
	}
	return made;
}"""


def register_affiliates(page: Page, exports: list[dict]) -> list[list[str]]:
	"""The network's site knows each affiliate it imports and its sites (a file naming anything else is
	refused): the ones missing are made, and returned to be removed at the end (sites first)."""
	affiliates = {
		export["affiliate"]["id"]: sorted({row["site"] for row in export["rows"] if row["site"]})
		for export in exports
	}
	made = page.evaluate(REGISTER, affiliates)
	return list(reversed(made))


def network_site(
	page: Page, url: str, password: str, year: str, files: list[Path], bad: Path, exports: list[dict]
) -> None:
	login(page, url, "Administrator", password)
	made = register_affiliates(page, exports)
	refused = new_import(page, url, "Browser check: refused", [bad])
	dialog = page.locator(".modal:visible .msgprint")
	expect(dialog).to_contain_text("is refused, and nothing is imported", timeout=30000)
	expect(dialog).to_contain_text("is below the small-cell threshold")
	page.wait_for_timeout(1500)  # the dialog's fade-in
	page.screenshot(path=str(SHOTS / "network-outcome-import-refused.png"))
	page.keyboard.press("Escape")

	name = new_import(page, url, "Browser check", files)
	page.wait_for_function(
		"() => !cur_frm.is_dirty() && cur_frm.doc.files.every((row) => row.affiliate)", timeout=60000
	)
	page.wait_for_load_state("networkidle")
	rows = page.evaluate(
		"() => cur_frm.doc.files.map((row) => [row.affiliate_name, row.file_format, row.row_count])"
	)
	print(f"import saved: {rows}")
	page.get_by_role("button", name="Submit").first.click()
	page.locator(".modal:visible .btn-primary:has-text('Yes')").click()
	page.wait_for_function("() => cur_frm.doc.docstatus === 1", timeout=60000)
	page.wait_for_load_state("networkidle")
	imported = page.evaluate("() => cur_frm.doc.imported_rows")
	print(f"import submitted: {imported} rows")
	page.screenshot(path=str(SHOTS / "network-outcome-import.png"), full_page=True)

	page.get_by_role("button", name="Network Roll-up").click()
	page.wait_for_selector(".dt-row", state="attached", timeout=60000)
	page.wait_for_load_state("networkidle")
	page.wait_for_timeout(1000)
	close_stray_dialogs(page)
	page.evaluate(
		"() => document.querySelectorAll('#alert-container .desk-alert').forEach((alert) => alert.remove())"
	)
	groups = page.evaluate(
		"() => frappe.query_report.data.filter((row) => row.metric === 'cohort').map((row) => [row.group, row.numerator, row.coverage])"
	)
	print(f"network mode, cohort: {groups}")
	if not groups or groups[0][0] != "Network total" or len(groups) != 3:
		raise AssertionError(f"unexpected roll-up: {groups}")
	page.screenshot(path=str(SHOTS / "network-rollup-report.png"), full_page=True)

	# clean up the network site: cancel (removes the rows) and delete
	page.evaluate(
		"""async ([name, refused]) => {
			await frappe.call("frappe.client.cancel", {doctype: "Network Outcome Import", name});
			await frappe.call("frappe.client.delete", {doctype: "Network Outcome Import", name});
			await frappe.call("frappe.client.delete", {doctype: "Network Outcome Import", name: refused});
		}""",
		[name, refused],
	)
	page.evaluate(
		"""async (made) => {
			for (const [doctype, name] of made) await frappe.call("frappe.client.delete", {doctype, name});
		}""",
		made,
	)
	left = page.evaluate("async () => (await frappe.db.count('Network Outcome'))")
	print(f"cleaned up: {left} Network Outcome rows left, {len(made)} affiliates and sites removed")


def main() -> int:
	parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
	parser.add_argument("--url", required=True)
	parser.add_argument("--network-url", required=True)
	parser.add_argument("--network-password", default="admin")
	parser.add_argument("--year", required=True)
	parser.add_argument("--chromium", default="/usr/bin/chromium")
	args = parser.parse_args()
	with sync_playwright() as playwright, tempfile.TemporaryDirectory() as folder:
		browser = launch(playwright, args.chromium)
		page = new_page(browser)
		page.set_default_timeout(30000)
		files = download_exports(page, args.url, args.year, Path(folder))
		export = check_exports(files, args.year)
		check_roles(page, args.url, args.year)
		second = Path(folder) / "outcome-export-cis-lakeview-synthetic.csv"
		synthetic = synthetic_export(args.year, export["small_cell_threshold"])
		second.write_text(network_rollup.to_csv(synthetic))
		bad = copy.deepcopy(export)
		cell = next(row for row in bad["rows"] if row["suppressed"] and row["metric"] != "cohort")
		cell.update(numerator=3, denominator=None if cell["metric"] in network_rollup.COUNT_METRICS else 5)
		if cell["denominator"] is not None:
			cell["percent"] = 60.0
		cell["suppressed"] = 0
		bad_path = Path(folder) / "outcome-export-tampered.json"
		bad_path.write_text(json.dumps(bad))
		network_site(
			page,
			args.network_url,
			args.network_password,
			args.year,
			[files["JSON"], second],
			bad_path,
			[export, synthetic],
		)
		browser.close()
	print("OK")
	return 0


if __name__ == "__main__":
	sys.exit(main())
