"""One loopback (moto + the simulator on 127.0.0.1) per test module; each test audits its own
freshly named data sources, and leaves the environment and the simulator's knobs as it found
them."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator

import pytest

from devkit.loopback import Loopback, loopback
from sync_auditor.handlers import notifier, poller


@pytest.fixture(scope="module")
def lb() -> Iterator[Loopback]:
    # moto's server logs every request; the tests read outcomes, not access logs.
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    with loopback() as running:
        yield running


@pytest.fixture(autouse=True)
def isolated(lb: Loopback) -> Iterator[None]:
    saved = dict(os.environ)
    yield
    os.environ.clear()
    os.environ.update(saved)
    poller._settings.cache_clear()
    notifier._settings.cache_clear()
    sim = lb.simulator
    sim.latency_seconds = 0.0
    sim.rate_limit(None)
    sim.order = "shuffled"
    # A fault a test queued but did not use would hit the next test's first requests.
    assert sim.knobs()["pending_failures"] == []
