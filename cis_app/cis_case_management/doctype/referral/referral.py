# Copyright (c) 2026, cis_app contributors and contributors
# For license information, please see license.txt

import frappe
from frappe import _, _lt
from frappe.model.document import Document
from frappe.utils import getdate, now_datetime, nowdate

from cis_app.cis_network.doctype.school_year.school_year import get_current_school_year
from cis_app.core import referrals
from cis_app.core.consent import SCOPE_SHARE_WITH_PARTNER
from cis_app.utils.exceptions import ConsentRequiredError, InactivePartnerError, ReferralError, WrongTierError
from cis_app.cis_partnerships.portal import partner_views
from cis_app.permissions.scope import can_see, check_in_scope, site_of
from cis_app.utils.validation import validate_date_range
from cis_app.setup.workflows import sync_status

# What may not change once the partner has been told about the student: the consent and the
# disclosure record were for exactly these.
FIXED_ONCE_SENT = ("student", "partner", "school_year")


class Referral(Document):
	def validate(self):
		self.let_workflow_check_system_saves()
		sync_status(self)
		check_in_scope(self)
		self.set_site_from_student()
		self.set_school_year()
		self.validate_transition()
		self.validate_fixed_once_sent()
		self.validate_partner()
		self.validate_support_type()
		self.validate_support_plan()
		validate_date_range(self, "service_start_date", "service_end_date")
		self.set_consent()

	def let_workflow_check_system_saves(self):
		"""A save the app makes for someone without DocType rights (a partner contact accepting on the
		portal, ``cis_app.cis_partnerships.portal``) still goes through Frappe's workflow check: the transition
		must exist for the user's roles. That check first asks whether the user may read the stored
		referral, which the portal's own rule has already answered."""
		before = self.get_doc_before_save()
		if self.flags.ignore_permissions and before is not None:
			before.flags.ignore_permissions = True

	def set_site_from_student(self):
		self.site = site_of(self)  # the student's: one rule, cis_app.permissions.scope

	def set_school_year(self):
		"""A new referral is for the current school year unless the coordinator chose another."""
		if not self.school_year and self.is_new():
			self.school_year = get_current_school_year()

	def previous_status(self) -> str | None:
		before = self.get_doc_before_save()
		return before.status if before else None

	def is_being_sent(self) -> bool:
		return self.status == referrals.SENT and self.previous_status() != referrals.SENT

	def validate_transition(self):
		"""The core's transitions hold whatever the workflow says (a status set through the API, a
		workflow an admin edited): a referral is never Accepted before it was Sent."""
		previous = self.previous_status()
		if not referrals.can_transition(previous, self.status):
			frappe.throw(
				_("A referral cannot go from {0} to {1}.").format(
					_(previous) if previous else _("new"), _(self.status or "")
				),
				ReferralError,
				title=_("Not Allowed"),
			)

	def validate_fixed_once_sent(self):
		before = self.get_doc_before_save()
		if not before or before.status == referrals.DRAFT:
			return
		for fieldname in FIXED_ONCE_SENT:
			if self.get(fieldname) != before.get(fieldname):
				frappe.throw(
					_(
						"{0} cannot change once the referral has been sent. Close this referral and create a new one."
					).format(_(self.meta.get_label(fieldname))),
					ReferralError,
				)

	def validate_partner(self):
		"""An active partner of the student's affiliate (checked when chosen and when sent, so a partner
		that later becomes inactive does not stop the referral from being followed up and closed)."""
		if not (self.is_new() or self.has_value_changed("partner") or self.is_being_sent()):
			return
		partner = frappe.db.get_value("Partner", self.partner, ["status", "affiliate"], as_dict=True)
		if not partner:
			return  # Frappe's link validation names the missing partner
		if partner.status != "Active":
			frappe.throw(
				_("{0} is not an active partner ({1}). Refer the student to an active partner.").format(
					frappe.bold(self.partner), _(partner.status or "")
				),
				InactivePartnerError,
			)
		student_affiliate = frappe.db.get_value("Student", self.student, "affiliate")
		if partner.affiliate != student_affiliate:
			frappe.throw(
				_("{0} does not serve {1}'s affiliate. Choose a partner of {2}.").format(
					frappe.bold(self.partner),
					frappe.bold(self.student_name or self.student),
					frappe.bold(student_affiliate or ""),
				),
				InactivePartnerError,
			)

	def validate_support_type(self):
		"""A partner referral is a targeted (Tier 2) or individual (Tier 3) support: on completion it
		shows on the student's plan at that tier (``core.referrals.delivered_tier``)."""
		if not self.support_type or not (self.is_new() or self.has_value_changed("support_type")):
			return
		tiers = frappe.get_cached_value("Support Type", self.support_type, ["tier_2", "tier_3"], as_dict=True)
		if tiers and not referrals.delivered_tier(tiers.tier_2, tiers.tier_3):
			frappe.throw(
				_(
					"{0} is not offered as a Tier 2 or Tier 3 support, so it cannot be referred to a partner. Choose another support type, or allow Tier 2 or 3 in its Support Type."
				).format(frappe.bold(self.support_type)),
				WrongTierError,
			)

	def validate_support_plan(self):
		if not self.support_plan:
			return
		if frappe.db.get_value("Support Plan", self.support_plan, "student") != self.student:
			frappe.throw(
				_("Support Plan {0} is not {1}'s plan. Choose one of the student's plans.").format(
					frappe.bold(self.support_plan), frappe.bold(self.student_name or self.student)
				),
				ReferralError,
			)

	def set_consent(self):
		"""On sending: the consent to share with this partner for the year, valid today, becomes the
		referral's legal basis (``core.referrals.covering_consent``). Otherwise ``consent`` and
		``sent_on`` keep what was stored, whatever a client sent."""
		if not self.is_being_sent():
			before = self.get_doc_before_save()
			self.consent = before.consent if before else None
			self.sent_on = before.sent_on if before else None
			return
		rows = frappe.get_all(
			"Student Consent",
			filters={
				"student": self.student,
				"scope": SCOPE_SHARE_WITH_PARTNER,
				"partner": self.partner,
				"school_year": self.school_year,
			},
			fields=["name", "scope", "partner", "school_year", "signed_date", "expiry_date", "revoked_date"],
		)
		today = nowdate()
		covering = referrals.covering_consent(rows, self.partner, self.school_year, today)
		if not covering:
			frappe.throw(
				_("No signed consent to share with {0} for {1}: record it first.").format(
					frappe.bold(self.partner), frappe.bold(self.school_year)
				),
				ConsentRequiredError,
				title=_("Consent Required"),
			)
		self.consent = covering["name"]
		self.sent_on = today

	def on_update(self):
		if self.has_value_changed("status") and self.status == referrals.SENT:
			self.record_disclosure()
		self.show_on_plan()

	def show_on_plan(self):
		"""A completed referral is a delivered support on the student's plan of its school year (the
		plan it was made from, else the open one): one row per referral, kept in step with the service
		dates. A plan that cannot take the row does not undo the partner's record: the referral says why."""
		if self.status != referrals.COMPLETED:
			return
		changed = ("status", "service_start_date", "service_end_date", "support_type")
		if not any(self.has_value_changed(field) for field in changed):
			return
		plans = frappe.get_all(
			"Support Plan",
			filters={"plan_type": "Student", "student": self.student, "school_year": self.school_year},
			fields=["name", "status", "modified"],
		)
		plan_name = referrals.plan_for_referral(plans, self.support_plan)
		if not plan_name:
			return
		tiers = frappe.get_cached_value("Support Type", self.support_type, ["tier_2", "tier_3"], as_dict=True)
		tier = referrals.delivered_tier(tiers.tier_2, tiers.tier_3) if tiers else None
		if not tier:
			return
		frappe.db.savepoint("referral_on_plan")
		try:
			plan = frappe.get_doc("Support Plan", plan_name)
			row = next((row for row in plan.supports if row.referral == self.name), None)
			if row is None:
				row = plan.append("supports", {"referral": self.name})
			row.update(
				{
					"support_type": self.support_type,
					"tier": tier,
					"provider_type": "Partner",
					"partner": self.partner,
					"start_date": self.service_start_date,
					"end_date": self.service_end_date,
				}
			)
			plan.flags.ignore_permissions = True
			plan.save()
		except frappe.ValidationError as error:
			frappe.db.rollback(save_point="referral_on_plan")
			self.add_comment(
				"Comment",
				_("The completed referral could not be added to Support Plan {0}: {1}").format(
					plan_name, frappe.utils.strip_html(str(error))
				),
			)
			return
		if not self.support_plan:
			self.db_set("support_plan", plan_name, update_modified=False)

	def record_disclosure(self):
		"""FERPA 99.32: sending tells the partner who the student is; the record says who, to whom,
		what, on which basis and why. Written by the app: nobody has create permission on it."""
		frappe.get_doc(
			{
				"doctype": "Disclosure Record",
				"student": self.student,
				"disclosed_on": now_datetime(),
				"disclosed_by": frappe.session.user,
				"recipient_type": "Partner",
				"partner": self.partner,
				"what": _("Referral {0}: {1}").format(self.name, referrals.disclosed_fields()),
				"legal_basis": "Consent",
				"consent": self.consent,
				"purpose": _("Referral for {0}").format(self.support_type),
				"reference_doctype": self.doctype,
				"reference_name": self.name,
			}
		).insert(ignore_permissions=True)

	def partner_view(self) -> dict:
		"""What the partner sees of this referral (``core.referrals.partner_view``), built as the
		partner's portal builds it (``cis_app.cis_partnerships.portal.partner_views``). The guardian's contact
		goes only through the channel chosen on the referral, and only once a consent covers it."""
		return partner_views([self.as_dict()])[self.name]["view"]

	def consent_check(self) -> dict:
		"""Which consent covers this referral, or which is missing (for the form)."""
		return consent_check(self.student, self.partner, self.school_year, self)


