"""Discovery cached in the state table: listed again by age, on a change of targets, after a
failed listing and after a poll met a listed data source that is gone; never for targets that
name every data source. The real adapter, on moto in-process."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from devkit.tables import create_state_table
from sync_auditor.adapters import clients
from sync_auditor.adapters.discovery_cache import DiscoveryCacheTable
from sync_auditor.discovery_cache import (
    GONE_ERROR_CODE,
    CachedDiscovery,
    cached_discovery,
    mark_gone,
)
from sync_auditor.model import DataSourceRef
from sync_auditor.poll_errors import error_code_of
from sync_auditor.poll_report import SourceResult

STATE_TABLE = "state"
T0 = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
IDX1, IDX2 = "1" * 36, "2" * 36
KB = "KB12345678"


class Kendra:
    """Two indexes; their data sources can be added, and a listing made to fail."""

    def __init__(self) -> None:
        self.calls = 0
        self.sources = {IDX1: [("web", "Website")], IDX2: [("s3", None)]}
        self.failing: set[str] = set()

    def indices(self) -> list[tuple[str, str | None]]:
        self.calls += 1
        return [(IDX1, "docs"), (IDX2, "wiki")]

    def data_sources(self, index_id: str) -> list[tuple[str, str | None]]:
        self.calls += 1
        if index_id in self.failing:
            raise ClientError({"Error": {"Code": "ThrottlingException", "Message": "x"}}, "List")
        return list(self.sources[index_id])


class Unused:
    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"no listing expected, {name} called")


@pytest.fixture
def table() -> Iterator[DiscoveryCacheTable]:
    with mock_aws():
        clients.reset()
        create_state_table(boto3.client("dynamodb"), STATE_TABLE)
        yield DiscoveryCacheTable(STATE_TABLE)
        clients.reset()


def tick(
    table: DiscoveryCacheTable,
    api: Any,
    at: datetime,
    targets: Any = "all",
    refresh_minutes: int = 60,
    service: str = "kendra",
) -> CachedDiscovery:
    return cached_discovery(
        error_code_of, {service: targets}, {service: api}, table, refresh_minutes, at
    )


def found(result: CachedDiscovery) -> list[str]:
    return sorted(source.key for source in result.discovery.sources)


def items() -> list[dict[str, Any]]:
    return boto3.client("dynamodb").scan(TableName=STATE_TABLE)["Items"]


def test_a_listing_is_reused_until_it_is_older_than_the_refresh_interval(
    table: DiscoveryCacheTable,
) -> None:
    api = Kendra()
    first = tick(table, api, T0)
    assert (api.calls, first.listed) == (3, ["kendra"])

    # Given a data source added after the listing
    api.sources[IDX1].append(("wiki", "Wiki"))
    calls = api.calls
    cached = tick(table, api, T0 + timedelta(minutes=59))
    # the cache answers, with everything the listing reported, and lists nothing
    assert api.calls == calls and cached.listed == []
    as_listed = [dataclasses.asdict(s) for s in first.discovery.sources]
    assert [dataclasses.asdict(s) for s in cached.discovery.sources] == as_listed
    assert cached.discovery.scopes == first.discovery.scopes == ["kendra"]

    refreshed = tick(table, api, T0 + timedelta(minutes=60))
    assert refreshed.listed == ["kendra"] and api.calls == calls + 3
    assert f"kendra#{IDX1}#wiki" in found(refreshed)


def test_a_change_of_targets_lists_at_once(table: DiscoveryCacheTable) -> None:
    api = Kendra()
    tick(table, api, T0, targets=[{"indexId": IDX1}])
    changed = tick(table, api, T0 + timedelta(minutes=5), targets=[{"indexId": IDX2}])
    assert changed.listed == ["kendra"]
    assert found(changed) == [f"kendra#{IDX2}#s3"]
    # and the new listing is the one cached
    again = tick(table, api, T0 + timedelta(minutes=10), targets=[{"indexId": IDX2}])
    assert again.listed == [] and found(again) == [f"kendra#{IDX2}#s3"]


def test_a_listed_data_source_gone_makes_the_next_tick_list(table: DiscoveryCacheTable) -> None:
    api = Kendra()
    listed = tick(table, api, T0)
    web = next(s for s in listed.discovery.sources if s.data_source_id == "web")
    api.sources[IDX1] = []  # deleted

    later = tick(table, api, T0 + timedelta(minutes=5))
    assert f"kendra#{IDX1}#web" in found(later)  # still cached
    marked = later.forget_gone([SourceResult(web, "error", error_code=GONE_ERROR_CODE)])

    assert marked == ["kendra"]
    relisted = tick(table, api, T0 + timedelta(minutes=10))
    assert relisted.listed == ["kendra"]
    assert found(relisted) == [f"kendra#{IDX2}#s3"]


def test_a_fan_out_batch_that_meets_a_gone_data_source_makes_the_next_tick_list(
    table: DiscoveryCacheTable,
) -> None:
    api = Kendra()
    listed = tick(table, api, T0)
    web = next(s for s in listed.discovery.sources if s.data_source_id == "web")
    api.sources[IDX1] = []  # deleted
    calls = api.calls

    # When a consumer's batch (no tick's listings at hand) finds it gone
    marked = mark_gone(table, [SourceResult(web, "error", error_code=GONE_ERROR_CODE)])

    assert marked == ["kendra"]
    relisted = tick(table, api, T0 + timedelta(minutes=5))
    assert relisted.listed == ["kendra"] and api.calls > calls
    assert mark_gone(table, [SourceResult(web, "polled")]) == []


def test_other_errors_and_data_sources_named_by_id_leave_the_cache_alone(
    table: DiscoveryCacheTable,
) -> None:
    api = Kendra()
    listed = tick(table, api, T0, targets=[{"indexId": IDX1}, {"indexId": IDX2}])
    web = listed.discovery.sources[0]
    named = DataSourceRef("kendra", IDX1, "by-id")  # no scope: listing again would not drop it
    results = [
        SourceResult(web, "error", error_code="AccessDeniedException"),
        SourceResult(named, "error", error_code=GONE_ERROR_CODE),
    ]
    assert listed.forget_gone(results) == []
    later = tick(
        table, api, T0 + timedelta(minutes=5), targets=[{"indexId": IDX1}, {"indexId": IDX2}]
    )
    assert later.listed == []


def test_a_failed_listing_keeps_the_last_good_one_and_lists_again_next_tick(
    table: DiscoveryCacheTable,
) -> None:
    api = Kendra()
    good = found(tick(table, api, T0))
    api.failing = {IDX2}
    api.sources[IDX1].append(("wiki", None))

    failed = tick(table, api, T0 + timedelta(minutes=61))
    # the error is reported, and the last good listing used in full (IDX2's data source too)
    assert [(e.scope, e.error_code) for e in failed.discovery.errors] == [
        (f"kendra index {IDX2}", "ThrottlingException")
    ]
    assert found(failed) == good and failed.discovery.scopes == ["kendra"]

    calls = api.calls
    still = tick(table, api, T0 + timedelta(minutes=62))
    assert still.listed == ["kendra"] and api.calls > calls  # errors are not cached
    api.failing = set()
    recovered = tick(table, api, T0 + timedelta(minutes=63))
    assert recovered.discovery.errors == []
    assert f"kendra#{IDX1}#wiki" in found(recovered)
    assert tick(table, api, T0 + timedelta(minutes=64)).listed == []


def test_a_first_listing_that_fails_is_used_as_far_as_it_went_and_not_cached(
    table: DiscoveryCacheTable,
) -> None:
    api = Kendra()
    api.failing = {IDX2}
    first = tick(table, api, T0)
    assert found(first) == [f"kendra#{IDX1}#web"] and len(first.discovery.errors) == 1
    assert items() == []
    api.failing = set()
    assert tick(table, api, T0 + timedelta(minutes=1)).listed == ["kendra"]


@pytest.mark.parametrize(
    ("service", "targets"),
    [
        ("kendra", [{"indexId": IDX1, "dataSourceIds": ["web", "s3"]}]),
        ("qbusiness", [{"applicationId": "a" * 36, "indexId": "b" * 36, "dataSourceIds": ["c"]}]),
        ("bedrock", [{"knowledgeBaseId": KB, "dataSourceIds": ["DS12345678"]}]),
    ],
)
def test_targets_named_by_id_cost_no_listing_and_no_table_call(
    table: DiscoveryCacheTable, service: str, targets: Any
) -> None:
    for minute in (0, 5, 120):
        result = tick(table, Unused(), T0 + timedelta(minutes=minute), targets, service=service)
        assert result.listed == [] and len(result.discovery.sources) == len(
            targets[0]["dataSourceIds"]
        )
    assert items() == []
    assert table.capacity.read_units == table.capacity.write_units == 0


def test_refresh_minutes_zero_lists_every_tick_and_keeps_nothing(
    table: DiscoveryCacheTable,
) -> None:
    api = Kendra()
    for minute in (0, 1):
        assert tick(table, api, T0 + timedelta(minutes=minute), refresh_minutes=0).listed == [
            "kendra"
        ]
    assert api.calls == 6 and items() == []


def test_a_head_from_the_future_is_listed_again(table: DiscoveryCacheTable) -> None:
    api = Kendra()
    tick(table, api, T0)
    assert tick(table, api, T0 - timedelta(minutes=1)).listed == ["kendra"]
