"""The report's figures, exactly: from records to per-data-source figures, worst first."""

from __future__ import annotations

from typing import Any

from sync_auditor_cli.report_stats import REPORT_STATUSES, fleet, percent, source_figures

KEY = "kendra#idx#ds"


def record(execution_id: str, status: str, start: str, **attributes: Any) -> dict[str, Any]:
    return {
        "dataSourceKey": attributes.pop("key", KEY),
        "executionId": execution_id,
        "service": "kendra",
        "indexId": "idx",
        "dataSourceId": "ds",
        "status": status,
        "startTime": start,
        **attributes,
    }


def test_one_source_figures() -> None:
    # Given: three finished jobs (one FAILED, one INCOMPLETE), one aborted, one still open.
    records = [
        record("e-2", "INCOMPLETE", "2026-11-02T00:00:00Z", durationSeconds=600,
               documentsFailed=7, dataSourceName="Wiki", indexName="docs"),
        record("e-1", "FAILED", "2026-11-01T00:00:00Z", durationSeconds=300,
               documentsFailed=5, errorCode="InternalError",
               dataSourceErrorCode="ROBOTS", errorMessage="first"),
        record("e-3", "SUCCEEDED", "2026-11-03T00:00:00Z", durationSeconds=1800,
               documentsFailed=0),
        record("e-4", "ABORTED", "2026-11-04T00:00:00Z", durationSeconds=60),
        record("e-5", "SYNCING", "2026-11-05T00:00:00Z"),
        record("e-6", "FAILED", "2026-11-06T00:00:00Z", durationSeconds=120,
               errorCode="InternalError", errorMessage="latest"),
    ]  # fmt: skip

    figures = source_figures(KEY, records)

    # Then: failures are FAILED + INCOMPLETE of the five finished (the open one is not counted).
    assert (figures.jobs, figures.finished, figures.failures) == (6, 5, 3)
    assert figures.failure_rate == 3 / 5
    assert percent(figures.failure_rate) == "60.0%"
    assert (figures.median_seconds, figures.max_seconds) == (300, 1800)
    assert figures.documents_failed == 12
    assert figures.top_errors == (("InternalError", 2), ("ROBOTS", 1))
    assert figures.last_error_message == "latest"
    assert figures.statuses == (
        ("FAILED", 2), ("ABORTED", 1), ("INCOMPLETE", 1), ("SUCCEEDED", 1), ("SYNCING", 1),
    )  # fmt: skip
    assert [s.execution_id for s in figures.syncs] == ["e-1", "e-2", "e-3", "e-4", "e-5", "e-6"]
    assert figures.syncs[0].error_code == "InternalError / ROBOTS"
    # Names where the records have them, the service's title, the parent by name.
    assert (figures.name, figures.service, figures.parents) == (
        "Wiki",
        "Amazon Kendra",
        (("Index", "docs"),),
    )


def test_ids_stand_in_for_missing_names_and_nothing_finished_has_no_rate() -> None:
    figures = source_figures(KEY, [record("e-1", "SYNCING", "2026-11-01T00:00:00Z")])

    assert (figures.name, figures.parents) == ("ds", (("Index", "idx"),))
    assert figures.failure_rate is None and percent(None) == "-"
    assert (figures.median_seconds, figures.max_seconds, figures.documents_failed) == (
        None,
        None,
        0,
    )
    assert figures.top_errors == () and figures.last_error_message is None


def test_median_of_an_even_count_is_the_mean_of_the_middle_two() -> None:
    records = [
        record(f"e-{n}", "SUCCEEDED", f"2026-11-0{n}T00:00:00Z", durationSeconds=d)
        for n, d in enumerate((100, 200, 400, 1000), start=1)
    ]

    assert source_figures(KEY, records).median_seconds == 300


def test_top_error_codes_are_the_three_most_frequent_ties_by_code() -> None:
    codes = ["B", "A", "C", "D", "D", "C"]
    records = [
        record(f"e-{n}", "FAILED", f"2026-11-0{n}T00:00:00Z", errorCode=code)
        for n, code in enumerate(codes, start=1)
    ]

    assert source_figures(KEY, records).top_errors == (("C", 2), ("D", 2), ("A", 1))


def test_fleet_worst_first_by_rate_then_failures_then_documents_failed() -> None:
    def source(key: str, failed: int, ok: int, documents: int = 0) -> list[dict[str, Any]]:
        jobs = [("FAILED", documents if n == 0 else 0) for n in range(failed)]
        jobs += [("SUCCEEDED", 0)] * ok
        return [
            record(f"{key}-{n}", status, f"2026-11-01T00:0{n}:00Z", key=key,
                   dataSourceId=key, documentsFailed=docs)
            for n, (status, docs) in enumerate(jobs)
        ]  # fmt: skip

    records = (
        source("k#i#half-of-two", 1, 1)
        + source("k#i#half-of-four", 2, 2)
        + source("k#i#half-of-four-docs", 2, 2, documents=9)
        + source("k#i#clean", 0, 3)
        + [record("open-1", "SYNCING", "2026-11-01T00:00:00Z", key="k#i#open", dataSourceId="o")]
        + source("k#i#all-failed", 1, 0)
    )

    result = fleet(records)

    assert [s.key for s in result.sources] == [
        "k#i#all-failed",  # 100%
        "k#i#half-of-four-docs",  # 50%, 2 failures, 9 documents
        "k#i#half-of-four",  # 50%, 2 failures
        "k#i#half-of-two",  # 50%, 1 failure
        "k#i#clean",  # 0%
        "k#i#open",  # nothing finished: no rate, last
    ]
    assert (result.jobs, result.finished, result.failures) == (15, 14, 6)
    assert percent(result.failure_rate) == "42.9%"
    assert result.documents_failed == 9


def test_the_report_reads_every_status_a_record_can_carry() -> None:
    assert REPORT_STATUSES == (
        "ABORTED", "FAILED", "INCOMPLETE", "STOPPING", "SUCCEEDED", "SYNCING",
        "SYNCING_INDEXING", "UNKNOWN",
    )  # fmt: skip
    assert fleet([]).sources == () and fleet([]).failure_rate is None
