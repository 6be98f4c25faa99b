"""Bedrock through the /_sim/ control API: RemoteSimulator scripts knowledge bases, statuses and
jobs in both vocabularies, and boto3 sees what was scripted."""

from __future__ import annotations

from typing import Any

import pytest

from devkit.simulator import Simulator
from devkit.simulator.remote import RemoteSimulator
from tests.simulator.support import BEDROCK_KEY, KB, NOW, bedrock_jobs, hours_ago, raw_http


def test_remote_simulator_scripts_bedrock_as_the_python_api_does(
    sim: Simulator, bedrock: Any
) -> None:
    remote = RemoteSimulator(sim.url)

    remote.add_bedrock_knowledge_base("KBREMOTE01", "remote", status="UPDATING")
    remote.add_data_source("bedrock#KBREMOTE01#DSREMOTE01", "wiki")
    remote.set_bedrock_status("bedrock#KBREMOTE01#DSREMOTE01", "DELETE_UNSUCCESSFUL")
    remote.put_job(
        BEDROCK_KEY, "JOBFAILED1", "FAILED", hours_ago(2), hours_ago(1), error_message="x"
    )
    remote.put_ingestion_job(
        BEDROCK_KEY,
        "JOBRAW0001",
        "IN_PROGRESS",
        hours_ago(1),
        NOW,
        statistics={"numberOfDocumentsScanned": 9},
        failure_reasons=["slow"],
    )

    statuses = {
        kb["knowledgeBaseId"]: kb["status"]
        for kb in bedrock.list_knowledge_bases()["knowledgeBaseSummaries"]
    }
    assert statuses == {KB: "ACTIVE", "KBREMOTE01": "UPDATING"}
    [source] = bedrock.list_data_sources(knowledgeBaseId="KBREMOTE01")["dataSourceSummaries"]
    assert (source["name"], source["status"]) == ("wiki", "DELETE_UNSUCCESSFUL")
    jobs = {job["ingestionJobId"]: job for job in bedrock_jobs(bedrock)["ingestionJobSummaries"]}
    assert jobs["JOBFAILED1"]["status"] == "FAILED"
    assert jobs["JOBRAW0001"]["statistics"] == {"numberOfDocumentsScanned": 9}
    assert jobs["JOBRAW0001"]["updatedAt"] == NOW
    assert [job["status"] for job in remote.jobs(BEDROCK_KEY)] == ["FAILED", "SYNCING"]


def test_bad_bedrock_control_requests_say_why(sim: Simulator) -> None:
    status, _, body = raw_http(
        f"{sim.url}/_sim/bedrock-status", "POST", {"target": KB, "status": "GONE"}
    )
    assert status == 400 and "GONE" in body["error"]
    status, _, body = raw_http(f"{sim.url}/_sim/bedrock-knowledge-bases", "POST", {"kb_id": "x"})
    assert status == 400 and "pattern" in body["error"]
    with pytest.raises(ValueError, match="job_id"):
        RemoteSimulator(sim.url).put_ingestion_job(BEDROCK_KEY, "", "FAILED", hours_ago(1))
