"""The client factory: one boto3 session for every client, dropped by reset, and the retry
policy `configure` sets on the clients made after it."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from sync_auditor.adapters import clients


class CountingSession(boto3.session.Session):
    made = 0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        CountingSession.made += 1


@pytest.fixture
def sessions(monkeypatch: pytest.MonkeyPatch) -> type[CountingSession]:
    CountingSession.made = 0
    monkeypatch.setattr(boto3.session, "Session", CountingSession)
    return CountingSession


def test_every_client_comes_from_one_session(sessions: type[CountingSession]) -> None:
    # Given no client yet; When the clients a poll makes are made
    made = [clients.client(name) for name in ("dynamodb", "kendra", "qbusiness", "bedrock-agent")]
    # Then one session made them all, and asking again returns the same clients
    assert sessions.made == 1
    assert [clients.client(name) for name in ("dynamodb", "kendra")] == made[:2]


def test_reset_drops_the_session_with_the_clients(
    sessions: type[CountingSession], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a client made with one set of credentials
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "first")
    first = clients.client("dynamodb")
    # When the credentials change and the factory is reset
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "second")
    clients.reset()
    second = clients.client("dynamodb")
    # Then a new session made the new client, with the new credentials (a session keeps the
    # credentials it resolved first: without the drop, "first" would still sign)
    assert sessions.made == 2
    assert second is not first
    assert first._get_credentials().access_key == "first"
    assert second._get_credentials().access_key == "second"


def test_a_client_made_after_configure_has_the_new_retry_policy(
    sessions: type[CountingSession],
) -> None:
    # Given a client made with the default policy (set here: other tests configure others)
    clients.configure("standard", 5)
    before = clients.client("kendra")
    # When the handler configures another policy
    clients.configure("adaptive", 3)
    after = clients.client("kendra")
    # Then the client made after it retries so, from the same session; the first one is unchanged
    assert after is not before
    assert after.meta.config.retries == {"mode": "adaptive", "total_max_attempts": 3}
    assert before.meta.config.retries == {"mode": "standard", "total_max_attempts": 5}
    assert sessions.made == 1


def test_clients_keep_the_endpoint_the_environment_names(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a local endpoint for one service (moto, the simulator)
    monkeypatch.setenv("AWS_ENDPOINT_URL_KENDRA", "http://127.0.0.1:9")
    # When clients of it and of another service come from the shared session
    kendra, dynamodb = clients.client("kendra"), clients.client("dynamodb")
    # Then each has its own endpoint: the session does not pin one service's on the others
    assert kendra.meta.endpoint_url == "http://127.0.0.1:9"
    assert dynamodb.meta.endpoint_url != "http://127.0.0.1:9"
