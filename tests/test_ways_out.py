"""The classification of every whitelisted method (cis_app.core.ways_out), checked without Frappe.

The integration test ``cis_app/tests/test_ways_out_classification.py`` checks it against every method loaded
on a site; these checks catch, in seconds, an app method added without a class, a refusal without the
route to use instead, or an override of a Frappe method the list does not say is kept.
"""

import ast
import pathlib

from cis_app import hooks
from cis_app.core import ways_out
from cis_app.utils.roles import AFFILIATE_SCOPED, SITE_SCOPED

APP_DIR = pathlib.Path(__file__).resolve().parent.parent / "cis_app"


def _whitelisted_in_app() -> set[str]:
	"""``module.qualname`` of each function of the app decorated with ``frappe.whitelist``."""
	found = set()
	for path in APP_DIR.rglob("*.py"):
		parts = path.relative_to(APP_DIR.parent).with_suffix("").parts
		if any(part.startswith("test") for part in parts) or "benchmarks" in parts or "patches" in parts:
			continue
		module = ".".join(parts)
		tree = ast.parse(path.read_text(encoding="utf-8"))

		def visit(node, prefix):
			for child in ast.iter_child_nodes(node):
				if isinstance(child, ast.ClassDef):
					visit(child, prefix + [child.name])
				elif isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
					for decorator in child.decorator_list:
						target = decorator.func if isinstance(decorator, ast.Call) else decorator
						if ast.unparse(target) in ("frappe.whitelist", "whitelist"):
							found.add(".".join([module, *prefix, child.name]))

		visit(tree, [])
	return found


def test_every_method_has_a_known_class():
	assert set(ways_out.METHODS.values()) <= set(ways_out.CLASSES)


def test_every_refused_method_says_what_to_use_instead():
	refused = {name for name, cls in ways_out.METHODS.items() if cls == ways_out.REFUSE}
	assert refused == set(ways_out.REFUSALS)
	assert all(text.strip().endswith(".") for text in ways_out.REFUSALS.values())


def test_every_whitelisted_method_of_the_app_is_classified():
	missing = sorted(_whitelisted_in_app() - set(ways_out.METHODS))
	assert not missing, f"classify these in cis_app/core/ways_out.py: {missing}"


def test_the_scan_finds_the_apps_methods():
	# the check above cannot pass by finding nothing
	found = _whitelisted_in_app()
	assert "cis_app.cis_case_management.disclosures.download_pdf" in found
	assert "cis_app.cis_network.doctype.retention_run.retention_run.RetentionRun.erase" in found


def test_a_frappe_method_the_app_overrides_is_kept_by_a_method_of_the_same_class():
	for frappe_method, app_method in hooks.override_whitelisted_methods.items():
		assert frappe_method in ways_out.METHODS, frappe_method
		assert ways_out.METHODS[app_method] == ways_out.METHODS[frappe_method], frappe_method


def test_the_routes_that_took_student_data_out_unrecorded_are_recorded_or_refused():
	for method in (
		"frappe.utils.print_format.download_pdf",
		"frappe.core.doctype.communication.email.make",
		"frappe.www.printview.get_html_and_style",
	):
		assert ways_out.METHODS[method] == ways_out.RECORD, method
	for method in (
		"frappe.core.doctype.data_export.exporter.export_data",
		"frappe.core.doctype.data_import.data_import.download_template",
		"frappe.utils.weasyprint.download_pdf",
	):
		assert ways_out.METHODS[method] == ways_out.REFUSE, method


def test_no_role_is_offered_a_share_the_server_refuses():
	# cis_app.permissions.scope.validate_share refuses every share of a scoped record: the desk must not
	# offer the Share button for them either
	from .metadata import doctypes

	scoped = set(SITE_SCOPED) | set(AFFILIATE_SCOPED)
	offered = [
		(name, perm["role"])
		for name, meta in doctypes().items()
		if name in scoped
		for perm in meta.get("permissions", [])
		if perm.get("share")
	]
	assert not offered
