"""Which metrics a terminal change emits, read back from the EMF printed to stdout."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest

from sync_auditor import job_metrics
from sync_auditor.observability import metrics
from tests.unit.notifier_builders import KENDRA_KEY, emitted_metrics, kendra_job, qbusiness_job

SERVICE_ONLY = (("Service",),)


@pytest.fixture(autouse=True)
def clean_metrics() -> Iterator[None]:
    # Powertools' Metrics buffer is shared between instances: start and end empty.
    metrics.clear_metrics()
    metrics.clear_default_dimensions()
    yield
    metrics.clear_metrics()


def stored(job: dict) -> dict:
    """The job as the stream delivers it: numbers are Decimal."""
    return {k: Decimal(v) if isinstance(v, int) else v for k, v in job.items()}


def test_a_failed_job_emits_its_count_documents_and_duration(capsys) -> None:
    # Given a failed Kendra job as the stream delivers it
    job = stored(kendra_job(status="FAILED"))
    # When its metrics are emitted
    job_metrics.emit(job_metrics.for_terminal_change(job, per_data_source=False))
    # Then the EMF carries each metric once, with its unit, under dimension Service only
    found = {m.name: m for m in emitted_metrics(capsys.readouterr().out)}
    assert {name: (m.unit, m.value) for name, m in found.items()} == {
        "SyncJobsFailed": ("Count", 1.0),
        "DocumentsAdded": ("Count", 10.0),
        "DocumentsModified": ("Count", 2.0),
        "DocumentsDeleted": ("Count", 1.0),
        "DocumentsFailed": ("Count", 7.0),
        "DocumentsScanned": ("Count", 120.0),
        "SyncDurationSeconds": ("Seconds", 3723.0),
    }
    for metric in found.values():
        assert metric.namespace == "SyncAuditor"
        assert metric.dimensions == SERVICE_ONLY
        assert metric.dimension_values == {"Service": "kendra"}


@pytest.mark.parametrize(
    ("status", "name"),
    [
        ("SUCCEEDED", "SyncJobsSucceeded"),
        ("FAILED", "SyncJobsFailed"),
        ("INCOMPLETE", "SyncJobsIncomplete"),
        ("ABORTED", "SyncJobsAborted"),
    ],
)
def test_each_terminal_status_has_its_count_metric(status: str, name: str, capsys) -> None:
    job_metrics.emit(
        job_metrics.for_terminal_change(kendra_job(status=status), per_data_source=False)
    )
    counts = [m for m in emitted_metrics(capsys.readouterr().out) if m.name.startswith("SyncJobs")]
    assert [(m.name, m.unit, m.value) for m in counts] == [(name, "Count", 1.0)]


def test_absent_counts_and_duration_emit_nothing(capsys) -> None:
    # Given a job record with only keys, service and status
    job = {
        "dataSourceKey": KENDRA_KEY,
        "executionId": "e",
        "service": "kendra",
        "status": "ABORTED",
    }
    # When its metrics are emitted
    job_metrics.emit(job_metrics.for_terminal_change(job, per_data_source=False))
    # Then only the job count goes out
    assert [m.name for m in emitted_metrics(capsys.readouterr().out)] == ["SyncJobsAborted"]


def test_per_data_source_switch_adds_the_failure_count_under_the_key(capsys) -> None:
    # Given per-data-source metrics switched on
    job = stored(qbusiness_job(status="FAILED"))
    # When a Q Business job's failure is emitted
    job_metrics.emit(job_metrics.for_terminal_change(job, per_data_source=True))
    # Then its count is also under {Service, DataSourceKey} (ids only), and nothing else is
    found = emitted_metrics(capsys.readouterr().out)
    per_source = [m for m in found if "DataSourceKey" in m.dimension_values]
    assert [m.name for m in per_source] == ["SyncJobsFailed"]
    assert per_source[0].dimension_values == {
        "Service": "qbusiness",
        "DataSourceKey": job["dataSourceKey"],
    }
    assert {m.name for m in found} - {"SyncJobsFailed"}  # the {Service} set is whole
    assert "HR wiki" not in per_source[0].dimension_values.values()


@pytest.mark.parametrize("status", ["SUCCEEDED", "ABORTED"])
def test_a_data_source_that_does_not_fail_costs_no_per_data_source_metric(
    capsys, status: str
) -> None:
    job = stored(qbusiness_job(status=status))

    job_metrics.emit(job_metrics.for_terminal_change(job, per_data_source=True))

    found = emitted_metrics(capsys.readouterr().out)
    assert found and all("DataSourceKey" not in m.dimension_values for m in found)


def test_two_services_in_one_batch_keep_separate_dimensions(capsys) -> None:
    # Given one Kendra and one Q Business change emitted one after the other
    job_metrics.emit(
        [
            *job_metrics.for_terminal_change(kendra_job(status="FAILED"), per_data_source=False),
            *job_metrics.for_terminal_change(qbusiness_job(status="FAILED"), per_data_source=False),
        ]
    )
    # Then each service's count is counted once, under its own Service value
    failed = [m for m in emitted_metrics(capsys.readouterr().out) if m.name == "SyncJobsFailed"]
    assert sorted((m.dimension_values["Service"], m.value) for m in failed) == [
        ("kendra", 1.0),
        ("qbusiness", 1.0),
    ]


def test_alerts_published_is_counted_per_service(capsys) -> None:
    job_metrics.emit([job_metrics.alert_published("qbusiness")])
    (metric,) = emitted_metrics(capsys.readouterr().out)
    assert (metric.name, metric.unit, metric.value) == ("AlertsPublished", "Count", 1.0)
    assert metric.dimension_values == {"Service": "qbusiness"}


def test_the_namespace_follows_the_powertools_setting(capsys, monkeypatch) -> None:
    # Given another namespace configured for the package's metrics
    monkeypatch.setattr(metrics, "namespace", "Custom/Audit")
    # When metrics are emitted
    job_metrics.emit([job_metrics.alert_published("kendra")])
    # Then they land in it
    assert {m.namespace for m in emitted_metrics(capsys.readouterr().out)} == {"Custom/Audit"}
