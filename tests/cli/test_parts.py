"""The CLI's small parts on their own: time ranges, terminal-safe text, progress."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest

from sync_auditor_cli.errors import CliError
from sync_auditor_cli.output import duration, safe_text
from sync_auditor_cli.progress import Progress
from sync_auditor_cli.timerange import TimeRange, time_range

NOW = datetime(2026, 11, 22, 12, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("since", "start", "end", "expected"),
    [
        ("30m", None, None, TimeRange("2026-11-22T11:30:00Z")),
        ("12h", None, None, TimeRange("2026-11-22T00:00:00Z")),
        ("7d", None, None, TimeRange("2026-11-15T12:00:00Z")),
        ("2w", None, None, TimeRange("2026-11-08T12:00:00Z")),
        (
            None,
            "2026-11-01",
            "2026-11-30",
            TimeRange("2026-11-01T00:00:00Z", "2026-11-30T23:59:59Z"),
        ),
        (None, "2026-11-21T22:00", None, TimeRange("2026-11-21T22:00:00Z")),
        (None, None, "2026-11-22T06:00:00Z", TimeRange(None, "2026-11-22T06:00:00Z")),
        # An offset is converted to UTC, the stored times' zone.
        (None, "2026-11-22T09:00:00+02:00", None, TimeRange("2026-11-22T07:00:00Z")),
        (None, None, None, TimeRange()),
    ],
)
def test_time_ranges(
    since: str | None, start: str | None, end: str | None, expected: TimeRange
) -> None:
    assert time_range(since=since, start=start, end=end, now=NOW) == expected


def test_the_default_window_applies_only_when_no_flag_is_given() -> None:
    assert time_range(since=None, start=None, end=None, now=NOW, default_since="24h") == TimeRange(
        "2026-11-21T12:00:00Z"
    )
    assert time_range(
        since=None, start="2026-11-01", end=None, now=NOW, default_since="24h"
    ) == TimeRange("2026-11-01T00:00:00Z")


@pytest.mark.parametrize("since", ["7", "d", "-1d", "1.5h", "7 d", "1y", "0m"])
def test_malformed_since(since: str) -> None:
    with pytest.raises(CliError, match=r"--since .* is not a duration; use a whole number"):
        time_range(since=since, start=None, end=None, now=NOW)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Crawl failed\nsee logs", "Crawl failed\\nsee logs"),
        ("\x1b[2J\x1b[31mred", "\\x1b[2J\\x1b[31mred"),
        ("right-to-left \u202eoverride", "right-to-left \\u202eoverride"),
        ("naïve ünïcode", "naïve ünïcode"),
        (None, "-"),
        (0, "0"),
        (True, "yes"),
    ],
)
def test_table_text_is_terminal_safe(value: object, expected: str) -> None:
    assert safe_text(value) == expected


def test_durations_read_as_hours_minutes_seconds() -> None:
    assert [duration(s) for s in (0, 59, 300, 3723, None)] == [
        "0:00:00", "0:00:59", "0:05:00", "1:02:03", None,
    ]  # fmt: skip


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_is_one_rewritten_line_on_a_terminal_and_silent_otherwise() -> None:
    terminal, pipe = Terminal(), io.StringIO()
    for stream in (terminal, pipe):
        progress = Progress(stream, "polling data sources")
        progress.set_total(2)
        progress.advance()
        progress.advance()
        progress.finish()

    assert terminal.getvalue() == (
        "\rpolling data sources: 0/2\rpolling data sources: 1/2\rpolling data sources: 2/2\n"
    )
    assert pipe.getvalue() == ""
