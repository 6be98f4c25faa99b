"""`demo`, `simulate`, and the installed console script."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import boto3
import pytest

from devkit import demo
from tests.cli.support import run

CONSOLE_SCRIPT = Path(sys.executable).with_name("sync-auditor")


@contextmanager
def serving(*argv: str) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """`sync-auditor simulate ...` in a child process; yields its URL once it is listening."""
    process = subprocess.Popen(
        [sys.executable, "-m", "sync_auditor_cli", "simulate", "--port", "0", *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()  # printed once the server is bound
        listening = re.match(
            r"Kendra \+ Q Business \+ Bedrock simulator at (http://127\.0\.0\.1:\d+) ", first
        )
        assert listening, first
        yield listening.group(1), process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


def test_simulate_serves_the_demo_scenario_until_sigterm() -> None:
    with serving("--scenario", "demo") as (url, process):
        kendra = boto3.client("kendra", endpoint_url=url, region_name="us-east-1")
        qbusiness = boto3.client("qbusiness", endpoint_url=url, region_name="us-east-1")

        wiki = kendra.list_data_source_sync_jobs(Id="confluence", IndexId=demo.KENDRA_INDEX)
        sharepoint = qbusiness.list_data_source_sync_jobs(
            applicationId=demo.QB_APP, indexId=demo.QB_INDEX, dataSourceId=demo.QB_SHAREPOINT
        )

        assert sorted(job["ExecutionId"] for job in wiki["History"]) == [
            f"hist-conf-{day}" for day in range(1, 6)
        ]
        assert [job["status"] for job in sharepoint["history"]] == ["SYNCING"]
        process.send_signal(signal.SIGTERM)
        assert process.stdout is not None
        rest = process.stdout.read()  # to the end: the process has closed its output

    assert process.returncode == 0
    assert "export AWS_ENDPOINT_URL_KENDRA=" in rest
    assert rest.rstrip().endswith("simulator stopped")


def test_simulate_without_a_scenario_starts_empty() -> None:
    with serving() as (url, process):
        kendra = boto3.client("kendra", endpoint_url=url, region_name="us-east-1")

        assert kendra.list_indices()["IndexConfigurationSummaryItems"] == []
    assert process.returncode == 0


def test_simulate_refuses_a_non_loopback_address(capsys: pytest.CaptureFixture[str]) -> None:
    result = run(capsys, "simulate", "--host", "0.0.0.0", "--scenario", "demo")

    assert result.code == 252
    assert "the simulator binds loopback addresses only" in result.err


@pytest.mark.slow
def test_demo_runs_end_to_end_on_loopback(capsys: pytest.CaptureFixture[str]) -> None:
    result = run(capsys, "demo")

    assert result.code == 0
    assert "== tick 4:" in result.out
    assert "== audit history (job table)" in result.out
    assert "-> ALERT" in result.out
    # the knowledge base beside the index and the application: a failure with its reasons,
    # and a completion with failed documents
    assert "-> ALERT Amazon Bedrock Knowledge Bases sync FAILED: S3 product manuals" in result.out
    assert "-> ALERT Amazon Bedrock Knowledge Bases sync INCOMPLETE: Support website" in result.out
    assert "not authorized to perform s3:GetObject" in result.out


def test_the_console_script_is_installed_with_the_project() -> None:
    helped = subprocess.run(
        [str(CONSOLE_SCRIPT), "--help"], capture_output=True, text=True, check=False
    )
    refused = subprocess.run(
        [str(CONSOLE_SCRIPT), "history", "kendra#i#d", "--since", "a week", "--table", "t"],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "AWS_ENDPOINT_URL": "http://127.0.0.1:9"},  # never reached
    )

    assert helped.returncode == 0
    for command in ("history", "failures", "show", "audit", "demo", "simulate"):
        assert f"    {command} " in helped.stdout
    assert "exit codes (as the AWS CLI's):" in helped.stdout
    assert "252  bad usage" in helped.stdout
    assert refused.returncode == 252
    assert refused.stderr == (
        "sync-auditor: error: --since 'a week' is not a duration; "
        "use a whole number and a unit m, h, d or w, e.g. 30m, 12h, 7d, 2w\n"
    )
