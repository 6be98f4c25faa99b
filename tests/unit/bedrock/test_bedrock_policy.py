"""A knowledge base entry's settings apply to its data sources, and only to them."""

from __future__ import annotations

from datetime import timedelta

from sync_auditor.model import DataSourceRef
from sync_auditor.policies import policy_for

KB, OTHER = "KB12345678", "KB87654321"
TARGETS = {
    "bedrock": [
        {"knowledgeBaseId": KB, "dataSourceIds": ["DS00000001"], "stuckAfterMinutes": 45},
        {
            "knowledgeBaseId": OTHER,
            "expectSyncEveryHours": 24,
            "selfHealing": {"maxRetriesPerDay": 2},
        },
    ]
}


def source(kb: str, ds: str) -> DataSourceRef:
    return DataSourceRef.from_ids("bedrock", {"knowledge_base_id": kb}, ds)


def test_each_entry_governs_its_own_data_sources() -> None:
    listed = policy_for(TARGETS, source(KB, "DS00000001"), stuck_after_minutes=360)
    whole = policy_for(TARGETS, source(OTHER, "DSANYTHING"), stuck_after_minutes=360)
    unlisted = policy_for(TARGETS, source(KB, "DS00000002"), stuck_after_minutes=360)

    assert listed.stuck_after == timedelta(minutes=45)
    assert listed.self_healing is None and listed.expect_sync_every is None
    assert whole.expect_sync_every == timedelta(hours=24)
    assert whole.self_healing is not None and whole.self_healing.max_retries_per_day == 2
    # a data source its entry does not list takes the global defaults
    assert unlisted.stuck_after == timedelta(minutes=360)
