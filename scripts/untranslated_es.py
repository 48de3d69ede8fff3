"""List the messages of cis_app that no Spanish translation covers yet (neither Frappe's nor
cis_app/translations/es.csv), found with Frappe's own extractor (the one ``bench generate-pot-file``
uses: DocType, report and workspace JSON, ``_()`` in Python and Jinja, ``__()`` in JavaScript).

Run it with the bench's Python from the bench's ``sites`` folder (it reads the site's merged Spanish
dictionary, and writes nothing):

    cd <bench>/sites && ../env/bin/python <repo>/scripts/untranslated_es.py --site <site>

Prints one CSV row per missing message (``source,`` and the first place it is used), ready to be
translated and added to es.csv. Exit status 1 when something is missing.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys

import frappe
from babel.messages.extract import extract_from_dir
from frappe.gettext.translate import DEFAULT_KEYWORDS, get_method_map
from frappe.translate import get_all_translations


def extracted_messages(app: str) -> dict[str, str]:
	"""message -> first location, through Frappe's babel extractors (as generate-pot-file does)."""
	bench_path = os.path.abspath(os.path.join(frappe.local.sites_path, ".."))
	app_path = os.path.join("apps", app, app)  # relative to the bench, as Frappe's extractors expect
	keywords = DEFAULT_KEYWORDS.copy()
	keywords["_lt"] = None

	def directory_filter(dirpath: str) -> bool:
		name = os.path.basename(dirpath)
		return not (name.startswith((".", "_")) or name in ("node_modules", "dist"))

	messages: dict[str, str] = {}
	cwd = os.getcwd()
	os.chdir(bench_path)
	try:
		method_map = get_method_map(app) + get_method_map("frappe")
		for filename, lineno, message, _comments, _context in extract_from_dir(
			app_path, method_map, directory_filter=directory_filter, keywords=keywords
		):
			if isinstance(message, tuple):
				message = message[0]
			if message and message.strip():
				messages.setdefault(message, f"{filename}:{lineno}")
	finally:
		os.chdir(cwd)
	return messages


def main() -> None:
	parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
	parser.add_argument("--site", required=True)
	parser.add_argument("--sites-path", default=".")
	parser.add_argument("--app", default="cis_app")
	parser.add_argument("--lang", default="es")
	args = parser.parse_args()
	frappe.init(site=args.site, sites_path=args.sites_path)
	frappe.connect()
	try:
		frappe.translate.clear_cache()
		known = get_all_translations(args.lang)
		missing = {
			message: where
			for message, where in extracted_messages(args.app).items()
			if message.strip() not in known
		}
	finally:
		frappe.destroy()
	writer = csv.writer(sys.stdout, lineterminator="\n")
	for message, where in sorted(missing.items(), key=lambda item: item[1]):
		writer.writerow([message, "", where])
	print(f"{len(missing)} untranslated", file=sys.stderr)
	sys.exit(1 if missing else 0)


if __name__ == "__main__":
	main()
