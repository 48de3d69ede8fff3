"""Every way out of the desk for student data: recorded or refused, and refused by default.

The classification of every whitelisted method is in ``cis_app.core.ways_out`` (one list). This module
applies it, and closes the sinks a route cannot get around:

- **Methods** (``refuse_ways_out``, ``before_request``): a method classed REFUSE is refused when its
  request is about a student-level DocType (named as an argument, through a report, a data import, a
  prepared report, an auto email report, a version or a file); a method that is on no list (a newer
  Frappe's, another app's, a server script's) is refused on the same condition. A refusal names the
  route to use instead.
- **Files** (``refuse_unrecorded_files``, ``after_request``): a response that is a file (a download, a
  PDF, a CSV, an attachment) to a request that read student-level records is replaced by a 403 unless
  the method is one that records its disclosures (RECORD). A private file attached to a student-level
  record is recorded as it is downloaded (``record_file_download``).
- **Email** (``check_email``, ``Email Queue`` ``before_insert``): an email about a student-level record
  (its reference, a print of it, a file of it) goes only to staff of the student's site who may read
  the record, or to a partner's contact whom a valid consent to share names; it writes one Disclosure
  Record per student and recipient. Any other recipient refuses the whole email: nothing is queued,
  and the request's writes are rolled back.
- **Mentions** (``check_mentions``, ``Comment`` ``validate``): an @mention on a student-level record of
  someone who may not read it is refused; an allowed one records the disclosure to that user.
- **Follows** (``check_follow``, ``Document Follow`` ``validate``): only a user who may read a
  student-level record can follow it, whoever signs them up; the follow digest leaves out the changes
  of fields the follower may not read (``cis_app.overrides.register``).
- **Shares and assignments** stay refused or limited to the site's staff (``cis_app.permissions.scope``).
- **Auto Email Reports** of a report on student-level DocTypes are refused when saved.

Every disclosure record written inside a request is committed with it, whatever the HTTP method
(``cis_app.cis_case_management.disclosures.write_disclosures`` flags the request for commit).
"""

from __future__ import annotations

import importlib
import json
import pkgutil
from email.utils import parseaddr
from urllib.parse import unquote

import frappe
from frappe import _
from frappe.desk.notifications import extract_mentions
from frappe.utils import nowdate

from cis_app.core import consent as consent_rules
from cis_app.core import disclosures as rules
from cis_app.core import ways_out as routes
from cis_app.cis_case_management.disclosures import students_of_document, write_disclosures
from cis_app.permissions.website_users import method_of_request
from cis_app.permissions.scope import STUDENT_LEVEL_DOCTYPES


class WayOutRefused(frappe.PermissionError):
	"""Student data asked for through a route that cannot record its disclosure."""


# ------------------------------------------------------------------ which method, which class


def requested_method() -> str | None:
	"""The whitelisted method a request calls (``/api/method/<m>``, v1 and v2, or a ``cmd`` field)."""
	request = getattr(frappe.local, "request", None)
	if request is None:
		return None
	form = frappe.local.form_dict or {}
	kind, target = method_of_request(request.path, form.get("cmd"), request.method)
	return target if kind == "method" and isinstance(target, str) else None


def method_key(cmd: str) -> str | None:
	"""``module.qualname`` of the function Frappe would run for ``cmd`` (before the app's overrides),
	or of the document method ``run_doc_method`` would run. None when it cannot be resolved."""
	if cmd in ("run_doc_method", "runserverobj", "frappe.handler.run_doc_method"):
		return doc_method_key()
	try:
		function = frappe.get_attr(cmd) if "." in cmd else None
	except Exception:
		return None
	if function is None:
		return None
	function = getattr(function, "__func__", function)
	return f"{function.__module__}.{function.__qualname__}"


def doc_method_key() -> str | None:
	form = frappe.local.form_dict or {}
	doctype = form.get("dt")
	if not doctype and form.get("docs"):
		try:
			doctype = frappe.parse_json(form.get("docs")).get("doctype")
		except Exception:
			return None
	method = form.get("method")
	if not (isinstance(doctype, str) and isinstance(method, str)):
		return None
	try:
		function = getattr(frappe.get_doc_class(doctype), method)
	except Exception:
		return None
	function = getattr(function, "__func__", function)
	return f"{function.__module__}.{function.__qualname__}"


