"""Failure reasons from the jobs' logs: realistic events of both services, missing logs, huge
logs read within a budget, and hostile document names and messages."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

import pytest
from botocore.exceptions import ClientError

from devkit.simulator.job_logs import DocumentOutcome, data_source_event, report_event
from sync_auditor import alert_message, failure_reasons
from sync_auditor.adapters.job_logs import JobLogs, ReadBudget
from sync_auditor.failure_reasons import LogRead, summarize, summarize_events
from tests.unit.builders import KENDRA_SOURCE, QB_SOURCE
from tests.unit.notifier_builders import kendra_job, qbusiness_job

WINDOW = (datetime(2026, 11, 22, 9, 55, tzinfo=UTC), datetime(2026, 11, 22, 12, 2, tzinfo=UTC))
GROUP = "/aws/kendra/index"


def events(*docs: DocumentOutcome, data_source: bool = False) -> list[str]:
    make = data_source_event if data_source else report_event
    return [json.dumps(make(d)) for d in docs]


def test_kendra_report_and_data_source_stream_give_top_codes_and_examples() -> None:
    report = events(
        DocumentOutcome("a.pdf"),
        DocumentOutcome("b.pdf", "FAILED", error="Document size exceeds the limit"),
        DocumentOutcome("c.pdf", "FAILED", error="Document size exceeds the limit"),
        DocumentOutcome(
            "d.pdf", "SKIPPED", error="Unsupported content type", failed_stage="CrawlStatus"
        ),
    )
    stream = events(
        DocumentOutcome("e.pdf", error_code="InvalidRequest", error="No metadata for city."),
        DocumentOutcome("f.pdf", error_code="InvalidRequest", error="No metadata for city."),
        DocumentOutcome("g.pdf", error_code="InternalError", error="Internal"),
        data_source=True,
    )
    summary = summarize_events([*report, *stream, "not json", "[1]"], group=GROUP)

    assert summary.logging == "found"
    assert summary.failed_documents == 6
    assert dict(summary.top_codes) == {
        "message: Document size exceeds the limit": 2,
        "InvalidRequest": 2,
        "message: Unsupported content type": 1,
        "InternalError": 1,
    }
    assert [e.document_id for e in summary.examples] == ["b.pdf", "c.pdf", "d.pdf"]


def test_q_business_incomplete_report() -> None:
    report = events(
        DocumentOutcome("HR/handbook.docx"),
        DocumentOutcome(
            "HR/salaries.xlsx",
            "FAILED",
            error="Access denied by the source",
            failed_stage="CrawlStatus",
        ),
    )
    summary = summarize_events(report, group="/aws/qbusiness/app")
    assert (summary.failed_documents, summary.top_codes) == (
        1,
        (("message: Access denied by the source", 1),),
    )
    assert summary.examples[0].message == "Access denied by the source"


def test_a_job_without_failed_documents_says_so() -> None:
    assert (
        summarize_events(events(DocumentOutcome("ok")), group=GROUP).logging == "no_errors_logged"
    )


def test_missing_and_unreadable_logs() -> None:
    missing = summarize(LogRead(group_found=False), group=GROUP, insights_url="u")
    denied = summarize(LogRead(error_code="AccessDeniedException"), group=GROUP, insights_url="u")
    assert missing.logging == "not_enabled" and missing.insights_url is None
    assert "logging is not enabled for this index" in failure_reasons.failed_lines(missing)[0]
    assert denied.logging == "unreadable"
    assert "AccessDeniedException" in failure_reasons.failed_lines(denied)[0]


def test_hostile_document_names_and_messages_are_one_capped_line_and_escaped_for_slack() -> None:
    hostile = DocumentOutcome(
        "x" * 5000 + "\nStatus: SUCCEEDED\u202e<!channel>",
        "FAILED",
        error="<!channel> <https://evil.example|click> `code` \r\nError code: NONE " + "y" * 9000,
    )
    summary = summarize_events(events(hostile), group=GROUP)
    (example,) = summary.examples
    assert len(example.document_id) <= failure_reasons.DOCUMENT_ID_LIMIT
    assert len(example.message) <= failure_reasons.MESSAGE_LIMIT
    assert "\n" not in example.message and "\u202e" not in example.document_id

    alert = alert_message.Alert.from_job(
        kendra_job(), previous_status="SYNCING", region="us-east-1"
    )
    from dataclasses import replace

    built = alert_message.build(replace(alert, failure_reasons=summary))
    bodies = json.loads(built.message)
    chat = json.loads(bodies["https"])["content"]["description"]
    assert "<!channel>" not in chat and "&lt;!channel&gt;" in chat
    email = bodies["email"]
    # untrusted lines are indented: none can pass for a field line
    assert not any(
        line.startswith(("Status:", "Error code:"))
        for line in email.splitlines()[3:]
        if "NONE" in line or "SUCCEEDED" in line
    )
    assert len(bodies["email"]) < 20_000
    machine = json.loads(bodies["sqs"])
    assert machine["failureReasons"]["failedDocuments"] == 1


class FakeLogs:
    """FilterLogEvents over a huge stream, counting calls and bytes served."""

    def __init__(self, pages: int = 1000, per_page: int = 1000, missing: bool = False) -> None:
        self.pages, self.per_page, self.missing = pages, per_page, missing
        self.calls = 0
        self.bytes_served = 0

    def filter_log_events(self, **request: Any) -> dict[str, Any]:
        self.calls += 1
        if self.missing:
            raise ClientError(
                {"Error": {"Code": "ResourceNotFoundException", "Message": "x"}}, "FilterLogEvents"
            )
        page = int(request.get("nextToken", "0"))
        message = json.dumps(
            report_event(DocumentOutcome(f"doc-{page}", "FAILED", error="e" * 500))
        )
        self.bytes_served += len(message) * self.per_page
        response: dict[str, Any] = {"events": [{"message": message}] * self.per_page}
        if page + 1 < self.pages:
            response["nextToken"] = str(page + 1)
        return response


def test_huge_logs_are_read_within_the_call_event_and_byte_budget() -> None:
    fake = FakeLogs()
    budget = ReadBudget(max_calls=4, max_events=3000, max_bytes=10_000_000, max_seconds=60)
    read = JobLogs(client=lambda: fake, budget=budget).read(GROUP, ["p1", "p2"], WINDOW)

    assert read.truncated
    assert fake.calls <= 4
    assert len(read.messages) == 3000

    fake = FakeLogs()
    tight = ReadBudget(max_calls=10, max_events=100_000, max_bytes=200_000, max_seconds=60)
    read = JobLogs(client=lambda: fake, budget=tight).read(GROUP, ["p1"], WINDOW)
    assert read.truncated and sum(len(m) for m in read.messages) <= 200_000
    summary = summarize(read, group=GROUP, insights_url=None)
    assert summary.truncated and "there are more" in failure_reasons.failed_lines(summary)[0]


def test_the_time_budget_stops_the_read() -> None:
    ticks = iter(range(0, 1000, 5))
    read = JobLogs(
        client=lambda: FakeLogs(), budget=ReadBudget(max_seconds=12), clock=lambda: next(ticks)
    ).read(GROUP, ["p1"], WINDOW)
    assert read.truncated and len(read.messages) <= 3000


def test_a_missing_log_group_is_logging_not_enabled() -> None:
    read = JobLogs(client=lambda: FakeLogs(missing=True)).read(GROUP, ["p1"], WINDOW)
    assert read.group_found is False


@pytest.mark.parametrize(
    ("source", "group", "prefixes"),
    [
        (
            KENDRA_SOURCE,
            f"/aws/kendra/{KENDRA_SOURCE.index_id}",
            ["SYNC_RUN_HISTORY_REPORT/web-crawler/exec-1", "web-crawler/2026-11-22-10/exec-1"],
        ),
        (
            QB_SOURCE,
            f"/aws/qbusiness/{QB_SOURCE.application_id}",
            [f"SYNC_RUN_HISTORY_REPORT/{QB_SOURCE.data_source_id}/exec-1"],
        ),
    ],
)
def test_where_each_service_writes_a_jobs_logs(
    source: Any, group: str, prefixes: list[str]
) -> None:
    assert failure_reasons.log_group(source) == group
    assert failure_reasons.stream_prefixes(source, "exec-1", "2026-11-22T10:00:00Z") == prefixes


def test_the_insights_link_opens_the_query_on_the_log_group_and_window() -> None:
    url = failure_reasons.insights_url("eu-west-1", GROUP, KENDRA_SOURCE, "exec-1", WINDOW)
    assert url.startswith(
        "https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1"
        "#logsV2:logs-insights$3FqueryDetail$3D$257E$2528end$257E$2527"
    )
    # Undo the console's layers: $ -> %, URI-decode twice, * -> % and decode the values.
    detail = unquote(unquote(url.split("#logsV2:logs-insights", 1)[1].replace("$", "%")))
    values = unquote(detail.replace("*", "%"))
    assert "start~'2026-11-22T09:55:00.000Z" in values
    assert "source~(~'/aws/kendra/index)" in values
    assert "@logStream like 'web-crawler/' and @logStream like 'exec-1'" in values
    assert " " not in url and "\n" not in url


def test_qbusiness_alert_carries_the_summary_and_the_link() -> None:
    from dataclasses import replace

    summary = summarize(
        LogRead(events(DocumentOutcome("a", "FAILED", error="boom"))),
        group="/aws/qbusiness/app",
        insights_url="https://example.invalid/insights",
    )
    alert = alert_message.Alert.from_job(qbusiness_job(), previous_status=None, region="us-east-1")
    bodies = json.loads(alert_message.build(replace(alert, failure_reasons=summary)).message)
    assert "Failure reasons: 1 failed documents in the logs:" in bodies["email"]
    assert "Logs Insights:    https://example.invalid/insights" in bodies["email"]
    next_steps = json.loads(bodies["https"])["content"]["nextSteps"]
    assert any("https://example.invalid/insights" in step for step in next_steps)


def test_the_alert_goes_out_with_its_reasons_even_when_storing_them_fails() -> None:
    from sync_auditor.notify import StatusChange, reasons_from_logs

    stored: list[tuple[tuple[str, str], dict[str, Any]]] = []

    def failing_store(key: tuple[str, str], reasons: dict[str, Any]) -> bool:
        stored.append((key, reasons))
        raise ClientError({"Error": {"Code": "AccessDeniedException", "Message": "x"}}, "Update")

    change = StatusChange(job=kendra_job(), previous_status="SYNCING", region="us-east-1")
    summary = reasons_from_logs(
        change,
        job_table="jobs",
        logs=JobLogs(client=lambda: FakeLogs(pages=1, per_page=2)),
        store=failing_store,
    )

    assert summary is not None and summary.failed_documents == 4  # 2 in each of the 2 streams
    assert summary.insights_url and "us-east-1" in summary.insights_url
    assert stored and stored[0][0] == (kendra_job()["dataSourceKey"], "exec-1")


def test_the_read_never_takes_more_than_the_invocation_has_left() -> None:
    from sync_auditor.notify import REASONS_RESERVE_SECONDS, StatusChange, reasons_from_logs

    change = StatusChange(job=kendra_job(), previous_status="SYNCING", region="us-east-1")
    ticks = iter(range(1000))  # each look at the clock is one second later
    served = FakeLogs()
    logs = JobLogs(client=lambda: served, clock=lambda: float(next(ticks)))

    # Given 3 s left beyond the reserve: the read stops there, not at the usual 8 s
    summary = reasons_from_logs(
        change,
        job_table="",
        logs=logs,
        time_left=lambda: REASONS_RESERVE_SECONDS + 3,
    )
    assert summary is not None and summary.truncated
    assert served.calls == 2  # the 8-second budget alone would have allowed 6 pages
    # Given less than a second beyond it: no read at all, and the alert says why
    fake = FakeLogs()
    summary = reasons_from_logs(
        change,
        job_table="",
        logs=JobLogs(client=lambda: fake),
        time_left=lambda: REASONS_RESERVE_SECONDS + 0.5,
    )
    assert summary is not None and summary.logging == "unreadable"
    assert summary.error_code == "NotifierTimeBudgetExhausted" and fake.calls == 0
