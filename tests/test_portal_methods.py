"""Every method a portal page calls is on the website users' allow-list (cis_app.permissions.website_users).

Website users may call only listed methods; a page that calls an unlisted one would break for them.
This reads the portal pages, templates and web forms (their scripts, and what Frappe's web form script
calls for the options each form turns on) and fails when a call is not on the list."""

import json
import re
from pathlib import Path

import pytest

from cis_app.permissions import website_users as method_allowlist
ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "cis_app"
SCANNED = ("www", "templates")
# staff-only pages under www: they refuse website users themselves (tested in cis_app/tests/test_checkin_api.py)
STAFF_PAGES = (APP / "www" / "cis",)
SUFFIXES = {".html", ".js", ".py", ".json", ".md"}

CALL_PATTERNS = (
	re.compile(r"""\bmethod\s*:\s*["']([\w.]+)["']"""),
	re.compile(r"""\bfrappe\s*\.\s*x?call\(\s*["']([\w.]+)["']"""),
	re.compile(r"""\bcmd\s*[:=]\s*["']([\w.]+)["']"""),
	re.compile(r"""/api/(?:v[12]/)?method/([\w.]+)"""),
)


def called_methods(text: str) -> set[str]:
	return {match for pattern in CALL_PATTERNS for match in pattern.findall(text)}


def portal_files() -> list[Path]:
	files = [path for folder in SCANNED for path in (APP / folder).rglob("*") if path.suffix in SUFFIXES]
	files += [path for path in APP.glob("*/web_form/**/*") if path.suffix in SUFFIXES]
	return sorted(
		path for path in files if path.is_file() and not any(staff in path.parents for staff in STAFF_PAGES)
	)


def web_form_methods(form: dict) -> set[str]:
	"""What Frappe v15's web form script (web_form.js, web_form_list.js) calls for this form."""
	methods = {"frappe.website.doctype.web_form.web_form.accept"}
	if form.get("show_list"):
		methods |= {
			"frappe.www.list.get_list_data",
			"frappe.website.doctype.web_form.web_form.get_web_form_filters",
			"frappe.client.has_permission",
		}
	if form.get("allow_delete"):
		methods.add("frappe.website.doctype.web_form.web_form.delete_multiple")
	field_types = {field.get("fieldtype") for field in form.get("web_form_fields", [])}
	if field_types & {"Attach", "Attach Image"}:
		methods.add("frappe.handler.upload_file")
	if form.get("allow_comments"):
		methods.add("frappe.templates.includes.comments.comments.add_comment")
	return methods


def calls_by_file() -> dict[str, set[str]]:
	calls = {}
	for path in portal_files():
		text = path.read_text(encoding="utf-8")
		methods = called_methods(text)
		if path.suffix == ".json" and path.parent.parent.name == "web_form":
			form = json.loads(text)
			methods |= called_methods(form.get("client_script") or "") | web_form_methods(form)
		if methods:
			calls[str(path.relative_to(ROOT))] = methods
	return calls


def unlisted(calls: dict[str, set[str]], allowed) -> list[str]:
	return sorted(f"{path}: {method}" for path, methods in calls.items() for method in methods - set(allowed))


def test_the_scan_finds_the_portal_calls():
	"""The scan sees the partner portal's action and the volunteer form's save: if it found nothing, the
	test below could not fail."""
	found = set().union(*calls_by_file().values())
	assert "cis_app.cis_partnerships.portal.act" in found
	assert "frappe.website.doctype.web_form.web_form.accept" in found
	assert "frappe.www.list.get_list_data" in found


def test_every_method_a_portal_page_calls_is_allowed():
	missing = unlisted(calls_by_file(), method_allowlist.WEBSITE_USER_METHODS)
	assert not missing, "portal pages call methods website users may not call: " + ", ".join(missing)


@pytest.mark.parametrize("method", ["cis_app.cis_partnerships.portal.act", "frappe.www.list.get_list_data"])
def test_the_check_fails_when_a_portal_method_is_taken_off_the_list(method):
	allowed = dict(method_allowlist.WEBSITE_USER_METHODS)
	del allowed[method]
	assert any(line.endswith(": " + method) for line in unlisted(calls_by_file(), allowed))


def test_the_scanner_reads_each_way_of_calling():
	text = """
		frappe.call({method: "a.b.one"}); frappe
			.call("a.b.two"); frappe.xcall('a.b.three');
		args.cmd = "a.b.four"; fetch("/api/method/a.b.five"); fetch("/api/v2/method/a.b.six");
	"""
	assert called_methods(text) == {f"a.b.{n}" for n in ("one", "two", "three", "four", "five", "six")}


# ------------------------------------------------------------ the rule itself


@pytest.mark.parametrize(
	"path, cmd, doctype, http_method, allowed",
	[
		("/api/method/cis_app.cis_partnerships.portal.act", None, None, "POST", True),
		("/api/v2/method/cis_app.cis_partnerships.portal.act", None, None, "POST", True),
		("/api/method/frappe.desk.search.get_link_title", None, "Student", "GET", False),
		("/api/v1/method/frappe.desk.listview.get_group_by_count", None, "Student", "GET", False),
		("/api/v2/method/frappe.desk.doctype.tag.tag.get_tags", None, "Student", "GET", False),
		("/api/v2/method/Student/get_title", None, None, "GET", False),
		("/api/method/run_doc_method", None, None, "POST", False),
		("/", "frappe.desk.doctype.tag.tag.get_tags", None, "POST", False),
		("/", "web_logout", None, "GET", True),
		# a cmd field wins over the path in Frappe: the cmd is what is checked
		("/api/method/ping", "frappe.client.get_list", "Tag", "GET", False),
		("/api/method/frappe.client.get_count", None, "Volunteer Hours", "GET", True),
		("/api/method/frappe.client.get_count", None, "Tag", "GET", False),
		("/api/method/frappe.client.get_count", None, None, "GET", False),
		("/api/method/frappe.client.get_value", None, "Volunteer Hours", "GET", True),
		("/api/method/frappe.client.get_value", None, "Student", "GET", False),
		("/api/resource/Volunteer Hours", None, None, "GET", True),
		("/api/resource/Volunteer Hours", None, None, "POST", True),
		("/api/resource/Volunteer Hours/VH-0001", None, None, "PUT", True),
		("/api/resource/Volunteer Hours/VH-0001", None, None, "POST", False),
		("/api/resource/Tag", None, None, "GET", False),
		("/api/v2/document/Volunteer Hours", None, None, "GET", True),
		("/api/v2/document/Volunteer Hours/VH-0001/method/submit", None, None, "POST", False),
		("/api/v2/doctype/Volunteer Hours/meta", None, None, "GET", False),
		("/partner-referrals", None, None, "GET", True),
	],
)
def test_what_a_website_user_may_request(path, cmd, doctype, http_method, allowed):
	assert method_allowlist.is_allowed(path, cmd, doctype, http_method) is allowed
