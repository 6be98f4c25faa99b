"""`audit` lists the targets afresh and leaves discovery's cache alone: a person asking for one
poll now wants today's data sources, and the deployed poller's cache is not theirs to write."""

from __future__ import annotations

from pathlib import Path

import pytest

from devkit.loopback import Loopback
from tests.cli.test_audit import TABLES, audit, lb, state_items, write_config
from tests.integration.support import INDEX

__all__ = ["lb"]  # the fixture, shared with the audit tests


def test_audit_lists_and_writes_no_discovery_cache(
    lb: Loopback, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(
        tmp_path / "cdk.json", kendra=[{"indexId": INDEX}], discoveryRefreshMinutes=60
    )
    lb.simulator.reset_stats()

    result = audit(capsys, config, *TABLES)

    assert result.code == 0, result.err
    assert lb.simulator.stats()["calls"]["kendra:ListDataSources"] == 1
    assert [i for i in state_items(lb) if i["id"]["S"].startswith("discovery#")] == []
