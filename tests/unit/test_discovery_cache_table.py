"""The cached listing's storage: any number of data sources round-trips through parts under
DynamoDB's item limit, and a reader sees a whole generation or none (moto in-process)."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from moto import mock_aws

from devkit.tables import create_state_table
from sync_auditor.adapters import clients
from sync_auditor.adapters.discovery_cache import DiscoveryCacheTable
from sync_auditor.discovery_cache import Listing, cached_discovery, targets_hash
from sync_auditor.model import DataSourceRef
from sync_auditor.poll_errors import error_code_of

STATE_TABLE = "state"
NOW = "2026-11-22T10:00:00Z"
DYNAMODB_ITEM_LIMIT = 400 * 1024


@pytest.fixture
def dynamodb() -> Iterator[Any]:
    with mock_aws():
        clients.reset()
        client = boto3.client("dynamodb")
        create_state_table(client, STATE_TABLE)
        yield client
        clients.reset()


def fleet(count: int) -> Listing:
    """`count` Q Business data sources over 50 applications, every field of a ref filled."""
    apps = [str(uuid.uuid4()) for _ in range(50)]
    sources = tuple(
        DataSourceRef(
            "qbusiness",
            str(uuid.uuid4()),
            str(uuid.uuid4()),
            application_id=apps[n % 50],
            data_source_name=f"SharePoint site {uuid.uuid4()}",
            index_name="main",
            application_name=f"helpdesk {n % 50}",
            scope="qbusiness",
        )
        for n in range(count)
    )
    return Listing(sources, ("qbusiness",), skipped=3)


def item_size(item: dict[str, Any]) -> int:
    """DynamoDB's measure: attribute names plus values (bytes as stored)."""
    size = 0
    for name, value in item.items():
        ((kind, raw),) = value.items()
        size += len(name) + (len(raw) if kind == "B" else len(str(raw).encode()))
    return size


def as_dicts(listing: Listing) -> list[dict[str, Any]]:
    # DataSourceRef's equality ignores names and scope: compare every field.
    return [dataclasses.asdict(source) for source in listing.sources]


def test_ten_thousand_data_sources_round_trip_in_parts_under_the_item_limit(
    dynamodb: Any,
) -> None:
    table = DiscoveryCacheTable(STATE_TABLE)
    listing = fleet(10_000)

    head = table.save("qbusiness", listing, "digest", NOW)

    # (moto refuses an item over 400 KB as DynamoDB does; the sizes are checked here too)
    assert head.parts >= 2  # the split is exercised
    sizes = [item_size(item) for item in dynamodb.scan(TableName=STATE_TABLE)["Items"]]
    assert len(sizes) == head.parts + 1 and max(sizes) < DYNAMODB_ITEM_LIMIT
    (read_head,) = table.heads(["qbusiness", "kendra"]).values()
    assert read_head == head
    loaded = table.load(read_head)
    assert loaded is not None
    assert as_dicts(loaded) == as_dicts(listing)
    assert (loaded.scopes, loaded.skipped) == (("qbusiness",), 3)


def test_an_empty_listing_round_trips(dynamodb: Any) -> None:
    table = DiscoveryCacheTable(STATE_TABLE)
    head = table.save("kendra", Listing((), ("kendra",), None), "digest", NOW)
    assert table.load(head) == Listing((), ("kendra",), None)


class CrashBeforeHead:
    """A DynamoDB client whose writer dies after its parts, before its head (a timeout)."""

    def __init__(self, client: Any) -> None:
        self._client = client

    def put_item(self, **request: Any) -> Any:
        if request["Item"]["id"]["S"].count("#") == 1:  # discovery#<service>: the head
            raise TimeoutError("the invocation ended here")
        return self._client.put_item(**request)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


def test_a_refresh_cut_short_before_its_head_leaves_readers_the_previous_generation(
    dynamodb: Any,
) -> None:
    table = DiscoveryCacheTable(STATE_TABLE)
    old = fleet(3)
    table.save("qbusiness", old, "digest", NOW)

    crashing = DiscoveryCacheTable(STATE_TABLE, client=lambda name: CrashBeforeHead(dynamodb))
    with pytest.raises(TimeoutError):
        crashing.save("qbusiness", fleet(5_000), "digest", "2026-11-22T11:00:00Z")

    head = table.heads(["qbusiness"])["qbusiness"]
    assert head.refreshed_at == NOW
    loaded = table.load(head)
    assert loaded is not None and as_dicts(loaded) == as_dicts(old)


def test_a_generation_with_a_part_missing_is_a_miss_and_is_listed_again(dynamodb: Any) -> None:
    table = DiscoveryCacheTable(STATE_TABLE)
    targets = [{"indexId": "1" * 36}]
    head = table.save("kendra", fleet(10_000), targets_hash(targets), NOW)
    # Given its last part gone (TTL expired it while the head stood)
    dynamodb.delete_item(
        TableName=STATE_TABLE,
        Key={"id": {"S": f"discovery#kendra#{head.generation}#{head.parts - 1}"}},
    )
    assert table.load(head) is None

    class Kendra:
        def data_sources(self, index_id: str) -> list[tuple[str, str | None]]:
            return [("web", None)]

    now = datetime(2026, 11, 22, 10, 5, tzinfo=UTC)
    result = cached_discovery(
        error_code_of, {"kendra": targets}, {"kendra": Kendra()}, table, 60, now
    )
    assert result.listed == ["kendra"]
    assert [s.key for s in result.discovery.sources] == [f"kendra#{'1' * 36}#web"]
    # and a whole new generation replaced the torn one
    assert table.heads(["kendra"])["kendra"].refreshed_at == "2026-11-22T10:05:00Z"


def test_a_part_of_another_generation_is_a_miss(dynamodb: Any) -> None:
    table = DiscoveryCacheTable(STATE_TABLE)
    head = table.save("kendra", fleet(2), "digest", NOW)
    part = {"id": {"S": f"discovery#kendra#{head.generation}#0"}}
    dynamodb.update_item(
        TableName=STATE_TABLE,
        Key=part,
        UpdateExpression="SET generation = :g",
        ExpressionAttributeValues={":g": {"S": "someone-else"}},
    )
    assert table.load(head) is None


def test_marking_stale_spares_a_newer_generation(dynamodb: Any) -> None:
    table = DiscoveryCacheTable(STATE_TABLE)
    older = table.save("kendra", fleet(1), "digest", NOW)
    newer = table.save("kendra", fleet(1), "digest", "2026-11-22T10:01:00Z")

    table.mark_stale(older)  # a poll that read the older head, after the newer was written
    assert table.heads(["kendra"])["kendra"].stale is False
    table.mark_stale(newer)
    assert table.heads(["kendra"])["kendra"].stale is True
