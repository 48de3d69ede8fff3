"""Every DocType's JSON is consistent with itself, with the other DocTypes and with the app."""

import ast
import json
import re

import pytest

from cis_app import hooks
from cis_app.utils.roles import AFFILIATE_SCOPED, CIS_ROLES, RECORD_TRAIL, SCOPED_DOCTYPES, SITE_SCOPED

from .metadata import (
	APP,
	FIELDTYPES,
	FRAPPE_DOCTYPES,
	NO_VALUE,
	class_name,
	doctypes,
	known_roles,
	modules,
	scrub,
)

DOCTYPES = doctypes()
NAMES = sorted(DOCTYPES)


def test_the_users_seven_doctypes_exist_by_their_names():
	for name in ("Affiliate", "Site", "Student", "Partner"):
		assert name in DOCTYPES


@pytest.mark.parametrize("name", NAMES)
def test_location_matches_name_and_module(name):
	dt = DOCTYPES[name]
	path = dt["_path"]
	assert path.stem == scrub(name)
	assert dt["module"] in modules()
	assert path.parent.parent.parent.name == scrub(dt["module"])
	assert (path.parent / "__init__.py").exists()


@pytest.mark.parametrize("name", NAMES)
def test_controller_defines_the_doctype_class(name):
	path = DOCTYPES[name]["_path"].with_suffix(".py")
	assert path.exists(), f"{name} has no controller"
	tree = ast.parse(path.read_text())
	classes = {node.name for node in tree.body if isinstance(node, ast.ClassDef)}
	assert class_name(name) in classes


@pytest.mark.parametrize("name", NAMES)
def test_fields_are_well_formed(name):
	dt = DOCTYPES[name]
	fieldnames = [f["fieldname"] for f in dt["fields"]]
	assert len(fieldnames) == len(set(fieldnames)), "duplicate fieldnames"
	assert dt["field_order"] == fieldnames
	for field in dt["fields"]:
		assert field["fieldtype"] in FIELDTYPES, field
		assert field["fieldname"] == scrub(field["fieldname"]), field
		if field["fieldtype"] not in NO_VALUE:
			assert field.get("label"), f"{name}.{field['fieldname']} has no label"
		if field["fieldtype"] == "Select":
			assert field.get("options", "").strip(), f"{name}.{field['fieldname']} has no options"
			if field.get("default"):
				assert field["default"] in field["options"].split("\n")


@pytest.mark.parametrize("name", NAMES)
def test_links_and_tables_point_at_existing_doctypes(name):
	for field in DOCTYPES[name]["fields"]:
		if field["fieldtype"] in ("Link", "Table", "Table MultiSelect"):
			target = field.get("options")
			assert target in DOCTYPES or target in FRAPPE_DOCTYPES, f"{name}.{field['fieldname']} -> {target}"
		if field["fieldtype"] in ("Table", "Table MultiSelect"):
			assert DOCTYPES[field["options"]].get("istable"), f"{field['options']} is not a child table"
		if field["fieldtype"] == "Table MultiSelect":
			child = DOCTYPES[field["options"]]
			assert any(f["fieldtype"] == "Link" for f in child["fields"])


@pytest.mark.parametrize("name", NAMES)
def test_fetch_from_uses_a_link_of_the_same_doctype(name):
	dt = DOCTYPES[name]
	by_name = {f["fieldname"]: f for f in dt["fields"]}
	for field in dt["fields"]:
		if field.get("fetch_from"):
			link, target_field = field["fetch_from"].split(".")
			assert by_name[link]["fieldtype"] == "Link", field
			target = by_name[link]["options"]
			if target in DOCTYPES:
				assert target_field in {f["fieldname"] for f in DOCTYPES[target]["fields"]}, field


@pytest.mark.parametrize("name", NAMES)
def test_naming_and_display_fields_exist(name):
	dt = DOCTYPES[name]
	fieldnames = {f["fieldname"] for f in dt["fields"]} | {"name", "modified", "creation"}
	autoname = dt.get("autoname") or ""
	if autoname.startswith("field:"):
		field = next(f for f in dt["fields"] if f["fieldname"] == autoname[6:])
		assert field.get("reqd") and field.get("unique")
	if autoname.startswith("naming_series:"):
		assert "naming_series" in fieldnames
	for key in ("title_field", "sort_field"):
		if dt.get(key):
			assert dt[key] in fieldnames, f"{name}.{key} = {dt[key]}"
	for field in (dt.get("search_fields") or "").split(","):
		if field.strip():
			assert field.strip() in fieldnames


