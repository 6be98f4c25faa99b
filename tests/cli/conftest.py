from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.client import BaseClient
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


@pytest.fixture
def requests(monkeypatch: pytest.MonkeyPatch) -> Counter[tuple[str, str | None]]:
    """Every AWS request the command makes, as (operation, table), counted at botocore."""
    made: Counter[tuple[str, str | None]] = Counter()
    real = BaseClient._make_api_call

    def counting(client: Any, operation: str, params: dict[str, Any]) -> Any:
        made[operation, params.get("TableName")] += 1
        return real(client, operation, params)

    monkeypatch.setattr(BaseClient, "_make_api_call", counting)
    return made
