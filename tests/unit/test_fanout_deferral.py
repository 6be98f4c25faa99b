"""The deferral record never outgrows a DynamoDB item (400 KB), however many are deferred."""

from __future__ import annotations

from moto import mock_aws

from devkit.tables import create_state_table
from sync_auditor.adapters import clients
from sync_auditor.adapters.state_table import CursorStore
from sync_auditor.deferral import MAX_DEFERRED_BYTES, capped

APP = "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d"
INDEX = "b2c3d4e5-f6a7-4b8c-9d0e-1f2a3b4c5d6e"


def keys(count: int) -> list[str]:
    return [f"qbusiness#{APP}#{INDEX}#{n:08x}-0004-4000-8000-000000000000" for n in range(count)]


def test_ten_thousand_deferred_keys_are_saved_capped_longest_deferred_first() -> None:
    deferred = keys(10_000)  # ~1.2 MB of keys: three times what an item holds
    with mock_aws():
        create_state_table(clients.client("dynamodb"), "state")
        store = CursorStore("state")
        # When the poll saves them (capped, as handlers/poller.run does)
        store.save_deferred(capped(deferred), [])
        # Then the save succeeds, and what it kept is the first of them, in their order
        kept = store.load_deferred()
    assert 0 < len(kept) < len(deferred)
    assert sorted(kept) == sorted(deferred[: len(kept)])
    assert sum(len(k) for k in kept) <= MAX_DEFERRED_BYTES


def test_a_list_that_fits_is_kept_whole() -> None:
    assert capped(keys(100)) == keys(100)
    assert capped(["a", "a", "b"]) == ["a", "b"]
