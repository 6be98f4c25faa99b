"""Bedrock Knowledge Bases end to end on loopback: the real poller and notifier, moto's tables
and topic, the simulator's bedrock-agent. History is recorded silently, failures and
completions with failed documents alert once with their reasons, and nothing is missed without
a time filter."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from devkit.loopback import Loopback, loopback
from tests.faults.support import records, status_alerts, tick
from tests.integration.support import tick_alerts

KB, OTHER_KB = "KBSUPPORT1", "KBLEGAL001"
DS, DS2 = "DSMANUALS1", "DSWEBCRAWL"
KEY, KEY2 = f"bedrock#{KB}#{DS}", f"bedrock#{KB}#{DS2}"
GET = "bedrock-agent:GetIngestionJob"
LIST = "bedrock-agent:ListIngestionJobs"
START = "bedrock-agent:StartIngestionJob"


def ago(minutes: float) -> datetime:
    return datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=minutes)


@pytest.fixture
def lb() -> Iterator[Loopback]:
    with loopback() as running:
        running.simulator.add_bedrock_knowledge_base(KB, "Support KB")
        running.simulator.add_data_source(KEY, "Manuals bucket")
        running.simulator.add_data_source(KEY2, "Public website")
        running.configure(
            {"kendra": [], "qbusiness": [], "bedrock": [{"knowledgeBaseId": KB}]},
            MAX_REQUESTS_PER_SECOND=1000,
            LOOKBACK_DAYS=30,
        )
        yield running


def calls(lb: Loopback, operation: str) -> int:
    return int(lb.simulator.stats()["calls"].get(operation, 0))


def alert_bodies(lb: Loopback) -> list[dict[str, Any]]:
    """The machine-readable body of every alert published (its JSON for SQS subscribers)."""
    return [json.loads(json.loads(published["message"])["sqs"]) for published in lb.published()]


def test_history_is_recorded_without_alerts_or_reason_reads(lb: Loopback) -> None:
    # Given ingestion jobs that ended before the auditor was deployed
    lb.simulator.put_job(KEY, "OLDFAIL001", "FAILED", ago(3000), ago(2990), error_message="x")
    lb.simulator.put_job(KEY2, "OLDDONE001", "SUCCEEDED", ago(2000), ago(1990))
    # When the first tick reads them
    tick(lb)
    # Then they are history: recorded, silent, and their reasons never fetched
    assert records(lb, KEY)["OLDFAIL001"]["backfilled"] is True
    assert records(lb, KEY)["OLDFAIL001"]["serviceStatus"] == "FAILED"
    assert status_alerts(lb, [KEY, KEY2]) == {}
    assert calls(lb, GET) == 0


def test_failed_and_incomplete_jobs_alert_once_with_their_reasons(lb: Loopback) -> None:
    # Given an audited knowledge base
    tick(lb)
    # When one ingestion fails and another completes with failed documents
    lb.simulator.put_ingestion_job(
        KEY,
        "FAILED0001",
        "FAILED",
        ago(10),
        ago(1),
        failure_reasons=["Access denied to s3://manuals/2026/", "Embedding model not found"],
    )
    lb.simulator.put_ingestion_job(
        KEY2,
        "PARTIAL001",
        "COMPLETE",
        ago(10),
        ago(1),
        statistics={"numberOfDocumentsScanned": 40, "numberOfDocumentsFailed": 3},
        failure_reasons=["3 documents exceeded the file size limit"],
    )
    tick(lb)
    tick(lb)
    tick(lb)

    # Then each alerts exactly once, its reasons in the record and the alert; read once each
    assert status_alerts(lb, [KEY, KEY2]) == {
        (KEY, "FAILED0001", "FAILED"): 1,
        (KEY2, "PARTIAL001", "INCOMPLETE"): 1,
    }
    failed = records(lb, KEY)["FAILED0001"]
    assert failed["errorMessage"] == (
        "Access denied to s3://manuals/2026/\nEmbedding model not found"
    )
    assert "errorCode" not in failed
    assert records(lb, KEY2)["PARTIAL001"]["documentsFailed"] == 3
    assert calls(lb, GET) == 2
    bodies = {body["executionId"]: body for body in alert_bodies(lb)}
    assert bodies["PARTIAL001"]["errorMessage"] == "3 documents exceeded the file size limit"
    assert bodies["FAILED0001"]["knowledgeBaseId"] == KB
    # the data source's name from its listing (a knowledge base named by id has none yet)
    assert bodies["FAILED0001"]["dataSourceName"] == "Manuals bucket"


def test_a_quiet_tick_costs_one_list_call_per_data_source(lb: Loopback) -> None:
    # Given two data sources with long histories, read once
    for n in range(60):
        lb.simulator.put_job(KEY, f"HIST{n:06d}", "SUCCEEDED", ago(60 * n + 30), ago(60 * n + 20))
    tick(lb)
    lb.simulator.reset_stats()
    # When nothing happens before the next tick
    tick(lb)
    # Then each data source costs one ListIngestionJobs (and its data sources' listing one)
    assert calls(lb, LIST) == 2
    assert calls(lb, GET) == 0


def test_a_job_open_at_first_sight_and_older_than_the_lookback_is_followed(lb: Loopback) -> None:
    # Given an ingestion that started 40 days ago and still runs (lookbackDays is 30)
    lb.simulator.put_job(KEY, "LONGRUN001", "SYNCING", ago(40 * 24 * 60))
    tick(lb)
    assert records(lb, KEY)["LONGRUN001"]["status"] == "SYNCING"
    # When it fails
    lb.simulator.put_job(KEY, "LONGRUN001", "FAILED", ago(40 * 24 * 60), ago(1))
    tick(lb)
    # Then it alerts, as any other job
    assert status_alerts(lb, [KEY]) == {(KEY, "LONGRUN001", "FAILED"): 1}


def test_overlapping_polls_announce_a_failure_once(lb: Loopback) -> None:
    tick(lb)
    lb.simulator.put_job(KEY, "FAILED0002", "FAILED", ago(5), ago(1), error_message="boom")
    tick_alerts(lb, polls=3)  # three polls at once
    assert status_alerts(lb, [KEY]) == {(KEY, "FAILED0002", "FAILED"): 1}


def test_throttling_is_retried_and_loses_nothing(lb: Loopback) -> None:
    tick(lb)
    lb.simulator.put_job(KEY, "FAILED0003", "FAILED", ago(5), ago(1), error_message="boom")
    lb.simulator.throttle_next(3)
    result = tick(lb)
    assert result.total("PollErrors") == 0
    assert status_alerts(lb, [KEY]) == {(KEY, "FAILED0003", "FAILED"): 1}


def test_a_deleted_data_source_is_skipped_and_the_others_still_audited(lb: Loopback) -> None:
    tick(lb)
    # Given one data source being deleted and another that fails
    lb.simulator.set_bedrock_status(KEY2, "DELETING")
    lb.simulator.put_job(KEY, "FAILED0004", "FAILED", ago(5), ago(1), error_message="boom")
    # When the next tick lists the knowledge base
    result = tick(lb)
    # Then the deleted one is counted as skipped, not an error, and the failure alerts
    assert result.summary["services"]["bedrock"]["DataSourcesSkipped"] == 1
    assert result.total("PollErrors") == 0
    assert status_alerts(lb, [KEY]) == {(KEY, "FAILED0004", "FAILED"): 1}


def test_a_transient_failure_is_retried_once_with_an_idempotent_start(lb: Loopback) -> None:
    # Given self-healing on the knowledge base, and a job seen running that then fails
    lb.configure(
        {"bedrock": [{"knowledgeBaseId": KB, "dataSourceIds": [DS], **HEALING}]},
    )
    lb.simulator.put_job(KEY, "RUNNING001", "SYNCING", ago(60))
    tick(lb)
    lb.simulator.put_job(
        KEY, "RUNNING001", "FAILED", ago(60), ago(20), error_message="Internal server error"
    )
    # When the next ticks see it, past the backoff
    tick(lb)
    tick(lb)
    # Then one ingestion job is started, with a client token, and linked to the failure
    assert calls(lb, START) == 1
    healing = records(lb, KEY)["RUNNING001"]["selfHealing"]
    assert healing["outcome"] == "STARTED"
    retry = healing["retryExecutionId"]
    assert records(lb, KEY)[retry]["retryOf"] == "RUNNING001"
    assert [j["status"] for j in lb.simulator.jobs(KEY) if j["executionId"] == retry] == ["SYNCING"]


HEALING = {"selfHealing": {"maxRetriesPerDay": 3, "backoffMinutes": 1}}


def test_a_data_source_listed_by_id_and_deleted_is_an_isolated_error(lb: Loopback) -> None:
    # Given both data sources listed by id, and one of them deleted
    lb.configure({"bedrock": [{"knowledgeBaseId": KB, "dataSourceIds": [DS, DS2]}]})
    tick(lb)
    lb.simulator.delete_data_source(KEY2)
    lb.simulator.put_job(KEY, "FAILED0005", "FAILED", ago(5), ago(1), error_message="boom")
    # When the next tick polls them
    result = tick(lb)
    # Then the deleted one is one poll error and the other still alerts
    assert result.summary["services"]["bedrock"]["PollErrors"] == 1
    assert status_alerts(lb, [KEY]) == {(KEY, "FAILED0005", "FAILED"): 1}


def test_an_ingestion_open_past_its_threshold_is_marked_stuck_once(lb: Loopback) -> None:
    # Given an ingestion running for 45 minutes when a 30-minute threshold is deployed
    lb.configure({"bedrock": [{"knowledgeBaseId": KB, "stuckAfterMinutes": 30}]})
    lb.simulator.put_ingestion_job(KEY, "SLOWJOB001", "IN_PROGRESS", ago(45))
    # When ticks see it still running
    tick(lb)
    tick(lb)
    # Then one STUCK alert
    stuck = [
        body
        for body in alert_bodies(lb)
        if body["alertType"] == "SYNC_STUCK" and body["executionId"] == "SLOWJOB001"
    ]
    assert len(stuck) == 1
    assert records(lb, KEY)["SLOWJOB001"]["serviceStatus"] == "IN_PROGRESS"
