"""Self-healing: which failures are retried, when, how often, and how each decision is recorded
on the failed job's record and announced once."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from sync_auditor.cursor import Cursor
from sync_auditor.policies import SelfHealing, SourcePolicy, policy_for
from sync_auditor.poll import Poller
from sync_auditor.poll_errors import error_code_of
from sync_auditor.self_healing import Healer, awaits_retry, retry_due_at
from tests.unit.builders import KENDRA_INDEX, KENDRA_SOURCE, at, job
from tests.unit.fakes import FakeApi, FakeCursorStore, FakeJobStore, FakeRetryQuota
from tests.unit.notifier_builders import kendra_job, modify, qbusiness_job
from tests.unit.test_notify import Recorder

FAILED_AT = "2026-11-22T10:20:00Z"
HEALING = SelfHealing(max_retries_per_day=2, backoff=timedelta(minutes=15))


def failed_record(**fields: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "status": "FAILED",
        "errorCode": "InternalError",
        "startTime": "2026-11-22T10:00:00Z",
        "endTime": FAILED_AT,
    }
    record.update(fields)
    return {name: value for name, value in record.items() if value is not None}


# --- which failures wait for a retry --------------------------------------------------------


def test_a_recent_transient_failure_awaits_a_retry() -> None:
    assert awaits_retry(failed_record(), at(10, 30))


@pytest.mark.parametrize(
    "record",
    [
        failed_record(status="INCOMPLETE"),
        failed_record(errorCode="InvalidRequest"),
        failed_record(errorCode=None),
        failed_record(backfilled=True),
        failed_record(selfHealing={"outcome": "STARTED"}),
        failed_record(startTime=None),
        failed_record(endTime=None),
    ],
    ids=[
        "incomplete",
        "configuration error",
        "no error code",
        "backfilled history",
        "decided",
        "no start time",
        "no end and never seen failing",
    ],
)
def test_other_jobs_never_wait_for_a_retry(record: dict[str, Any]) -> None:
    assert not awaits_retry(record, at(10, 30))


def test_a_failure_older_than_a_day_is_history() -> None:
    assert awaits_retry(failed_record(), at(10, 20, day=23))
    assert not awaits_retry(failed_record(), at(10, 21, day=23))


def test_without_an_end_time_the_failure_dates_from_when_the_auditor_saw_it() -> None:
    record = failed_record(
        endTime=None, statusHistory=[{"status": "FAILED", "observedAt": "2026-11-21T12:00:00Z"}]
    )
    assert not awaits_retry(record, at(12, 1))


def test_the_backoff_doubles_with_each_retry_of_the_day() -> None:
    failed = at(10, 20)
    assert [retry_due_at(failed, HEALING, n) for n in range(3)] == [
        at(10, 35),
        at(10, 50),
        at(11, 20),
    ]


def test_targets_turn_self_healing_on_with_defaults_or_their_own_values() -> None:
    def healing(entry: dict[str, Any]) -> SelfHealing | None:
        targets = {"kendra": [{"indexId": KENDRA_INDEX, **entry}]}
        return policy_for(targets, KENDRA_SOURCE, stuck_after_minutes=360).self_healing

    assert healing({}) is None
    assert healing({"selfHealing": {}}) == SelfHealing(3, timedelta(minutes=15))
    assert healing({"selfHealing": {"maxRetriesPerDay": 1, "backoffMinutes": 60}}) == SelfHealing(
        1, timedelta(minutes=60)
    )
    assert policy_for({"kendra": "all"}, KENDRA_SOURCE, stuck_after_minutes=1).self_healing is None


# --- the poller with a healer ---------------------------------------------------------------


class World:
    """One Kendra data source with self-healing, the poller's stores, and a clock."""

    def __init__(self, healing: SelfHealing | None = HEALING) -> None:
        self.api = FakeApi("kendra")
        self.store = FakeJobStore()
        self.cursors = FakeCursorStore()
        self.quota = FakeRetryQuota()
        self.healing = healing
        self.now = at(10, 0)
        self.api.clock = lambda: self.now
        # Seen running first, so the failure is live, not backfilled history.
        self.api.put(job("SYNCING"))
        self.tick(at(10, 5))

    def tick(self, now: datetime) -> None:
        self.now = now
        healer = Healer(
            starters={"kendra": self.api},
            jobs=self.store,
            quota=self.quota,
            error_code_of=error_code_of,
        )
        Poller(
            apis={"kendra": self.api},
            jobs=self.store,
            cursors=self.cursors,
            lookback_days=30,
            clock=lambda: now,
            error_code_of=error_code_of,
            policy_of=lambda source: SourcePolicy(self_healing=self.healing),
            healer=healer,
        ).run([KENDRA_SOURCE])

    def fail(
        self,
        execution_id: str = "exec-1",
        start: str = "2026-11-22T10:00:00Z",
        end: str = FAILED_AT,
    ) -> None:
        self.api.put(job("FAILED", execution_id, start=start, end=end, error_code="InternalError"))

    def record(self, execution_id: str = "exec-1") -> dict[str, Any]:
        return self.store.records[(KENDRA_SOURCE.key, execution_id)]


