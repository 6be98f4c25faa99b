"""The /_sim/ JSON control API and the standalone process, for code that scripts the simulator
from another process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from devkit.simulator import Simulator
from devkit.simulator.__main__ import main
from devkit.simulator.remote import RemoteSimulator
from tests.simulator.support import (
    INDEX,
    KENDRA_DS,
    KENDRA_KEY,
    QB_KEY,
    client_for,
    error_code,
    hours_ago,
    kendra_jobs,
    raw_http,
)

REPO = Path(__file__).resolve().parents[2]


def control(sim: Simulator, method: str, path: str, body: Any = None) -> Any:
    status, _, document = raw_http(f"{sim.url}/_sim/{path}", method, body)
    assert status == 200, document
    return document


def test_jobs_and_data_sources_scripted_over_http_are_what_boto3_sees(
    sim: Simulator, kendra: Any
) -> None:
    control(sim, "POST", "data-sources", {"key": f"kendra#{INDEX}#docs", "name": "docs"})
    control(
        sim,
        "POST",
        "jobs",
        {
            "jobs": [
                {
                    "key": KENDRA_KEY,
                    "execution_id": "a",
                    "status": "FAILED",
                    "start_time": "2026-11-22T08:00:00Z",
                    "end_time": 1795420800,
                    "error_code": "InternalError",
                    "metrics": {"documentsFailed": "2"},
                },
                {"key": QB_KEY, "execution_id": "b", "status": "SYNCING", "start_time": None},
            ]
        },
    )

    assert control(sim, "GET", f"jobs?key={KENDRA_KEY.replace('#', '%23')}")["jobs"] == [
        {
            "executionId": "a",
            "status": "FAILED",
            "startTime": "2026-11-22T08:00:00Z",
            "endTime": "2026-11-23T08:00:00Z",
            "errorCode": "InternalError",
            "documentsFailed": "2",
        }
    ]
    assert [job["ExecutionId"] for job in kendra_jobs(kendra)["History"]] == ["a"]
    names = {s["Id"]: s["Name"] for s in kendra.list_data_sources(IndexId=INDEX)["SummaryItems"]}
    assert names == {"web": "website", "docs": "docs"}


def test_knobs_stats_delete_and_deny_over_http(sim: Simulator, kendra: Any) -> None:
    knobs = control(sim, "POST", "knobs", {"throttle_next": 1, "order": "newest_first"})
    assert knobs["pending_failures"] == ["ThrottlingException"]
    assert knobs["order"] == "newest_first"
    with pytest.raises(ClientError) as excinfo:
        kendra_jobs(kendra)
    assert error_code(excinfo) == "ThrottlingException"
    assert control(sim, "GET", "stats")["throttled"] == 1

    control(sim, "POST", "stats/reset")
    control(sim, "POST", "deny", {"key": KENDRA_KEY})
    with pytest.raises(ClientError) as excinfo:
        kendra_jobs(kendra)
    assert error_code(excinfo) == "AccessDeniedException"

    control(sim, "POST", "deny", {"key": KENDRA_KEY, "denied": False})
    control(sim, "DELETE", f"data-sources?key={KENDRA_KEY.replace('#', '%23')}")
    with pytest.raises(ClientError) as excinfo:
        kendra_jobs(kendra)
    assert error_code(excinfo) == "ResourceNotFoundException"
    assert control(sim, "GET", "stats")["calls"] == {"kendra:ListDataSourceSyncJobs": 2}


def test_inventory_knobs_and_health(sim: Simulator, qbusiness: Any) -> None:
    app = "9" * 36
    control(sim, "POST", "qbusiness-applications", {"application_id": app, "name": "helpdesk"})
    control(sim, "POST", "qbusiness-indices", {"application_id": app, "index_id": "8" * 36})
    control(sim, "POST", "kendra-indices", {"index_id": "7" * 36, "name": "docs"})
    control(sim, "POST", "knobs", {"fail_next": {"count": 1, "code": "InternalServerException"}})
    control(sim, "POST", "knobs", {"rate_limit": None, "latency_seconds": 0})

    with pytest.raises(ClientError):
        qbusiness.list_applications()
    applications = {
        a["applicationId"]: a["displayName"] for a in qbusiness.list_applications()["applications"]
    }
    assert applications[app] == "helpdesk"
    assert control(sim, "GET", "health") == {"ok": True}


def test_bad_control_requests_say_why(sim: Simulator) -> None:
    status, _, body = raw_http(f"{sim.url}/_sim/jobs", "POST", {"key": KENDRA_KEY, "typo": 1})
    assert status == 400 and "typo" in body["error"]
    status, _, body = raw_http(f"{sim.url}/_sim/knobs", "POST", {"order": "sideways"})
    assert status == 400 and "order" in body["error"]
    status, _, body = raw_http(
        f"{sim.url}/_sim/jobs", "POST", {"key": "nope", "execution_id": "x", "status": "FAILED"}
    )
    assert status == 400 and "dataSourceKey" in body["error"]
    assert raw_http(f"{sim.url}/_sim/nothing-here")[0] == 404


def test_only_loopback_addresses_are_bound() -> None:
    with pytest.raises(ValueError, match="loopback"):
        Simulator(host="0.0.0.0").start()
    with pytest.raises(SystemExit) as excinfo:
        main(["--host", "0.0.0.0", "--port", "0"])
    assert excinfo.value.code == 2


def test_standalone_process_prints_its_url_serves_and_stops_on_ctrl_c() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "devkit.simulator", "--port", "0"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": f"{REPO}{os.pathsep}{REPO / 'lambdas'}"},
    )
    try:
        assert process.stdout is not None
        first_line = process.stdout.readline()
        url = first_line.split(" at ")[1].split()[0]
        assert url.startswith("http://127.0.0.1:")
        raw_http(f"{url}/_sim/data-sources", "POST", {"key": KENDRA_KEY})
        kendra = client_for(url, "kendra")
        assert kendra.list_data_source_sync_jobs(Id="web", IndexId=INDEX)["History"] == []
    finally:
        process.send_signal(signal.SIGINT)
        # Generous: a loaded CI machine can be slow to schedule the exiting process.
        assert process.wait(timeout=60) == 0


def test_remote_simulator_mirrors_the_python_api(sim: Simulator, kendra: Any) -> None:
    remote = RemoteSimulator(sim.url)

    remote.put_job(
        KENDRA_KEY, "r-1", "FAILED", hours_ago(2), hours_ago(1), error_code="InvalidRequest"
    )
    remote.put_jobs(
        [
            {
                "key": KENDRA_KEY,
                "execution_id": f"bulk-{n}",
                "status": "SUCCEEDED",
                "start_time": hours_ago(3),
            }
            for n in range(3)
        ]
    )
    remote.put_raw_job(QB_KEY, {"status": "FAILED"}, execution_id="raw")
    remote.fail_next(1, "InternalServerException")

    with pytest.raises(ClientError) as excinfo:
        kendra_jobs(kendra)
    assert error_code(excinfo) == "InternalServerException"
    assert {
        job["ExecutionId"] for job in kendra_jobs(kendra, StatusFilter="FAILED")["History"]
    } == {"r-1"}
    assert len(remote.jobs(KENDRA_KEY)) == 4 and remote.jobs(QB_KEY)[0]["raw"] == {
        "status": "FAILED"
    }
    assert remote.stats()["calls"]["kendra:ListDataSourceSyncJobs"] == 2

    remote.deny(KENDRA_KEY)
    with pytest.raises(ClientError) as excinfo:
        kendra_jobs(kendra)
    assert error_code(excinfo) == "AccessDeniedException"
    with pytest.raises(ValueError, match="dataSourceKey"):
        remote.add_data_source("not-a-key")


def test_a_failure_scripted_over_http_can_name_its_operation(sim: Simulator, kendra: Any) -> None:
    remote = RemoteSimulator(sim.url)
    remote.fail_next(1, "ThrottlingException", operation="StartDataSourceSyncJob")

    kendra_jobs(kendra)
    assert remote.knobs()["pending_failures"] == ["ThrottlingException"]
    with pytest.raises(ClientError) as excinfo:
        kendra.start_data_source_sync_job(IndexId=INDEX, Id=KENDRA_DS)
    assert error_code(excinfo) == "ThrottlingException"
    assert remote.knobs()["pending_failures"] == []