def classify(key: str | None) -> str | None:
	return routes.METHODS.get(key) if key else None


# ------------------------------------------------------------------ what a request is about


def is_student_level(doctype) -> bool:
	return isinstance(doctype, str) and doctype in STUDENT_LEVEL_DOCTYPES


def report_doctype(report) -> str | None:
	if not isinstance(report, str) or not report:
		return None
	return frappe.db.get_value("Report", report, "ref_doctype")


def _values(value, depth: int = 0):
	"""Every string in a request argument, JSON included (two levels deep)."""
	if isinstance(value, str):
		yield value
		text = value.strip()
		if depth < 2 and text[:1] in ("{", "[") and len(text) < 1_000_000:
			try:
				yield from _values(json.loads(text), depth + 1)
			except ValueError:
				pass
	elif isinstance(value, dict):
		for key, item in value.items():
			yield from _values(key, depth + 1)
			yield from _values(item, depth + 1)
	elif isinstance(value, list | tuple):
		for item in value:
			yield from _values(item, depth + 1)


def doctypes_of_request(key: str | None = None) -> set[str]:
	"""The student-level DocTypes a request is about: named in an argument (a DocType, or a report
	on one), or behind the record an argument names for the method ``key``."""
	form = frappe.local.form_dict or {}
	found = set()
	for name, value in form.items():
		if name in ("cmd", "csrf_token"):
			continue
		for text in _values(value):
			if is_student_level(text):
				found.add(text)
			elif name in ("report_name", "report", "ref_report_doctype") and is_student_level(
				report_doctype(text)
			):
				found.add(report_doctype(text))
	found.update(filter(is_student_level, _behind(key, form)))
	return found


def _behind(key: str | None, form) -> list:
	"""DocTypes behind the record a method's argument names (a data import, a prepared report...)."""
	if key in (
		"frappe.core.doctype.data_import.data_import.download_errored_template",
		"frappe.core.doctype.data_import.data_import.download_import_log",
	):
		return [frappe.db.get_value("Data Import", form.get("data_import_name"), "reference_doctype")]
	if key == "frappe.core.doctype.prepared_report.prepared_report.download_attachment":
		return [report_doctype(frappe.db.get_value("Prepared Report", form.get("dn"), "report_name"))]
	if key in (
		"frappe.email.doctype.auto_email_report.auto_email_report.download",
		"frappe.email.doctype.auto_email_report.auto_email_report.send_now",
	):
		return [report_doctype(frappe.db.get_value("Auto Email Report", form.get("name"), "report"))]
	if key == "frappe.utils.diff.get_version_diff":
		return [
			frappe.db.get_value("Version", form.get(arg), "ref_doctype")
			for arg in ("from_version", "to_version")
			if isinstance(form.get(arg), str | int)
		]
	if key == "frappe.core.api.file.zip_files":
		try:
			files = frappe.parse_json(form.get("files")) or []
		except Exception:
			files = []
		return frappe.get_all(
			"File",
			filters={"name": ["in", [f for f in files if isinstance(f, str)]]},
			pluck="attached_to_doctype",
		)
	return []


# ------------------------------------------------------------------ methods (before_request)


def refuse_ways_out() -> None:
	"""``before_request``: refuse a REFUSE method, or a method on no list, whose request is about
	student-level data; note the class of the method for the file check after the request."""
	cmd = requested_method()
	if not cmd:
		return
	key = method_key(cmd)
	cls = classify(key)
	frappe.local.flags.cis_way_out = cls
	if cls not in (routes.REFUSE, None):
		return
	if template_only(key):
		frappe.local.flags.cis_template_only = True
		return
	doctypes = doctypes_of_request(key)
	if not doctypes:
		return
	if cls == routes.REFUSE:
		message = _(
			"This route cannot record who receives student records, so it is closed for {0}. {1}"
		).format(", ".join(_(d) for d in sorted(doctypes)), _(routes.REFUSALS[key]))
	else:
		message = _(
			"{0} is not cleared to handle student records ({1}): it could take them out of the system without recording the disclosure. Ask your System Manager."
		).format(frappe.bold(cmd), ", ".join(_(d) for d in sorted(doctypes)))
	frappe.throw(message, WayOutRefused, title=_("Not Permitted"))


