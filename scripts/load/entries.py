"""What a simulated phone sends: one queued entry as the phone page makes it (its own client id)."""

from __future__ import annotations

import random
import time
import uuid
from datetime import date


def entry(kind: str, payload: dict) -> dict:
	return {
		"client_id": str(uuid.uuid4()),
		"kind": kind,
		"recorded_at_device": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
		"payload": payload,
	}


def check_in(students: list[str], note: str, minutes: int = 15) -> dict:
	"""A check-in of today with one of ``students`` (synthetic note)."""
	return entry(
		"check_in",
		{
			"student": random.choice(students),
			"checkin_date": date.today().isoformat(),
			"contact_with": "Student",
			"contact_method": "In Person",
			"minutes": minutes,
			"notes": note,
		},
	)
