"""The alert text: one SNS message with a body per protocol, made safe from untrusted job text.

Names and error text come from the data source and its connector, so they are untrusted: the
subject folds them to one ASCII line, Slack gets `&`, `<`, `>` escaped (which defuses `<!channel>`,
`<@U123>` and `<url|text>` links) inside code spans (no auto-links), email gets them indented so
they cannot forge a field line, and every field is capped so the message stays far under 256 KB.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from sync_auditor.failure_reasons import ReasonSummary, failed_lines
from sync_auditor.model import DOCUMENT_COUNTS, DataSourceRef
from sync_auditor.services import spec_of

ALERT_TYPE = "SYNC_JOB_STATUS"
SYNC_STUCK = "SYNC_STUCK"
SYNC_RECOVERED = "SYNC_RECOVERED"
DATA_SOURCE_SILENT = "DATA_SOURCE_SILENT"
# Self-healing: a new sync was started for a failed job (or one was already running) ...
SYNC_RETRY_STARTED = "SYNC_RETRY_STARTED"
# ... or the failure is left standing (retry quota reached, or the start was refused).
SYNC_RETRY_SKIPPED = "SYNC_RETRY_SKIPPED"
# What the subject and title say instead of the status, per alert type (fixed vocabulary).
_HEADLINES = {
    SYNC_STUCK: "STUCK",
    SYNC_RECOVERED: "RECOVERED",
    DATA_SOURCE_SILENT: "SILENT",
    SYNC_RETRY_STARTED: "RETRY STARTED",
    SYNC_RETRY_SKIPPED: "RETRY SKIPPED",
}
ALERT_TYPES = (ALERT_TYPE, *_HEADLINES)
NOTE_LIMIT = 300
# SNS: "less than 100 characters", ASCII, no line breaks or control characters.
SUBJECT_LIMIT = 99
NAME_LIMIT = 200
CODE_LIMIT = 200
ERROR_LIMIT = 4000
# Chat messages are for reading at a glance; the full text is in the email and the JSON.
CHAT_ERROR_LIMIT = 1500
ERROR_LINES = 40

# Control (Cc), format (Cf: zero-width, bidi overrides), line and paragraph separators.
_UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp"})
_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d+$")
_DOCUMENT_LABELS = {
    "documentsAdded": "added",
    "documentsModified": "modified",
    "documentsDeleted": "deleted",
    "documentsFailed": "failed",
    "documentsScanned": "scanned",
}


@dataclass(frozen=True)
class Alert:
    """What one alert says about a job's change of status, as recorded (text not yet made safe)."""

    source: DataSourceRef
    execution_id: str
    status: str
    previous_status: str | None
    region: str
    start_time: str | None = None
    end_time: str | None = None
    duration_seconds: int | None = None
    error_code: str | None = None
    error_message: str | None = None
    data_source_error_code: str | None = None
    documents: dict[str, int] = field(default_factory=dict)
    alert_type: str = ALERT_TYPE
    # Lines the auditor wrote about this alert (why it fired); they may quote job values.
    notes: tuple[str, ...] = ()
    # Read from the job's CloudWatch Logs for FAILED / INCOMPLETE alerts (None: not read).
    failure_reasons: ReasonSummary | None = None

    @classmethod
    def from_job(cls, job: Mapping[str, Any], *, previous_status: str | None, region: str) -> Alert:
        """Read a job record (a stream image, numbers as Decimal); the key is the source of ids."""
        source = _named_source(job)
        documents = {
            name: n for name in DOCUMENT_COUNTS if (n := _whole(job.get(name))) is not None
        }
        return cls(
            source=source,
            execution_id=str(job["executionId"]),
            status=str(job["status"]),
            previous_status=previous_status,
            region=region,
            start_time=_text(job.get("startTime")),
            end_time=_text(job.get("endTime")),
            duration_seconds=_whole(job.get("durationSeconds")),
            error_code=_text(job.get("errorCode")),
            error_message=_text(job.get("errorMessage")),
            data_source_error_code=_text(job.get("dataSourceErrorCode")),
            documents=documents,
        )

    @classmethod
    def from_silent_notice(cls, notice: Mapping[str, Any], *, region: str) -> Alert:
        """A DATA_SOURCE_SILENT alert from its notice item (the state table's stream image)."""
        source = _named_source(notice)
        hours = _whole(notice.get("expectSyncEveryHours"))
        note = (
            f"No sync job of this data source has started since {notice.get('silentSince')}; "
            f"one is expected at least every {hours} hours (expectSyncEveryHours)."
        )
        return cls(
            source=source,
            execution_id="none",
            status="SILENT",
            previous_status=None,
            region=region,
            alert_type=DATA_SOURCE_SILENT,
            notes=(note,),
        )

    @property
    def service_title(self) -> str:
        return spec_of(self.source.service).title

    @property
    def headline(self) -> str:
        """The status, or for the other alert types the word that names them."""
        return _HEADLINES.get(self.alert_type, self.status)

    @property
    def console_url(self) -> str | None:
        return console_url(self.source, self.region)


