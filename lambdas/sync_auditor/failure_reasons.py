"""Why a sync ended FAILED or INCOMPLETE, from the job's CloudWatch Logs: the top error codes with
counts, a few example documents, and links to read the rest. Pure: adapters/job_logs.py reads.

Where the services write (their documentation, "Monitoring Amazon Kendra with Amazon CloudWatch
Logs" and the document-level sync reports of Kendra and Amazon Q Business):
- Log group `/aws/kendra/<indexId>` or `/aws/qbusiness/<applicationId>`, made when logging is on.
- The document-level sync run report of a job, both services: stream
  `SYNC_RUN_HISTORY_REPORT/<dataSourceId>/<executionId>`, one JSON event per document with
  `DocumentId`, `DocumentTitle`, `SourceUri`, `ConnectorDocumentStatus.Status` (SUCCESS, FAILED,
  SKIPPED; also `CrawlStatus`, `SyncStatus`, `IndexStatus` per stage) and `ErrorMsg`.
- Kendra's per-job data source stream `<dataSourceId>/<YYYY-MM-DD-HH>/<executionId>`: JSON events
  for documents that failed, with `DocumentId` (or `DocumentID`), `ErrorCode`, `ErrorMessage`,
  `Message`, and for some connectors `CrawlStatus` and `DataSourceErrorCode`.

Everything read is untrusted text from the data source: ids and messages are folded to one
line and capped here; alert_message.py escapes them per channel; nothing of it is logged.
"""

from __future__ import annotations

import json
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal
from urllib.parse import quote

from sync_auditor.model import DataSourceRef, parse_iso_utc
from sync_auditor.services import spec_of

TOP_CODES = 5
EXAMPLES = 3
CODE_LIMIT = 120
DOCUMENT_ID_LIMIT = 200
MESSAGE_LIMIT = 300
FAILED_STATES = frozenset({"FAILED", "SKIPPED"})
_STAGES = ("ConnectorDocumentStatus", "CrawlStatus", "SyncStatus", "IndexStatus")
_UNSAFE = frozenset({"Cc", "Cf", "Zl", "Zp", "Co", "Cs", "Cn"})

Logging = Literal["found", "no_errors_logged", "not_enabled", "unreadable"]


@dataclass(frozen=True)
class Example:
    document_id: str
    code: str
    message: str


@dataclass(frozen=True)
class ReasonSummary:
    """What the logs say about a job's failed documents (as much as the read budget allowed)."""

    logging: Logging
    log_group: str
    failed_documents: int = 0
    top_codes: tuple[tuple[str, int], ...] = ()
    examples: tuple[Example, ...] = ()
    # The read stopped at its page, event, byte or time budget: counts cover what was read.
    truncated: bool = False
    insights_url: str | None = None
    error_code: str | None = None  # why the logs were unreadable (an AWS error code)

    def to_record(self) -> dict[str, Any]:
        """The summary as stored on the job record (`failureReasons`)."""
        value: dict[str, Any] = {
            "logging": self.logging,
            "logGroup": self.log_group,
            "failedDocuments": self.failed_documents,
            "topErrors": [{"code": code, "count": count} for code, count in self.top_codes],
            "examples": [
                {"documentId": e.document_id, "code": e.code, "message": e.message}
                for e in self.examples
            ],
            "truncated": self.truncated,
        }
        if self.insights_url:
            value["insightsUrl"] = self.insights_url
        if self.error_code:
            value["errorCode"] = self.error_code
        return value


@dataclass(frozen=True)
class LogRead:
    """What adapters/job_logs.py returns: raw event messages and how the read went."""

    messages: list[str] = field(default_factory=list)
    group_found: bool = True
    truncated: bool = False
    error_code: str | None = None


def log_group(source: DataSourceRef) -> str | None:
    """The log group a service writes the job's failed documents to; None when its failure
    reasons come from its API instead (the record's errorMessage)."""
    group_of = spec_of(source.service).log_group
    return group_of(source) if group_of else None


def stream_prefixes(source: DataSourceRef, execution_id: str, start_time: str | None) -> list[str]:
    """The job's log streams (both services' sync report, and Kendra's per-job stream)."""
    return spec_of(source.service).log_streams(source, execution_id, start_time)


def summarize(read: LogRead, *, group: str, insights_url: str | None) -> ReasonSummary:
    """Count failed documents by error code (or message, where the report has no code)."""
    if read.error_code is not None:
        return ReasonSummary(
            "unreadable", group, insights_url=insights_url, error_code=read.error_code
        )
    if not read.group_found:
        return ReasonSummary("not_enabled", group)
    codes: Counter[str] = Counter()
    examples: list[Example] = []
    for message in read.messages:
        failure = _failure(message)
        if failure is None:
            continue
        codes[failure.code] += 1
        if len(examples) < EXAMPLES:
            examples.append(failure)
    return ReasonSummary(
        "found" if codes else "no_errors_logged",
        group,
        failed_documents=sum(codes.values()),
        top_codes=tuple(codes.most_common(TOP_CODES)),
        examples=tuple(examples),
        truncated=read.truncated,
        insights_url=insights_url,
    )


def _failure(message: str) -> Example | None:
    try:
        event = json.loads(message)
    except ValueError:
        return None
    if not isinstance(event, dict):
        return None
    states = {_status(event.get(stage)) for stage in _STAGES}
    error_code = _text(event.get("ErrorCode")) or _text(event.get("DataSourceErrorCode"))
    error_message = _text(event.get("ErrorMessage")) or _text(event.get("ErrorMsg"))
    failed = (
        bool(states & FAILED_STATES)
        or bool(error_code)
        or "Failed" in (_text(event.get("Message")) or "")
    )
    if not failed:
        return None
    document = _text(event.get("DocumentId")) or _text(event.get("DocumentID")) or "(no id)"
    code = error_code or (error_message and f"message: {error_message}") or _stage_code(event)
    return Example(
        document_id=clean(document, DOCUMENT_ID_LIMIT),
        code=clean(code, CODE_LIMIT),
        message=clean(error_message or _text(event.get("Message")) or "", MESSAGE_LIMIT),
    )


