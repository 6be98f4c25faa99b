"""The report as one self-contained HTML page: inline CSS, inline SVG, no script, no external URL.

It opens offline from a file or an email attachment and prints (`@media print`). Names, error
codes and messages come from the data source, so they are untrusted: every one goes through
`text()` (terminal-safe, then html.escape with quote=True). The Content-Security-Policy is a
second line of defence: even markup that slipped through could neither run nor fetch anything.
"""

from __future__ import annotations

from html import escape
from typing import Any

from sync_auditor_cli.output import duration, safe_text
from sync_auditor_cli.report_stats import Fleet, SourceFigures, percent
from sync_auditor_cli.report_timeline import status_class, svg

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'none'; base-uri 'none'"
LEGEND = ("SUCCEEDED", "FAILED", "INCOMPLETE", "ABORTED", "SYNCING", "STOPPING")
# The summary's columns: header, the figure's name in the DOM (tests read cells by it), value.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("Syncs", "jobs"),
    ("Finished", "finished"),
    ("Failures", "failures"),
    ("Failure rate", "failure-rate"),
    ("Median", "median-duration"),
    ("Max", "max-duration"),
    ("Docs failed", "documents-failed"),
)
STYLE = """
:root { color-scheme: light; --ok: #2e7d32; --bad: #c62828; --part: #ef6c00; --muted: #666; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1b1b1b;
  margin: 0 auto; padding: 24px; max-width: 1200px; }
h1 { font-size: 1.6em; margin: 0 0 4px; } h2 { font-size: 1.2em; margin: 0 0 4px; }
.muted, .where { color: var(--muted); } .where { margin: 0 0 8px; overflow-wrap: anywhere; }
table { border-collapse: collapse; width: 100%; margin: 8px 0 16px; }
th, td { border-bottom: 1px solid #ddd; padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f4f4f4; font-weight: 600; } td.num, th.num { text-align: right; }
td.num { font-variant-numeric: tabular-nums; white-space: nowrap; }
.totals { display: flex; flex-wrap: wrap; gap: 8px 24px; margin: 12px 0; padding: 0; }
.totals div { list-style: none; } .totals dt { color: var(--muted); font-size: .85em; }
.totals dd { margin: 0; font-size: 1.3em; font-weight: 600; }
.source { border-top: 2px solid #ccc; padding: 12px 0; break-inside: avoid; }
.timeline { display: block; width: 100%; height: 22px; }
.axis { display: flex; justify-content: space-between; color: var(--muted); font-size: .8em; }
.track { fill: #f1f1f1; }
.s-SUCCEEDED { fill: var(--ok); background: var(--ok); }
.s-FAILED { fill: var(--bad); background: var(--bad); }
.s-INCOMPLETE { fill: var(--part); background: var(--part); }
.s-ABORTED { fill: #757575; background: #757575; }
.s-SYNCING, .s-SYNCING_INDEXING { fill: #1565c0; background: #1565c0; }
.s-STOPPING { fill: #8e24aa; background: #8e24aa; }
.s-UNKNOWN { fill: #212121; background: #212121; }
.legend { display: flex; flex-wrap: wrap; gap: 4px 16px; margin: 8px 0 16px; padding: 0; }
.legend li { list-style: none; } .swatch { display: inline-block; width: 12px; height: 12px;
  margin-right: 4px; vertical-align: -1px; }
.bad { color: var(--bad); font-weight: 600; }
.message { white-space: pre-wrap; overflow-wrap: anywhere; background: #fafafa;
  border-left: 3px solid var(--bad); padding: 6px 10px; margin: 4px 0; }
@media print {
  @page { margin: 12mm; }
  body { font-size: 10pt; padding: 0; max-width: none; }
  a { color: inherit; text-decoration: none; }
  th { background: none; }
  .source, tr { break-inside: avoid; }
  svg, .swatch { print-color-adjust: exact; -webkit-print-color-adjust: exact; }
}
"""


def text(value: Any) -> str:
    """Untrusted text as HTML: one safe line (control characters shown escaped), then escaped."""
    return escape(safe_text(value), quote=True)


def _figures(source: SourceFigures) -> dict[str, str]:
    return {
        "jobs": str(source.jobs),
        "finished": str(source.finished),
        "failures": str(source.failures),
        "failure-rate": percent(source.failure_rate),
        "median-duration": duration(source.median_seconds) or "-",
        "max-duration": duration(source.max_seconds) or "-",
        "documents-failed": str(source.documents_failed),
    }


