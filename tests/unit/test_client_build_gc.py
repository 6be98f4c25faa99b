"""A client's build runs without Python's cyclic garbage collector, which is left as it was
found: the collector's passes over the heap during the model's parse were most of what our
first client cost beyond a bare boto3 client (bench/coldstart.py)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import UnknownServiceError

from sync_auditor.adapters import clients


@pytest.fixture
def collections_during_builds(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """The generation of every collection that starts while a boto3 client is being built."""
    building: list[bool] = []
    seen: list[int] = []
    real = boto3.session.Session.client

    def build(self: boto3.session.Session, *args: Any, **kwargs: Any) -> Any:
        building.append(True)
        try:
            return real(self, *args, **kwargs)
        finally:
            building.pop()

    def record(phase: str, info: dict[str, Any]) -> None:
        if phase == "start" and building:
            seen.append(info["generation"])

    monkeypatch.setattr(boto3.session.Session, "client", build)
    gc.callbacks.append(record)
    yield seen
    gc.callbacks.remove(record)


@pytest.fixture
def collector_enabled() -> Iterator[None]:
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


def test_building_a_client_runs_no_collection(
    collector_enabled: None, collections_during_builds: list[int]
) -> None:
    # Given a fresh session (reset by the autouse fixture): the model is parsed anew
    # When the DynamoDB client is built (its model alone allocates far past gen 0's threshold)
    clients.client("dynamodb")
    # Then no collection ran during the build (with the collector on throughout, dozens do),
    # and the collector is on again
    assert collections_during_builds == []
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off() -> None:
    # Given a caller that turned the collector off itself
    was = gc.isenabled()
    gc.disable()
    try:
        # When a client is built
        clients.client("kendra")
        # Then the factory did not turn it on behind the caller's back
        assert not gc.isenabled()
    finally:
        if was:
            gc.enable()


def test_a_failed_build_turns_the_collector_back_on(collector_enabled: None) -> None:
    # Given a service botocore does not know; When its client is asked for
    with pytest.raises(UnknownServiceError):
        clients.client("no-such-service")
    # Then the collector runs again: a failure never leaves the process without it
    assert gc.isenabled()


def test_what_a_build_made_is_frozen_out_of_later_collections(collector_enabled: None) -> None:
    # Given a fresh session (reset by the autouse fixture) and nothing frozen
    assert gc.get_freeze_count() == 0

    # When a client is built
    clients.client("kendra")

    # Then its model's objects (tens of thousands) are in the generation no collection walks,
    # and the collector runs for what comes after
    assert gc.get_freeze_count() > 10_000
    assert gc.isenabled()


def test_forgetting_the_clients_makes_what_they_froze_collectable() -> None:
    clients.client("kendra")
    assert gc.get_freeze_count() > 0

    clients.reset()

    assert gc.get_freeze_count() == 0
