"""The report's HTML and Markdown: record text stays text, no external URL, print CSS, the same
figures in both."""

from __future__ import annotations

import re

from sync_auditor_cli import report_html, report_markdown
from sync_auditor_cli.report_stats import fleet
from tests.cli.report_support import (
    HOSTILE,
    HOSTILE_STRINGS,
    IMG,
    LINK,
    MARKDOWN,
    RANGE_END,
    RANGE_START,
    SCRIPT,
    SVG,
    TITLE,
    expected_figures,
    read_dom,
    report_records,
    unsafe_parts,
)
from tests.cli.support import WEB


def html_page(records: list[dict[str, object]] | None = None) -> str:
    return report_html.render(
        fleet(report_records() if records is None else records),
        start=RANGE_START,
        end=RANGE_END,
        described=f"since {RANGE_START}",
        generated=RANGE_END,
    )


def markdown() -> str:
    return report_markdown.render(
        fleet(report_records()), described=f"since {RANGE_START}", generated=RANGE_END
    )


def test_hostile_text_is_shown_as_text_never_as_markup() -> None:
    dom = read_dom(html_page())

    assert unsafe_parts(dom) == []
    assert dom.title == TITLE
    # Each hostile string is in the page's text, as typed (names, codes, messages, tooltips).
    for hostile in HOSTILE_STRINGS:
        assert hostile in dom.text
    # One timeline per data source: no <svg> came from the records.
    assert sum(tag == "svg" for tag, _ in dom.elements) == len(expected_figures(report_records()))


def test_every_attribute_holding_record_text_is_quoted_and_escaped() -> None:
    page = html_page()
    dom = read_dom(page)

    keys = [v for tag, name, v in dom.attribute_values() if name == "data-key" and tag == "tr"]
    assert sorted(keys) == sorted(expected_figures(report_records()))
    assert "<script" not in page and "<img" not in page and "<svg onload" not in page
    assert "&lt;script&gt;document.title=&#x27;pwned&#x27;&lt;/script&gt;" in page


def test_no_external_url_of_any_kind() -> None:
    # Given the records without hostile text (which may itself mention URLs, as text):
    clean = [r for r in report_records() if r["dataSourceKey"] == WEB.key]
    page = html_page(clean)
    dom = read_dom(page)

    assert "://" not in page and "url(" not in page and "@import" not in page
    assert not [a for a in dom.attribute_values() if a[1] in ("src", "srcset", "action")]
    assert not [tag for tag, _ in dom.elements if tag in ("base", "link", "script", "img")]
    # And with it: no attribute value reaches outside the page.
    assert unsafe_parts(read_dom(html_page())) == []


def test_a_content_security_policy_and_a_print_stylesheet() -> None:
    dom = read_dom(html_page())

    policies = [a.get("content") for tag, a in dom.elements if a.get("http-equiv")]
    assert policies == [
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'none'; base-uri 'none'"
    ]
    assert "@media print" in report_html.STYLE
    assert "break-inside: avoid" in report_html.STYLE.split("@media print", 1)[1]


def test_the_html_figures_are_the_records() -> None:
    dom = read_dom(html_page())

    for key, figures in expected_figures(report_records()).items():
        assert {name: dom.figures[key][name] for name in figures} == figures
    assert dom.figures[WEB.key]["median-duration"] == "0:30:00"
    assert dom.figures[WEB.key]["max-duration"] == "0:40:00"
    assert dom.fleet == {
        "sources": "4",
        "jobs": "11",
        "finished": "10",
        "failures": "3",
        "failure-rate": "30.0%",
        "documents-failed": "49",
    }


def _cells(line: str) -> list[str]:
    """A Markdown table row's cells, split on the pipes that are not escaped."""
    return [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]


def test_markdown_tables_carry_the_same_figures_worst_first() -> None:
    rows = [_cells(line) for line in markdown().splitlines() if line.startswith("| ")]

    assert rows[0][:7] == ["#", "Data source", "Service", "Syncs", "Finished", "Failures",
                           "Failure rate"]  # fmt: skip
    assert [r[:2] for r in rows[2:]] == [
        ["1", "Wiki &lt;script&gt;document.title='pwned'&lt;/script&gt;"],
        ["2", "Public website"],
        ["3", "DSREPORT01"],  # ties on 0%: by name
        ["4", "SharePoint"],
    ]
    assert rows[3] == [
        "2", "Public website", "Amazon Kendra", "4", "4", "1", "25.0%", "0:30:00", "0:40:00",
        "37", "InternalError (1), WEB\\_CRAWLER\\_ROBOTS\\_DENIED (1)",
    ]  # fmt: skip
    assert rows[2][3:10] == ["4", "3", "2", "66.7%", "0:20:00", "0:30:00", "12"]


def test_markdown_escapes_pipes_backticks_and_html() -> None:
    text = markdown()
    hostile_lines = [line for line in text.splitlines() if "pwned" in line or "rm -rf" in line]

    assert hostile_lines
    for line in hostile_lines:
        assert "<" not in line and ">" not in line  # HTML only as entities
        assert not re.search(r"(?<!\\)`", line)  # no code span can open
        assert not re.search(r"(?<!\\)\[", line)  # no link can open
    # The message's pipes stay inside its text: the summary row still has 11 cells.
    summary = next(line for line in text.splitlines() if line.startswith("| 1 |"))
    assert len(_cells(summary)) == 11
    assert "- last error message: &lt;img src=http://exfil.invalid/pixel.png" in text
    assert "\\| \\`rm -rf\\` \\| \\*bold\\* \\[x\\](javascript:alert(1))" in text
    assert HOSTILE.key in text.replace("\\", "") and SVG not in text and IMG not in text
    assert LINK not in text and SCRIPT not in text and MARKDOWN not in text
