"""Website users (volunteers, partner contacts) may call only the methods their portal pages use.

Deny by default: a Website User's call of any whitelisted method that is not on ``WEBSITE_USER_METHODS``
is refused with a 403 before it runs, whatever the route (``/api/method/...``, ``/api/v1/method/...``,
``/api/v2/method/...`` or the old ``cmd`` form field), and so is any other ``/api/`` route except the
REST routes of the DocTypes in ``WEBSITE_USER_DOCTYPES`` (the volunteer's own hours, as docs/volunteer.md
documents). It covers the app's website users (a CIS Volunteer or CIS Partner Contact role): another
app's website users on a shared site (an ERPNext customer) keep Frappe's behaviour and their own
portal. Staff (System Users) and Guests are not affected here: Guests can only reach Frappe's
``allow_guest`` methods anyway, and staff methods are scoped by the permission rules and
``cis_app.overrides.generic_methods``.

The check runs twice in a request, on purpose: from ``before_request`` (the user of a browser's session
is known there) and from ``auth_hooks``, which Frappe calls after it has resolved an API token or
OAuth bearer (in v15 ``frappe.app.init_request`` runs ``before_request`` before ``validate_auth``, so a
token's user is still Guest in ``before_request``).

``tests/test_portal_methods.py`` (framework-free) reads the portal pages, templates, web forms and
their scripts and fails when one calls a method that is not listed here.
"""

from __future__ import annotations

from cis_app.utils.roles import CIS_WEBSITE_ROLES

# One list: method as the client names it -> which page uses it (or why Frappe's portal needs it).
WEBSITE_USER_METHODS: dict[str, str] = {
	# session basics: log in and out, passwords (Frappe's /login, /update-password, navbar logout)
	"login": "Frappe /login",
	"logout": "Frappe navbar and /apps",
	"web_logout": "Frappe /?cmd=web_logout",
	"ping": "Frappe health check",
	"frappe.www.login.login_via_token": "Frappe /login (login link)",
	"frappe.www.login.send_login_link": "Frappe /login (login link)",
	"frappe.core.doctype.user.user.reset_password": "Frappe /login (forgot password)",
	"frappe.core.doctype.user.user.update_password": "Frappe /update-password",
	"frappe.core.doctype.user.user.test_password_strength": "Frappe /update-password",
	# the website's own basics: the realtime server asks who the user is, page views, website search
	"frappe.realtime.get_user_info": "Frappe socket.io server (authenticate)",
	"frappe.realtime.can_subscribe_doc": "Frappe socket.io server (document room)",
	"frappe.realtime.can_subscribe_doctype": "Frappe socket.io server (list room)",
	"frappe.website.doctype.web_page_view.web_page_view.make_view_log": "Frappe website_script.js",
	"frappe.search.web_search": "Frappe website.js (navbar search)",
	# /volunteer-hours (Web Form volunteer-hours): save, the list of own entries, the New button
	"frappe.website.doctype.web_form.web_form.accept": "/volunteer-hours (web_form.js save)",
	"frappe.www.list.get_list_data": "/volunteer-hours list (web_form_list.js)",
	"frappe.website.doctype.web_form.web_form.get_web_form_filters": "/volunteer-hours list (web_form_list.js)",
	"frappe.client.has_permission": "/volunteer-hours list (web_form_list.js New button)",
	# the volunteer's own records through counts (same DocTypes as their REST access, see below)
	"frappe.client.get_count": "volunteer REST clients (own hours); only for WEBSITE_USER_DOCTYPES",
	"frappe.client.get_value": "scripts/e2e_volunteer_hours.py (an entry's status); only for WEBSITE_USER_DOCTYPES",
	# not used by a portal page; kept because cis_app.cis_case_management.disclosures gives website users Frappe's own
	# behaviour there (a PDF of the HTML they sent, refused for student rows) and
	# test_report_print_rest.py holds it. Take it off together with those two tests to refuse it too.
	"frappe.utils.print_format.report_to_pdf": "Frappe's report PDF (cis_app.cis_case_management.disclosures.report_to_pdf)",
	# /partner-referrals (cis_app.cis_partnerships.portal)
	"cis_app.cis_partnerships.portal.act": "/partner-referrals/<referral> (accept, decline, record the service)",
	"cis_app.cis_partnerships.portal.get_referrals": "partner portal API (the list page's rows)",
	"cis_app.cis_partnerships.portal.get_referral": "partner portal API (one referral's page)",
}

