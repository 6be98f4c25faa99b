"""`pending`: what SNS has not accepted yet, and `--send`, on loopback: an outage leaves a failed
job's alert in the outbox, the command shows it, and once SNS is back `--send` publishes it once."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import timedelta

import pytest
from botocore.exceptions import ClientError

from devkit.loopback import STATE_TABLE, Loopback, loopback
from sync_auditor.alert_message import AlertMessage
from sync_auditor.outbox import Entry
from sync_auditor_cli.commands import pending
from sync_auditor_cli.console import Console
from tests.cli.support import run
from tests.faults.support import Outage, connection_refused
from tests.integration.support import INDEX, KENDRA_KEY, NOW
from tests.unit.fakes import FakeOutbox


@pytest.fixture
def lb() -> Iterator[Loopback]:
    with loopback() as running:
        running.simulator.add_kendra_data_source(INDEX, "web", name="Public website")
        running.configure({"kendra": [{"indexId": INDEX}]}, MAX_ATTEMPTS=1)
        running.poll()
        yield running


def test_an_alert_sns_refused_is_listed_and_sent_once_by_hand(
    lb: Loopback, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a failure whose alert SNS refused
    lb.simulator.put_job(KENDRA_KEY, "run-1", "FAILED", NOW - timedelta(minutes=5), NOW)
    lb.poll()
    with Outage("sns", "Publish", connection_refused):
        lb.notify()

    # Then the command lists it, with the error and its attempts
    listed = run(capsys, "pending", "--state-table", STATE_TABLE, "-o", "json")
    (entry,) = listed.json()
    assert (entry["alertType"], entry["status"], entry["dataSourceKey"]) == (
        "SYNC_JOB_STATUS",
        "FAILED",
        KENDRA_KEY,
    )
    assert entry["lastErrorCode"] == "EndpointConnectionError" and entry["attempts"] == 1
    table = run(capsys, "pending", "--state-table", STATE_TABLE)
    assert "Amazon Kendra sync FAILED: Public website" in table.out

    # When SNS is back and the operator sends what is pending
    sent = run(capsys, "pending", "--state-table", STATE_TABLE, "--send")

    # Then it went out once, and nothing is pending any more
    assert sent.code == 0 and "1 pending alerts published, 0 still pending" in sent.err
    assert [a["Subject"] for a in lb.received_alerts()] == [
        "Amazon Kendra sync FAILED: Public website"
    ]
    nothing = run(capsys, "pending", "--state-table", STATE_TABLE)
    assert nothing.code == 0 and "no alert is pending" in nothing.err
    assert run(capsys, "pending", "--state-table", STATE_TABLE, "--send").code == 0
    assert lb.received_alerts() == []


class RefusingSns:
    def publish(self, **_: object) -> dict[str, str]:
        raise ClientError({"Error": {"Code": "KMSDisabledException", "Message": "x"}}, "Publish")


class RefusingAws:
    def client(self, service_name: str) -> RefusingSns:
        assert service_name == "sns"
        return RefusingSns()


def test_send_says_what_is_still_pending_and_exits_254_when_sns_refuses_again(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Given one pending alert and SNS still refusing it
    store = FakeOutbox()
    message = AlertMessage(subject="Amazon Kendra sync FAILED: web", message="{}", attributes={})
    entry = Entry(
        id="SYNC_JOB_STATUS#k#run-1#FAILED",
        alert_type="SYNC_JOB_STATUS",
        service="kendra",
        data_source_key=KENDRA_KEY,
        status="FAILED",
        created_at="2026-11-22T10:00:00Z",
        topic_arn="arn:aws:sns:us-east-1:123456789012:alerts",
        message=message,
        pending=True,
    )
    store.create(entry, lease_until=None, keep_until=None)
    console = Console(out=io.StringIO(), err=io.StringIO(), env={}, now=NOW)

    # When the operator sends it
    code = pending._send(store, RefusingAws(), console)  # type: ignore[arg-type]

    # Then it stays pending, with the new error, and the command says so
    assert code == 254
    assert "0 pending alerts published, 1 still pending" in console.err.getvalue()  # type: ignore[attr-defined]
    (left,) = store.pending()
    assert left.last_error_code == "KMSDisabledException"