@dataclass(frozen=True)
class AlertMessage:
    """One SNS publish: `message` is the per-protocol JSON for MessageStructure=json."""

    subject: str
    message: str
    attributes: dict[str, str]


def build(alert: Alert) -> AlertMessage:
    """The whole SNS message for one alert."""
    text = email_text(alert)
    machine = json.dumps(machine_document(alert), ensure_ascii=False)
    bodies = {
        "default": text,
        "email": text,
        # Machines (SQS queues, Lambda functions) get every field as JSON.
        "sqs": machine,
        "lambda": machine,
        # AWS Chatbot subscribes over HTTPS and renders only its custom notification schema.
        "https": json.dumps(chatbot_payload(alert), ensure_ascii=False),
    }
    return AlertMessage(
        subject=subject(alert),
        message=json.dumps(bodies, ensure_ascii=False),
        attributes=message_attributes(alert),
    )


def subject(alert: Alert) -> str:
    """One ASCII line under 100 characters: status, service and data source (name, else id)."""
    prefix = f"{alert.service_title} sync {_ascii_line(alert.headline)}: "
    name = _ascii_line(alert.source.data_source_name or "")
    return _cap(prefix + (name or _ascii_line(alert.source.data_source_id)), SUBJECT_LIMIT, "...")


def message_attributes(alert: Alert) -> dict[str, str]:
    """String attributes subscribers can filter on (ids and fixed vocabulary only)."""
    return {
        "service": alert.source.service,
        "status": alert.status,
        "dataSourceKey": alert.source.key,
        "alertType": alert.alert_type,
    }


def email_text(alert: Alert) -> str:
    """Readable plain text; untrusted multi-line text is indented so it cannot pass for a field."""
    source = alert.source
    status = _line(alert.status, CODE_LIMIT)
    lines = [
        f"{alert.service_title} data source sync {_line(alert.headline, CODE_LIMIT)}",
        "",
        *(_line(note, NOTE_LIMIT) for note in alert.notes),
        *([""] if alert.notes else []),
        f"Data source:      {_labelled(source.data_source_name, source.data_source_id)}",
        # Innermost first: the index before its application.
        *(f"{label + ':':<17} {_labelled(name, id_)}" for label, name, id_ in _inward(source)),
    ]
    lines += [
        f"Execution id:     {_line(alert.execution_id, NAME_LIMIT)}",
        f"Status:           {status}{_previous(alert)}",
        f"Started:          {_or_unknown(alert.start_time)}",
        f"Ended:            {_or_unknown(alert.end_time)}",
        f"Duration:         {_duration(alert.duration_seconds)}",
        f"Error code:       {_or_none(alert.error_code, CODE_LIMIT)}",
        f"Data source error code: {_or_none(alert.data_source_error_code, CODE_LIMIT)}",
        f"Documents:        {_documents(alert.documents)}",
        "Error message:",
        _indented(alert.error_message) if alert.error_message else "    (none)",
        *_reason_lines(alert),
        "",
        f"Console:          {alert.console_url or 'unknown region'}",
        *_insights_line(alert),
        f"Data source key:  {source.key}",
    ]
    return "\n".join(lines)