def _errors(source: SourceFigures) -> str:
    return ", ".join(f"{text(code)} ({count})" for code, count in source.top_errors) or "-"


def _where(source: SourceFigures) -> str:
    parts = [text(source.service), *(f"{text(label)} {text(v)}" for label, v in source.parents)]
    return " · ".join([*parts, f"<code>{text(source.key)}</code>"])


def _cells(figures: dict[str, str]) -> str:
    return "".join(
        f'<td class="num" data-figure="{name}">{escape(figures[name])}</td>' for _, name in COLUMNS
    )


def _summary(fleet: Fleet) -> str:
    head = "".join(f'<th class="num">{header}</th>' for header, _ in COLUMNS)
    rows = "".join(
        f'<tr data-key="{text(s.key)}"><td class="num">{rank}</td>'
        f'<td><a href="#source-{rank}">{text(s.name)}</a></td><td>{text(s.service)}</td>'
        f"{_cells(_figures(s))}<td>{_errors(s)}</td></tr>"
        for rank, s in enumerate(fleet.sources, start=1)
    )
    return (
        '<table class="summary"><thead><tr><th class="num">#</th><th>Data source</th>'
        f"<th>Service</th>{head}<th>Top error codes</th></tr></thead><tbody>{rows}</tbody></table>"
    )


def _totals(fleet: Fleet) -> str:
    items = (
        ("Data sources", "sources", str(len(fleet.sources))),
        ("Syncs", "jobs", str(fleet.jobs)),
        ("Finished", "finished", str(fleet.finished)),
        ("Failures", "failures", str(fleet.failures)),
        ("Failure rate", "failure-rate", percent(fleet.failure_rate)),
        ("Docs failed", "documents-failed", str(fleet.documents_failed)),
    )
    return (
        '<dl class="totals">'
        + "".join(
            f'<div><dt>{label}</dt><dd data-fleet="{name}">{value}</dd></div>'
            for label, name, value in items
        )
        + "</dl>"
    )


def _source(rank: int, source: SourceFigures, start: str, end: str) -> str:
    statuses = ", ".join(f"{count} {text(status)}" for status, count in source.statuses)
    message = (
        f'<p>Last error message:</p><p class="message">{text(source.last_error_message)}</p>'
        if source.last_error_message
        else ""
    )
    rate_class = ' class="bad"' if source.failures else ""
    return (
        f'<section class="source" id="source-{rank}" data-key="{text(source.key)}">'
        f"<h2>{rank}. {text(source.name)}</h2>"
        f'<p class="where">{_where(source)}</p>{svg(source.syncs, start, end)}'
        f'<div class="axis"><span>{escape(start)}</span><span>{escape(end)}</span></div>'
        f"<p><span{rate_class}>{source.failures} of {source.finished} finished syncs failed "
        f"({percent(source.failure_rate)})</span>; {statuses}.</p>"
        f"<p>Top error codes: {_errors(source)}</p>{message}</section>"
    )


def _legend() -> str:
    return (
        '<ul class="legend">'
        + "".join(f'<li><span class="swatch {status_class(s)}"></span>{s}</li>' for s in LEGEND)
        + "</ul>"
    )


def render(fleet: Fleet, *, start: str, end: str, described: str, generated: str) -> str:
    """The whole page; `described` is the range as a phrase ("since 2026-11-15T12:00:00Z")."""
    title = f"sync-auditor report: syncs started {escape(described)}"
    if fleet.sources:
        body = (
            f"{_totals(fleet)}{_legend()}<h2>Data sources, worst first</h2>{_summary(fleet)}"
            + "".join(_source(n, s, start, end) for n, s in enumerate(fleet.sources, start=1))
        )
    else:
        body = f'<p class="empty">No sync started {escape(described)}.</p>'
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{title}</title><style>{STYLE}</style></head><body>"
        f'<header><h1>Sync report</h1><p class="muted">Syncs started {escape(described)}; '
        f"generated {escape(generated)}. Worst first: failure rate (failed or incomplete of "
        "finished syncs), then failures, then documents failed.</p></header>"
        f"<main>{body}</main></body></html>\n"
    )
