"""The real poller and notifier handlers against moto (DynamoDB with streams, SNS, SQS) and the
Kendra + Q Business simulator over HTTP: records, alerts and metrics end to end."""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Iterator
from contextlib import redirect_stdout
from datetime import datetime, timedelta
from typing import Any

import pytest

from devkit.loopback import Loopback, loopback
from tests.integration.support import APP, INDEX, KENDRA_KEY, NOW, QB_DS, QB_INDEX, QB_KEY

CONTRACT_ATTRIBUTES = {
    "dataSourceKey",
    "executionId",
    "service",
    "indexId",
    "dataSourceId",
    "status",
    "startTime",
    "endTime",
    "durationSeconds",
    "errorCode",
    "errorMessage",
    "dataSourceErrorCode",
    "documentsAdded",
    "documentsModified",
    "documentsDeleted",
    "documentsFailed",
    "documentsScanned",
    "firstSeenAt",
    "updatedAt",
    "statusHistory",
}
ALL_COUNTS = {
    "documentsAdded": "5",
    "documentsModified": "4",
    "documentsDeleted": "3",
    "documentsFailed": "2",
    "documentsScanned": "14",
}


@pytest.fixture
def lb() -> Iterator[Loopback]:
    with loopback() as running:
        running.simulator.add_kendra_data_source(INDEX, "web", name="Public website")
        running.simulator.add_qbusiness_data_source(APP, QB_INDEX, QB_DS, name="SharePoint")
        running.configure(
            {
                "kendra": [{"indexId": INDEX}],
                "qbusiness": [{"applicationId": APP, "indexId": QB_INDEX}],
            },
            LOOKBACK_DAYS=30,
        )
        yield running


def minutes_ago(minutes: float) -> datetime:
    return NOW - timedelta(minutes=minutes)


def tick(lb: Loopback) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
    """One schedule tick and the stream delivered; returns the poll summary, the alerts the SQS
    subscriber received and the EMF documents both functions printed."""
    out = io.StringIO()
    with redirect_stdout(out):
        summary = lb.poll()
        lb.notify()
    emf = [d for d in _json_lines(out.getvalue()) if "_aws" in d]
    return summary, lb.received_alerts(), emf


def _json_lines(text: str) -> Iterator[dict[str, Any]]:
    for line in text.splitlines():
        try:
            document = json.loads(line)
        except ValueError:
            continue
        if isinstance(document, dict):
            yield document


def records_by_id(lb: Loopback) -> dict[str, dict[str, Any]]:
    return {r["executionId"]: r for r in lb.job_records()}


def test_every_job_of_both_services_is_recorded_with_the_contract_names(lb: Loopback) -> None:
    # Given a failed job on each service, with every field the APIs can send
    for key, execution in [(KENDRA_KEY, "k-1"), (QB_KEY, "q-1")]:
        lb.simulator.put_job(
            key,
            execution,
            "FAILED",
            minutes_ago(30),
            minutes_ago(20),
            error_code="InternalError",
            error_message="boom",
            data_source_error_code="DS_ERR",
            metrics=ALL_COUNTS,
        )
    # When the poller runs
    tick(lb)
    # Then each is one record with exactly the contract's attribute names and typed values
    records = records_by_id(lb)
    assert CONTRACT_ATTRIBUTES <= set(records["k-1"])
    assert CONTRACT_ATTRIBUTES | {"applicationId"} <= set(records["q-1"])
    assert records["q-1"]["dataSourceKey"] == QB_KEY and records["q-1"]["applicationId"] == APP
    assert records["k-1"]["durationSeconds"] == 600
    assert records["k-1"]["documentsFailed"] == 2 and records["q-1"]["documentsScanned"] == 14
    assert records["k-1"]["startTime"].endswith("Z") and records["q-1"]["endTime"].endswith("Z")
    assert records["k-1"]["dataSourceName"] == "Public website"