def consent_check(student: str, partner: str, school_year: str, referral: Document | None = None) -> dict:
	"""For the form: ``covered`` (the consent sending would rest on), ``missing`` (which consent to
	record), or for a sent referral ``shared`` (its consent still valid: the partner sees it) or
	``cut`` (revoked, expired: the partner no longer sees it). ``message`` says it in words."""
	today = nowdate()
	fields = ["name", "scope", "partner", "school_year", "signed_date", "expiry_date", "revoked_date"]
	if referral is not None and referral.consent and referral.status != referrals.DRAFT:
		consent = frappe.db.get_value("Student Consent", referral.consent, fields, as_dict=True)
		problem = referrals.portal_access_problem(referral.status, referral.sent_on, consent, today)
		if problem is None:
			return {
				"state": "shared",
				"consent": referral.consent,
				"message": _("Shared with {0} under consent {1}, valid until {2}.").format(
					frappe.bold(partner), referral.consent, _formatted(consent.expiry_date)
				),
			}
		return {
			"state": "cut",
			"consent": referral.consent,
			"message": _(
				"Consent {0} is {1}: {2} no longer sees this referral on its portal. It stays here for you."
			).format(
				referral.consent or "", CONSENT_PROBLEM_WORDS.get(problem, problem), frappe.bold(partner)
			),
		}
	if not (student and partner and school_year):
		return {"state": "incomplete", "message": ""}
	rows = frappe.get_all(
		"Student Consent",
		filters={
			"student": student,
			"scope": SCOPE_SHARE_WITH_PARTNER,
			"partner": partner,
			"school_year": school_year,
		},
		fields=fields,
	)
	covering = referrals.covering_consent(rows, partner, school_year, today)
	if covering:
		return {
			"state": "covered",
			"consent": covering["name"],
			"message": _("Consent {0} to share with {1} covers this referral (valid until {2}).").format(
				covering["name"], frappe.bold(partner), _formatted(covering.get("expiry_date"))
			),
		}
	return {
		"state": "missing",
		"message": _(
			"No signed consent to share with {0} for {1} is valid today: record the guardian's consent naming this partner before sending."
		).format(frappe.bold(partner), frappe.bold(school_year)),
	}


CONSENT_PROBLEM_WORDS = {
	"Revoked": _lt("revoked"),
	"Expired": _lt("expired"),
	"Pending": _lt("not signed yet"),
	"no_consent": _lt("missing"),
	"not_sent": _lt("not in force"),
}


def _formatted(day) -> str:
	return frappe.format(getdate(day), {"fieldtype": "Date"}) if day else _("the end of the school year")


@frappe.whitelist()
def get_consent_check(
	student: str, partner: str | None = None, school_year: str | None = None, referral: str | None = None
) -> dict:
	"""The form's consent line for a student it may read (for a saved referral: read permission on it)."""
	if referral:
		doc = frappe.get_doc("Referral", referral)
		doc.check_permission("read")
		return doc.consent_check()
	if not can_see("Student", student):
		frappe.throw(_("Could not find {0}").format(f"{_('Student')}: {student}"), frappe.PermissionError)
	return consent_check(student, partner, school_year)


@frappe.whitelist()
def get_partner_view(referral: str) -> dict:
	"""Preview of what the partner sees (read permission on the referral required)."""
	doc = frappe.get_doc("Referral", referral)
	doc.check_permission("read")
	return doc.partner_view()