def test_a_transient_failure_is_retried_once_after_the_backoff() -> None:
    # Given a job that fails with InternalError at 10:20
    world = World()
    world.fail()

    # When the poll at 10:30 sees it, before the 15 minutes of backoff are over
    world.tick(at(10, 30))
    # Then nothing is started yet, and the cursor keeps the failed job in its window
    assert world.api.started == []
    assert world.cursors.cursors[KENDRA_SOURCE.key] == Cursor(since="2026-11-22T10:00:00Z")

    # When the polls at 10:36 and 10:41 see it
    world.tick(at(10, 36))
    world.tick(at(10, 41))

    # Then one sync was started, at 10:36, and the decision is on the failed job's record
    assert world.api.started == [KENDRA_SOURCE]
    assert world.record()["selfHealing"] == {
        "claimedAt": "2026-11-22T10:36:00Z",
        "outcome": "STARTED",
        "retryExecutionId": "retry-1",
        "attempt": 1,
        "maxRetriesPerDay": 2,
        "decidedAt": "2026-11-22T10:36:00Z",
    }
    # And the new job's record says which failure it retries
    assert world.record("retry-1")["retryOf"] == "exec-1"
    assert world.record("retry-1")["status"] == "SYNCING"
    assert world.quota.counts == {(KENDRA_SOURCE.key, "2026-11-22"): 1}


def test_a_sync_already_running_counts_as_the_retry() -> None:
    # Given a failure, and a sync of the same data source that started earlier and still runs
    world = World()
    world.fail()
    world.api.put(job("SYNCING", "exec-0", start="2026-11-22T09:00:00Z"))

    world.tick(at(10, 40))

    assert world.api.started == []
    healing = world.record()["selfHealing"]
    assert (healing["outcome"], healing["attempt"]) == ("ALREADY_RUNNING", 1)
    assert "retryExecutionId" not in healing


def test_a_data_source_at_its_daily_quota_is_not_retried_and_says_so() -> None:
    # Given a quota of one retry a day, already used by the first failure
    world = World(SelfHealing(max_retries_per_day=1, backoff=timedelta(minutes=15)))
    world.fail()
    world.tick(at(10, 40))
    # When the retry fails the same way
    world.fail("retry-1", start="2026-11-22T10:40:00Z", end="2026-11-22T11:00:00Z")
    world.tick(at(11, 5))

    # Then it is decided at once, without waiting for a backoff, and nothing more is started
    assert world.api.started == [KENDRA_SOURCE]
    healing = world.record("retry-1")["selfHealing"]
    assert (healing["outcome"], healing["maxRetriesPerDay"]) == ("QUOTA_REACHED", 1)
    assert "attempt" not in healing
    assert world.quota.counts == {(KENDRA_SOURCE.key, "2026-11-22"): 1}


def test_the_second_retry_of_a_day_waits_twice_as_long() -> None:
    world = World()
    world.fail()
    world.tick(at(10, 40))
    world.fail("retry-1", start="2026-11-22T10:40:00Z", end="2026-11-22T11:00:00Z")

    world.tick(at(11, 20))  # 20 minutes after: past one backoff, not two
    assert len(world.api.started) == 1
    world.tick(at(11, 31))
    assert len(world.api.started) == 2
    assert world.record("retry-1")["selfHealing"]["attempt"] == 2


def test_a_start_the_service_refuses_is_recorded_with_its_error_code() -> None:
    world = World()
    world.fail()
    world.api.start_errors.append("AccessDeniedException")

    world.tick(at(10, 40))
    world.tick(at(10, 45))

    healing = world.record()["selfHealing"]
    assert (healing["outcome"], healing["errorCode"]) == ("START_FAILED", "AccessDeniedException")
    assert world.api.started == []  # refused once, never tried again for this failure


def test_a_failure_a_newer_sync_already_followed_is_not_retried() -> None:
    world = World()
    world.fail()
    world.api.put(job("SYNCING", "exec-2", start="2026-11-22T10:25:00Z"))

    world.tick(at(10, 40))

    assert world.api.started == []
    assert world.record()["selfHealing"]["outcome"] == "SUPERSEDED"
    assert world.quota.counts == {}