def template_only(key: str | None) -> bool:
	"""A Data Import template without records carries no student data."""
	form = frappe.local.form_dict or {}
	return (
		key == "frappe.core.doctype.data_import.data_import.download_template"
		and (form.get("export_records") or "blank_template") == "blank_template"
	)


# ------------------------------------------------------------------ files (after_request)

FILE_TYPES = frozenset(
	{
		"application/pdf",
		"text/csv",
		"application/octet-stream",
		"application/zip",
		"application/gzip",
		"application/vnd.ms-excel",
		"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
		"text/vcard",
	}
)


def is_file_response(response) -> bool:
	if response is None or response.status_code != 200:
		return False
	disposition = response.headers.get("Content-Disposition") or ""
	return bool(disposition) or (response.mimetype or "") in FILE_TYPES


def refuse_unrecorded_files(response=None, request=None) -> None:
	"""``after_request``: a file answering a request that read student-level records, from a method
	that does not record disclosures, is replaced by a 403 (nothing of it reaches the client)."""
	request = request or getattr(frappe.local, "request", None)
	if request is None or not is_file_response(response):
		return
	if request.path.startswith(("/private/files/", "/files/", "/assets/")):
		return  # files: recorded by record_file_download; public and asset files hold no student data
	cls = frappe.local.flags.get("cis_way_out")
	if cls == routes.RECORD or frappe.local.flags.get("cis_template_only"):
		return
	if not (frappe.local.flags.get("cis_read_student_data") or doctypes_of_request()):
		return
	message = _(
		"This download would take student records out of the system without recording the disclosure, so it was stopped. Use Menu > Export or the print view's PDF button, which record it."
	)
	response.set_data(
		json.dumps(
			{
				"exc_type": "WayOutRefused",
				"_server_messages": json.dumps([json.dumps({"message": message, "indicator": "red"})]),
			}
		)
	)
	response.status_code = 403
	response.headers.pop("Content-Disposition", None)
	response.mimetype = "application/json"


def record_file_download(response=None, request=None) -> None:
	"""``after_request``: a private file attached to a student-level record, downloaded (``/private/files``
	or ``frappe.handler.download_file``), writes a disclosure record per student of that record."""
	request = request or getattr(frappe.local, "request", None)
	if request is None or response is None or response.status_code != 200:
		return
	if request.path.startswith("/private/files/"):
		file_url = unquote(request.path)
	elif requested_method() in ("frappe.handler.download_file", "download_file"):
		file_url = (frappe.local.form_dict or {}).get("file_url")
	else:
		return
	if not isinstance(file_url, str) or frappe.session.user == "Guest":
		return
	file = frappe.db.get_value(
		"File",
		{"file_url": file_url},
		["name", "file_name", "attached_to_doctype", "attached_to_name"],
		as_dict=True,
	)
	if not file or not is_student_level(file.attached_to_doctype) or not file.attached_to_name:
		return
	if not frappe.db.exists(file.attached_to_doctype, file.attached_to_name):
		return
	students = students_of_document(frappe.get_doc(file.attached_to_doctype, file.attached_to_name))
	what = rules.describe(
		rules.FILE_DOWNLOAD, f"{_(file.attached_to_doctype)} {file.attached_to_name}", [file.file_name]
	)
	if write_disclosures(
		students, what, purpose=rules.FILE_PURPOSE, reference_doctype="File", reference_name=file.name
	):
		frappe.db.commit()  # nosemgrep: after_request runs once the request's own transaction has ended


# ------------------------------------------------------------------ email (Email Queue before_insert)


class EmailRefused(frappe.PermissionError):
	"""A student's record emailed to someone who may not receive it."""


def documents_of_email(queue) -> list[tuple[str, str]]:
	"""The student-level records an email is about: its reference, the prints and files it attaches."""
	found = []
	if is_student_level(queue.reference_doctype) and queue.reference_name:
		found.append((queue.reference_doctype, queue.reference_name))
	try:
		attachments = json.loads(queue.attachments) if queue.attachments else []
	except ValueError:
		attachments = []
	for attachment in attachments or []:
		if not isinstance(attachment, dict):
			continue
		if attachment.get("print_format_attachment") and is_student_level(attachment.get("doctype")):
			found.append((attachment["doctype"], attachment.get("name")))
		elif attachment.get("fid"):
			file = frappe.db.get_value(
				"File", attachment["fid"], ["attached_to_doctype", "attached_to_name"], as_dict=True
			)
			if file and is_student_level(file.attached_to_doctype) and file.attached_to_name:
				found.append((file.attached_to_doctype, file.attached_to_name))
	return [
		(doctype, name) for doctype, name in dict.fromkeys(found) if name and frappe.db.exists(doctype, name)
	]


