"""Records for the report tests, hostile text included, and a reader of the page's DOM.

The history is written the way the poller writes it (support.record_history). Names, error
codes and messages carry markup and script that would run, fetch or change the page if the
report let them through as markup.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from sync_auditor.model import TERMINAL_STATUSES, DataSourceRef
from sync_auditor.records import new_record
from tests.cli.support import INDEX, SHAREPOINT, WEB, Observation, job

REPORT_TABLE = "sync-auditor-report-jobs"
RANGE_START = "2026-11-15T12:00:00Z"  # --since 7d at NOW
RANGE_END = "2026-11-22T12:00:00Z"
TITLE = f"sync-auditor report: syncs started since {RANGE_START}"
# A host that would receive the request if an injected element fetched something.
EXFIL = "exfil.invalid"
SCRIPT = "<script>document.title='pwned'</script>"
IMG = f"<img src=http://{EXFIL}/pixel.png onerror=\"document.title='pwned'\">"
SVG = '"><svg onload="document.title=\'pwned\'">'
LINK = "<a href=\"javascript:document.title='pwned'\">javascript:alert(1)</a>"
MARKDOWN = "| `rm -rf` | *bold* [x](javascript:alert(1))"
HOSTILE_STRINGS = (SCRIPT, IMG, SVG, LINK)
# Every element the page is made of: anything else came from record text.
PAGE_ELEMENTS = frozenset({
    "html", "head", "meta", "title", "style", "body", "header", "main", "h1", "h2", "p", "dl",
    "div", "dt", "dd", "ul", "li", "span", "table", "thead", "tbody", "tr", "th", "td", "a",
    "section", "code", "svg", "rect",
})  # fmt: skip

HOSTILE = DataSourceRef(
    "kendra", INDEX, "hostile-ds", data_source_name=f"Wiki {SCRIPT}", index_name=SVG
)
KB = DataSourceRef.from_ids(
    "bedrock",
    {"knowledge_base_id": "KBREPORT01", "knowledge_base_name": f"kb {IMG}"},
    "DSREPORT01",
)


def observed(
    source: DataSourceRef, execution_id: str, status: str, start: str, end: str | None,
    **fields: Any,
) -> list[Observation]:  # fmt: skip
    """A job seen once, ended (or started) at the time of the poll that saw it."""
    return [Observation(job(source, execution_id, status, start, end, **fields), end or start)]


# NOW is 2026-11-22T12:00Z, so --since 7d starts at 2026-11-15T12:00Z.
REPORT_HISTORY: list[list[Observation]] = [
    # Before the range: never in a 7-day report.
    observed(WEB, "w-old", "FAILED", "2026-11-01T02:00:00Z", "2026-11-01T02:10:00Z",
          error_code="Old", documentsFailed=1000),
    # The hostile source: 2 failures of 3 finished syncs, one still open.
    observed(HOSTILE, "h-1", "FAILED", "2026-11-20T01:00:00Z", "2026-11-20T01:30:00Z",
          error_code=SVG, error_message=f"{IMG} {LINK} {MARKDOWN}", documentsFailed=5),
    observed(HOSTILE, "h-2", "INCOMPLETE", "2026-11-21T01:00:00Z", "2026-11-21T01:10:00Z",
          documentsFailed=7),
    observed(HOSTILE, "h-3", "SUCCEEDED", "2026-11-22T01:00:00Z", "2026-11-22T01:20:00Z"),
    observed(HOSTILE, "h-4", "SYNCING", "2026-11-22T11:00:00Z", None),
    # The public website: 1 failure of 4.
    observed(WEB, "w-a", "SUCCEEDED", "2026-11-19T02:00:00Z", "2026-11-19T02:40:00Z"),
    observed(WEB, "w-b", "FAILED", "2026-11-20T02:00:00Z", "2026-11-20T02:05:00Z",
          error_code="InternalError", data_source_error_code="WEB_CRAWLER_ROBOTS_DENIED",
          error_message=SCRIPT, documentsFailed=37),
    observed(WEB, "w-c", "SUCCEEDED", "2026-11-21T02:00:00Z", "2026-11-21T02:30:00Z"),
    observed(WEB, "w-d", "SUCCEEDED", "2026-11-22T02:00:00Z", "2026-11-22T02:30:00Z"),
    # SharePoint: nothing failed. The knowledge base: one aborted, nothing failed.
    observed(SHAREPOINT, "sp-a", "SUCCEEDED", "2026-11-20T23:00:00Z", "2026-11-20T23:20:00Z"),
    observed(SHAREPOINT, "sp-b", "SUCCEEDED", "2026-11-21T23:00:00Z", "2026-11-21T23:25:00Z"),
    observed(KB, "kb-1", "ABORTED", "2026-11-18T05:00:00Z", "2026-11-18T05:01:00Z"),
]  # fmt: skip


def report_records() -> list[dict[str, Any]]:
    """The records of REPORT_HISTORY in the 7-day range, as the poller makes them, without a
    table (for the renderers)."""
    records = [new_record(seen[-1].job, now=seen[-1].at, history=False) for seen in REPORT_HISTORY]
    return [r for r in records if r["startTime"] >= RANGE_START]


def expected_figures(records: list[dict[str, Any]]) -> dict[str, dict[str, str]]:
    """The report's figures per data source key, computed here from the records themselves."""
    figures: dict[str, dict[str, str]] = {}
    for key in {r["dataSourceKey"] for r in records}:
        mine = [r for r in records if r["dataSourceKey"] == key]
        finished = [r for r in mine if r["status"] in TERMINAL_STATUSES]
        failed = [r for r in finished if r["status"] in ("FAILED", "INCOMPLETE")]
        figures[key] = {
            "jobs": str(len(mine)),
            "finished": str(len(finished)),
            "failures": str(len(failed)),
            "failure-rate": f"{100 * len(failed) / len(finished):.1f}%",
            "documents-failed": str(sum(r.get("documentsFailed", 0) for r in mine)),
        }
    return figures