def test_without_self_healing_a_failure_is_only_recorded() -> None:
    world = World(healing=None)
    world.fail()

    world.tick(at(10, 40))

    assert world.api.started == []
    assert "selfHealing" not in world.record()
    # And the cursor moves on as for any ended job
    assert world.cursors.cursors[KENDRA_SOURCE.key] == Cursor(since="2026-11-22T10:00:00Z")


def test_backfilled_failures_are_never_retried() -> None:
    # Given a data source first polled when its failure is already over
    api, store, quota = FakeApi("kendra"), FakeJobStore(), FakeRetryQuota()
    api.put(job("FAILED", end=FAILED_AT, error_code="InternalError"))
    for minute in (25, 40, 59):
        Poller(
            apis={"kendra": api},
            jobs=store,
            cursors=FakeCursorStore(),
            lookback_days=30,
            clock=lambda minute=minute: at(10, minute),
            policy_of=lambda source: SourcePolicy(self_healing=HEALING),
            healer=Healer(
                starters={"kendra": api}, jobs=store, quota=quota, error_code_of=error_code_of
            ),
        ).run([KENDRA_SOURCE])

    assert api.started == []
    assert "selfHealing" not in store.records[(KENDRA_SOURCE.key, "exec-1")]


def test_a_claim_held_by_another_poll_is_left_alone_until_it_times_out() -> None:
    # Given a failure another poll claimed at 10:36 and never decided (it died)
    world = World()
    world.fail()
    world.tick(at(10, 30))
    record = world.record()
    world.store.records[(KENDRA_SOURCE.key, "exec-1")] = {
        **record,
        "selfHealing": {"claimedAt": "2026-11-22T10:36:00Z"},
        "revision": record["revision"] + 1,
    }

    world.tick(at(10, 40))
    assert world.api.started == []

    world.tick(at(10, 47))
    assert world.api.started == [KENDRA_SOURCE]
    assert world.record()["selfHealing"]["claimedAt"] == "2026-11-22T10:47:00Z"


class ReasonsInBetween(FakeJobStore):
    """The notifier stores failure reasons (one more revision) right after the claim."""

    def put_if_revision(self, record: dict[str, Any], expected_revision: int | None) -> bool:
        done = super().put_if_revision(record, expected_revision)
        healing = record.get("selfHealing") or {}
        if done and healing.get("claimedAt") and not healing.get("outcome"):
            key = (record["dataSourceKey"], record["executionId"])
            stored = self.records[key]
            self.records[key] = {
                **stored,
                "failureReasons": {"logging": "ON"},
                "revision": stored["revision"] + 1,
            }
        return done


def test_the_outcome_keeps_what_the_notifier_wrote_after_the_claim() -> None:
    world = World()
    world.store = ReasonsInBetween()
    world.api.jobs.clear()
    world.api.put(job("SYNCING"))
    world.cursors = FakeCursorStore()
    world.tick(at(10, 5))
    world.fail()

    world.tick(at(10, 40))

    record = world.record()
    assert record["selfHealing"]["outcome"] == "STARTED"
    assert record["failureReasons"] == {"logging": "ON"}


# --- the announcements ----------------------------------------------------------------------


def decided(outcome: str, **state: Any) -> dict[str, Any]:
    return {
        "claimedAt": "2026-11-22T11:20:00Z",
        "outcome": outcome,
        "maxRetriesPerDay": 3,
        "decidedAt": "2026-11-22T11:20:00Z",
        **state,
    }


