"""After a load run: is the database what the load generator was told?

Reads the ledger the Locust users wrote (one JSON line per entry sent: client id, kind, status) and
asks the site, as Administrator over HTTP, for the records with those client ids:

- every entry answered "created" or "duplicate" exists exactly once (check-ins and group sessions);
- every entry answered "refused" does not exist;
- an entry never answered (its retries ran out) exists at most once;
- no client id is stored twice.

Prints the counts and PASS or FAIL; exits 1 on FAIL. Standard library only.

    python scripts/load/nothing_lost.py --url http://localhost:8200 --site cis.localhost --ledger load-ledger.jsonl
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import sys
import urllib.parse
import urllib.request
from collections import Counter

DOCTYPES = {"check_in": "Student Check-In", "group_session": "Group Session"}
CHUNK = 50  # ids per request: the query string stays under gunicorn's 4 KB request line


def session(url: str, site: str, password: str):
	opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
	headers = {"X-Frappe-Site-Name": site, "Accept": "application/json"}
	body = urllib.parse.urlencode({"usr": "Administrator", "pwd": password}).encode()
	opener.open(urllib.request.Request(f"{url}/api/method/login", data=body, headers=headers), timeout=60)

	def get(path: str, **params) -> dict:
		query = urllib.parse.urlencode({k: json.dumps(v) if not isinstance(v, str) else v for k, v in params.items()})
		with opener.open(urllib.request.Request(f"{url}{path}?{query}", headers=headers), timeout=120) as answer:
			return json.loads(answer.read())

	return get


def stored_ids(get, doctype: str, ids: list[str]) -> Counter:
	found: Counter = Counter()
	for start in range(0, len(ids), CHUNK):
		rows = get(
			f"/api/resource/{urllib.parse.quote(doctype)}",
			filters=[["client_id", "in", ids[start : start + CHUNK]]],
			fields=["client_id"],
			limit_page_length=0,
		)["data"]
		found.update(row["client_id"] for row in rows)
	return found


def check(ledger_path: str, get) -> tuple[bool, dict]:
	entries: dict[str, dict] = {}
	for line in open(ledger_path):
		row = json.loads(line)
		# a retried batch answers again: the last answer stands ("duplicate" after "unanswered", say)
		previous = entries.get(row["client_id"])
		if previous is None or previous["status"] == "unanswered":
			entries[row["client_id"]] = row
	problems = []
	figures = Counter(f"{row['kind']} {row['status']}" for row in entries.values())
	for kind, doctype in DOCTYPES.items():
		ids = [cid for cid, row in entries.items() if row["kind"] == kind]
		stored = stored_ids(get, doctype, ids)
		for cid in ids:
			status, times = entries[cid]["status"], stored.get(cid, 0)
			if status in ("created", "duplicate") and times != 1:
				problems.append(f"{doctype} {cid}: answered {status}, stored {times} times")
			elif status == "refused" and times:
				problems.append(f"{doctype} {cid}: refused, yet stored")
			elif status == "unanswered" and times > 1:
				problems.append(f"{doctype} {cid}: never answered, stored {times} times")
	return not problems, {"entries": len(entries), "by_answer": dict(figures), "problems": problems[:20]}


def main() -> int:
	parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
	parser.add_argument("--url", default="http://localhost:8200")
	parser.add_argument("--site", default="cis.localhost")
	parser.add_argument("--admin-password", default="admin")
	parser.add_argument("--ledger", default="load-ledger.jsonl")
	args = parser.parse_args()
	ok, figures = check(args.ledger, session(args.url.rstrip("/"), args.site, args.admin_password))
	print(json.dumps(figures, indent=1))
	print(f"nothing lost: {'PASS' if ok else 'FAIL'} ({figures['entries']} entries checked)")
	return 0 if ok else 1


if __name__ == "__main__":
	sys.exit(main())
