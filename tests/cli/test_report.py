"""`sync-auditor report` on a job table (moto): formats, files, ranges, errors, and its cost in
requests, which does not grow with the number of data sources."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.client import BaseClient
from moto import mock_aws

from sync_auditor.model import DataSourceRef
from sync_auditor_cli.report_stats import REPORT_STATUSES
from tests.cli.report_support import (
    HOSTILE,
    REPORT_HISTORY,
    REPORT_TABLE,
    TITLE,
    observed,
    read_dom,
)
from tests.cli.support import INDEX, SHAREPOINT, WEB, record_history, run


@pytest.fixture(scope="module", autouse=True)
def recorded() -> Iterator[None]:
    with mock_aws():
        record_history(REPORT_TABLE, REPORT_HISTORY)
        yield


def rows(markdown: str) -> list[list[str]]:
    return [[c.strip() for c in line.split(" | ")] for line in markdown.splitlines()
            if line.startswith("| ") and not line.startswith("| #")]  # fmt: skip


def test_markdown_to_stdout_worst_first(capsys: pytest.CaptureFixture[str]) -> None:
    result = run(capsys, "report", "--table", REPORT_TABLE, "--format", "markdown")

    assert result.code == 0
    assert result.out.startswith(
        "## Sync report: syncs started since 2026-11-15T12:00:00Z\n\nGenerated 2026-11-22T12:00:00Z."
    )
    names = [row[1] for row in rows(result.out)[1:]]
    assert names[1:] == ["Public website", "DSREPORT01", "SharePoint"]
    assert "4 data sources, 11 syncs, 10 finished, 3 failures (30.0%), 49 documents failed" in (
        result.out
    )


def test_html_to_a_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out = tmp_path / "report.html"

    result = run(capsys, "report", "--table", REPORT_TABLE, "--out", str(out))

    assert (result.code, result.out) == (0, "")
    assert result.err == f"sync-auditor: wrote {out}\n"
    dom = read_dom(out.read_text(encoding="utf-8"))
    assert dom.title == TITLE
    assert dom.fleet["sources"] == "4" and dom.figures[HOSTILE.key]["failure-rate"] == "66.7%"


def test_a_wider_range_and_one_service(capsys: pytest.CaptureFixture[str]) -> None:
    wide = read_dom(run(capsys, "report", "--table", REPORT_TABLE, "--since", "30d").out)
    # The early failure of the website (1,000 documents) is in a 30-day report.
    assert wide.figures[WEB.key]["failures"] == "2"
    assert wide.figures[WEB.key]["documents-failed"] == "1037"

    one = read_dom(run(capsys, "report", "--table", REPORT_TABLE, "--service", "qbusiness").out)
    assert list(one.figures) == [SHAREPOINT.key]

    fixed = read_dom(
        run(capsys, "report", "--table", REPORT_TABLE, "--from", "2026-11-20", "--to",
            "2026-11-20").out
    )  # fmt: skip
    assert fixed.figures[WEB.key]["jobs"] == "1" and fixed.figures[HOSTILE.key]["jobs"] == "1"


def test_nothing_in_the_range_is_an_empty_report_and_exit_0(
    capsys: pytest.CaptureFixture[str],
) -> None:
    result = run(capsys, "report", "--table", REPORT_TABLE, "--to", "2026-10-01")

    assert result.code == 0  # an empty result is a success (the AWS CLI's codes)
    assert "No sync started until 2026-10-01T23:59:59Z." in read_dom(result.out).text
    assert result.err == "sync-auditor: no jobs started until 2026-10-01T23:59:59Z\n"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("--since", "7d", "--from", "2026-11-01"), "--since cannot be combined with --from/--to"),
        (("--since", "7days"), "--since '7days' is not a duration; use a whole number"),
        (("--out", "/nonexistent/dir/r.html"), "--out '/nonexistent/dir/r.html': cannot write"),
    ],
)
def test_bad_input_is_named(
    capsys: pytest.CaptureFixture[str], argv: tuple[str, ...], message: str
) -> None:
    result = run(capsys, "report", "--table", REPORT_TABLE, *argv)

    assert result.code == 252
    assert result.err.startswith(f"sync-auditor: error: {message}")


def test_an_unknown_format_names_the_allowed_ones(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        run(capsys, "report", "--format", "pdf")

    assert exit_.value.code == 252
    assert (
        "--format: invalid choice: 'pdf' (choose from 'html', 'markdown')"
        in capsys.readouterr().err
    )


@pytest.fixture
def requests(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """The AWS operations the command calls (what it is billed for), counted at botocore."""
    made: Counter[str] = Counter()
    real = BaseClient._make_api_call

    def counting(client: Any, operation: str, params: dict[str, Any]) -> Any:
        made[operation] += 1
        return real(client, operation, params)

    monkeypatch.setattr(BaseClient, "_make_api_call", counting)
    return made


@pytest.mark.parametrize("sources", [3, 40])
def test_cost_is_one_query_per_status_whatever_the_number_of_sources(
    capsys: pytest.CaptureFixture[str], requests: Counter[str], sources: int
) -> None:
    # Given: `sources` data sources with two syncs each in the range.
    table = f"report-cost-{sources}"
    history = [
        observed(DataSourceRef("kendra", INDEX, f"ds-{n}"), f"e-{n}-{k}", status,
                 f"2026-11-2{k}T0{n % 10}:00:00Z", f"2026-11-2{k}T0{n % 10}:30:00Z")
        for n in range(sources)
        for k, status in ((0, "SUCCEEDED"), (1, "FAILED"))
    ]  # fmt: skip
    record_history(table, history)
    requests.clear()

    result = run(capsys, "report", "--table", table)

    assert result.code == 0
    assert read_dom(result.out).fleet["sources"] == str(sources)
    assert requests == Counter({"Query": len(REPORT_STATUSES)})  # 8: no Scan, no per-source read
