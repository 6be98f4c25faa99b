"""Self-healing end to end: the real poller and notifier on moto + the simulator.

A transient failure on an opted-in data source is started again once, announced once (also
across overlapping polls), never for backfilled history, never beyond the daily quota, and
never where self-healing is off.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
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
    QB_KEY,
    ago,
    attribute,
    tick_alerts,
)

START = "StartDataSourceSyncJob"


def targets(max_retries: int = 3, *, healing: bool = True) -> dict[str, Any]:
    extra = {"selfHealing": {"maxRetriesPerDay": max_retries, "backoffMinutes": 1}}
    return {
        "kendra": [{"indexId": INDEX, **(extra if healing else {})}],
        "qbusiness": [{"applicationId": APP, "indexId": QB_INDEX, **(extra if healing else {})}],
    }


@pytest.fixture
def lb() -> Iterator[Loopback]:
    with loopback() as running:
        running.simulator.add_kendra_data_source(INDEX, "web", name="Public website")
        running.simulator.add_qbusiness_data_source(APP, QB_INDEX, QB_DS, name="SharePoint")
        running.configure(targets(), LOOKBACK_DAYS=30)
        yield running


def tick(lb: Loopback, polls: int = 1) -> list[dict[str, Any]]:
    """One tick (or several overlapping ones); the alerts: alertType, key and the JSON body."""
    return [
        {
            "alertType": attribute(alert, "alertType"),
            "key": attribute(alert, "dataSourceKey"),
            "body": json.loads(alert["Message"]),
        }
        for alert in tick_alerts(lb, polls)
    ]


def kinds(alerts: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return sorted((alert["alertType"], alert["key"]) for alert in alerts)


def starts(lb: Loopback) -> int:
    calls = lb.simulator.stats()["calls"]
    return int(calls.get(f"kendra:{START}", 0)) + int(calls.get(f"qbusiness:{START}", 0))


def record(lb: Loopback, execution_id: str) -> dict[str, Any]:
    (found,) = [r for r in lb.job_records() if r["executionId"] == execution_id]
    return found


def fail_live(
    lb: Loopback,
    *jobs: tuple[str, str],
    error_code: str = "InternalError",
    data_source_error_code: str | None = None,
) -> None:
    """Jobs (data source key, execution id) the auditor saw running, which then failed 20
    minutes ago."""
    for key, execution_id in jobs:
        lb.simulator.put_job(key, execution_id, "SYNCING", ago(60))
    assert tick(lb) == []
    for key, execution_id in jobs:
        lb.simulator.put_job(
            key,
            execution_id,
            "FAILED",
            ago(60),
            ago(20),
            error_code=error_code,
            data_source_error_code=data_source_error_code,
        )


def test_a_failure_the_data_source_reports_is_never_retried(lb: Loopback) -> None:
    # Given a sync that FAILED with InternalError, whose connector says its access token expired
    fail_live(lb, (KENDRA_KEY, "k-auth"), data_source_error_code="AccessTokenExpired")

    # When the next ticks see it, past the backoff
    alerts = tick(lb) + tick(lb)

    # Then it is alerted and left to a person: the credentials will not heal on their own
    assert kinds(alerts) == [("SYNC_JOB_STATUS", KENDRA_KEY)]
    assert starts(lb) == 0
    assert "selfHealing" not in record(lb, "k-auth")


def test_a_transient_failure_is_retried_once_and_its_success_is_a_recovery(lb: Loopback) -> None:
    # Given a Kendra job that failed with InternalError, past the backoff
    fail_live(lb, (KENDRA_KEY, "k-1"))

    # When the next tick sees it
    alerts = tick(lb)

    # Then the failure is alerted, one new sync is started, and that is announced
    assert kinds(alerts) == [("SYNC_JOB_STATUS", KENDRA_KEY), ("SYNC_RETRY_STARTED", KENDRA_KEY)]
    assert starts(lb) == 1
    healing = record(lb, "k-1")["selfHealing"]
    retry_id = healing["retryExecutionId"]
    assert (healing["outcome"], healing["attempt"], healing["maxRetriesPerDay"]) == (
        "STARTED",
        1,
        3,
    )
    (announced,) = [a for a in alerts if a["alertType"] == "SYNC_RETRY_STARTED"]
    assert retry_id in announced["body"]["notes"][0]
    assert [j["status"] for j in lb.simulator.jobs(KENDRA_KEY) if j["executionId"] == retry_id] == [
        "SYNCING"
    ]
    assert record(lb, retry_id)["retryOf"] == "k-1"

    # And later ticks start nothing more
    assert tick(lb) == [] and tick(lb) == []
    assert starts(lb) == 1

    # When the retry succeeds, that is the failure's recovery
    lb.simulator.put_job(KENDRA_KEY, retry_id, "SUCCEEDED", NOW, datetime.now(UTC))
    assert kinds(tick(lb)) == [("SYNC_RECOVERED", KENDRA_KEY)]
    assert record(lb, retry_id)["retryOf"] == "k-1"


def test_a_sync_already_running_counts_as_done_on_both_services(lb: Loopback) -> None:
    # Given a Kendra sync that started before the failed one and still runs (the simulator
    # answers ResourceInUseException), and a Q Business sync that began between the poll's
    # list and its start (ConflictException)
    lb.simulator.put_job(KENDRA_KEY, "k-open", "SYNCING", ago(120))
    fail_live(lb, (KENDRA_KEY, "k-1"), (QB_KEY, "q-1"))
    lb.simulator.fail_next(1, "ConflictException", operation=f"qbusiness:{START}")

    alerts = tick(lb)

    assert [a for a in kinds(alerts) if a[0] != "SYNC_JOB_STATUS"] == [
        ("SYNC_RETRY_STARTED", KENDRA_KEY),
        ("SYNC_RETRY_STARTED", QB_KEY),
    ]
    assert record(lb, "k-1")["selfHealing"]["outcome"] == "ALREADY_RUNNING"
    assert record(lb, "q-1")["selfHealing"]["outcome"] == "ALREADY_RUNNING"
    assert all("already running" in a["body"]["notes"][0] for a in alerts if a["body"].get("notes"))
    assert [j["executionId"] for j in lb.simulator.jobs(QB_KEY)] == ["q-1"]  # nothing new
    assert tick(lb) == []


def test_past_the_daily_quota_a_failure_stands_and_says_so(lb: Loopback) -> None:
    # Given one retry a day, used by a first Q Business failure
    lb.configure(targets(max_retries=1))
    fail_live(lb, (QB_KEY, "q-1"))
    tick(lb)
    retry_id = record(lb, "q-1")["selfHealing"]["retryExecutionId"]

    # When the retry fails the same way
    lb.simulator.put_job(
        QB_KEY, retry_id, "FAILED", ago(5), datetime.now(UTC), error_code="InternalError"
    )
    alerts = tick(lb)

    # Then the failure is alerted and the retry skipped, once, with nothing started
    assert kinds(alerts) == [("SYNC_JOB_STATUS", QB_KEY), ("SYNC_RETRY_SKIPPED", QB_KEY)]
    (skipped,) = [a for a in alerts if a["alertType"] == "SYNC_RETRY_SKIPPED"]
    assert "maxRetriesPerDay" in skipped["body"]["notes"][0]
    assert record(lb, retry_id)["selfHealing"]["outcome"] == "QUOTA_REACHED"
    assert starts(lb) == 1
    assert tick(lb) == []


def test_without_self_healing_a_failure_is_only_alerted(lb: Loopback) -> None:
    lb.configure(targets(healing=False))
    fail_live(lb, (KENDRA_KEY, "k-1"), (QB_KEY, "q-1"))

    alerts = tick(lb) + tick(lb)

    assert kinds(alerts) == [("SYNC_JOB_STATUS", KENDRA_KEY), ("SYNC_JOB_STATUS", QB_KEY)]
    assert starts(lb) == 0
    assert all("selfHealing" not in r for r in lb.job_records())


def test_a_configuration_error_is_not_retried(lb: Loopback) -> None:
    fail_live(lb, (KENDRA_KEY, "k-1"), error_code="InvalidRequest")
    assert kinds(tick(lb)) == [("SYNC_JOB_STATUS", KENDRA_KEY)]
    assert starts(lb) == 0


def test_overlapping_polls_start_one_retry_and_announce_it_once(lb: Loopback) -> None:
    fail_live(lb, (KENDRA_KEY, "k-1"), (QB_KEY, "q-1"))

    alerts = tick(lb, polls=3)

    assert [a for a in kinds(alerts) if a[0] != "SYNC_JOB_STATUS"] == [
        ("SYNC_RETRY_STARTED", KENDRA_KEY),
        ("SYNC_RETRY_STARTED", QB_KEY),
    ]
    assert starts(lb) == 2
    assert tick(lb, polls=2) == []
    assert starts(lb) == 2


def test_backfilled_failures_are_never_retried(lb: Loopback) -> None:
    # Failures already over when the data sources are first polled
    lb.simulator.put_job(
        KENDRA_KEY, "k-old", "FAILED", ago(90), ago(60), error_code="InternalError"
    )
    lb.simulator.put_job(QB_KEY, "q-old", "FAILED", ago(90), ago(60), error_code="InternalError")

    assert tick(lb) == [] and tick(lb) == []
    assert starts(lb) == 0


def test_a_start_the_service_refuses_is_announced_with_its_error_code(lb: Loopback) -> None:
    fail_live(lb, (KENDRA_KEY, "k-1"))
    lb.simulator.fail_next(1, "AccessDeniedException", operation=START)

    alerts = tick(lb)

    (skipped,) = [a for a in alerts if a["alertType"] == "SYNC_RETRY_SKIPPED"]
    assert "AccessDeniedException" in skipped["body"]["notes"][0]
    healing = record(lb, "k-1")["selfHealing"]
    assert (healing["outcome"], healing["errorCode"]) == ("START_FAILED", "AccessDeniedException")
    assert tick(lb) == []
