"""Requests and replies, timestamps and output structures in the form the models prescribe."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import Message
from email.utils import parsedate_to_datetime
from typing import Any

from botocore.model import Shape


@dataclass(frozen=True)
class Request:
    """An HTTP request, independent of the server that received it."""

    method: str
    path: str
    query: str
    headers: Message  # case-insensitive, as HTTP header names are
    body: bytes


@dataclass
class Reply:
    """An HTTP response, independent of the server that sends it."""

    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


def json_bytes(document: Any) -> bytes:
    return json.dumps(document, default=_json_default, separators=(",", ":")).encode()


def _json_default(value: Any) -> Any:
    # Raw fault-test jobs may carry datetimes; on the wire they are epoch seconds.
    if isinstance(value, datetime):
        return epoch_seconds(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def epoch_seconds(moment: datetime) -> float:
    """Epoch seconds, to the millisecond like the services; naive datetimes are UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return round(moment.timestamp(), 3)


# The protocols' default formats (Smithy): JSON bodies carry epoch seconds, query strings ISO
# 8601, headers RFC 822. A member's `timestampFormat` in the model overrides them.
BODY_FORMAT = "unixtimestamp"
QUERY_FORMAT = "iso8601"
HEADER_FORMAT = "rfc822"


def parse_timestamp(text: str, timestamp_format: str) -> float:
    """Epoch seconds from a timestamp as a URI/query member carries it; ValueError if bad."""
    timestamp_format = timestamp_format.lower()
    if timestamp_format == "unixtimestamp":
        return float(text)
    if timestamp_format == "rfc822":
        return epoch_seconds(parsedate_to_datetime(text))
    return epoch_seconds(datetime.fromisoformat(text))


def wire_timestamp(seconds: float, timestamp_format: str) -> Any:
    timestamp_format = timestamp_format.lower()
    if timestamp_format == "unixtimestamp":
        return seconds
    moment = datetime.fromtimestamp(seconds, UTC)
    if timestamp_format == "rfc822":
        return moment.strftime("%a, %d %b %Y %H:%M:%S GMT")
    return moment.isoformat().replace("+00:00", "Z")


def render(
    shape: Shape,
    values: Mapping[str, Any],
    body_timestamps: str = BODY_FORMAT,
    *,
    descend: bool = True,
) -> dict[str, Any]:
    """Fill an output structure from `values`, keyed by lower-cased member name.

    Members are matched by name at any depth (so `errorCode` lands in Q Business's nested
    `error`), and absent ones are omitted, as the services omit them. Timestamps (epoch
    seconds in `values`) take the model's format, `body_timestamps` unless a member says.
    `descend=False` leaves nested structures to the caller: in deep shapes (Bedrock's data
    source configuration) a common name such as `type` would land where it does not belong.
    """
    out: dict[str, Any] = {}
    for name, member in shape.members.items():
        if member.type_name == "structure":
            if not descend:
                continue
            nested = render(member, values, body_timestamps)
            if nested:
                out[name] = nested
            continue
        value = values.get(name.lower())
        if value is None:
            continue
        if member.type_name == "timestamp":
            value = wire_timestamp(value, timestamp_format(member, body_timestamps))
        out[name] = value
    return out


def timestamp_format(member: Shape, default: str) -> str:
    return str(member.serialization.get("timestampFormat") or default)