@pytest.mark.parametrize(
    ("state", "alert_type", "headline", "phrase"),
    [
        (
            decided("STARTED", attempt=1, retryExecutionId="exec-9"),
            "SYNC_RETRY_STARTED",
            "RETRY STARTED",
            "started a new sync, job exec-9 (retry 1 of 3 today)",
        ),
        (
            decided("ALREADY_RUNNING", attempt=2),
            "SYNC_RETRY_STARTED",
            "RETRY STARTED",
            "already running, so it started none (retry 2 of 3 today)",
        ),
        (
            decided("QUOTA_REACHED"),
            "SYNC_RETRY_SKIPPED",
            "RETRY SKIPPED",
            "had its 3 retries for today (maxRetriesPerDay)",
        ),
        (
            decided("START_FAILED", attempt=1, errorCode="AccessDeniedException"),
            "SYNC_RETRY_SKIPPED",
            "RETRY SKIPPED",
            "StartDataSourceSyncJob answered AccessDeniedException",
        ),
    ],
    ids=["started", "already running", "quota reached", "start refused"],
)
def test_each_decision_is_announced_once_with_its_own_alert_type(
    state: dict[str, Any], alert_type: str, headline: str, phrase: str
) -> None:
    sns = Recorder()
    claimed = kendra_job(selfHealing={"claimedAt": "2026-11-22T11:20:00Z"}, revision=3)

    result = sns.process(modify(claimed, kendra_job(selfHealing=state, revision=4)))

    assert result is not None and result["notices"] == [alert_type]
    ((_, message),) = sns.published
    assert message.attributes["alertType"] == alert_type
    assert message.attributes["status"] == "FAILED"
    assert message.subject == f"Amazon Kendra sync {headline}: Public docs crawler"
    (body,) = sns.alert_bodies
    assert phrase in body["notes"][0] and "InternalError" in body["notes"][0]
    # The job did not change status: the text says what it is, not what it came from
    assert "Status:           FAILED\n" in json.loads(message.message)["email"]
    metric = {
        "SYNC_RETRY_STARTED": "SyncRetriesStarted",
        "SYNC_RETRY_SKIPPED": "SyncRetriesSkipped",
    }
    assert sns.metric_names == [metric[alert_type], "AlertsPublished"]


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (kendra_job(), kendra_job(selfHealing={"claimedAt": "t"}, revision=3)),
        (
            kendra_job(selfHealing={"claimedAt": "t"}),
            kendra_job(selfHealing=decided("SUPERSEDED"), revision=4),
        ),
        (
            kendra_job(selfHealing=decided("STARTED", attempt=1)),
            kendra_job(
                selfHealing=decided("STARTED", attempt=1),
                failureReasons={"logging": "ON"},
                revision=5,
            ),
        ),
    ],
    ids=["claim only", "superseded", "decided before"],
)
def test_claims_superseded_failures_and_later_writes_announce_nothing(
    old: dict[str, Any], new: dict[str, Any]
) -> None:
    sns = Recorder()
    assert sns.process(modify(old, new)) is None
    assert sns.published == []


def test_q_business_decisions_are_announced_too() -> None:
    sns = Recorder()
    old = qbusiness_job(status="FAILED", errorCode="InternalError")
    new = {**old, "selfHealing": decided("STARTED", attempt=1, retryExecutionId="r" * 36)}

    sns.process(modify(old, new))

    ((_, message),) = sns.published
    assert message.attributes["alertType"] == "SYNC_RETRY_STARTED"
    assert message.subject == "Amazon Q Business sync RETRY STARTED: HR wiki"


class OutcomeWriteFails(FakeJobStore):
    """The table refuses the first write of a decided outcome (the poll then dies with it)."""

    def __init__(self) -> None:
        super().__init__()
        self.refusals = 1

    def put_if_revision(self, record: dict[str, Any], expected_revision: int | None) -> bool:
        if (record.get("selfHealing") or {}).get("outcome") and self.refusals:
            self.refusals -= 1
            raise ClientError({"Error": {"Code": "InternalServerError", "Message": "x"}}, "Put")
        return super().put_if_revision(record, expected_revision)


def test_a_poll_that_started_the_retry_but_could_not_record_it_is_taken_over_without_a_second_start() -> (
    None
):
    # Given a poll that claims the failure and starts the retry, then cannot write the outcome
    world = World()
    world.store = OutcomeWriteFails()
    world.api.jobs.clear()
    world.api.put(job("SYNCING"))
    world.cursors = FakeCursorStore()
    world.tick(at(10, 5))
    world.fail()
    world.tick(at(10, 36))
    assert world.api.started == [KENDRA_SOURCE]
    assert "outcome" not in world.record()["selfHealing"]

    # When the next polls come, inside and then past the claim's timeout
    world.tick(at(10, 41))
    assert "outcome" not in world.record()["selfHealing"]
    world.tick(at(10, 47))

    # Then the decision is recovered from the retry job's link, and nothing more was started
    healing = world.record()["selfHealing"]
    assert (healing["outcome"], healing["retryExecutionId"]) == ("STARTED", "retry-1")
    assert world.api.started == [KENDRA_SOURCE]
    assert world.quota.counts == {(KENDRA_SOURCE.key, "2026-11-22"): 1}


def test_a_recovered_decision_is_announced_without_a_retry_number() -> None:
    sns = Recorder()
    claimed = kendra_job(selfHealing={"claimedAt": "2026-11-22T11:20:00Z"}, revision=3)
    state = decided("STARTED", retryExecutionId="exec-9")

    sns.process(modify(claimed, kendra_job(selfHealing=state, revision=4)))

    (body,) = sns.alert_bodies
    assert body["notes"][0].endswith("Self-healing started a new sync, job exec-9.")
