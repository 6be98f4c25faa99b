"""Which exceptions belong to one data source (isolated, counted) and which are bugs (raised)."""

from __future__ import annotations

from botocore.exceptions import BotoCoreError, ClientError

from sync_auditor.poll import WriteConflict


def error_code_of(error: Exception) -> str | None:
    """A short code for an AWS error (read from the error, never matched on message text)."""
    if isinstance(error, ClientError):
        return str(error.response.get("Error", {}).get("Code") or "ClientError")
    if isinstance(error, BotoCoreError):  # connection failures, timeouts, bad responses
        return type(error).__name__
    if isinstance(error, WriteConflict):
        return "WriteConflict"
    return None