@pytest.mark.parametrize("name", NAMES)
def test_permissions_name_known_roles_and_cover_permlevels(name):
	dt = DOCTYPES[name]
	if dt.get("istable"):
		assert dt["permissions"] == []
		return
	assert dt["permissions"], f"{name} has no permissions"
	for perm in dt["permissions"]:
		assert perm["role"] in known_roles(), perm
	levels = {f.get("permlevel", 0) for f in dt["fields"]}
	perm_levels = {p.get("permlevel", 0) for p in dt["permissions"]}
	assert levels <= perm_levels | {0}, f"{name}: no role can read permlevel {levels - perm_levels}"
	for perm in dt["permissions"]:
		if perm.get("permlevel", 0) > 0:
			assert any(p["role"] == perm["role"] and not p.get("permlevel") for p in dt["permissions"])


def test_sensitive_student_fields_are_above_permlevel_zero():
	fields = {f["fieldname"]: f for f in DOCTYPES["Student"]["fields"]}
	for fieldname in ("health_notes", "family_situation"):
		assert fields[fieldname].get("permlevel", 0) >= 1


def test_partners_and_evaluators_have_no_student_permission():
	for doctype in ("Student", "Student Consent"):
		roles = {p["role"] for p in DOCTYPES[doctype]["permissions"]}
		assert not roles & {"Partner Manager", "Evaluator", "Guest", "All", "System Manager"}


def test_scoped_doctypes_exist_and_index_their_site():
	for doctype in SITE_SCOPED:
		assert doctype in DOCTYPES
		assert hooks.has_permission[doctype] == "cis_app.permissions.scope.has_scoped_permission"
		if DOCTYPES[doctype].get("istable"):
			continue
		site = next(f for f in DOCTYPES[doctype]["fields"] if f["fieldname"] == "site")
		assert site.get("search_index"), f"{doctype}.site must be indexed"


# Frappe's own DocTypes the app rules for themselves (not as records about one of its records)
FRAPPE_DOCTYPES_RULED = {"Prepared Report"}


def test_hooked_doctypes_exist_with_both_hooks():
	for doctype in hooks.permission_query_conditions:
		if doctype in RECORD_TRAIL:
			continue  # Frappe's own DocTypes describing ours: checked below
		assert doctype in DOCTYPES or doctype in FRAPPE_DOCTYPES_RULED
		assert doctype in hooks.has_permission, f"{doctype}: list condition without a document check"


def test_records_describing_a_record_follow_its_rule():
	"""Versions, comments, files, workflow actions... of a scoped record follow that record's rule."""
	for doctype in ("Version", "Comment", "File", "Workflow Action", "ToDo", "Communication", "Access Log"):
		assert doctype in RECORD_TRAIL
	for doctype, fields in RECORD_TRAIL.items():
		assert doctype not in DOCTYPES, f"{doctype} is Frappe's, not ours"
		assert len(fields) == 2 and all(fields)
		assert hooks.permission_query_conditions[doctype] == "cis_app.permissions.record_trail.trail_conditions"
		assert hooks.has_permission[doctype] == "cis_app.permissions.record_trail.has_trail_permission"


def test_partnerships_are_scoped_by_affiliate():
	for doctype in ("Partner", "Partner Contribution", "CIS Volunteer", "Volunteer Hours"):
		assert doctype in hooks.permission_query_conditions and doctype in hooks.has_permission
	for name, dt in DOCTYPES.items():
		for field in dt["fields"]:
			if field["fieldtype"] in ("Table", "Table MultiSelect") and field["options"] in DOCTYPES:
				child = field["options"]
				if name in hooks.permission_query_conditions:
					assert child in hooks.permission_query_conditions, f"{child} rows escape {name}'s rule"


def test_counts_and_link_checks_go_through_the_rules():
	assert hooks.override_whitelisted_methods["frappe.client.get_count"] == "cis_app.overrides.generic_methods.get_count"
	assert (
		hooks.override_whitelisted_methods["frappe.client.validate_link"] == "cis_app.overrides.generic_methods.validate_link"
	)
	assert "cis_app.permissions.field_guard.install" in hooks.before_request
	assert "cis_app.permissions.field_guard.install" in hooks.before_job


def test_scoped_doctypes_are_not_globally_searchable():
	for doctype in hooks.permission_query_conditions:
		if doctype in RECORD_TRAIL or doctype in FRAPPE_DOCTYPES_RULED:
			continue
		for field in DOCTYPES[doctype]["fields"]:
			assert not field.get("in_global_search"), f"{doctype}.{field['fieldname']}"


def test_no_orphaned_doctype_folders():
	for folder in APP.glob("*/doctype/*"):
		if folder.is_dir() and folder.name != "__pycache__":
			assert (folder / f"{folder.name}.json").exists(), f"{folder} has no JSON"


def test_fixture_roles_are_the_hooks_roles():
	from .metadata import app_roles

	assert app_roles() == set(CIS_ROLES)


