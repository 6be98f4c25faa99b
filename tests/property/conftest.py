"""One loopback for the property test module; the test leaves the environment as it found it."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator

import pytest

from devkit.loopback import Loopback, loopback
from sync_auditor.handlers import notifier, poller


@pytest.fixture(scope="module")
def lb() -> Iterator[Loopback]:
    # moto's server logs every request; the test reads outcomes, not access logs.
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    with loopback() as running:
        yield running


@pytest.fixture(autouse=True)
def restored_environment() -> Iterator[None]:
    saved = dict(os.environ)
    yield
    os.environ.clear()
    os.environ.update(saved)
    poller._settings.cache_clear()
    notifier._settings.cache_clear()