def recipients_of_email(queue) -> list[str]:
	addresses = [row.recipient for row in queue.get("recipients") or [] if row.recipient]
	for field in ("show_as_cc",):
		addresses += [a.strip() for a in (queue.get(field) or "").split(",") if a.strip()]

	return sorted({parseaddr(address)[1].lower() for address in addresses if parseaddr(address)[1]})


def staff_reader(address: str, documents) -> str | None:
	"""The enabled desk user of ``address`` who may read every one of ``documents``, if any."""
	user = frappe.db.get_value(
		"User", {"email": address, "enabled": 1, "user_type": "System User"}, "name"
	) or frappe.db.get_value("User", {"name": address, "enabled": 1, "user_type": "System User"}, "name")
	if not user:
		return None
	for doctype, name in documents:
		if not frappe.has_permission(doctype, "read", doc=name, user=user):
			return None
	return user


def consented_partner(address: str, students: list[str]) -> tuple[str, dict] | None:
	"""(partner, {student: consent}) when ``address`` is a contact of a partner that a valid consent to
	share names for every one of ``students``."""
	partners = frappe.get_all(
		"Partner Contact", filters={"email": address, "parenttype": "Partner"}, pluck="parent"
	)
	if not partners:
		return None
	# every consent to share of these students with these partners, in one read
	rows = frappe.get_all(
		"Student Consent",
		filters={
			"student": ["in", students],
			"partner": ["in", partners],
			"scope": consent_rules.SCOPE_SHARE_WITH_PARTNER,
		},
		fields=["name", "student", "partner", "signed_date", "expiry_date", "revoked_date"],
		order_by="name",
	)
	today = nowdate()
	for partner in dict.fromkeys(partners):
		consents = {}
		for row in rows:
			if row.partner == partner and row.student not in consents and (
				consent_rules.consent_status(row.signed_date, row.expiry_date, row.revoked_date, today)
				== consent_rules.VALID
			):
				consents[row.student] = row.name
		if len(consents) == len(students):
			return partner, consents
	return None


def check_email(queue, method=None) -> None:
	"""``Email Queue`` ``before_insert``: refuse an email about student-level records to anyone who may
	not receive it (nothing is queued); note each recipient who may, for ``record_email``."""
	documents = documents_of_email(queue)
	if not documents:
		return
	students = sorted(
		{s for doctype, name in documents for s in students_of_document(frappe.get_doc(doctype, name))}
	)
	allowed = []
	for address in recipients_of_email(queue):
		user = staff_reader(address, documents)
		if user:
			recipient = {"recipient_type": "User", "recipient_user": user}
			allowed.append((recipient, rules.SCHOOL_OFFICIAL, dict.fromkeys(students)))
			continue
		partner = consented_partner(address, students) if students else None
		if partner:
			recipient = {"recipient_type": "Partner", "partner": partner[0], "recipient_name": address}
			allowed.append((recipient, rules.CONSENT, partner[1]))
			continue
		frappe.throw(
			_(
				"This email is about {0} and cannot go to {1}: they are not staff of the student's site who may read the record, and no valid consent to share names them. Remove the recipient, or record the family's consent to share with their organisation first."
			).format(", ".join(f"{_(doctype)} {name}" for doctype, name in documents), frappe.bold(address)),
			EmailRefused,
			title=_("Not Permitted"),
		)
	queue.flags.cis_disclosures = (documents, allowed)


def record_email(queue, method=None) -> None:
	"""``Email Queue`` ``after_insert``: one Disclosure Record per student and recipient of the email."""
	if not queue.flags.get("cis_disclosures"):
		return
	documents, allowed = queue.flags.cis_disclosures
	what = rules.describe(rules.EMAIL, ", ".join(f"{_(doctype)} {name}" for doctype, name in documents))
	for recipient, basis, consents in allowed:
		for student, consent in consents.items():
			write_disclosures(
				[student],
				what,
				basis,
				rules.EMAIL_PURPOSE,
				"Email Queue",
				queue.name,
				recipient={**recipient, "consent": consent} if consent else recipient,
			)