@dataclass
class Dom(HTMLParser):
    """What the tests ask of a page: its elements and attributes, its text, the figures."""

    elements: list[tuple[str, dict[str, str | None]]] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    title: str = ""
    figures: dict[str, dict[str, str]] = field(default_factory=dict)  # key -> name -> text
    fleet: dict[str, str] = field(default_factory=dict)
    _stack: list[tuple[str, dict[str, str | None]]] = field(default_factory=list)
    _row: str | None = None

    def __post_init__(self) -> None:
        super().__init__(convert_charrefs=True)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self.elements.append((tag, attributes))
        if tag == "tr" and attributes.get("data-key"):
            self._row = attributes["data-key"]
        self._stack.append((tag, attributes))

    def handle_endtag(self, tag: str) -> None:
        while self._stack:
            if self._stack.pop()[0] == tag:
                break

    def handle_data(self, data: str) -> None:
        self.texts.append(data)
        open_tags = [t for t, _ in self._stack]
        if open_tags and open_tags[-1] == "title" and "svg" not in open_tags:
            self.title += data
        for _tag, attributes in reversed(self._stack):
            if (name := attributes.get("data-figure")) and self._row:
                row = self.figures.setdefault(self._row, {})
                row[name] = row.get(name, "") + data
            if name := attributes.get("data-fleet"):
                self.fleet[name] = self.fleet.get(name, "") + data

    @property
    def text(self) -> str:
        return "".join(self.texts)

    def attribute_values(self) -> list[tuple[str, str, str]]:
        return [(tag, n, v or "") for tag, attrs in self.elements for n, v in attrs.items()]


def read_dom(page: str) -> Dom:
    dom = Dom()
    dom.feed(page)
    dom.close()
    return dom


def unsafe_parts(dom: Dom) -> list[str]:
    """Whatever in the DOM could run, fetch or navigate: an element the page does not make, an
    event handler, a non-fragment link, a source attribute, a URL in any attribute."""
    found = [f"<{tag}>" for tag, _ in dom.elements if tag not in PAGE_ELEMENTS]
    for tag, name, value in dom.attribute_values():
        if (
            name.startswith("on")
            or name in ("src", "srcset", "action", "formaction", "xlink:href", "background")
            or (name == "href" and not value.startswith("#"))
            or "://" in value
            or "javascript:" in value.lower()
        ):
            found.append(f"<{tag} {name}={value!r}>")
    return found
