"""Cursors are read in batches, eventually consistent where a stale state only costs more work,
and again strongly where it could make a poll do less (adapters/state_table.py)."""

from __future__ import annotations

from typing import Any

from moto import mock_aws

from devkit.tables import create_state_table
from sync_auditor.adapters import clients
from sync_auditor.adapters.state_table import CursorStore
from sync_auditor.cursor import Cursor
from sync_auditor.watch import SourceState

NOW = "2026-11-22T12:00:00Z"


def reads_of(store: CursorStore, run: Any) -> list[tuple[int, bool]]:
    """(keys asked for, strongly consistent) of each BatchGetItem `run` makes."""
    seen: list[tuple[int, bool]] = []

    def record(params: dict[str, Any], **_: Any) -> None:
        for request in params["RequestItems"].values():
            seen.append((len(request["Keys"]), request["ConsistentRead"]))

    events = clients.client("dynamodb").meta.events
    events.register("provide-client-params.dynamodb.BatchGetItem", record)
    try:
        run()
    finally:
        events.unregister("provide-client-params.dynamodb.BatchGetItem", record)
    return seen


def test_read_sources_are_read_eventually_consistent_in_batches_of_a_hundred() -> None:
    with mock_aws():
        create_state_table(clients.client("dynamodb"), "state")
        store = CursorStore("state")
        keys = [f"kendra#index#ds-{n:03d}" for n in range(250)]
        for key in keys:
            store.save(key, SourceState(NOW, Cursor(NOW), fingerprint="f" * 32), NOW)

        states: dict[str, SourceState] = {}
        reads = reads_of(store, lambda: states.update(store.load(keys)))

    assert reads == [(100, False), (100, False), (50, False)]
    assert states[keys[0]] == SourceState(NOW, Cursor(NOW), fingerprint="f" * 32)


def test_a_source_not_yet_read_completely_and_a_healing_one_are_read_again_strongly() -> None:
    with mock_aws():
        create_state_table(clients.client("dynamodb"), "state")
        store = CursorStore("state")
        store.save("kendra#i#done", SourceState(NOW, Cursor(NOW)), NOW)
        store.save("kendra#i#healing", SourceState(NOW, Cursor(NOW)), NOW)
        store.begin("kendra#i#begun", NOW)
        wanted = ["kendra#i#done", "kendra#i#healing", "kendra#i#begun", "kendra#i#new"]

        states: dict[str, SourceState] = {}
        reads = reads_of(
            store, lambda: states.update(store.load(wanted, strong=["kendra#i#healing"]))
        )

    # the healing one, the begun one and the one never attempted, again
    assert reads == [(4, False), (3, True)]
    assert set(states) == {"kendra#i#done", "kendra#i#healing", "kendra#i#begun"}
    assert states["kendra#i#begun"] == SourceState(NOW)
