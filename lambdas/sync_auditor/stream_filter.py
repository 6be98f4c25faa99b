"""The event source filters of the notifier: only records that can alert or emit job metrics
should invoke (and bill) the function. Lambda invokes for a record that matches any pattern.

- a job whose new status is terminal (its alert, its metrics, a recovery notice, and a
  self-healing decision written on a FAILED job);
- a job marked stuck (`stuckAt`); the notifier alerts when the old image lacks it.

The stack passes these patterns to Lambda's filter criteria; the local stream pump applies the
same patterns, so loopback runs see exactly the records the deployed function sees.
"""

from __future__ import annotations

from typing import Any

from sync_auditor.model import TERMINAL_STATUSES

NOTIFIER_FILTER_PATTERN: dict[str, Any] = {
    "eventName": ["INSERT", "MODIFY"],
    "dynamodb": {"NewImage": {"status": {"S": sorted(TERMINAL_STATUSES)}}},
}
STUCK_FILTER_PATTERN: dict[str, Any] = {
    "eventName": ["INSERT", "MODIFY"],
    "dynamodb": {"NewImage": {"stuckAt": {"S": [{"exists": True}]}}},
}
NOTIFIER_FILTER_PATTERNS: tuple[dict[str, Any], ...] = (
    NOTIFIER_FILTER_PATTERN,
    STUCK_FILTER_PATTERN,
)

# The state table's stream (NEW_IMAGE) carries everything written there (cursors, outbox
# records); only an inserted notice is for the notifier.
NOTICE_FILTER_PATTERNS: tuple[dict[str, Any], ...] = (
    {
        "eventName": ["INSERT"],
        "dynamodb": {"Keys": {"id": {"S": [{"prefix": "notice#"}]}}},
    },
)
