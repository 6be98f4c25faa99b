"""Data sources the configuration lists by id are named in their records, alerts and cursor
summaries: the real poller and notifier on loopback look each name up once (Kendra
DescribeDataSource, Q Business and Bedrock GetDataSource), and never again."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from devkit.loopback import STATE_TABLE, Loopback, loopback
from sync_auditor.adapters.state_table import CursorStore
from tests.faults.support import records, tick
from tests.integration.support import APP, INDEX, KENDRA_KEY, QB_DS, QB_INDEX, QB_KEY

KB, KB_DS = "KBSUPPORT1", "DSMANUALS1"
BEDROCK_KEY = f"bedrock#{KB}#{KB_DS}"
NAMES = {KENDRA_KEY: "Public website", QB_KEY: "SharePoint", BEDROCK_KEY: "Manuals bucket"}
LOOKUPS = ("kendra:DescribeDataSource", "qbusiness:GetDataSource", "bedrock-agent:GetDataSource")


def ago(minutes: float) -> datetime:
    return datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=minutes)


@pytest.fixture
def lb() -> Iterator[Loopback]:
    with loopback() as running:
        running.simulator.add_kendra_data_source(INDEX, "web", name=NAMES[KENDRA_KEY])
        running.simulator.add_qbusiness_data_source(APP, QB_INDEX, QB_DS, name=NAMES[QB_KEY])
        running.simulator.add_bedrock_knowledge_base(KB, "Support KB")
        running.simulator.add_data_source(BEDROCK_KEY, NAMES[BEDROCK_KEY])
        running.configure(
            {
                "kendra": [{"indexId": INDEX, "dataSourceIds": ["web"]}],
                "qbusiness": [
                    {"applicationId": APP, "indexId": QB_INDEX, "dataSourceIds": [QB_DS]}
                ],
                "bedrock": [{"knowledgeBaseId": KB, "dataSourceIds": [KB_DS]}],
            },
            MAX_REQUESTS_PER_SECOND=1000,
            LOOKBACK_DAYS=30,
        )
        yield running


def lookups(lb: Loopback) -> dict[str, int]:
    calls = lb.simulator.stats()["calls"]
    return {operation: int(calls.get(operation, 0)) for operation in LOOKUPS}


def alert_bodies(lb: Loopback) -> dict[str, dict[str, Any]]:
    bodies = [json.loads(json.loads(p["message"])["sqs"]) for p in lb.published()]
    return {body["dataSourceKey"]: body for body in bodies}


def test_a_failure_of_a_data_source_listed_by_id_alerts_with_its_name(lb: Loopback) -> None:
    # Given the three data sources, audited by id
    tick(lb)

    # When each fails
    for key in NAMES:
        lb.simulator.put_job(
            key, "FAILEDRUN1", "FAILED", ago(10), ago(1), error_code="InternalError"
        )
    tick(lb)

    # Then each record and each alert says the data source's name
    bodies = alert_bodies(lb)
    for key, name in NAMES.items():
        assert records(lb, key)["FAILEDRUN1"]["dataSourceName"] == name
        assert bodies[key]["dataSourceName"] == name


def test_each_name_is_looked_up_once_and_kept_in_the_summary(lb: Loopback) -> None:
    # Given data sources with no job at all
    # When three ticks poll them
    for _ in range(3):
        tick(lb)

    # Then each name was looked up once, and the summaries (what `status` shows) hold them
    assert lookups(lb) == dict.fromkeys(LOOKUPS, 1)
    fleet = CursorStore(STATE_TABLE, client=lb.client).fleet()
    for key, name in NAMES.items():
        summary = fleet[key].summary
        assert summary is not None and summary.name("dataSourceName") == name


def test_a_lookup_that_fails_is_tried_again_and_the_poll_goes_on(lb: Loopback) -> None:
    # Given Kendra's DescribeDataSource refused once
    lb.simulator.fail_next(1, "AccessDeniedException", operation="DescribeDataSource")
    lb.simulator.put_job(KENDRA_KEY, "RUN0000001", "SUCCEEDED", ago(30), ago(20))

    # When two ticks poll
    first = tick(lb)
    tick(lb)

    # Then the first tick still recorded the job (no poll error), and the second named it
    assert first.summary["services"]["kendra"]["PollErrors"] == 0
    assert "RUN0000001" in records(lb, KENDRA_KEY)
    assert lookups(lb)["kendra:DescribeDataSource"] == 2
    summary = CursorStore(STATE_TABLE, client=lb.client).fleet()[KENDRA_KEY].summary
    assert summary is not None and summary.name("dataSourceName") == NAMES[KENDRA_KEY]