# Methods on the list above that take a ``doctype`` argument: allowed only for these DocTypes.
DOCTYPE_BOUND_METHODS = frozenset(
	{"frappe.client.get_count", "frappe.client.get_value", "frappe.client.has_permission"}
)

# ``/api/resource/<DocType>`` (and ``/api/v2/document/<DocType>``) for website users: the volunteer
# logs and reads their own hours there (docs/volunteer.md); the rules of each DocType
# decide which rows. Every other DocType's REST route is refused before it runs.
WEBSITE_USER_DOCTYPES = frozenset({"Volunteer Hours", "CIS Volunteer"})


def method_of_request(path: str, cmd: str | None, http_method: str = "GET") -> tuple[str, str | None]:
	"""What a request asks for: ("method", name), ("resource", DocType), ("doc_method", DocType),
	("api", None) for any other /api/ route, or ("page", None)."""
	if cmd:
		# Frappe answers a ``cmd`` field before it looks at the path (frappe.app.application)
		return "method", cmd
	if not path.startswith("/api/"):
		return "page", None
	rest = path[len("/api/") :]
	version = None
	for prefix in ("v1/", "v2/"):
		if rest.startswith(prefix):
			version, rest = prefix[:2], rest[len(prefix) :]
	if rest.startswith("method/"):
		return "method", rest[len("method/") :]
	resource_prefix = "document/" if version == "v2" else "resource/"
	if rest.startswith(resource_prefix):
		parts = rest[len(resource_prefix) :].strip("/").split("/")
		doctype = parts[0]
		# /resource/<dt>/<name> POST runs a document method (v1); v2 spells it /<name>/method/<m>
		if len(parts) > 2 or (len(parts) == 2 and version != "v2" and http_method == "POST"):
			return "doc_method", doctype
		return "resource", doctype
	return "api", None


def is_allowed(path: str, cmd: str | None, doctype_arg=None, http_method: str = "GET") -> bool:
	"""Whether a website user may make this request (the rule, without Frappe)."""
	kind, target = method_of_request(path, cmd, http_method)
	if kind == "page":
		return True
	if kind == "resource":
		return target in WEBSITE_USER_DOCTYPES
	if kind == "method" and target in WEBSITE_USER_METHODS:
		return target not in DOCTYPE_BOUND_METHODS or doctype_arg in WEBSITE_USER_DOCTYPES
	return False


def refuse_unlisted() -> None:
	"""``before_request`` and ``auth_hooks``: refuse a website user's call that is not listed."""
	import frappe  # imported here: the rule above is tested without Frappe (tests/)
	from frappe import _

	request = getattr(frappe.local, "request", None)
	user = getattr(getattr(frappe.local, "session", None), "user", None)
	if request is None or not user or user in ("Guest", "Administrator"):
		return
	if frappe.get_cached_value("User", user, "user_type") != "Website User":
		return
	# the app's website users only: another app's (an ERPNext customer's portal) keep Frappe's rules
	if not set(frappe.get_roles(user)) & set(CIS_WEBSITE_ROLES):
		return
	form = frappe.local.form_dict or {}
	cmd = form.get("cmd")
	if is_allowed(request.path, cmd, form.get("doctype"), request.method):
		return
	frappe.throw(
		_(
			"Your account can use only the pages of this website (such as your referrals or your volunteer hours). Open the page you need from the website menu."
		),
		frappe.PermissionError,
	)
