"""`--name`: a data source by the name the poller keeps in its cursor item's summary (exact,
else a unique prefix, narrowed by --service and the id flags), on every command that is about
data sources; and the closest known data sources suggested for a key nobody recorded."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from devkit.tables import create_state_table
from sync_auditor.adapters.state_table import CursorStore
from sync_auditor.cursor import Cursor
from sync_auditor.model import DataSourceRef
from sync_auditor.source_summary import SourceSummary, merge
from sync_auditor.watch import SourceState
from tests.cli.support import (
    APP,
    FAILED_RUN,
    HISTORY,
    INDEX,
    NOW,
    QB_INDEX,
    REGION,
    SHAREPOINT,
    TABLE,
    WEB,
    WIKI,
    Observation,
    Result,
    job,
    record_history,
    run,
)

STATE = "names-state"
EMPTY_STATE = "names-empty-state"
UNNAMED_STATE = "names-unnamed-state"
INDEX_B = "6a4d3b21-9e5f-4c7b-8d2f-1b2c3d4e5f60"
QB_WIKI_DS = "d4e5f6a7-b8c9-4d0e-9f1a-3b4c5d6e7f80"

# The same name in two Kendra indexes and a Q Business index; a name that is the start of
# another; a data source whose name was never recorded.
STAGING = DataSourceRef(
    "kendra", INDEX, "staging-crawler", data_source_name="Public website (staging)"
)
WIKI_B = DataSourceRef("kendra", INDEX_B, "confluence", data_source_name="Confluence wiki")
QB_WIKI = DataSourceRef(
    "qbusiness", QB_INDEX, QB_WIKI_DS, application_id=APP, data_source_name="Confluence wiki"
)
UNNAMED = DataSourceRef("kendra", INDEX, "unnamed")
MORE_HISTORY: list[list[Observation]] = [
    [
        Observation(
            job(STAGING, "st-1", "FAILED", "2026-11-22T01:00:00Z", "2026-11-22T01:05:00Z"),
            "2026-11-22T01:06:00Z",
        )
    ],
    [
        Observation(
            job(WIKI_B, "cb-1", "FAILED", "2026-11-21T05:00:00Z", "2026-11-21T05:10:00Z"),
            "2026-11-21T05:11:00Z",
        )
    ],
]


@pytest.fixture(scope="module", autouse=True)
def fleet() -> Iterator[dict[str, dict[str, Any]]]:
    """moto in-process: the job table with the recorded history, and a state table whose cursor
    items are the poller's: a summary merged from each data source's records (names included),
    or only the names for one with no job yet (QB_WIKI) and none for UNNAMED. Module-wide: the
    commands only read them."""
    with mock_aws():
        records = record_history(TABLE, HISTORY + MORE_HISTORY)
        dynamodb = boto3.client("dynamodb", region_name=REGION)
        for table in (STATE, EMPTY_STATE, UNNAMED_STATE):
            create_state_table(dynamodb, table)
        cursors = CursorStore(STATE, client=lambda service: dynamodb)
        for source in (WEB, WIKI, SHAREPOINT, STAGING, WIKI_B):
            mine = [r for r in records.values() if r["dataSourceKey"] == source.key]
            cursors.save(source.key, _state(merge(None, mine, NOW)), "2026-11-22T11:00:00Z")
        cursors.save(
            QB_WIKI.key,
            _state(SourceSummary(names=(("dataSourceName", "Confluence wiki"),))),
            "2026-11-22T11:00:00Z",
        )
        cursors.save(UNNAMED.key, _state(None), "2026-11-22T11:00:00Z")
        unnamed = CursorStore(UNNAMED_STATE, client=lambda service: dynamodb)
        unnamed.save(UNNAMED.key, _state(None), "2026-11-22T11:00:00Z")
        yield records


@pytest.fixture(autouse=True)
def no_state_table_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SYNC_AUDITOR_STATE_TABLE", raising=False)
    monkeypatch.delenv("SYNC_AUDITOR_TABLE", raising=False)


def _state(summary: SourceSummary | None) -> SourceState:
    return SourceState("2026-10-01T00:00:00Z", Cursor(since="2026-11-22T00:00:00Z"), None, summary)


def cli(capsys: pytest.CaptureFixture[str], *argv: str, state: str = STATE) -> Result:
    # --table before the command: a global option, which status (no job table) accepts there
    return run(capsys, "--table", TABLE, *argv, "--state-table", state)


def executions(result: Result) -> list[str]:
    assert result.code == 0, result.err
    return [r["executionId"] for r in result.json()]


def one_line_error(result: Result, code: int) -> str:
    assert (result.code, result.out) == (code, ""), result.err
    assert result.err.startswith("sync-auditor: error: ") and result.err.count("\n") == 1
    return result.err


class TestResolving:
    def test_an_exact_name_wins_over_the_names_it_is_a_prefix_of(
        self, capsys: pytest.CaptureFixture[str]
    ) -> None:
        # "Public website" is also the start of "Public website (staging)"
        result = cli(capsys, "history", "--name", "Public website", "-o", "json")

        assert executions(result) == [FAILED_RUN, "w-2", "w-1"]
        assert {r["dataSourceKey"] for r in result.json()} == {WEB.key}

    def test_a_unique_prefix(self, capsys: pytest.CaptureFixture[str]) -> None:
        assert executions(cli(capsys, "history", "--name", "Share", "-o", "json")) == [
            "sp-2",
            "sp-1",
            "sp-0",
        ]
        assert executions(cli(capsys, "history", "--name", "Public website (", "-o", "json")) == [
            "st-1"
        ]

    def test_a_prefix_of_two_names_lists_them_and_how_to_tell_them_apart(
        self, capsys: pytest.CaptureFixture[str]
    ) -> None:
        err = one_line_error(cli(capsys, "history", "--name", "Public"), 254)

        assert "--name 'Public' matches 2 data sources" in err
        assert f"'Public website' (kendra, {WEB.key})" in err
        assert f"'Public website (staging)' (kendra, {STAGING.key})" in err
        # Both are in one index: only their data source ids differ
        assert "give the dataSourceKey instead, or narrow it with --data-source" in err

    def test_one_name_in_two_indexes_and_two_services_is_ambiguous(
        self, capsys: pytest.CaptureFixture[str]
    ) -> None:
        err = one_line_error(cli(capsys, "history", "--name", "Confluence wiki"), 254)

        assert "--name 'Confluence wiki' matches 3 data sources" in err
        for source in (WIKI, WIKI_B, QB_WIKI):
            assert f"'Confluence wiki' ({source.service}, {source.key})" in err
        assert "narrow it with --service or --kendra-index or --data-source" in err

    def test_the_index_flag_narrows_the_name(self, capsys: pytest.CaptureFixture[str]) -> None:
        result = cli(
            capsys, "history", "--name", "Confluence wiki", "--kendra-index", INDEX_B, "-o", "json"
        )

        assert executions(result) == ["cb-1"]

    def test_the_service_narrows_the_name_to_one_with_no_job_yet(
        self, capsys: pytest.CaptureFixture[str]
    ) -> None:
        # Its cursor says it is audited: no jobs is an empty answer, not an unknown data source
        result = cli(
            capsys, "history", "--name", "Confluence wiki", "--service", "qbusiness", "-o", "json"
        )

        assert (result.code, result.json()) == (0, [])
        assert f"no jobs of {QB_WIKI.key}" in result.err

    def test_a_name_outside_the_narrowing_says_where_it_is(
        self, capsys: pytest.CaptureFixture[str]
    ) -> None:
        result = cli(capsys, "history", "--name", "SharePoint", "--service", "kendra")

        err = one_line_error(result, 254)
        assert "no data source named 'SharePoint' with --service kendra" in err
        assert f"without --service kendra: 'SharePoint' (qbusiness, {SHAREPOINT.key})" in err

    def test_no_match_suggests_the_closest_names_with_their_keys(
        self, capsys: pytest.CaptureFixture[str]
    ) -> None:
        err = one_line_error(cli(capsys, "history", "--name", "Confluense wiki"), 254)

        assert "no data source named 'Confluense wiki'; did you mean" in err
        assert f"'Confluence wiki' (kendra, {WIKI.key})" in err

    def test_the_suggestion_ignores_case_but_the_match_does_not(
        self, capsys: pytest.CaptureFixture[str]
    ) -> None:
        err = one_line_error(cli(capsys, "history", "--name", "sharepoint"), 254)

        assert f"did you mean 'SharePoint' (qbusiness, {SHAREPOINT.key})?" in err

    def test_an_empty_state_table_says_so(self, capsys: pytest.CaptureFixture[str]) -> None:
        err = one_line_error(cli(capsys, "history", "--name", "Wiki", state=EMPTY_STATE), 254)

        assert f"no data source named 'Wiki': state table {EMPTY_STATE!r} has no data sources" in (
            err
        )

    def test_data_sources_without_names_say_so(self, capsys: pytest.CaptureFixture[str]) -> None:
        err = one_line_error(cli(capsys, "history", "--name", "Wiki", state=UNNAMED_STATE), 254)

        assert "none of the 1 data sources in state table" in err
        assert "has a name recorded yet" in err

    def test_costs_one_describe_and_one_scan_of_the_state_table(
        self, capsys: pytest.CaptureFixture[str], requests: Counter[tuple[str, str | None]]
    ) -> None:
        assert executions(cli(capsys, "history", "--name", "Share", "-o", "json"))
        assert requests == Counter(
            {("DescribeTable", STATE): 1, ("Scan", STATE): 1, ("Query", TABLE): 1}
        )


class TestEveryCommand:
    def test_show(self, capsys: pytest.CaptureFixture[str]) -> None:
        result = cli(capsys, "show", "--name", "Public website", FAILED_RUN, "-o", "json")

        assert result.code == 0
        assert (result.json()["dataSourceKey"], result.json()["executionId"]) == (
            WEB.key,
            FAILED_RUN,
        )

    def test_failures_filters_before_the_limit(self, capsys: pytest.CaptureFixture[str]) -> None:
        everyone = cli(capsys, "failures", "--since", "30d", "--limit", "1", "-o", "json")
        one = cli(
            capsys,
            "failures",
            *("--name", "Confluence wiki", "--kendra-index", INDEX),
            *("--since", "30d", "--limit", "1", "-o", "json"),
        )

        # Newer failures of other data sources do not use up the limit
        assert executions(everyone) == [FAILED_RUN]
        assert executions(one) == ["c-1"]

    def test_failures_of_a_name_with_none_says_whose(
        self, capsys: pytest.CaptureFixture[str]
    ) -> None:
        # Its one failure is older than the default day
        result = cli(
            capsys, "failures", "--name", "Confluence wiki", "--kendra-index", INDEX, "-o", "json"
        )

        assert (result.code, result.json()) == (0, [])
        assert f"no FAILED, INCOMPLETE jobs of {WIKI.key} started" in result.err

    def test_failures_service_narrows_the_name(self, capsys: pytest.CaptureFixture[str]) -> None:
        result = cli(
            capsys,
            "failures",
            *("--name", "Confluence wiki", "--service", "kendra", "--since", "30d"),
        )

        assert "matches 2 data sources" in one_line_error(result, 254)

    def test_report(self, capsys: pytest.CaptureFixture[str]) -> None:
        result = cli(capsys, "report", "--name", "Public website", "--format", "markdown")

        assert result.code == 0
        assert "Public website" in result.out
        assert "Confluence wiki" not in result.out and "SharePoint" not in result.out
        assert "Public website (staging)" not in result.out

    def test_status(self, capsys: pytest.CaptureFixture[str]) -> None:
        result = cli(capsys, "status", "--name", "SharePoint", "-o", "json")

        assert result.code == 0
        assert [(r["name"], r["dataSourceKey"]) for r in result.json()] == [
            ("SharePoint", SHAREPOINT.key)
        ]

    def test_status_by_service(self, capsys: pytest.CaptureFixture[str]) -> None:
        result = cli(capsys, "status", "--service", "qbusiness", "-o", "json")

        assert result.code == 0
        assert sorted(r["dataSourceKey"] for r in result.json()) == sorted(
            [SHAREPOINT.key, QB_WIKI.key]
        )


class TestRefused:
    @pytest.mark.parametrize(
        ("argv", "fragment"),
        [
            (["history", WEB.key, "--name", "Public website"], "give the dataSourceKey or --name"),
            (
                ["show", WEB.key, FAILED_RUN, "--name", "Public website"],
                "give the dataSourceKey or --name",
            ),
            (["history", WEB.key, "--service", "kendra"], "--service only narrows --name"),
            (["failures", "--kendra-index", INDEX], "--kendra-index only narrow --name"),
            (["status", "--data-source", "confluence"], "--data-source only narrow --name"),
        ],
    )
    def test_with_a_usage_error(
        self, capsys: pytest.CaptureFixture[str], argv: list[str], fragment: str
    ) -> None:
        assert fragment in one_line_error(cli(capsys, *argv), 252)

    def test_a_name_needs_the_state_table(self, capsys: pytest.CaptureFixture[str]) -> None:
        # No --state-table, no variable, and no stack to read its output from
        result = run(capsys, "history", "--name", "SharePoint", "--table", TABLE)

        err = one_line_error(result, 253)
        assert "pass --state-table or set SYNC_AUDITOR_STATE_TABLE" in err

    def test_an_empty_name(self, capsys: pytest.CaptureFixture[str]) -> None:
        with pytest.raises(SystemExit) as exited:
            cli(capsys, "history", "--name", " ")

        assert exited.value.code == 252
        assert "' ' is not a name" in capsys.readouterr().err


class TestUnknownKey:
    def test_history_suggests_the_closest_known_data_sources(
        self, capsys: pytest.CaptureFixture[str]
    ) -> None:
        typo = f"kendra#{INDEX}#confluense"

        err = one_line_error(cli(capsys, "history", typo), 254)

        assert f"unknown data source {typo!r}: table {TABLE!r} has no job for it" in err
        assert f"did you mean 'Confluence wiki' (kendra, {WIKI.key})?" in err
        # Not every key of the index, though they share most of their characters
        assert WEB.key not in err and WIKI_B.key not in err

    def test_the_right_ids_under_the_wrong_service(
        self, capsys: pytest.CaptureFixture[str]
    ) -> None:
        err = one_line_error(cli(capsys, "history", f"bedrock#{INDEX}#confluence"), 254)

        assert f"did you mean 'Confluence wiki' (kendra, {WIKI.key})?" in err

    def test_show_by_ids_suggests_too(self, capsys: pytest.CaptureFixture[str]) -> None:
        result = cli(capsys, "show", "x-1", "--kendra-index", INDEX_B, "--data-source", "confluenc")

        assert f"did you mean 'Confluence wiki' (kendra, {WIKI_B.key})" in one_line_error(
            result, 254
        )

    def test_without_a_state_table_the_error_is_as_before(
        self, capsys: pytest.CaptureFixture[str]
    ) -> None:
        # No --state-table, no variable, and no stack to read its output from
        typo = f"kendra#{INDEX}#confluense"

        result = run(capsys, "history", typo, "--table", TABLE)

        assert (result.code, result.out) == (254, "")
        assert result.err == (
            f"sync-auditor: error: unknown data source {typo!r}: table {TABLE!r} has no job for "
            "it (check the ids, or `sync-auditor audit` if it was never polled)\n"
        )

    def test_a_name_given_as_the_key_is_pointed_at_name(
        self, capsys: pytest.CaptureFixture[str]
    ) -> None:
        err = one_line_error(cli(capsys, "history", "SharePoint"), 252)

        assert "dataSourceKey 'SharePoint' is not" in err
        assert f"'SharePoint' is the name of {SHAREPOINT.key}: give it as --name" in err

    def test_a_malformed_key_without_a_state_table_is_as_before(
        self, capsys: pytest.CaptureFixture[str]
    ) -> None:
        result = run(capsys, "history", "SharePoint", "--table", TABLE)

        err = one_line_error(result, 252)
        assert "dataSourceKey 'SharePoint' is not" in err and "--name" not in err
