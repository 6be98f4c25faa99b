"""Discovery cached, end to end on 127.0.0.1: the real poller (on a simulated clock), moto's
DynamoDB with streams, SNS and SQS, and the simulator. A data source added between refreshes is
polled from the refresh after it appears and its failed job alerts once; a listed data source
deleted is met once and then listed away."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import redirect_stdout
from datetime import datetime, timedelta
from typing import Any

import pytest

from devkit.loopback import STATE_TABLE, Loopback, loopback
from sync_auditor.adapters import clients
from sync_auditor.handlers import poller
from sync_auditor.settings import PollerSettings
from tests.integration.support import INDEX, NOW, attribute

LATE_KEY = f"kendra#{INDEX}#late"
LIST_DATA_SOURCES = "kendra:ListDataSources"
# The first tick, half an hour before the wall clock the simulator's jobs are placed by.
T0 = NOW - timedelta(minutes=30)


@pytest.fixture
def lb() -> Iterator[Loopback]:
    with loopback() as running:
        running.simulator.add_kendra_data_source(INDEX, "web", name="Public website")
        running.configure(
            {"kendra": [{"indexId": INDEX}]},
            DISCOVERY_REFRESH_MINUTES=60,
            MAX_REQUESTS_PER_SECOND=1000,
        )
        settings = PollerSettings.from_env()
        clients.configure(settings.retry_mode, settings.max_attempts)
        yield running


def tick(lb: Loopback, at: datetime) -> tuple[dict[str, Any], dict[str, Any], list[Any]]:
    """One tick of the real poller at `at`, and the stream delivered: the summary's Kendra
    counts, the simulator's request counts of the tick, and the alerts received."""
    lb.simulator.reset_stats()
    with redirect_stdout(io.StringIO()):
        summary = poller.run(PollerSettings.from_env(), clock=lambda: at)
        lb.notify()
    return summary["services"]["kendra"], lb.simulator.stats(), lb.received_alerts()


def test_a_data_source_added_between_refreshes_is_polled_after_the_next_and_alerts_once(
    lb: Loopback,
) -> None:
    counts, stats, _ = tick(lb, T0)
    assert counts["DataSourcesPolled"] == 1 and stats["calls"][LIST_DATA_SOURCES] == 1

    # Given a data source added after the listing, whose first job fails before the refresh
    lb.simulator.add_kendra_data_source(INDEX, "late", name="Late arrival")
    lb.simulator.put_job(LATE_KEY, "late-1", "FAILED", NOW - timedelta(minutes=10), NOW)

    # Between refreshes the cache answers: no listing, and the new data source is not seen yet
    counts, stats, alerts = tick(lb, T0 + timedelta(minutes=5))
    assert LIST_DATA_SOURCES not in stats["calls"]
    assert counts["DataSourcesPolled"] == 1 and LATE_KEY not in stats["by_data_source"]
    assert alerts == []

    # The refresh finds it; its failed job is news (the index's scope was audited since T0)
    counts, stats, alerts = tick(lb, T0 + timedelta(minutes=60))
    assert stats["calls"][LIST_DATA_SOURCES] == 1 and counts["DataSourcesPolled"] == 2
    assert [(attribute(a, "dataSourceKey"), attribute(a, "status")) for a in alerts] == [
        (LATE_KEY, "FAILED")
    ]

    # and only once
    counts, stats, alerts = tick(lb, T0 + timedelta(minutes=65))
    assert LIST_DATA_SOURCES not in stats["calls"] and counts["DataSourcesPolled"] == 2
    assert alerts == []


def test_a_listed_data_source_deleted_is_met_once_then_listed_away(lb: Loopback) -> None:
    lb.simulator.add_kendra_data_source(INDEX, "doomed")
    tick(lb, T0)
    lb.simulator.delete_data_source(f"kendra#{INDEX}#doomed")

    counts, stats, _ = tick(lb, T0 + timedelta(minutes=5))
    assert (counts["PollErrors"], counts["DataSourcesPolled"]) == (1, 1)
    assert LIST_DATA_SOURCES not in stats["calls"]

    counts, stats, _ = tick(lb, T0 + timedelta(minutes=10))
    assert stats["calls"][LIST_DATA_SOURCES] == 1
    assert (counts["PollErrors"], counts["DataSourcesPolled"]) == (0, 1)
    assert tick(lb, T0 + timedelta(minutes=15))[1]["calls"].get(LIST_DATA_SOURCES) is None


def test_the_cache_lives_in_the_state_table_under_its_own_items(lb: Loopback) -> None:
    tick(lb, T0)
    ids = [
        item["id"]["S"]
        for item in lb.client("dynamodb").scan(TableName=STATE_TABLE)["Items"]
        if item["id"]["S"].startswith("discovery#")
    ]
    assert "discovery#kendra" in ids and len(ids) == 2  # the head and one part
