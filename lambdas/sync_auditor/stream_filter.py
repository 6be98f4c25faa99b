"""The event source filter of the notifier: only inserts and modifications whose new status is
terminal can alert or emit job metrics, so nothing else should invoke (and bill) the function.

The stack passes this pattern to Lambda's filter criteria; the local stream pump applies the
same pattern, so loopback runs see exactly the records the deployed function sees.
"""

from __future__ import annotations

from typing import Any

from sync_auditor.model import TERMINAL_STATUSES

NOTIFIER_FILTER_PATTERN: dict[str, Any] = {
    "eventName": ["INSERT", "MODIFY"],
    "dynamodb": {"NewImage": {"status": {"S": sorted(TERMINAL_STATUSES)}}},
}
