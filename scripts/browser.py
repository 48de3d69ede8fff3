"""What the browser checks share: the demo's password, launching the system Chromium, logging in."""

from __future__ import annotations

import os
from pathlib import Path

from playwright.sync_api import Browser, Page, Playwright

PASSWORD = "cis-demo-2026"
# The guides' screenshots (docs/*.md show them); the test command (scripts/run-tests) sends them elsewhere unless asked.
SHOTS = Path(os.environ.get("CIS_SCREENSHOTS") or Path(__file__).resolve().parent.parent / "docs" / "screenshots")
CHROMIUM_ARGS = [
	"--no-sandbox",
	"--disable-gpu",
	"--disable-background-networking",
	"--disable-component-update",
	"--disable-sync",
	"--no-first-run",
	"--disable-quic",
]


def launch(playwright: Playwright, chromium: str) -> Browser:
	SHOTS.mkdir(parents=True, exist_ok=True)
	return playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)


def new_page(browser: Browser, width: int = 1440, height: int = 900) -> Page:
	return browser.new_context(viewport={"width": width, "height": height}).new_page()


def login(page: Page, url: str, user: str) -> None:
	"""Log in through the site's login page, as a person would."""
	page.goto(f"{url}/login")
	page.fill("#login_email", user)
	page.fill("#login_password", PASSWORD)
	page.click(".btn-login")
	page.wait_for_load_state("networkidle")
