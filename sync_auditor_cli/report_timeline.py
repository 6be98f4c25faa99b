"""A data source's syncs as one inline SVG strip over the report's range, coloured by status.

No script and no external reference: each sync is a <rect> whose class gives its colour (the
page's CSS) and whose <title> is its tooltip, so it reads the same with JavaScript off and on
paper. Record text reaches the SVG only through html.escape.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from sync_auditor.model import ALL_STATUSES, UNKNOWN_STATUS, parse_iso_utc
from sync_auditor_cli.output import duration, safe_text
from sync_auditor_cli.report_stats import Sync

WIDTH = 1000  # viewBox units; the strip stretches to the page's width
HEIGHT = 18
MIN_WIDTH = 4  # a one-minute sync in a week-long range must still be visible


@dataclass(frozen=True)
class Bar:
    x: float
    width: float
    sync: Sync


def status_class(status: str) -> str:
    """A CSS class from a status the contract knows, never from arbitrary record text."""
    return f"s-{status if status in ALL_STATUSES else UNKNOWN_STATUS}"


def bars(syncs: Sequence[Sync], start: str, end: str) -> list[Bar]:
    """Where each sync sits in [0, WIDTH]: an open sync reaches the range's end."""
    t0, t1 = parse_iso_utc(start), parse_iso_utc(end)
    span = max((t1 - t0).total_seconds(), 1.0)
    placed = []
    for sync in syncs:
        if not sync.start:
            continue
        begin = (parse_iso_utc(sync.start) - t0).total_seconds()
        finish = (parse_iso_utc(sync.end) - t0).total_seconds() if sync.end else span
        x = min(max(begin / span * WIDTH, 0.0), WIDTH - MIN_WIDTH)
        width = max((min(finish, span) - max(begin, 0.0)) / span * WIDTH, MIN_WIDTH)
        placed.append(Bar(round(x, 1), round(min(width, WIDTH - x), 1), sync))
    return placed


def _tooltip(sync: Sync) -> str:
    parts = [sync.status, sync.start, "to", sync.end or "(open)"]
    if sync.duration_seconds is not None:
        parts.append(f"({duration(sync.duration_seconds)})")
    if sync.error_code:
        parts.append(sync.error_code)
    parts.append(sync.execution_id)
    return escape(safe_text(" ".join(parts)), quote=True)


def svg(syncs: Sequence[Sync], start: str, end: str) -> str:
    rects = "".join(
        f'<rect class="{status_class(b.sync.status)}" x="{b.x}" y="1" width="{b.width}" '
        f'height="{HEIGHT - 2}"><title>{_tooltip(b.sync)}</title></rect>'
        for b in bars(syncs, start, end)
    )
    return (
        f'<svg class="timeline" viewBox="0 0 {WIDTH} {HEIGHT}" preserveAspectRatio="none" '
        f'role="img" aria-label="syncs from {escape(start)} to {escape(end)}">'
        f'<rect class="track" x="0" y="0" width="{WIDTH}" height="{HEIGHT}"></rect>{rects}</svg>'
    )