# ------------------------------------------------------------------ mentions, follows, auto email reports


def check_mentions(comment, method=None) -> None:
	"""``Comment`` ``validate``: an @mention on a student-level record only of users who may read it."""
	if not is_student_level(comment.reference_doctype) or not comment.reference_name or not comment.content:
		return
	if not comment.is_new() and not comment.has_value_changed("content"):
		return
	for user in extract_mentions(comment.content) or []:
		if (
			not frappe.db.exists("User", user)
			or not frappe.has_permission(
				comment.reference_doctype, "read", doc=comment.reference_name, user=user
			)
			or frappe.get_cached_value("User", user, "user_type") != "System User"
		):
			frappe.throw(
				_(
					"{0} cannot be mentioned on {1} {2}: they may not read this student's record. Mention only staff of the student's site."
				).format(frappe.bold(user), _(comment.reference_doctype), comment.reference_name),
				EmailRefused,
				title=_("Not Permitted"),
			)


def record_mentions(comment, method=None) -> None:
	"""``Comment`` ``after_insert``: a mention emails the comment to the user mentioned: recorded."""
	if not is_student_level(comment.reference_doctype) or not comment.reference_name or not comment.content:
		return
	users = [u for u in extract_mentions(comment.content) or [] if u != frappe.session.user]
	if not users:
		return
	students = students_of_document(frappe.get_doc(comment.reference_doctype, comment.reference_name))
	what = rules.describe(rules.MENTION, f"{_(comment.reference_doctype)} {comment.reference_name}")
	for user in dict.fromkeys(users):
		write_disclosures(
			students,
			what,
			rules.SCHOOL_OFFICIAL,
			rules.EMAIL_PURPOSE,
			"Comment",
			comment.name,
			recipient={"recipient_type": "User", "recipient_user": user},
		)


def check_follow(follow, method=None) -> None:
	"""``Document Follow`` ``validate``: only a user who may read a student-level record follows it."""
	if not is_student_level(follow.ref_doctype) or not follow.ref_docname or not follow.user:
		return
	if frappe.get_cached_value("User", follow.user, "user_type") == "System User" and frappe.has_permission(
		follow.ref_doctype, "read", doc=follow.ref_docname, user=follow.user
	):
		return
	frappe.throw(
		_("{0} cannot follow {1} {2}: they may not read this student's record.").format(
			frappe.bold(follow.user), _(follow.ref_doctype), follow.ref_docname
		),
		EmailRefused,
		title=_("Not Permitted"),
	)


def check_auto_email_report(report, method=None) -> None:
	"""``Auto Email Report`` ``validate``: a report on student-level records is not emailed on a
	schedule (the email could not record its students)."""
	if is_student_level(report_doctype(report.report)):
		frappe.throw(
			_(
				"{0} lists student records and cannot be sent as an Auto Email Report. Run it and use Menu > Export, which records the disclosure."
			).format(frappe.bold(report.report)),
			WayOutRefused,
			title=_("Not Permitted"),
		)


# ------------------------------------------------------------------ the classification, on a site


def load_every_module() -> None:
	"""Import every module of every installed app (tests, patches and commands aside), so that every
	whitelisted method registers itself in ``frappe.whitelisted``."""
	for app in frappe.get_installed_apps():
		package = importlib.import_module(app)
		for module in pkgutil.walk_packages(package.__path__, f"{app}."):
			parts = module.name.split(".")
			if any(part.startswith("test") for part in parts) or {"patches", "commands"} & set(parts):
				continue
			try:
				importlib.import_module(module.name)
			except Exception:
				continue  # a module that cannot load on this site registers no method either


def whitelisted_keys() -> set[str]:
	keys = set()
	for function in frappe.whitelisted:
		function = getattr(function, "__func__", function)
		key = f"{function.__module__}.{function.__qualname__}"
		if not any(part.startswith("test") for part in function.__module__.split(".")):
			keys.add(key)  # test modules' own methods aside
	return keys


def unclassified_methods() -> list[str]:
	"""Whitelisted methods loaded on this site that ``cis_app.core.ways_out`` does not classify."""
	return sorted(whitelisted_keys() - set(routes.METHODS))