def _carries_students(name, seen=()):
	"""True if the DocType or any of its child tables links to Student."""
	for field in DOCTYPES[name]["fields"]:
		if field["fieldtype"] == "Link" and field.get("options") == "Student":
			return True
		if field["fieldtype"] in ("Table", "Table MultiSelect") and field["options"] not in seen:
			if _carries_students(field["options"], (*seen, name)):
				return True
	return name == "Student"


def test_roles_outside_the_school_read_nothing_that_names_a_student():
	for name, dt in DOCTYPES.items():
		if dt.get("istable") or not _carries_students(name):
			continue
		roles = {p["role"] for p in dt["permissions"] if p.get("read")}
		assert not roles & {"Partner Manager", "Evaluator", "Guest", "All"}, name


def test_every_doctype_that_names_a_student_is_site_scoped():
	for name, dt in DOCTYPES.items():
		if _carries_students(name) and not dt.get("istable"):
			assert name in SITE_SCOPED, f"{name} names students but is not scoped"


def test_reports_are_consistent():
	from .metadata import json_files, known_roles

	reports = json_files("report")
	assert "Caseload" in reports
	for name, report in reports.items():
		path = report["_path"]
		assert report["ref_doctype"] in DOCTYPES, name
		assert report["module"] in modules()
		assert path.parent.parent.parent.name == scrub(report["module"])
		assert {r["role"] for r in report["roles"]} <= known_roles()
		if report["report_type"] == "Script Report":
			source = path.with_suffix(".py").read_text()
			assert "def execute(" in source
			assert (path.parent / f"test_{path.parent.name}.py").exists(), f"{name} has no test"
		# reports naming students are not for roles outside the school
		if DOCTYPES[report["ref_doctype"]] and _carries_students(report["ref_doctype"]):
			assert not {r["role"] for r in report["roles"]} & {"Partner Manager", "Evaluator"}, name


def test_workspaces_link_only_to_what_exists():
	from .metadata import json_files, known_roles

	reports = json_files("report")
	for name, workspace in json_files("workspace").items():
		for link in workspace["links"]:
			if link["type"] != "Link":
				continue
			target = reports if link["link_type"] == "Report" else DOCTYPES
			assert link["link_to"] in target, f"{name}: {link['link_to']}"
		for shortcut in workspace["shortcuts"]:
			if shortcut["type"] == "DocType":
				assert shortcut["link_to"] in DOCTYPES
			elif shortcut["type"] == "Report":
				assert shortcut["link_to"] in reports
			elif shortcut["type"] == "URL":
				slug = shortcut["url"].split("/")[2]
				assert any(scrub(d).replace("_", "-") == slug for d in DOCTYPES), shortcut["url"]
		content = json.loads(workspace["content"])
		shortcut_names = {s["label"] for s in workspace["shortcuts"]}
		card_names = {link["label"] for link in workspace["links"] if link["type"] == "Card Break"}
		for block in content:
			if block["type"] == "shortcut":
				assert block["data"]["shortcut_name"] in shortcut_names
			if block["type"] == "card":
				assert block["data"]["card_name"] in card_names
		assert {r["role"] for r in workspace["roles"]} <= known_roles()


@pytest.mark.parametrize("name", NAMES)
def test_connections_point_at_real_link_fields(name):
	for link in DOCTYPES[name].get("links") or []:
		target = DOCTYPES[link["link_doctype"]]
		field = next((f for f in target["fields"] if f["fieldname"] == link["link_fieldname"]), None)
		assert field and field["fieldtype"] == "Link" and field["options"] == name, link


def test_number_cards_count_real_fields_and_appear_on_workspaces():
	from .metadata import json_files

	cards = json_files("number_card")
	assert cards
	for name, card in cards.items():
		assert card["document_type"] in DOCTYPES and card["module"] in modules()
		if card["type"] == "Custom":
			# a method of the app, whitelisted; its filters a dict of what it reads
			assert whitelisted_function(card["method"]), (name, card["method"])
			assert isinstance(json.loads(card["filters_json"]), dict), name
			continue
		fieldnames = {f["fieldname"] for f in DOCTYPES[card["document_type"]]["fields"]}
		for row in json.loads(card["filters_json"]):
			assert row[0] == card["document_type"] and row[1] in fieldnames, (name, row)
	for name, workspace in json_files("workspace").items():
		listed = {c["number_card_name"] for c in workspace.get("number_cards", [])}
		assert listed <= set(cards), name
		shown = {
			b["data"]["number_card_name"]
			for b in json.loads(workspace["content"])
			if b["type"] == "number_card"
		}
		assert shown == listed, name


