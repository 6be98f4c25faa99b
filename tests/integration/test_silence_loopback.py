"""Silent data sources end to end: the poller's notice in the state table, its stream, the
notifier's DATA_SOURCE_SILENT alert. One per silent period, also across overlapping polls, and
never for silence that lies in backfilled history."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from devkit.loopback import Loopback, loopback
from tests.integration.support import (
    APP,
    INDEX,
    KENDRA_KEY,
    NOW,
    QB_DS,
    QB_INDEX,
    ago,
    attribute,
    tick_alerts,
)


@pytest.fixture
def lb() -> Iterator[Loopback]:
    with loopback() as running:
        running.simulator.add_kendra_data_source(INDEX, "web", name="Public website")
        running.simulator.add_qbusiness_data_source(APP, QB_INDEX, QB_DS, name="SharePoint")
        running.configure(
            {
                "kendra": [{"indexId": INDEX, "expectSyncEveryHours": 1}],
                "qbusiness": [{"applicationId": APP, "indexId": QB_INDEX}],
            }
        )
        yield running


def tick(lb: Loopback, polls: int = 1) -> list[dict[str, str]]:
    return [
        {name: attribute(alert, name) for name in ("alertType", "dataSourceKey")}
        for alert in tick_alerts(lb, polls)
    ]


def silent(alerts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [a for a in alerts if a["alertType"] == "DATA_SOURCE_SILENT"]


def test_a_data_source_silent_past_its_rhythm_alerts_once_per_period(lb: Loopback) -> None:
    # Given a Kendra job seen running, which then ended three hours after it started
    lb.simulator.put_job(KENDRA_KEY, "k-1", "SYNCING", ago(180))
    assert tick(lb) == []  # the first poll never reports silence
    lb.simulator.put_job(KENDRA_KEY, "k-1", "SUCCEEDED", ago(180), ago(170))

    # When the poller runs again, with no newer job for more than the expected hour
    alerts = tick(lb)

    # Then one silent alert for it (not for the Q Business source, which has no rhythm set)
    assert silent(alerts) == [{"alertType": "DATA_SOURCE_SILENT", "dataSourceKey": KENDRA_KEY}]
    # And none again while the same silence lasts, however many polls overlap
    assert tick(lb) == []
    assert tick(lb, polls=3) == []
    # And a new sync ends the period: no alert while it is recent
    lb.simulator.put_job(KENDRA_KEY, "k-2", "SUCCEEDED", ago(5), ago(1))
    assert silent(tick(lb)) == []


def test_overlapping_polls_report_a_silent_period_once(lb: Loopback) -> None:
    lb.simulator.put_job(KENDRA_KEY, "k-1", "SYNCING", ago(180))
    tick(lb)
    lb.simulator.put_job(KENDRA_KEY, "k-1", "SUCCEEDED", ago(180), ago(170))

    alerts = tick(lb, polls=3)

    assert silent(alerts) == [{"alertType": "DATA_SOURCE_SILENT", "dataSourceKey": KENDRA_KEY}]


def test_silence_in_backfilled_history_never_alerts(lb: Loopback) -> None:
    # The last sync ended days before the first poll: that silence is history
    lb.simulator.put_job(KENDRA_KEY, "old", "SUCCEEDED", NOW - timedelta(days=3), ago(4000))
    assert tick(lb) == []
    assert tick(lb) == []
    assert tick(lb, polls=2) == []
