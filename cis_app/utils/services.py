"""A clear answer while Redis or MariaDB is down, instead of Frappe's error 500 with a traceback.

``answering`` turns a lost connection to the job queue or cache (Redis) or to the database (MariaDB)
into ``ServiceUnavailableError`` (HTTP 503) with the caller's message, which says what was not done and
when to try again; ``cis_app.api.checkin.add_retry_after`` (an ``after_request`` hook) sends the wait as
Retry-After. The request's transaction is rolled back as for any error, so nothing is half-written.
"""

from __future__ import annotations

from contextlib import contextmanager

import frappe
import pymysql
import redis
from frappe import _

from cis_app.utils.exceptions import ServiceUnavailableError

# seconds a client is asked to wait before trying again
RETRY_SECONDS = 10
# MariaDB client errors of a server that is not there: cannot connect, gone away, lost during a query
CONNECTION_LOST = frozenset({2003, 2006, 2013})
REDIS_DOWN = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)


def is_connection_lost(error: BaseException) -> bool:
	if isinstance(error, REDIS_DOWN):
		return True
	return (
		isinstance(error, (pymysql.err.OperationalError, pymysql.err.InterfaceError))
		and bool(error.args)
		and error.args[0] in CONNECTION_LOST
	)


@contextmanager
def answering(message: str):
	"""Run the block; if Redis or MariaDB is not answering, refuse with ``message`` (HTTP 503)."""
	try:
		yield
	except Exception as error:
		if not is_connection_lost(error):
			raise
		frappe.local.flags.cis_retry_after = RETRY_SECONDS
		# an outage is not a bug of the request: the answer carries the message, not a traceback
		frappe.local.flags.disable_traceback = True
		frappe.throw(message, ServiceUnavailableError, title=_("Service Unavailable"))
