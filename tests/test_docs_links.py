"""Every relative link and image of the README and the guides in docs/ points at a file of the
repository, and every link to a section names a heading of the page it points at."""

import re
from pathlib import Path

from .metadata import ROOT

LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")
FENCE = re.compile(r"^```.*?^```", re.S | re.M)
HEADING = re.compile(r"^#{1,6} (.+)$", re.M)


def pages() -> list[Path]:
	return [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


def slug(heading: str) -> str:
	"""The anchor GitHub gives a heading: lower case, punctuation dropped, spaces to hyphens."""
	text = re.sub(r"[`*_]", "", heading.strip().lower())
	text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
	return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(page: Path) -> set[str]:
	return {slug(h) for h in HEADING.findall(FENCE.sub("", page.read_text()))}


def links(page: Path) -> list[str]:
	return LINK.findall(FENCE.sub("", page.read_text()))


def broken(page: Path) -> list[str]:
	problems = []
	for target in links(page):
		if re.match(r"[a-z][a-z0-9+.-]*:", target):  # http:, https:, mailto:
			continue
		path, _, anchor = target.partition("#")
		file = (page.parent / path).resolve() if path else page
		if not file.exists():
			problems.append(f"{target}: no such file")
		elif anchor and file.suffix == ".md" and anchor not in anchors(file):
			problems.append(f"{target}: no such heading in {file.relative_to(ROOT)}")
		elif file.exists() and not file.resolve().is_relative_to(ROOT):
			problems.append(f"{target}: outside the repository")
	return problems


def test_every_relative_link_and_image_resolves():
	found = {p.relative_to(ROOT).as_posix(): broken(p) for p in pages()}
	assert {page: problems for page, problems in found.items() if problems} == {}


def test_the_pages_link_something():
	"""The check above reads links at all: the README links every guide, and images are found."""
	readme = links(ROOT / "README.md")
	for guide in sorted((ROOT / "docs").glob("*.md")):
		assert f"docs/{guide.name}" in readme, f"the README does not link {guide.name}"
	assert any(
		t.startswith("screenshots/") and t.endswith(".png") for t in links(ROOT / "docs/coordinator.md")
	)


def test_the_slug_is_githubs():
	assert (
		slug("Where the app changes Frappe without a hook") == "where-the-app-changes-frappe-without-a-hook"
	)
	assert slug("The coordinator's phone") == "the-coordinators-phone"
	assert slug("Disclosures, views and retention") == "disclosures-views-and-retention"
	assert slug("Student list, recompute and the Volunteer Hours Summary") == (
		"student-list-recompute-and-the-volunteer-hours-summary"
	)


def test_every_screenshot_is_shown_somewhere():
	"""Screenshots stay current: none is left in docs/screenshots that no page shows."""
	shown = {(page.parent / t).resolve() for page in pages() for t in links(page) if t.endswith(".png")}
	unused = sorted(p.name for p in (ROOT / "docs" / "screenshots").glob("*.png") if p.resolve() not in shown)
	assert unused == []