def test_backfilled_history_is_recorded_but_never_alerted(lb: Loopback) -> None:
    lb.simulator.put_job(
        KENDRA_KEY, "old-fail", "FAILED", NOW - timedelta(days=3), NOW - timedelta(days=3)
    )
    lb.simulator.put_job(
        QB_KEY, "old-incomplete", "INCOMPLETE", NOW - timedelta(days=2), NOW - timedelta(days=2)
    )
    lb.simulator.put_job(
        KENDRA_KEY, "too-old", "FAILED", NOW - timedelta(days=40), NOW - timedelta(days=40)
    )

    _, alerts, _ = tick(lb)

    records = records_by_id(lb)
    assert (
        records["old-fail"]["backfilled"] is True
        and records["old-incomplete"]["backfilled"] is True
    )
    assert "too-old" not in records  # beyond lookbackDays
    assert alerts == []


def test_one_alert_per_change_into_failed_or_incomplete_and_none_otherwise(lb: Loopback) -> None:
    lb.simulator.put_job(KENDRA_KEY, "k-run", "SYNCING", minutes_ago(10))
    lb.simulator.put_job(QB_KEY, "q-run", "SYNCING", minutes_ago(10))
    _, alerts, _ = tick(lb)
    assert alerts == []

    # When one fails, one ends incomplete, and a new one succeeds
    lb.simulator.put_job(
        KENDRA_KEY, "k-run", "FAILED", minutes_ago(10), minutes_ago(1), error_code="InternalError"
    )
    lb.simulator.put_job(
        QB_KEY,
        "q-run",
        "INCOMPLETE",
        minutes_ago(10),
        minutes_ago(1),
        metrics={"documentsFailed": "3"},
    )
    lb.simulator.put_job(KENDRA_KEY, "k-ok", "SUCCEEDED", minutes_ago(5), minutes_ago(2))
    _, alerts, _ = tick(lb)

    # Then exactly two status alerts, with the filterable attributes (k-ok also recovers the
    # data source from k-run's failure: that notice is a SYNC_RECOVERED alert)
    by_type = sorted(a["MessageAttributes"]["alertType"]["Value"] for a in alerts)
    assert by_type == ["SYNC_JOB_STATUS", "SYNC_JOB_STATUS", "SYNC_RECOVERED"]
    alerts = [
        a for a in alerts if a["MessageAttributes"]["alertType"]["Value"] == "SYNC_JOB_STATUS"
    ]
    by_status = {a["MessageAttributes"]["status"]["Value"]: a for a in alerts}
    assert sorted(by_status) == ["FAILED", "INCOMPLETE"]
    assert by_status["FAILED"]["MessageAttributes"]["dataSourceKey"]["Value"] == KENDRA_KEY
    assert by_status["INCOMPLETE"]["MessageAttributes"]["service"]["Value"] == "qbusiness"
    assert len(by_status["FAILED"]["Subject"]) <= 100

    # And re-polling the unchanged world alerts nothing and writes nothing
    summary, alerts, _ = tick(lb)
    assert alerts == []
    assert all(s["JobsWritten"] == 0 for s in summary["services"].values())


def test_a_job_first_seen_already_failed_after_the_backfill_alerts(lb: Loopback) -> None:
    tick(lb)  # backfill: nothing yet
    lb.simulator.put_job(
        KENDRA_KEY, "quick", "FAILED", minutes_ago(3), minutes_ago(1), error_code="InvalidRequest"
    )

    _, alerts, _ = tick(lb)

    assert [a["MessageAttributes"]["status"]["Value"] for a in alerts] == ["FAILED"]
    assert "quick" in json.loads(alerts[0]["Message"])["executionId"]


def test_a_quiet_tick_costs_one_api_call_per_data_source_and_no_writes(lb: Loopback) -> None:
    for n in range(25):
        lb.simulator.put_job(
            KENDRA_KEY, f"h{n}", "SUCCEEDED", NOW - timedelta(hours=n + 1), NOW - timedelta(hours=n)
        )
    tick(lb)  # backfill: three pages

    lb.simulator.reset_stats()
    summary, _, _ = tick(lb)

    calls = lb.simulator.stats()["calls"]
    assert calls.get("kendra:ListDataSourceSyncJobs") == 1
    assert calls.get("qbusiness:ListDataSourceSyncJobs") == 1
    assert summary["writeUnits"] == 0


