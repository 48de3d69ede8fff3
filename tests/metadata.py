"""Loads the app's DocType, report, workspace and workflow JSON for the consistency checks."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

from cis_app.utils.roles import CIS_ROLES, PARTNER_CONTACT_ROLE

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "cis_app"

# What Frappe itself provides that our JSON may point at.
FRAPPE_DOCTYPES = {
	"User",
	"Role",
	"DocType",
	"File",
	"Contact",
	"Address",
	"Country",
	"Currency",
	"Module Def",
	"Workflow",
	"Workflow State",
	"Workflow Action Master",
	"Email Template",
	"Print Format",
	"Report",
	"Dashboard Chart",
	"Number Card",
	"Web Form",
	"Workspace",
	"Page",
	"Gender",
}
FRAPPE_ROLES = {"System Manager", "Administrator", "Guest", "All", "Website Manager"}
FIELDTYPES = {
	"Autocomplete",
	"Attach",
	"Attach Image",
	"Barcode",
	"Button",
	"Check",
	"Code",
	"Color",
	"Column Break",
	"Currency",
	"Data",
	"Date",
	"Datetime",
	"Duration",
	"Dynamic Link",
	"Float",
	"Fold",
	"Geolocation",
	"Heading",
	"HTML",
	"HTML Editor",
	"Icon",
	"Image",
	"Int",
	"JSON",
	"Link",
	"Long Text",
	"Markdown Editor",
	"Password",
	"Percent",
	"Phone",
	"Read Only",
	"Rating",
	"Section Break",
	"Select",
	"Signature",
	"Small Text",
	"Tab Break",
	"Table",
	"Table MultiSelect",
	"Text",
	"Text Editor",
	"Time",
}
NO_VALUE = {"Section Break", "Column Break", "Tab Break", "HTML", "Button", "Heading", "Fold"}


def scrub(name: str) -> str:
	return name.replace(" ", "_").replace("-", "_").lower()


def modules() -> list[str]:
	return [line.strip() for line in (APP / "modules.txt").read_text().splitlines() if line.strip()]


@cache
def doctypes() -> dict[str, dict]:
	"""name -> DocType JSON, with ``_path`` added."""
	found = {}
	for path in sorted(APP.glob("*/doctype/*/*.json")):
		if path.stem != path.parent.name:
			continue
		data = json.loads(path.read_text())
		data["_path"] = path
		found[data["name"]] = data
	return found


def json_files(kind: str) -> dict[str, dict]:
	"""Reports, workspaces, number cards ... : ``kind`` is the folder name under a module."""
	found = {}
	for path in sorted(APP.glob(f"*/{kind}/*/*.json")):
		if path.stem != path.parent.name:
			continue
		data = json.loads(path.read_text())
		data["_path"] = path
		found[data["name"]] = data
	return found


def app_roles() -> set[str]:
	roles = set()
	fixture = APP / "fixtures" / "role.json"
	if fixture.exists():
		roles |= {row["role_name"] for row in json.loads(fixture.read_text())}
	return roles


def known_roles() -> set[str]:
	return app_roles() | FRAPPE_ROLES


def hooks_text() -> str:
	return (APP / "hooks.py").read_text()


def class_name(doctype: str) -> str:
	# Frappe: doctype.replace(" ", "").replace("-", "")
	return re.sub(r"[^A-Za-z0-9_]", "", doctype.replace(" ", "").replace("-", ""))


# The README's matrix: every role of the app but the partner contact's (who reads referrals on the
# website only, through the portal's own rules)
MATRIX_ROLES = tuple(role for role in CIS_ROLES if role != PARTNER_CONTACT_ROLE)
MATRIX_BEGIN = "<!-- permission-matrix:begin -->"
MATRIX_END = "<!-- permission-matrix:end -->"
MATRIX_DOC = "docs/administrator.md"  # the matrix's home, "Roles and permissions"


def permission_matrix() -> str:
	"""The role x DocType table of the administrator's guide (``MATRIX_DOC``), built from the DocType
	JSON (R read, W write, C create, D delete, S submit; a trailing + means the role also reads the
	higher-permlevel sensitive fields)."""
	lines = ["| DocType | " + " | ".join(MATRIX_ROLES) + " |", "|---" * (len(MATRIX_ROLES) + 1) + "|"]
	for name, dt in sorted(doctypes().items()):
		if dt.get("istable"):
			continue
		cells = []
		for role in MATRIX_ROLES:
			level0 = [p for p in dt["permissions"] if p["role"] == role and not p.get("permlevel")]
			higher = [
				p for p in dt["permissions"] if p["role"] == role and p.get("permlevel") and p.get("read")
			]
			letters = ""
			for key, letter in (
				("read", "R"),
				("write", "W"),
				("create", "C"),
				("delete", "D"),
				("submit", "S"),
			):
				if any(p.get(key) for p in level0):
					letters += letter
			cells.append((letters or "-") + ("+" if higher else ""))
		lines.append(f"| {name} | " + " | ".join(cells) + " |")
	return "\n".join(lines)
