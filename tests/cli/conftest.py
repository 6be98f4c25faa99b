from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from moto import mock_aws

from tests.cli.support import record_history

WIDE = "1000"


@pytest.fixture(autouse=True)
def wide_output(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tables as wide as their rows: the tests read whole cells. Fitting to a narrower
    terminal has its own tests (test_output.py)."""
    monkeypatch.setenv("COLUMNS", WIDE)
    monkeypatch.delenv("NO_COLOR", raising=False)


@pytest.fixture(scope="module")
def recorded() -> Iterator[dict[str, dict[str, Any]]]:
    """moto in-process, with the job table holding the recorded history. Module-wide: the
    query commands only read it."""
    with mock_aws():
        yield record_history()
