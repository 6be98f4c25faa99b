"""Kendra and Q Business sync jobs as the simulator keeps them, and raw jobs of any service."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from devkit.simulator.models import ServiceName
from devkit.simulator.wire import epoch_seconds
from sync_auditor.model import OPEN_STATUSES, iso_utc

# Raw jobs use service-native names; these are where their identity, status and start live.
_RAW_NAMES: dict[ServiceName, dict[str, str]] = {
    "kendra": {"execution_id": "ExecutionId", "status": "Status", "start": "StartTime"},
    "qbusiness": {"execution_id": "executionId", "status": "status", "start": "startTime"},
    "bedrock-agent": {"execution_id": "ingestionJobId", "status": "status", "start": "startedAt"},
}


@dataclass(frozen=True, slots=True)
class Job:
    execution_id: str
    status: str | None
    start: float | None  # epoch seconds
    end: float | None = None
    error_code: str | None = None
    error_message: str | None = None
    data_source_error_code: str | None = None
    metrics: Mapping[str, str] | None = None
    raw: Mapping[str, Any] | None = None  # for fault tests: emitted verbatim

    @classmethod
    def from_contract(
        cls,
        *,
        execution_id: str,
        status: str,
        start: float | None,
        end: float | None,
        error_code: str | None,
        error_message: str | None,
        data_source_error_code: str | None,
        metrics: Mapping[str, str] | None,
        now: float,
    ) -> Job:
        """A job given in the contract's terms: Kendra and Q Business speak them already."""
        return cls(
            execution_id,
            status,
            start,
            end,
            error_code,
            error_message,
            data_source_error_code,
            metrics,
        )

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def wire_values(self) -> dict[str, Any]:
        """Values keyed by lower-cased contract name, for `wire.render`."""
        values: dict[str, Any] = {
            "executionid": self.execution_id,
            "status": self.status,
            "starttime": self.start,
            "endtime": self.end,
            "errorcode": self.error_code,
            "errormessage": self.error_message,
            "datasourceerrorcode": self.data_source_error_code,
        }
        values.update({name.lower(): value for name, value in (self.metrics or {}).items()})
        return values

    def contract(self) -> dict[str, Any]:
        """The job in the contract's vocabulary (document counts as the raw strings sent)."""
        if self.raw is not None:
            return {
                "executionId": self.execution_id,
                "status": self.status,
                "startTime": _iso(self.start),
                "raw": dict(self.raw),
            }
        values = {
            "executionId": self.execution_id,
            "status": self.status,
            "startTime": _iso(self.start),
            "endTime": _iso(self.end),
            "errorCode": self.error_code,
            "errorMessage": self.error_message,
            "dataSourceErrorCode": self.data_source_error_code,
            **(self.metrics or {}),
        }
        return {name: value for name, value in values.items() if value is not None}


def _iso(seconds: float | None) -> str | None:
    return None if seconds is None else iso_utc(datetime.fromtimestamp(seconds, UTC))


def raw_job(service: ServiceName, raw: Mapping[str, Any], execution_id: str | None) -> Job:
    """A job exactly as it goes on the wire; its id (from `raw`, or `execution_id` when `raw`
    deliberately lacks one) addresses it, and a readable start time is used for filtering."""
    names = _RAW_NAMES[service]
    address = raw.get(names["execution_id"]) or execution_id
    if not address:
        raise ValueError(
            f"a raw job needs {names['execution_id']!r} or execution_id= to be addressable"
        )
    status = raw.get(names["status"])
    return Job(
        execution_id=str(address),
        status=status if isinstance(status, str) else None,
        start=_lenient_seconds(raw.get(names["start"])),
        raw=dict(raw),
    )


def _lenient_seconds(value: Any) -> float | None:
    """A raw job's start time if it can be read as one, for filtering; else None."""
    if isinstance(value, datetime):
        return epoch_seconds(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            pass
        try:
            return epoch_seconds(datetime.fromisoformat(value))
        except ValueError:
            return None
    return None


def seconds_or_none(moment: datetime | None) -> float | None:
    return None if moment is None else epoch_seconds(moment)