def chatbot_payload(alert: Alert) -> dict[str, Any]:
    """An AWS Chatbot (Amazon Q Developer in chat applications) custom notification."""
    source = alert.source
    status = _slack_escape(_line(alert.status, CODE_LIMIT))
    headline = _slack_escape(_line(alert.headline, CODE_LIMIT))
    lines = [
        *(_slack_escape(_line(note, NOTE_LIMIT)) for note in alert.notes),
        f"*Data source:* {_chat_labelled(source.data_source_name, source.data_source_id)}",
        *(f"*{label}:* {_chat_labelled(name, id_)}" for label, name, id_ in _inward(source)),
    ]
    lines += [
        f"*Execution:* {_chat_code(alert.execution_id, NAME_LIMIT)}",
        f"*Status:* {status}{_slack_escape(_previous(alert))}",
        f"*Started:* {_slack_escape(_or_unknown(alert.start_time))}"
        f"   *Ended:* {_slack_escape(_or_unknown(alert.end_time))}"
        f"   *Duration:* {_duration(alert.duration_seconds)}",
    ]
    if alert.error_code:
        lines.append(f"*Error code:* {_chat_code(alert.error_code, CODE_LIMIT)}")
    if alert.data_source_error_code:
        lines.append(
            f"*Data source error code:* {_chat_code(alert.data_source_error_code, CODE_LIMIT)}"
        )
    if alert.error_message:
        lines.append(f"*Error:* {_chat_code(alert.error_message, CHAT_ERROR_LIMIT)}")
    lines.append(f"*Documents:* {_documents(alert.documents)}")
    lines += [_chat_code(line.strip(), NOTE_LIMIT) for line in _reason_lines(alert)]
    label = _line(source.data_source_name or source.data_source_id, NAME_LIMIT)
    content: dict[str, Any] = {
        "textType": "client-markdown",
        "title": f"{alert.service_title} sync {headline}: {_slack_escape(label)}",
        "description": "\n".join(lines),
        "keywords": [source.service, alert.status]
        + ([alert.alert_type] if alert.alert_type != ALERT_TYPE else []),
    }
    if alert.console_url:
        content["nextSteps"] = [f"Open the data source in the console: {alert.console_url}"]
    if alert.failure_reasons and alert.failure_reasons.insights_url:
        content.setdefault("nextSteps", []).append(
            f"Query the job's failed documents: {alert.failure_reasons.insights_url}"
        )
    return {"version": "1.0", "source": "custom", "content": content}


def machine_document(alert: Alert) -> dict[str, Any]:
    """Every field, with the table's attribute names, for programs (absent ones as null)."""
    source = alert.source
    return {
        "alertType": alert.alert_type,
        "service": source.service,
        "region": alert.region or None,
        "dataSourceKey": source.key,
        **_parent_fields(source),
        "dataSourceId": source.data_source_id,
        "dataSourceName": _capped(source.data_source_name, NAME_LIMIT),
        "executionId": _capped(alert.execution_id, NAME_LIMIT),
        "status": alert.status,
        "previousStatus": alert.previous_status,
        "startTime": alert.start_time,
        "endTime": alert.end_time,
        "durationSeconds": alert.duration_seconds,
        "errorCode": _capped(alert.error_code, CODE_LIMIT),
        "errorMessage": _capped(alert.error_message, ERROR_LIMIT),
        "dataSourceErrorCode": _capped(alert.data_source_error_code, CODE_LIMIT),
        **{name: alert.documents.get(name) for name in DOCUMENT_COUNTS},
        "consoleUrl": alert.console_url,
        **({"failureReasons": alert.failure_reasons.to_record()} if alert.failure_reasons else {}),
        # Only the other alert types carry notes; SYNC_JOB_STATUS keeps its documented shape.
        **({"notes": [_line(n, NOTE_LIMIT) for n in alert.notes]} if alert.notes else {}),
    }


def _reason_lines(alert: Alert) -> list[str]:
    if alert.failure_reasons is None:
        return []
    # Item lines stay indented, so no document id or message can pass for a field line.
    return [
        ("    " if line.startswith(" ") else "") + _line(line, NOTE_LIMIT)
        for line in failed_lines(alert.failure_reasons)
    ]


def _insights_line(alert: Alert) -> list[str]:
    if alert.failure_reasons is None or not alert.failure_reasons.insights_url:
        return []
    return [f"Logs Insights:    {alert.failure_reasons.insights_url}"]


def console_url(source: DataSourceRef, region: str) -> str | None:
    """The console page of the data source, or None when the region is unknown."""
    if not _REGION.match(region):
        return None
    return spec_of(source.service).console_url(source, _console_host(region), region)


