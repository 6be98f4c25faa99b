from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from moto import mock_aws

from tests.cli.support import record_history


@pytest.fixture(scope="module")
def recorded() -> Iterator[dict[str, dict[str, Any]]]:
    """moto in-process, with the job table holding the recorded history. Module-wide: the
    query commands only read it."""
    with mock_aws():
        yield record_history()
