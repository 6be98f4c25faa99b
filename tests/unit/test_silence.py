"""Silent data sources: the rule that names a silent period, and the notice the notifier gets."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from devkit.event_filter import matches_any
from sync_auditor.adapters.notices import silent_notice_id
from sync_auditor.policies import silent_since
from sync_auditor.stream_filter import NOTICE_FILTER_PATTERNS
from tests.unit.builders import at
from tests.unit.notifier_builders import KENDRA_INDEX, KENDRA_KEY, stream_record, typed
from tests.unit.test_notify import Recorder

DAY = timedelta(hours=24)


@pytest.mark.parametrize(
    ("newest", "cursor_since", "hour", "expected"),
    [
        ({"startTime": "2026-11-21T10:00:00Z"}, None, 11, "2026-11-21T10:00:00Z"),
        ({"startTime": "2026-11-21T10:00:00Z"}, None, 9, None),
        # backfilled history: the silence clock starts when the auditor first saw it
        (
            {
                "startTime": "2026-11-01T10:00:00Z",
                "backfilled": True,
                "firstSeenAt": "2026-11-22T08:00:00Z",
            },
            None,
            12,
            None,
        ),
        (
            {
                "startTime": "2026-11-01T10:00:00Z",
                "backfilled": True,
                "firstSeenAt": "2026-11-21T08:00:00Z",
            },
            None,
            12,
            "2026-11-21T08:00:00Z",
        ),
        # no job at all: from the first poll (the cursor it left)
        (None, "2026-11-21T06:00:00Z", 12, "2026-11-21T06:00:00Z"),
        (None, None, 12, None),
    ],
)
def test_a_silent_period_starts_at_the_newest_start_the_auditor_could_see(
    newest: dict[str, Any] | None, cursor_since: str | None, hour: int, expected: str | None
) -> None:
    assert silent_since(newest, cursor_since, at(hour), DAY) == expected


def notice_insert(**fields: Any) -> dict[str, Any]:
    item = {
        "id": silent_notice_id(KENDRA_KEY, "2026-11-21T10:00:00Z"),
        "alertType": "DATA_SOURCE_SILENT",
        "dataSourceKey": KENDRA_KEY,
        "service": "kendra",
        "indexId": KENDRA_INDEX,
        "dataSourceId": "web-crawler",
        "dataSourceName": "Public docs <!channel>",
        "silentSince": "2026-11-21T10:00:00Z",
        "expectSyncEveryHours": 24,
        "noticedAt": "2026-11-22T10:05:00Z",
        **fields,
    }
    return state_insert(item)


def state_insert(item: dict[str, Any]) -> dict[str, Any]:
    """An INSERT from the state table's stream (NEW_IMAGE, key `id`)."""
    record = stream_record("INSERT", new={**item, "dataSourceKey": "-", "executionId": "-"})
    record["dynamodb"]["NewImage"] = typed(item)
    record["dynamodb"]["Keys"] = typed({"id": item["id"]})
    record["dynamodb"]["StreamViewType"] = "NEW_IMAGE"
    return record


def test_a_notice_insert_sends_one_silent_alert() -> None:
    sns = Recorder()
    record = notice_insert()

    assert sns.process(record) == {"notices": ["DATA_SOURCE_SILENT"], "deliveries": ["sent"]}
    sns.process(record)  # redelivered: the idempotency key is the same eventID

    ((_, message),) = sns.published
    assert message.attributes["alertType"] == "DATA_SOURCE_SILENT"
    assert message.subject == "Amazon Kendra sync SILENT: Public docs <!channel>"
    (body,) = sns.alert_bodies
    assert "since 2026-11-21T10:00:00Z" in body["notes"][0] and "24 hours" in body["notes"][0]
    assert sns.metric_names == ["DataSourcesSilent", "AlertsPublished"]


def test_only_notice_inserts_pass_the_state_table_filter_and_others_do_nothing() -> None:
    cursor = state_insert({"id": "cursor#x", "since": "t"})

    assert matches_any(NOTICE_FILTER_PATTERNS, notice_insert())
    assert not matches_any(NOTICE_FILTER_PATTERNS, cursor)
    assert Recorder().process(cursor) is None
