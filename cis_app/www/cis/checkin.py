"""/cis/checkin: the coordinator's quick check-in page, made for a phone and for patchy Wi-Fi.

The HTML is a shell holding no student data and nothing about the user, so the service worker may
keep it for offline use; the script reads the caseload through ``cis_app.api.checkin``. Guests are
sent to the login page; users without a staff role get 403.
"""

import frappe
from frappe import _

from cis_app.api.checkin import get_cache_hours, is_site_worker

no_cache = 1


def get_context(context):
	if frappe.session.user == "Guest":
		frappe.local.flags.redirect_location = "/login?redirect-to=/cis/checkin"
		redirect = frappe.Redirect()
		redirect.http_status_code = 302  # not 301: a browser would remember it after the login
		raise redirect
	if not is_site_worker():
		raise frappe.PermissionError(
			_("The check-in page is for site coordinators, program managers and CIS administrators.")
		)
	context.no_cache = 1
	context.title = _("Quick Check-In")
	context.lang = frappe.local.lang or "en"
	# "</" escaped so no translated sentence can close the script element
	context.config_json = frappe.as_json(
		{"cache_hours": get_cache_hours(), "strings": strings()}, indent=None
	).replace("</", "<\\/")
	return context


def strings() -> dict[str, str]:
	"""Every sentence the script shows, translated here (the page must work offline, without
	Frappe's client-side translation)."""
	return {
		"online": _("Online"),
		"offline": _("Offline"),
		"log_out": _("Log out"),
		"search": _("Search students"),
		"search_placeholder": _("Name or student ID"),
		"show": _("Show"),
		"my_caseload": _("My caseload"),
		"all_students": _("All students"),
		"no_students": _("No students match."),
		"tier": _("Tier"),
		"suggested": _("Suggested {0}"),
		"grade": _("Grade {0}"),
		"days_since": _("{0} days since last check-in"),
		"day_since": _("1 day since last check-in"),
		"today_checkin": _("Checked in today"),
		"never": _("No check-in yet"),
		"overdue": _("Monthly meeting overdue"),
		"review_due": _("Plan review due"),
		"goals_n": _("{0} plan goals"),
		"groups_today": _("Today's group sessions"),
		"no_groups": _("No group session recorded today."),
		"present_n": _("{0} present"),
		"take_roster": _("Take a group roster"),
		"checkin_for": _("Check-in with {0}"),
		"date": _("Date"),
		"with_whom": _("With whom"),
		"how": _("How"),
		"minutes": _("Minutes"),
		"formal": _("Formal case-management meeting"),
		"note": _("Short note"),
		"note_hint": _("Visible to site staff only."),
		"goal_updates": _("Goal updates (optional)"),
		"goal_current": _("Now {0}. New value:"),
		"save_checkin": _("Save check-in"),
		"cancel": _("Cancel"),
		"group_session": _("Group session"),
		"site": _("Site"),
		"support": _("Support"),
		"roster": _("Roster: tap the students who came"),
		"roster_search": _("Filter the roster"),
		"selected_n": _("{0} selected"),
		"save_group": _("Save group session"),
		"queue": _("Waiting to be sent"),
		"queue_empty": _("Nothing waiting to be sent."),
		"send_now": _("Send now"),
		"fix": _("Fix"),
		"discard": _("Discard"),
		"refused": _("Refused"),
		"waiting": _("Waiting"),
		"kind_check_in": _("Check-in"),
		"kind_group_session": _("Group session"),
		"saved_queued": _("Saved. It will be sent when the phone is online."),
		"sent_n": _("{0} sent."),
		"wait_seconds": _("The server asks this phone to wait: the entries are sent again in {0} seconds."),
		"refused_n": _("{0} refused: see the reason, then fix or discard."),
		"duplicate": _("Already recorded."),
		"confirm_discard": _("Discard this entry? It will not be recorded."),
		"discarded": _("Entry discarded."),
		"discarded_all": _("Entry discarded. Nothing is waiting to be sent."),
		"confirm_logout": _(
			"{0} entries have not been sent and will be deleted from this phone. Log out anyway?"
		),
		"session_ended": _("Your session has ended. Log in again; then the waiting entries are sent."),
		"log_in": _("Log in again"),
		"cache_expired": _(
			"The caseload kept on this phone has expired. Connect to the internet to load it again."
		),
		"no_cache": _("Connect to the internet to load your caseload."),
		"fetched_at": _("Caseload loaded {0}."),
		"loading": _("Loading your caseload\u2026"),
		"load_failed": _("The caseload could not be loaded. Try again when online."),
		"required": _("{0} is required."),
		"minutes_range": _("Minutes must be between 1 and {0}."),
		"future_date": _("The date cannot be in the future."),
		"pick_student": _("Tap at least one student for the roster."),
		"pick_support": _("Choose the support given."),
		"not_permitted": _("You are not permitted to use this page."),
		"back": _("Back to the caseload"),
		"n_waiting": _("{0} waiting"),
	}
