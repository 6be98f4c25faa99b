"""Stuck jobs and recoveries: the poller's marking rule, the per-target settings, the notices."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from devkit.event_filter import matches, matches_any
from sync_auditor.cursor import Cursor
from sync_auditor.policies import SourcePolicy, policy_for
from sync_auditor.poll import Poller
from sync_auditor.records import stuck_since
from sync_auditor.settings import NotifierSettings
from sync_auditor.stream_filter import NOTIFIER_FILTER_PATTERNS
from tests.unit.builders import KENDRA_INDEX, KENDRA_SOURCE, QB_APP, QB_INDEX, QB_SOURCE, at, job
from tests.unit.fakes import FakeApi, FakeCursorStore, FakeJobStore
from tests.unit.notifier_builders import KENDRA_KEY, insert, kendra_job, modify, qbusiness_job
from tests.unit.test_notify import SETTINGS, Recorder

SIX_HOURS = timedelta(hours=6)


# --- the rule -------------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["SYNCING", "SYNCING_INDEXING", "STOPPING"])
def test_an_open_job_older_than_the_threshold_is_stuck(status: str) -> None:
    record = {"status": status, "startTime": "2026-11-22T10:00:00Z"}
    assert stuck_since(record, now=at(16, 1), stuck_after=SIX_HOURS)
    assert not stuck_since(record, now=at(16, 0), stuck_after=SIX_HOURS)


@pytest.mark.parametrize(
    "record",
    [
        {"status": "FAILED", "startTime": "2026-11-22T10:00:00Z"},
        {"status": "SYNCING", "startTime": "2026-11-22T10:00:00Z", "stuckAt": "x"},
        {"status": "SYNCING"},
    ],
    ids=["terminal", "already marked", "no start time"],
)
def test_terminal_marked_or_undated_jobs_are_not_stuck(record: dict[str, Any]) -> None:
    assert not stuck_since(record, now=at(23), stuck_after=SIX_HOURS)


def test_target_settings_apply_to_the_data_sources_they_name() -> None:
    targets = {
        "kendra": [{"indexId": KENDRA_INDEX, "stuckAfterMinutes": 30, "expectSyncEveryHours": 24}],
        "qbusiness": [{"applicationId": QB_APP, "indexId": "other"}],
    }
    kendra = policy_for(targets, KENDRA_SOURCE, stuck_after_minutes=360)
    qbusiness = policy_for(targets, QB_SOURCE, stuck_after_minutes=360)
    everything = policy_for({"kendra": "all"}, KENDRA_SOURCE, stuck_after_minutes=90)

    assert kendra == SourcePolicy(timedelta(minutes=30), timedelta(hours=24))
    assert qbusiness == SourcePolicy(timedelta(minutes=360), None)
    assert everything.stuck_after == timedelta(minutes=90)
    assert policy_for(
        {"qbusiness": [{"applicationId": QB_APP, "stuckAfterMinutes": 5}]},
        QB_SOURCE,
        stuck_after_minutes=360,
    ).stuck_after == timedelta(minutes=5)
    assert QB_INDEX  # the application-wide entry matched every index


# --- the poller marks once ------------------------------------------------------------------


def poller_at(hour: int, minute: int, api: FakeApi, store: FakeJobStore) -> Poller:
    cursors = FakeCursorStore()
    cursors.cursors[KENDRA_SOURCE.key] = Cursor(since="2026-11-22T09:00:00Z")
    return Poller(
        apis={"kendra": api},
        jobs=store,
        cursors=cursors,
        lookback_days=30,
        clock=lambda: at(hour, minute),
        policy_of=lambda source: SourcePolicy(stuck_after=SIX_HOURS),
    )


def test_the_poller_marks_a_stuck_job_once_with_a_new_revision() -> None:
    api, store = FakeApi("kendra"), FakeJobStore()
    api.put(job("SYNCING"))
    poller_at(11, 0, api, store).run([KENDRA_SOURCE])
    assert "stuckAt" not in store.records[(KENDRA_SOURCE.key, "exec-1")]

    # When the same open job is read again past the threshold, then again
    poller_at(16, 30, api, store).run([KENDRA_SOURCE])
    poller_at(16, 35, api, store).run([KENDRA_SOURCE])

    record = store.records[(KENDRA_SOURCE.key, "exec-1")]
    assert record["stuckAt"] == "2026-11-22T16:30:00Z"
    assert record["revision"] == 2
    assert len(store.writes) == 2  # the insert and the one marking


def test_a_job_that_ends_after_the_threshold_is_not_marked() -> None:
    api, store = FakeApi("kendra"), FakeJobStore()
    api.put(job("SYNCING"))
    poller_at(11, 0, api, store).run([KENDRA_SOURCE])
    api.put(job("SUCCEEDED", end="2026-11-22T16:20:00Z"))

    poller_at(16, 30, api, store).run([KENDRA_SOURCE])

    assert "stuckAt" not in store.records[(KENDRA_SOURCE.key, "exec-1")]


# --- the filters ----------------------------------------------------------------------------


def test_the_filters_pass_terminal_changes_and_stuck_jobs_only() -> None:
    stuck = modify(kendra_job(status="SYNCING"), kendra_job(status="SYNCING", stuckAt="t"))
    running = modify(kendra_job(status="SYNCING"), kendra_job(status="SYNCING", revision=3))
    ended = insert(kendra_job(status="FAILED"))

    assert matches_any(NOTIFIER_FILTER_PATTERNS, stuck)
    assert matches_any(NOTIFIER_FILTER_PATTERNS, ended)
    assert not matches_any(NOTIFIER_FILTER_PATTERNS, running)


def test_exists_and_prefix_operators() -> None:
    assert matches({"a": {"S": [{"exists": False}]}}, {"b": 1})
    assert not matches({"a": {"S": [{"exists": True}]}}, {"b": 1})
    assert matches({"id": {"S": [{"prefix": "notice#"}]}}, {"id": {"S": "notice#x"}})
    assert not matches({"id": {"S": [{"prefix": "notice#"}]}}, {"id": {"S": "cursor#x"}})


# --- the notices ----------------------------------------------------------------------------


def test_a_job_newly_marked_stuck_sends_one_stuck_alert() -> None:
    sns = Recorder()
    old = kendra_job(status="SYNCING", endTime=None, errorCode=None, errorMessage=None)
    new = {**old, "stuckAt": "2026-11-22T16:30:00Z", "revision": 3}

    result = sns.process(modify(old, new))

    assert result is not None and result["notices"] == ["SYNC_STUCK"]
    ((_, message),) = sns.published
    assert message.attributes["alertType"] == "SYNC_STUCK"
    assert message.attributes["status"] == "SYNCING"
    assert message.subject == "Amazon Kendra sync STUCK: Public docs crawler"
    (body,) = sns.alert_bodies
    assert "6h 30m 00s" in body["notes"][0]
    assert sns.metric_names == ["SyncJobsStuck", "AlertsPublished"]


@pytest.mark.parametrize(
    "record",
    [
        modify(
            kendra_job(status="SYNCING", stuckAt="t1"),
            kendra_job(status="SYNCING", stuckAt="t1", documentsScanned=999),
        ),
        insert(kendra_job(status="SYNCING", stuckAt="t1", backfilled=True)),
    ],
    ids=["already stuck", "backfilled"],
)
def test_no_stuck_alert_without_a_new_mark(record: dict[str, Any]) -> None:
    sns = Recorder()
    assert sns.process(record) is None
    assert sns.published == []


def recovering(previous: dict[str, Any] | None, settings: NotifierSettings = SETTINGS) -> Recorder:
    sns = Recorder()
    success = modify(
        kendra_job(status="SYNCING", executionId="exec-2"),
        kendra_job(status="SUCCEEDED", executionId="exec-2", errorCode=None),
    )
    from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import (
        DynamoDBRecord,
    )

    from sync_auditor import notify

    notify.process_record(
        DynamoDBRecord(success),
        settings,
        publish=sns.publish,
        emit_metrics=sns.emit,
        store=sns.outbox,
        previous_terminal=lambda job: previous,
    )
    return sns


def test_the_first_success_after_a_failure_sends_one_recovered_notice() -> None:
    sns = recovering(kendra_job(status="FAILED", executionId="exec-1"))

    ((_, message),) = sns.published
    assert message.attributes["alertType"] == "SYNC_RECOVERED"
    assert message.subject == "Amazon Kendra sync RECOVERED: Public docs crawler"
    (body,) = sns.alert_bodies
    assert body["previousStatus"] == "FAILED" and "exec-1" in body["notes"][0]
    assert "SyncJobsRecovered" in sns.metric_names
    assert "SyncJobsSucceeded" in sns.metric_names


def test_recovery_from_incomplete_too_on_q_business() -> None:
    sns = recovering(qbusiness_job(status="INCOMPLETE"))
    assert [m.attributes["alertType"] for _, m in sns.published] == ["SYNC_RECOVERED"]


@pytest.mark.parametrize(
    ("previous", "settings"),
    [
        (kendra_job(status="SUCCEEDED"), SETTINGS),
        (kendra_job(status="ABORTED"), SETTINGS),
        (None, SETTINGS),
        (kendra_job(status="FAILED", backfilled=True), SETTINGS),
        (
            kendra_job(status="FAILED"),
            NotifierSettings(topic_arn="t", state_table="s", recovery_notices=False),
        ),
    ],
    ids=["after success", "after abort", "first job", "after backfilled failure", "turned off"],
)
def test_no_recovered_notice(previous: dict[str, Any] | None, settings: NotifierSettings) -> None:
    assert recovering(previous, settings).published == []


def test_a_retried_record_does_not_repeat_the_status_alert_or_the_notice() -> None:
    sns = recovering(
        kendra_job(status="FAILED"), NotifierSettings("t", "s", frozenset({"SUCCEEDED"}))
    )
    assert sorted(m.attributes["alertType"] for _, m in sns.published) == [
        "SYNC_JOB_STATUS",
        "SYNC_RECOVERED",
    ]
    # One outbox entry per announcement, named for what it announces
    assert sorted(sns.done) == [
        f"SYNC_JOB_STATUS#{KENDRA_KEY}#exec-2#SUCCEEDED",
        f"SYNC_RECOVERED#{KENDRA_KEY}#exec-2",
    ]