def test_two_overlapping_polls_produce_one_alert(lb: Loopback) -> None:
    lb.simulator.put_job(KENDRA_KEY, "race", "SYNCING", minutes_ago(10))
    tick(lb)
    lb.simulator.put_job(KENDRA_KEY, "race", "FAILED", minutes_ago(10), minutes_ago(1))
    lb.simulator.latency_seconds = 0.05  # both polls are in flight at once

    out = io.StringIO()
    with redirect_stdout(out):
        pollers = [threading.Thread(target=lb.poll) for _ in range(3)]
        for t in pollers:
            t.start()
        for t in pollers:
            t.join()
        lb.notify()

    alerts = lb.received_alerts()
    assert len(alerts) == 1
    history = records_by_id(lb)["race"]["statusHistory"]
    assert [h["status"] for h in history] == ["SYNCING", "FAILED"]


def test_throttled_calls_are_retried(lb: Loopback) -> None:
    lb.simulator.put_job(KENDRA_KEY, "k", "SUCCEEDED", minutes_ago(5), minutes_ago(1))
    lb.simulator.throttle_next(2)

    summary, _, _ = tick(lb)

    assert lb.simulator.stats()["throttled"] == 2
    assert sum(s["PollErrors"] for s in summary["services"].values()) == 0
    assert "k" in records_by_id(lb)


def test_a_deleted_data_source_does_not_stop_the_others(lb: Loopback) -> None:
    lb.configure(
        {
            "kendra": [{"indexId": INDEX, "dataSourceIds": ["web", "gone"]}],
            "qbusiness": [{"applicationId": APP}],
        }
    )
    lb.simulator.add_kendra_data_source(INDEX, "gone")
    lb.simulator.delete_data_source(f"kendra#{INDEX}#gone")
    lb.simulator.put_job(KENDRA_KEY, "k", "FAILED", minutes_ago(5), minutes_ago(1))
    lb.simulator.put_job(QB_KEY, "q", "SUCCEEDED", minutes_ago(5), minutes_ago(1))

    summary, _, emf = tick(lb)

    assert summary["services"]["kendra"]["PollErrors"] == 1
    assert summary["services"]["kendra"]["DataSourcesPolled"] == 1
    assert {"k", "q"} <= set(records_by_id(lb))
    poll_errors = [d for d in emf if "PollErrors" in d and d["Service"] == "kendra"]
    assert poll_errors and poll_errors[0]["PollErrors"] in (1, [1.0])


def test_emf_output_parses_and_carries_the_contract_names(lb: Loopback) -> None:
    tick(lb)
    lb.simulator.put_job(
        KENDRA_KEY, "k", "FAILED", minutes_ago(10), minutes_ago(5), metrics=ALL_COUNTS
    )
    lb.simulator.put_job(
        QB_KEY, "q", "SUCCEEDED", minutes_ago(10), minutes_ago(5), metrics=ALL_COUNTS
    )

    _, _, emf = tick(lb)

    names: dict[str, set[str]] = {}
    for document in emf:
        directive = document["_aws"]["CloudWatchMetrics"][0]
        assert directive["Namespace"] == "SyncAuditor"
        assert ["Service"] in directive["Dimensions"] or any(
            "Service" in d for d in directive["Dimensions"]
        )
        for metric in directive["Metrics"]:
            names.setdefault(document["Service"], set()).add(metric["Name"])
    assert {
        "SyncJobsFailed",
        "DocumentsFailed",
        "SyncDurationSeconds",
        "ApiCalls",
        "DataSourcesPolled",
    } <= names["kendra"]
    assert {"SyncJobsSucceeded", "DocumentsScanned", "PollErrors"} <= names["qbusiness"]
