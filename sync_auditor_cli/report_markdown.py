"""The report as Markdown for a ticket: the HTML page's figures, as tables.

Record text is untrusted and a ticket renders Markdown (often with inline HTML): `cell()` makes
it one line, escapes Markdown's active characters with a backslash (a `|` would split a cell, a
backtick open code, `[`/`]` make a link) and HTML's with entities, so it shows as typed.
"""

from __future__ import annotations

import re
from typing import Any

from sync_auditor_cli.output import duration, safe_text
from sync_auditor_cli.report_stats import Fleet, SourceFigures, percent

# Inline syntax only: the text never starts a line (it follows "### 1. " or "| "), so the
# block markers (#, -, +, digits) are inert where it lands.
_ACTIVE = re.compile(r"([\\`*_\[\]|~])")
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}


def cell(value: Any) -> str:
    """Untrusted text as inert Markdown: one line, Markdown escaped, HTML as entities."""
    escaped = _ACTIVE.sub(r"\\\1", safe_text(value))
    return "".join(_ENTITIES.get(ch, ch) for ch in escaped)


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _errors(source: SourceFigures) -> str:
    return ", ".join(f"{cell(code)} ({count})" for code, count in source.top_errors) or "-"


def _summary(fleet: Fleet) -> list[str]:
    header = [
        "#", "Data source", "Service", "Syncs", "Finished", "Failures", "Failure rate",
        "Median", "Max", "Docs failed", "Top error codes",
    ]  # fmt: skip
    lines = [_row(header), _row(["---"] * 2 + ["---"] + ["---:"] * 7 + ["---"])]
    for rank, s in enumerate(fleet.sources, start=1):
        lines.append(
            _row(
                [
                    str(rank),
                    cell(s.name),
                    cell(s.service),
                    str(s.jobs),
                    str(s.finished),
                    str(s.failures),
                    percent(s.failure_rate),
                    duration(s.median_seconds) or "-",
                    duration(s.max_seconds) or "-",
                    str(s.documents_failed),
                    _errors(s),
                ]
            )
        )
    return lines


def _source(rank: int, source: SourceFigures) -> list[str]:
    where = [cell(source.service), *(f"{cell(label)} {cell(v)}" for label, v in source.parents)]
    statuses = ", ".join(f"{count} {cell(status)}" for status, count in source.statuses)
    lines = [
        f"### {rank}. {cell(source.name)}",
        "",
        f"{' · '.join(where)} · key {cell(source.key)}",
        "",
        f"- {source.failures} of {source.finished} finished syncs failed "
        f"({percent(source.failure_rate)}); {statuses}",
        f"- top error codes: {_errors(source)}",
    ]
    if source.last_error_message:
        lines.append(f"- last error message: {cell(source.last_error_message)}")
    return [*lines, ""]


def render(fleet: Fleet, *, described: str, generated: str) -> str:
    lines = [
        f"## Sync report: syncs started {described}",
        "",
        f"Generated {generated}. Worst first: failure rate (failed or incomplete of "
        "finished syncs), then failures, then documents failed.",
        "",
    ]
    if not fleet.sources:
        return "\n".join([*lines, f"No sync started {described}.", ""])
    lines += [
        f"**{len(fleet.sources)} data sources, {fleet.jobs} syncs, {fleet.finished} finished, "
        f"{fleet.failures} failures ({percent(fleet.failure_rate)}), "
        f"{fleet.documents_failed} documents failed.**",
        "",
        *_summary(fleet),
        "",
    ]
    for rank, source in enumerate(fleet.sources, start=1):
        lines += _source(rank, source)
    return "\n".join(lines)
