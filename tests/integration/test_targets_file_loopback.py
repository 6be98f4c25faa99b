"""The poller reads its targets from the file TARGETS_FILE names, as deployed (the stack puts
config.targets_json() at /opt/sync-auditor/targets.json in a layer), with no TARGETS variable."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from devkit.loopback import Loopback, loopback
from infra.config import load_config
from tests.faults.support import records, tick
from tests.integration.support import APP, INDEX, QB_INDEX, ago

KENDRA_LISTED = ("web", "wiki", "tickets")
KENDRA_UNLISTED = "archive"
QB_LISTED = ("d4e5f6a7-b8c9-4d0e-8f1a-3b4c5d6e7f80", "e5f6a7b8-c9d0-4e1f-9a2b-4c5d6e7f8091")
KB = "KBTARGETS1"
KB_LISTED = ("DSFILEONE1", "DSFILETWO2")

# The configuration as cdk.json would hold it: every data source listed by id.
CONFIG = {
    "kendra": [{"indexId": INDEX, "dataSourceIds": list(KENDRA_LISTED)}],
    "qbusiness": [{"applicationId": APP, "indexId": QB_INDEX, "dataSourceIds": list(QB_LISTED)}],
    "bedrock": [{"knowledgeBaseId": KB, "dataSourceIds": list(KB_LISTED)}],
}
LISTED_KEYS = (
    *(f"kendra#{INDEX}#{ds}" for ds in KENDRA_LISTED),
    *(f"qbusiness#{APP}#{QB_INDEX}#{ds}" for ds in QB_LISTED),
    *(f"bedrock#{KB}#{ds}" for ds in KB_LISTED),
)
UNLISTED_KEY = f"kendra#{INDEX}#{KENDRA_UNLISTED}"


@pytest.fixture
def lb(tmp_path: Path) -> Iterator[Loopback]:
    # Given the targets file the stack would deploy, and no TARGETS variable
    targets_file = tmp_path / "sync-auditor" / "targets.json"
    targets_file.parent.mkdir()
    targets_file.write_text(load_config(CONFIG).targets_json(), encoding="utf-8")
    with loopback() as running:
        for key in (*LISTED_KEYS, UNLISTED_KEY):
            running.simulator.add_data_source(key)
            running.simulator.put_job(key, "run-1", "FAILED", ago(50), ago(40), "InternalError")
        os.environ.pop("TARGETS", None)
        os.environ.update(
            TARGETS_FILE=str(targets_file), MAX_REQUESTS_PER_SECOND="1000", LOOKBACK_DAYS="30"
        )
        yield running


def test_a_poll_audits_exactly_the_data_sources_the_targets_file_lists(lb: Loopback) -> None:
    # When one schedule tick runs the real poller handler
    result = tick(lb)

    # Then every data source the file lists has its job recorded, across the three services
    assert {key: set(records(lb, key)) for key in LISTED_KEYS} == {
        key: {"run-1"} for key in LISTED_KEYS
    }
    # And the index's data source the file does not list was never read
    assert records(lb, UNLISTED_KEY) == {}
    assert result.total("DataSourcesPolled") == len(LISTED_KEYS)
    assert result.total("PollErrors") == 0
