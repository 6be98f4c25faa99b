"""Failure reasons end to end: the simulator's jobs, their logs in moto's CloudWatch Logs as the
services write them, and the real poller and notifier."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from contextlib import redirect_stdout
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from devkit.loopback import Loopback, loopback
from devkit.simulator.job_logs import DocumentOutcome, write_job_logs
from sync_auditor.model import DataSourceRef

INDEX = "5f3c2a10-8d4e-4b6a-9c1e-0a1b2c3d4e5f"
APP = "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d"
QB_INDEX = "b2c3d4e5-f6a7-4b8c-9d0e-1f2a3b4c5d6e"
QB_DS = "c3d4e5f6-a7b8-4c9d-8e0f-2a3b4c5d6e7f"
KENDRA = DataSourceRef("kendra", INDEX, "web")
QBUSINESS = DataSourceRef("qbusiness", QB_INDEX, QB_DS, application_id=APP)
NOW = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture
def lb() -> Iterator[Loopback]:
    with loopback() as running:
        running.simulator.add_kendra_data_source(INDEX, "web", name="Public website")
        running.simulator.add_qbusiness_data_source(APP, QB_INDEX, QB_DS, name="SharePoint")
        running.configure(
            {
                "kendra": [{"indexId": INDEX}],
                "qbusiness": [{"applicationId": APP, "indexId": QB_INDEX}],
            }
        )
        with redirect_stdout(io.StringIO()):
            running.poll()  # the backfill: later jobs are news
            running.notify()
        yield running


def ago(minutes: float) -> datetime:
    return NOW - timedelta(minutes=minutes)


def tick(lb: Loopback) -> list[dict[str, Any]]:
    with redirect_stdout(io.StringIO()):
        lb.poll()
        lb.notify()
    return [
        {
            "attributes": {k: v["Value"] for k, v in a["MessageAttributes"].items()},
            "body": json.loads(a["Message"]),
        }
        for a in lb.received_alerts()
    ]


def email_of(lb: Loopback, execution_id: str) -> str:
    for sent in lb.published():
        bodies = json.loads(sent["message"])
        if execution_id in bodies["sqs"]:
            return str(bodies["email"])
    raise AssertionError(f"no alert for {execution_id}")


def record(lb: Loopback, execution_id: str) -> dict[str, Any]:
    (found,) = [r for r in lb.job_records() if r["executionId"] == execution_id]
    return found


def test_a_failed_kendra_job_alerts_with_its_top_errors_and_stores_them(lb: Loopback) -> None:
    # Given a failed job whose report and data source stream name failed documents
    lb.simulator.put_job(
        f"kendra#{INDEX}#web", "k-1", "FAILED", ago(5), ago(1), error_code="InternalError"
    )
    write_job_logs(
        lb.client("logs"),
        KENDRA,
        "k-1",
        ago(5),
        [
            DocumentOutcome("docs/ok.html"),
            DocumentOutcome("docs/big.pdf", "FAILED", error="Document size exceeds 50 MB"),
            DocumentOutcome("docs/huge.pdf", "FAILED", error="Document size exceeds 50 MB"),
            DocumentOutcome(
                "docs/city.html", error_code="InvalidRequest", error="No metadata for city."
            ),
        ],
    )

    # When the poller sees it fail
    (alert,) = tick(lb)

    # Then the alert carries the reasons, the link, and the summary is on the record
    reasons = alert["body"]["failureReasons"]
    assert reasons["logging"] == "found"
    assert reasons["failedDocuments"] == 3
    assert {"code": "message: Document size exceeds 50 MB", "count": 2} in reasons["topErrors"]
    assert reasons["insightsUrl"].startswith("https://us-east-1.console.aws.amazon.com/cloudwatch/")
    assert "Failure reasons: 3 failed documents in the logs:" in email_of(lb, "k-1")
    stored = record(lb, "k-1")
    assert stored["failureReasons"]["topErrors"] == reasons["topErrors"]
    assert stored["revision"] == 2  # first seen already FAILED, then annotated

    # And the annotation alerts nothing more, and later polls still write the job
    assert tick(lb) == []
    lb.simulator.put_job(
        f"kendra#{INDEX}#web",
        "k-1",
        "FAILED",
        ago(5),
        ago(1),
        error_code="InternalError",
        metrics={"documentsFailed": "3"},
    )
    assert tick(lb) == []
    stored = record(lb, "k-1")
    assert stored["documentsFailed"] == 3 and stored["failureReasons"]["failedDocuments"] == 3


def test_an_incomplete_q_business_job_reads_its_application_log_group(lb: Loopback) -> None:
    lb.simulator.put_job(
        f"qbusiness#{APP}#{QB_INDEX}#{QB_DS}",
        "q-1",
        "INCOMPLETE",
        ago(5),
        ago(1),
        metrics={"documentsFailed": "1"},
    )
    write_job_logs(
        lb.client("logs"),
        QBUSINESS,
        "q-1",
        ago(5),
        [
            DocumentOutcome("HR/handbook.docx"),
            DocumentOutcome(
                "HR/secret.xlsx", "FAILED", error="Access denied", failed_stage="CrawlStatus"
            ),
        ],
    )

    (alert,) = tick(lb)

    reasons = alert["body"]["failureReasons"]
    assert reasons["logGroup"] == f"/aws/qbusiness/{APP}"
    assert reasons["examples"] == [
        {
            "documentId": "HR/secret.xlsx",
            "code": "message: Access denied",
            "message": "Access denied",
        }
    ]


def test_without_logging_the_alert_says_so_and_still_goes_out(lb: Loopback) -> None:
    lb.simulator.put_job(f"kendra#{INDEX}#web", "k-2", "FAILED", ago(5), ago(1))

    (alert,) = tick(lb)

    assert alert["attributes"]["alertType"] == "SYNC_JOB_STATUS"
    assert alert["body"]["failureReasons"]["logging"] == "not_enabled"
    assert "CloudWatch logging is not enabled for this index" in email_of(lb, "k-2")
    assert record(lb, "k-2")["failureReasons"]["logging"] == "not_enabled"


def test_huge_logs_are_summarized_from_a_bounded_read(lb: Loopback) -> None:
    lb.simulator.put_job(f"kendra#{INDEX}#web", "k-3", "FAILED", ago(5), ago(1))
    documents = [
        DocumentOutcome(f"bulk/{n}.pdf", "FAILED", error="Unsupported file type" + "!" * 400)
        for n in range(6000)
    ]
    write_job_logs(lb.client("logs"), KENDRA, "k-3", ago(5), documents, data_source_stream=False)

    (alert,) = tick(lb)

    reasons = alert["body"]["failureReasons"]
    assert reasons["truncated"] is True
    assert reasons["failedDocuments"] <= 5000
    assert len(json.dumps(alert["body"])) < 20_000
    assert "there are more" in email_of(lb, "k-3")
