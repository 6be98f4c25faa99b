"""retentionDays and the poll window: the newest job of a quiet data source stays in the window
for good, so when DynamoDB's TTL deletes its record the next poll must not write it again as
new (and announce it again). Records expire retentionDays after their job ended; an open
job's record does not expire while it runs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from devkit.loopback import JOB_TABLE, Loopback
from sync_auditor.handlers import poller
from sync_auditor.settings import PollerSettings
from tests.faults.support import kendra_key, minutes_ago, new_id, records, status_alerts, tick


def test_a_record_deleted_by_ttl_is_not_written_again_nor_announced_again(lb: Loopback) -> None:
    # Given a data source audited with a 30-day retention, whose one failure was announced
    index = new_id()
    key = kendra_key(index, "quiet")
    lb.simulator.add_data_source(key)
    lb.configure(
        {"kendra": [{"indexId": index, "dataSourceIds": ["quiet"]}]},
        RETENTION_DAYS=30,
        MAX_REQUESTS_PER_SECOND=1000,
    )
    tick(lb)
    ended = datetime.now(UTC).replace(microsecond=0)
    lb.simulator.put_job(key, "last-sync", "FAILED", minutes_ago(10), ended)
    tick(lb)
    assert status_alerts(lb, [key]) == {(key, "last-sync", "FAILED"): 1}
    record = records(lb, key)["last-sync"]
    # it ended before the poll that recorded it, so its expiry counts from that recording
    # (the later of the two; both are whole seconds and may fall in the same one)
    recorded = datetime.fromisoformat(record["firstSeenAt"])
    assert recorded >= ended
    assert record["expiresAt"] == int(recorded.timestamp()) + 30 * 86_400

    # When no sync runs for 31 days and TTL deletes that record (it stays in the poll window)
    lb.client("dynamodb").delete_item(
        TableName=JOB_TABLE,
        Key={"dataSourceKey": {"S": key}, "executionId": {"S": "last-sync"}},
    )
    later = ended + timedelta(days=31)
    summary = poller.run(PollerSettings.from_env(), clock=lambda: later)
    lb.notify()

    # Then nothing is written again and nothing announced again
    assert summary["services"]["kendra"]["JobsWritten"] == 0
    assert records(lb, key) == {}
    assert status_alerts(lb, [key]) == {(key, "last-sync", "FAILED"): 1}


def test_an_open_jobs_record_has_no_expiry_until_the_job_ends(lb: Loopback) -> None:
    index = new_id()
    key = kendra_key(index, "long")
    lb.simulator.add_data_source(key)
    lb.configure(
        {"kendra": [{"indexId": index, "dataSourceIds": ["long"]}]},
        RETENTION_DAYS=30,
        MAX_REQUESTS_PER_SECOND=1000,
    )
    tick(lb)
    lb.simulator.put_job(key, "running", "SYNCING", minutes_ago(5))
    tick(lb)
    assert "expiresAt" not in records(lb, key)["running"]

    lb.simulator.put_job(key, "running", "SUCCEEDED", minutes_ago(5), minutes_ago(1))
    tick(lb)
    assert records(lb, key)["running"]["expiresAt"] > 0
