"""What proves a quiet data source unchanged without reading its job records back.

After a complete read commits the jobs of its poll window, the cursor item keeps a fingerprint
of them: each job's id with every attribute a record takes from it (the API's observation and
the data source's identity and names). When the next read returns exactly the same window,
every record already says what the API says, so there is nothing to compare and nothing to
write: the poll skips the job table altogether. Any difference (a new job, a changed count, a
renamed data source) changes the fingerprint and the poll compares every record as before,
through the same conditional writes.

The fingerprint a read stores covers the window the next read asks for (from the new cursor),
so the first quiet read after a backfill already matches. A window with an open job has no
fingerprint: an open job is compared on every tick anyway
(its record decides whether it has become stuck).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import datetime

from sync_auditor.model import SyncJob, identity_attributes, iso_utc

# Part of every fingerprint: a change in what it covers makes old ones differ, never match.
VERSION = "1"


def window_fingerprint(jobs: Iterable[SyncJob], since: datetime) -> str | None:
    """The fingerprint of the jobs a read from `since` returns, or None when one is still open.

    Only jobs that started at or after `since` count (and any without a start time): a reader
    may return older ones beside them (Bedrock's pages are not filtered by time), and a read's
    fingerprint is stored for the window the next read asks for.
    """
    start = iso_utc(since)
    observations = []
    for job in jobs:
        if job.start_time is not None and job.start_time < start:
            continue
        if not job.is_terminal:
            return None
        attributes = {**identity_attributes(job.source), **job.observed()}
        observations.append([job.execution_id, attributes])
    observations.sort(key=lambda observation: str(observation[0]))
    text = json.dumps([VERSION, observations], sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()