def _named_source(item: Mapping[str, Any]) -> DataSourceRef:
    """The data source of a record or notice: ids from its key, names from its attributes."""
    source = DataSourceRef.from_key(str(item["dataSourceKey"]))
    names: dict[str, Any] = {"data_source_name": _text(item.get("dataSourceName"))}
    for parent in spec_of(source.service).parents:
        names[parent.name_field] = _text(item.get(parent.name_attribute))
    return replace(source, **names)


def _inward(source: DataSourceRef) -> list[tuple[str, str | None, str]]:
    return list(reversed(source.parents()))


def _parent_fields(source: DataSourceRef) -> dict[str, Any]:
    """The ids and names of what the data source belongs to, with the table's names."""
    spec = spec_of(source.service)
    fields: dict[str, Any] = dict(spec.document_extras or {})
    for parent in spec.parents:
        fields[parent.id_attribute] = getattr(source, parent.id_field)
        fields[parent.name_attribute] = _capped(getattr(source, parent.name_field), NAME_LIMIT)
    return fields


def _console_host(region: str) -> str:
    if region.startswith("cn-"):
        return f"{region}.console.amazonaws.cn"
    if region.startswith("us-gov-"):
        return "console.amazonaws-us-gov.com"
    return f"{region}.console.aws.amazon.com"


def _text(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)


def _whole(value: Any) -> int | None:
    """A stored number (Decimal from the stream) as an int; anything else counts as absent."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return None
    return int(value)


def _cap(text: str, limit: int, ellipsis: str = "…") -> str:
    return text if len(text) <= limit else text[: limit - len(ellipsis)].rstrip() + ellipsis


def _capped(text: str | None, limit: int) -> str | None:
    return None if text is None else _cap(text, limit)


def _line(text: str, limit: int) -> str:
    """One line: control and format characters become spaces, runs of space collapse."""
    cleaned = "".join(" " if unicodedata.category(c) in _UNSAFE_CATEGORIES else c for c in text)
    return _cap(" ".join(cleaned.split()), limit)


def _ascii_line(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return " ".join("".join(c if c.isprintable() else " " for c in folded).split())


def _indented(text: str) -> str:
    lines = _cap(text, ERROR_LIMIT).replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if len(lines) > ERROR_LINES:
        lines = [*lines[:ERROR_LINES], "…"]
    return "\n".join("    " + _line(line, ERROR_LIMIT) for line in lines)


def _previous(alert: Alert) -> str:
    """What the status changed from; a notice about a job that did not change says nothing."""
    if alert.previous_status:
        return f" (previous: {_line(alert.previous_status, CODE_LIMIT)})"
    return " (previous: none, first seen)" if alert.alert_type == ALERT_TYPE else ""


def _labelled(name: str | None, identifier: str) -> str:
    return f"{_line(name, NAME_LIMIT)} ({identifier})" if name else identifier


def _or_unknown(value: str | None) -> str:
    return _line(value, NAME_LIMIT) if value else "unknown"


def _or_none(value: str | None, limit: int) -> str:
    return _line(value, limit) if value else "none"


def duration_text(seconds: int) -> str:
    """A duration as people read it: "6h 05m 00s", "4m 09s"."""
    return _duration(seconds)


def _duration(seconds: int | None) -> str:
    if seconds is None:
        return "unknown"
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}h {minutes:02d}m {secs:02d}s" if hours else f"{minutes}m {secs:02d}s"


def _documents(counts: Mapping[str, int]) -> str:
    shown = [
        f"{_DOCUMENT_LABELS[name]} {counts[name]}" for name in DOCUMENT_COUNTS if name in counts
    ]
    return ", ".join(shown) or "unknown"


def _slack_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _chat_code(text: str, limit: int) -> str:
    """Untrusted text as a Slack code span: escaped, one line, no backticks to break out with."""
    inner = _slack_escape(_line(text, limit).replace("`", "'"))
    return f"`{inner}`"


def _chat_labelled(name: str | None, identifier: str) -> str:
    if not name:
        return _chat_code(identifier, NAME_LIMIT)
    return f"{_chat_code(name, NAME_LIMIT)} ({_chat_code(identifier, NAME_LIMIT)})"
