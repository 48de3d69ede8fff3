# Names starting with "_" are not hooks: Frappe reads every other name of this module as one.
from cis_app.utils import roles as _roles

app_name = "cis_app"
app_title = "CIS"
app_publisher = "cis_app contributors"
app_description = "Integrated student supports for Communities In Schools-style affiliates"
app_email = "cis_app@example.org"
app_license = "mit"
# Frappe itself is always present; naming it here makes install-app look it up on GitHub.
required_apps = []

# Roles are the same on every site: fixtures, filtered to ours (cis_app.utils.roles).
fixtures = [
	{"dt": "Role", "filters": [["role_name", "in", list(_roles.CIS_ROLES)]]},
]

# Installation
# ------------
before_install = "cis_app.setup.install.before_install"
after_install = "cis_app.setup.install.after_install"
before_uninstall = "cis_app.setup.install.before_uninstall"

# Permissions: one rule per scoped DocType serves both hooks (cis_app.utils.roles.SCOPED_DOCTYPES)
# -----------
permission_query_conditions = {
	doctype: "cis_app.permissions.scope.get_permission_query_conditions" for doctype in _roles.SCOPED_DOCTYPES
}
has_permission = {doctype: "cis_app.permissions.scope.has_scoped_permission" for doctype in _roles.SCOPED_DOCTYPES}
# volunteers and their hours: staff by site, a volunteer only their own (cis_app.permissions.volunteers)
permission_query_conditions["Volunteer Hours"] = "cis_app.permissions.volunteers.hours_conditions"
permission_query_conditions["CIS Volunteer"] = "cis_app.permissions.volunteers.volunteer_conditions"
has_permission["Volunteer Hours"] = "cis_app.permissions.volunteers.has_hours_permission"
has_permission["CIS Volunteer"] = "cis_app.permissions.volunteers.has_volunteer_permission"
permission_query_conditions["CIS Volunteer Site"] = "cis_app.permissions.volunteers.volunteer_site_conditions"
has_permission["CIS Volunteer Site"] = "cis_app.permissions.volunteers.has_volunteer_site_permission"
# roster imports: System Managers, and CIS Administrators of the district's affiliate
permission_query_conditions["Roster Import"] = "cis_app.permissions.roster_import.roster_import_conditions"
has_permission["Roster Import"] = "cis_app.permissions.roster_import.has_roster_import_permission"
# retention runs: System Managers, and CIS Administrators of the affiliate (cis_app.cis_network.retention)
permission_query_conditions["Retention Run"] = "cis_app.cis_network.retention.retention_run_conditions"
has_permission["Retention Run"] = "cis_app.cis_network.retention.has_retention_run_permission"
# evaluation agreements and their extracts' log: System Managers, and CIS Administrators of the affiliate
for _doctype in ("Evaluation Agreement", "Evaluation Extract"):
	permission_query_conditions[_doctype] = "cis_app.cis_network.evaluation.agreement_conditions"
	has_permission[_doctype] = "cis_app.cis_network.evaluation.has_agreement_permission"
# prepared reports: each one its maker's alone, System Managers aside (cis_app.overrides.prepared_reports)
permission_query_conditions["Prepared Report"] = "cis_app.overrides.prepared_reports.prepared_report_conditions"
has_permission["Prepared Report"] = "cis_app.overrides.prepared_reports.has_prepared_report_permission"
override_doctype_class = {"Prepared Report": "cis_app.overrides.prepared_reports.CISPreparedReport"}
# the Outcomes workspace's impact card: only for the roles of CIS Impact (Frappe decides the others)
has_permission["Number Card"] = "cis_app.cis_case_management.outcomes_dashboard.has_card_permission"

# Records that describe a scoped record (versions, comments, files, workflow actions, ...) follow
# that record's rule (cis_app.permissions.record_trail; the list is cis_app.utils.roles.RECORD_TRAIL).
permission_query_conditions.update(
	{dt: "cis_app.permissions.record_trail.trail_conditions" for dt in _roles.RECORD_TRAIL}
)
has_permission.update({dt: "cis_app.permissions.record_trail.has_trail_permission" for dt in _roles.RECORD_TRAIL})