def whitelisted_function(dotted: str) -> bool:
	"""Whether ``dotted`` names a function of the app decorated ``@frappe.whitelist()`` (read, not imported)."""
	import ast

	module, _, function = dotted.rpartition(".")
	path = APP.parent / (module.replace(".", "/") + ".py")
	if not module.startswith("cis_app.") or not path.exists():
		return False
	for node in ast.parse(path.read_text()).body:
		if isinstance(node, ast.FunctionDef) and node.name == function:
			return any("whitelist" in ast.unparse(d) for d in node.decorator_list)
	return False


def test_dashboard_charts_use_a_source_of_the_app_and_appear_on_workspaces():
	from .metadata import json_files

	charts = json_files("dashboard_chart")
	sources = json_files("dashboard_chart_source")
	assert charts and sources
	for name, source in sources.items():
		folder = next(APP.glob(f"*/dashboard_chart_source/{scrub(name)}"))
		script = (folder / f"{folder.name}.js").read_text()
		method = re.search(r'method:\s*"([^"]+)"', script).group(1)
		assert f'chart_sources["{name}"]' in script and whitelisted_function(method), name
	for name, chart in charts.items():
		assert chart["chart_type"] == "Custom" and chart["source"] in sources, name
		assert chart["module"] in modules() and chart["is_standard"] == 1
		# shown by role (Frappe's chart permission), to roles the app knows
		assert chart["roles"] and {r["role"] for r in chart["roles"]} <= known_roles(), name
		assert json.loads(chart["filters_json"]).get("view") in ("years", "targets", "impact"), name
	for name, workspace in json_files("workspace").items():
		listed = {c["chart_name"] for c in workspace.get("charts", [])}
		assert listed <= set(charts), name
		shown = {b["data"]["chart_name"] for b in json.loads(workspace["content"]) if b["type"] == "chart"}
		assert shown == listed, name


def test_the_outcomes_workspace_links_each_report_once():
	"""The Outcomes workspace: its figures as cards and charts, and one link per report (no shortcut
	and link to the same report)."""
	from .metadata import json_files

	for name, workspace in json_files("workspace").items():
		if name != "Outcomes":
			continue
		reports = [link["link_to"] for link in workspace["links"] if link.get("link_type") == "Report"]
		reports += [s["link_to"] for s in workspace.get("shortcuts", []) if s.get("type") == "Report"]
		assert len(reports) == len(set(reports)), (name, reports)
		assert {"CIS Outcomes", "CIS Impact", "Affiliate Annual Summary"} <= set(reports)
		assert len(workspace["number_cards"]) >= 7 and len(workspace["charts"]) == 3


def test_every_script_report_is_named_in_reporting():
	"""cis_app.cis_case_management.reporting.APP_REPORTS (and STUDENT_LEVEL_REPORTS, which it includes) names every Script
	Report of the app: the prepared-report and filter checks apply to what it names."""
	import ast

	source = (APP / "cis_case_management" / "reporting.py").read_text()
	names = {}
	for node in ast.parse(source).body:
		if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
			names[node.targets[0].id] = {
				n.value
				for n in ast.walk(node.value)
				if isinstance(n, ast.Constant) and isinstance(n.value, str)
			}
	listed = names["APP_REPORTS"] | names["STUDENT_LEVEL_REPORTS"]
	reports = {
		json.loads(path.read_text())["name"]
		for path in APP.glob("*/report/*/*.json")
		if json.loads(path.read_text()).get("report_type") == "Script Report"
	}
	assert reports == listed, f"not listed: {reports - listed}; listed but no such report: {listed - reports}"


def test_hooks_register_exactly_the_scoped_doctypes():
	"""One list (cis_app.utils.roles.SCOPED_DOCTYPES): hooks.py registers the scope rule for each
	DocType in it, and for no other."""
	hooked = {
		doctype
		for doctype, method in hooks.permission_query_conditions.items()
		if method == "cis_app.permissions.scope.get_permission_query_conditions"
	}
	checked = {
		doctype
		for doctype, method in hooks.has_permission.items()
		if method == "cis_app.permissions.scope.has_scoped_permission"
	}
	assert hooked == checked == set(SCOPED_DOCTYPES)
	assert set(SITE_SCOPED) | set(AFFILIATE_SCOPED) == set(SCOPED_DOCTYPES)
	assert not set(SITE_SCOPED) & set(AFFILIATE_SCOPED)
	assert set(AFFILIATE_SCOPED) == {
		"Partner",
		"Partner Contact",
		"Partner Service",
		"Partner Site",
		"Partner Contribution",
	}


def test_hooks_hold_no_shared_constants():
	"""hooks.py takes the app's shared names from cis_app.utils.roles under a private name, so Frappe
	does not read them as hooks."""
	assert not hasattr(hooks, "SCOPED_DOCTYPES") and not hasattr(hooks, "RECORD_TRAIL")