def _status(value: Any) -> str | None:
    if isinstance(value, Mapping):
        value = value.get("Status")
    return value if isinstance(value, str) else None


def _stage_code(event: Mapping[str, Any]) -> str:
    for stage in _STAGES:
        status = _status(event.get(stage))
        if status in FAILED_STATES:
            return f"{stage} {status}"
    return "failed"


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, dict | list):
        return None
    text = str(value)
    return text or None


def clean(text: str, limit: int) -> str:
    """One line of printable text, at most `limit` characters."""
    cleaned = "".join(" " if unicodedata.category(c) in _UNSAFE else c for c in text)
    folded = " ".join(cleaned.split())
    return folded if len(folded) <= limit else folded[: limit - 1].rstrip() + "…"


def read_window(start_time: str | None, end_time: str | None) -> tuple[datetime, datetime] | None:
    """The time range the job's events can be in (a margin on both sides)."""
    if not start_time:
        return None
    start = parse_iso_utc(start_time) - timedelta(minutes=5)
    end = (parse_iso_utc(end_time) if end_time else start + timedelta(days=1)) + timedelta(hours=1)
    return start, end


def insights_url(
    region: str,
    group: str,
    source: DataSourceRef,
    execution_id: str,
    window: tuple[datetime, datetime],
) -> str:
    """A CloudWatch Logs Insights console link with the job's failed documents query filled in.

    The console's fragment format (not an API contract): the query detail is an object in
    JSURL-like form (`~(key~value...)`, strings `'`-prefixed and URI-encoded with `*` for `%`),
    escaped, then URI-encoded with `$` for `%`.
    """
    query = "\n".join(
        [
            "fields @timestamp, @logStream, DocumentId, DocumentTitle, ErrorCode, ErrorMsg, ErrorMessage",
            f"| filter @logStream like '{source.data_source_id}/' and @logStream like '{execution_id}'",
            "| filter ConnectorDocumentStatus.Status = 'FAILED' or ispresent(ErrorCode)",
            "| sort @timestamp desc",
            "| limit 1000",
        ]
    )
    detail = _jsurl(
        {
            "end": window[1].strftime("%Y-%m-%dT%H:%M:%S.000Z"),
            "start": window[0].strftime("%Y-%m-%dT%H:%M:%S.000Z"),
            "timeType": "ABSOLUTE",
            "tz": "UTC",
            "editorString": query,
            "source": [group],
        }
    )
    fragment = quote("?queryDetail=" + _js_escape(detail), safe="-_.!~*'()").replace("%", "$")
    host = _console_host(region)
    return f"https://{host}/cloudwatch/home?region={region}#logsV2:logs-insights{fragment}"


def _jsurl(value: Any) -> str:
    """JSURL: every value starts with "~"; strings "~'...", objects "~(k~v~k~v)", lists "~(~v~v)"."""
    if isinstance(value, dict):
        return "~(" + "~".join(f"{k}{_jsurl(v)}" for k, v in value.items()) + ")"
    if isinstance(value, list):
        return "~(" + "".join(_jsurl(v) for v in value) + ")"
    if isinstance(value, bool):
        return "~true" if value else "~false"
    if isinstance(value, int | float):
        return f"~{value}"
    # Quotes, parentheses and tildes inside a value are encoded too, so no query text can
    # close the structure early; the console decodes "*xx" like "%xx".
    return "~'" + quote(str(value), safe="-_.").replace("%", "*")


def _js_escape(text: str) -> str:
    """JavaScript's escape(): leaves letters, digits and @*_+-./ alone."""
    keep = "@*_+-./"
    return "".join(
        c if (c.isascii() and c.isalnum()) or c in keep else f"%{ord(c):02X}" for c in text
    )


def _console_host(region: str) -> str:
    if region.startswith("cn-"):
        return f"{region}.console.amazonaws.cn"
    if region.startswith("us-gov-"):
        return "console.amazonaws-us-gov.com"
    return f"{region}.console.aws.amazon.com"


def failed_lines(summary: ReasonSummary) -> list[str]:
    """The summary as short plain lines (untrusted parts already cleaned, not yet escaped)."""
    if summary.logging == "not_enabled":
        return [
            f"Failure reasons: CloudWatch logging is not enabled for this "
            f"{'index' if summary.log_group.startswith('/aws/kendra/') else 'application'} "
            f"(no log group {summary.log_group})."
        ]
    if summary.logging == "unreadable":
        return [f"Failure reasons: the job's logs could not be read ({summary.error_code})."]
    if summary.logging == "no_errors_logged":
        return ["Failure reasons: no document errors were logged for this job."]
    more = " (read stopped at its limit; there are more)" if summary.truncated else ""
    lines = [f"Failure reasons: {summary.failed_documents} failed documents in the logs{more}:"]
    lines += [f"  {count} x {code}" for code, count in summary.top_codes]
    lines += [f"  e.g. {e.document_id}: {e.message or e.code}" for e in summary.examples]
    return lines


def summarize_events(events: Iterable[str], *, group: str) -> ReasonSummary:
    """Shorthand for tests and the CLI: a summary of complete, in-memory log events."""
    return summarize(LogRead(messages=list(events)), group=group, insights_url=None)
