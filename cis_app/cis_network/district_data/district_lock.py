"""One import of a district at a time, held by the database, so a dead worker never holds it.

The job of a Roster Import (every type) holds a MariaDB named lock of its district while it runs
(``GET_LOCK``). A named lock belongs to the database connection: when the worker dies (kill -9, out
of memory, a reboot) MariaDB drops the connection and the lock with it. So:

- two jobs of one district never interleave: the second finds the lock taken and stops, refused;
- a job the queue (RQ) still calls "started" but whose district lock nobody holds is dead, and a new
  import of the district may start (``roster_import.import_running``).

Starting an import takes a second lock of the district (``starting``) for the moment between checking
the queue and queueing the job, so two administrators pressing Start at once are served one after the
other: the second is told that the first import is queued.

Named locks are server-wide: the names carry the site's database name. MariaDB allows 64 characters.
"""

from __future__ import annotations

import hashlib
from contextlib import contextmanager

import frappe

# seconds a Start waits for another administrator's Start of the same district
START_WAIT_SECONDS = 10


def lock_name(school_district: str, purpose: str = "run") -> str:
	digest = hashlib.sha1(f"{frappe.conf.db_name}\0{school_district}".encode()).hexdigest()
	return f"cis_roster_{purpose}_{digest}"[:64]


def hold(school_district: str) -> bool:
	"""Take the district's run lock for this connection (at once, or False if another holds it)."""
	return frappe.db.sql("select get_lock(%s, 0)", lock_name(school_district))[0][0] == 1


def release(school_district: str) -> None:
	frappe.db.sql("select release_lock(%s)", lock_name(school_district))


def held(school_district: str) -> bool:
	"""Whether any connection holds the district's run lock (a live job of the district)."""
	return frappe.db.sql("select is_used_lock(%s)", lock_name(school_district))[0][0] is not None


@contextmanager
def starting(school_district: str):
	"""Hold the district's start lock for the block; yields False if another Start held it
	``START_WAIT_SECONDS``."""
	name = lock_name(school_district, "start")
	got = frappe.db.sql("select get_lock(%s, %s)", (name, START_WAIT_SECONDS))[0][0] == 1
	try:
		yield got
	finally:
		if got:
			frappe.db.sql("select release_lock(%s)", name)
