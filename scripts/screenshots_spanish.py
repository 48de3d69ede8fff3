"""In a real browser: what a Spanish-reading coordinator and volunteer see (cis_app/translations/es.csv).

Logs in as a coordinator and as a volunteer whose User language is Spanish ("es") and captures the
desk's new Student Check-In form and the volunteer hours web form. Needs a running site
(``bench --site <site> serve --port <port>``), the two users (the volunteer with a cleared CIS
Volunteer record and a portal login), Playwright's Python package and a Chromium (Debian's
``chromium`` works; no browser download):

    python scripts/screenshots_spanish.py --url http://localhost:8000 --chromium /usr/bin/chromium \\
        --coordinator <coordinator email> --volunteer <volunteer email> --password <password>

Exits non-zero if a page is not in Spanish. Screenshots go to docs/screenshots/es-*.png.
"""

from __future__ import annotations

import argparse
import sys

from browser import PASSWORD, SHOTS, launch, new_page
from playwright.sync_api import Page, expect, sync_playwright


def login(page: Page, url: str, user: str, password: str) -> None:
	page.goto(f"{url}/login")
	page.fill("#login_email", user)
	page.fill("#login_password", password)
	page.click(".btn-login")
	page.wait_for_load_state("networkidle")


def check_in_form(page: Page, url: str) -> None:
	page.goto(f"{url}/app/student-check-in/new")
	form = page.locator(".form-layout")
	expect(form.get_by_text("Formal Case Management Meeting", exact=True)).to_have_count(0)
	expect(form.get_by_text("Reunión formal de gestión de casos", exact=True).first).to_be_visible()
	expect(form.get_by_text("Fecha de seguimiento", exact=True).first).to_be_visible()
	page.wait_for_timeout(500)
	page.screenshot(path=str(SHOTS / "es-student-check-in.png"))


def volunteer_hours_form(page: Page, url: str) -> None:
	page.goto(f"{url}/volunteer-hours/new")
	expect(page.locator(".web-form-header h1, .web-form-head h1").first).to_contain_text(
		"Horas de voluntariado"
	)
	expect(page.locator(".web-form-introduction")).to_contain_text("Registre las horas que trabajó")
	expect(page.get_by_text("Lo que hizo", exact=True).first).to_be_visible()
	expect(page.get_by_role("button", name="Registrar horas")).to_be_visible()
	page.wait_for_timeout(500)
	page.screenshot(path=str(SHOTS / "es-volunteer-hours-form.png"), full_page=True)


def main() -> None:
	parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
	parser.add_argument("--url", required=True)
	parser.add_argument("--chromium", default="/usr/bin/chromium")
	parser.add_argument("--coordinator", required=True)
	parser.add_argument("--volunteer", required=True)
	parser.add_argument("--password", default=PASSWORD)
	args = parser.parse_args()
	with sync_playwright() as playwright:
		browser = launch(playwright, args.chromium)
		try:
			page = new_page(browser)
			login(page, args.url, args.coordinator, args.password)
			check_in_form(page, args.url)
			page = new_page(browser, width=412, height=915)  # a volunteer logs hours on a phone
			login(page, args.url, args.volunteer, args.password)
			volunteer_hours_form(page, args.url)
		except AssertionError as error:
			sys.exit(f"Not in Spanish: {error}")
		finally:
			browser.close()
	print("es-student-check-in.png, es-volunteer-hours-form.png written")


if __name__ == "__main__":
	main()