override_whitelisted_methods = {
	# a prepared report only for its maker, never of a report that lists students; report roles checked
	"frappe.desk.query_report.run": "cis_app.overrides.prepared_reports.run",
	"frappe.core.doctype.prepared_report.prepared_report.make_prepared_report": (
		"cis_app.overrides.prepared_reports.make_prepared_report"
	),
	# counts and "does this exist" answers go through the same rules as the list (cis_app.overrides.generic_methods)
	"frappe.client.get_count": "cis_app.overrides.generic_methods.get_count",
	"frappe.client.validate_link": "cis_app.overrides.generic_methods.validate_link",
	# titles, assignment counts and tagged records of scoped DocTypes: only readable rows
	"frappe.desk.search.get_link_title": "cis_app.overrides.generic_methods.get_link_title",
	"frappe.desk.listview.get_group_by_count": "cis_app.overrides.generic_methods.get_group_by_count",
	"frappe.desk.doctype.tag.tag.get_tagged_docs": "cis_app.overrides.generic_methods.get_tagged_docs",
	# exports and prints of student data write a disclosure record (cis_app.cis_case_management.disclosures)
	"frappe.desk.reportview.export_query": "cis_app.cis_case_management.disclosures.export_report_builder",
	"frappe.desk.query_report.export_query": "cis_app.cis_case_management.disclosures.export_query_report",
	"frappe.utils.print_format.download_pdf": "cis_app.cis_case_management.disclosures.download_pdf",
	"frappe.utils.print_format.download_multi_pdf": "cis_app.cis_case_management.disclosures.download_multi_pdf",
	"frappe.utils.print_format.download_multi_pdf_async": "cis_app.cis_case_management.disclosures.download_multi_pdf_async",
	# a query report's PDF carries only HTML: refused for student rows (use Export, which records them)
	"frappe.utils.print_format.report_to_pdf": "cis_app.cis_case_management.disclosures.report_to_pdf",
	# the desk's print preview is the whole print: recorded as well
	"frappe.www.printview.get_html_and_style": "cis_app.cis_case_management.disclosures.get_html_and_style",
}
# (every override above, and every other change to Frappe without a hook, is listed with its
# live-path test in cis_app.overrides.register; a test fails when this dict and that list differ)
# the /printview page (the desk's Print button) and REST reads of students, check-ins and referrals
update_website_context = ["cis_app.cis_case_management.disclosures.record_printview"]
after_request = [
	"cis_app.cis_case_management.disclosures.record_api_read",
	# every way out is recorded or refused (cis_app.permissions.ways_out): a file of student records from a method
	# that does not record its disclosures is stopped; a student's file downloaded is recorded
	"cis_app.permissions.ways_out.refuse_unrecorded_files",
	"cis_app.permissions.ways_out.record_file_download",
	# a browser that logs out drops what the phone page kept (cis_app.api.checkin, Clear-Site-Data)
	"cis_app.api.checkin.clear_phone_on_logout",
	# a phone sync refused for its rate says when to try again (cis_app.api.checkin.limit_sync_rate)
	"cis_app.api.checkin.add_retry_after",
]
jinja = {"methods": ["cis_app.cis_case_management.disclosures.disclosure_record_for_print"]}

# A refused report PDF says why in the desk (Frappe's render_pdf shows nothing but a 200)
app_include_js = ["/assets/cis_app/js/report_pdf.js"]

# Filtering, sorting or grouping by a field the user cannot read is refused, and so is a list of
# whole student records (fields=["*"]) (cis_app.permissions.field_guard)
before_request = ["cis_app.permissions.field_guard.install", "cis_app.permissions.field_guard.refuse_whole_record_lists"]
# Website users may call only the methods of their portal pages (cis_app.permissions.website_users); checked
# again once Frappe has resolved an API token (auth_hooks run after validate_auth, before_request before)
before_request.append("cis_app.permissions.website_users.refuse_unlisted")
auth_hooks = ["cis_app.permissions.website_users.refuse_unlisted"]
# Methods that would take student data out without recording it are refused, and so is any method on
# no list when its request is about student records (cis_app.permissions.ways_out, cis_app.core.ways_out)
before_request.append("cis_app.permissions.ways_out.refuse_ways_out")
before_request.append("cis_app.overrides.register.install")
before_job = ["cis_app.permissions.field_guard.install", "cis_app.overrides.register.install"]

doc_events = {
	# email, mentions and follows of student records only to staff who may read them, or under a
	# consent naming the recipient; each one sent is recorded (cis_app.permissions.ways_out)
	"Email Queue": {
		"before_insert": "cis_app.permissions.ways_out.check_email",
		"after_insert": "cis_app.permissions.ways_out.record_email",
	},
	"Comment": {
		"validate": "cis_app.permissions.ways_out.check_mentions",
		"after_insert": "cis_app.permissions.ways_out.record_mentions",
	},
	"Document Follow": {
		"validate": "cis_app.permissions.ways_out.check_follow",
	},
	"Auto Email Report": {
		"validate": "cis_app.permissions.ways_out.check_auto_email_report",
	},
	"DocShare": {
		"validate": "cis_app.permissions.scope.validate_share",
	},
	"ToDo": {
		"validate": "cis_app.permissions.scope.validate_assignment",
	},
	# CIS staff get the CIS Staff module profile: no Build, Tools, Website... (cis_app.permissions.module_access)
	"User": {
		"validate": "cis_app.permissions.module_access.set_staff_module_profile",
	},
	"Module Profile": {
		"on_update": "cis_app.permissions.module_access.refresh_profile_users",
	},
	# a partner contact's website login is a Website User of one contact row (cis_app.cis_partnerships.portal)
	"Partner": {
		"validate": "cis_app.cis_partnerships.portal.validate_contact_logins",
	},
}

# The partner's portal: referrals sent to a partner, for its contacts (cis_app.cis_partnerships.portal)
website_route_rules = [
	{"from_route": "/partner-referrals/<referral>", "to_route": "partner-referrals/referral"},
]
portal_menu_items = [
	{"title": "Referrals", "route": "/partner-referrals", "role": "CIS Partner Contact"},
]
# The coordinator's phone (/cis/checkin): its script, style, manifest and service worker under /cis/
page_renderer = ["cis_app.api.checkin.CheckinShellPage"]
# "Create Website Login" for a partner's contacts; "Refer to Partner" on the student's form
doctype_js = {
	"Partner": "cis_partnerships/doctype/partner_contact/partner_website_login.js",
	"Student": "cis_case_management/doctype/referral/refer_to_partner.js",
}

# Scheduled Tasks
# ---------------
scheduler_events = {
	"daily": [
		"cis_app.cis_case_management.doctype.student_consent.student_consent.refresh_consent_statuses",
		"cis_app.cis_partnerships.doctype.partner.partner.remind_agreement_renewals",
		"cis_app.cis_case_management.reminders.send_daily_digest",
		"cis_app.cis_network.retention.list_due_students",
	],
}

# Each student record is kept out of global search (FERPA); see cis_app.permissions.scope.
global_search_doctypes = {}

export_python_type_annotations = True
