"""The sandbox: the demo left running, its export lines eval'd by a shell, and the README's
commands answered from the demo's tables. Started in a subprocess that the fixture waits on
by its readiness line (never a timed sleep), stopped at the end."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from devkit import demo
from devkit.sandbox import READY

ROOT = Path(__file__).parents[2]
CONFLUENCE = f"kendra#{demo.KENDRA_INDEX}#confluence"
# A shell with nothing of the test's AWS environment: all it knows comes from the exports.
BARE_ENV = {"PATH": "/usr/bin:/bin", "HOME": os.environ.get("HOME", "/tmp")}

pytestmark = pytest.mark.slow


def _sh(exports: str, command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-c", f'eval "$SANDBOX_EXPORTS"\n{command}'],
        env={**BARE_ENV, "SANDBOX_EXPORTS": exports},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """`sync-auditor demo --keep`'s sandbox in the foreground; yields its export lines."""
    state = tmp_path_factory.mktemp("sandbox")
    process = subprocess.Popen(
        [sys.executable, "-m", "devkit.sandbox", "serve", "--state-dir", str(state)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    exports = []
    for line in process.stdout:
        if line.rstrip("\n") == READY:
            break
        if line.startswith(("export ", "unset ")):
            exports.append(line)
    else:
        pytest.fail(f"the sandbox exited ({process.wait()}) before it was ready")
    try:
        yield "".join(exports), state
    finally:
        process.send_signal(signal.SIGTERM)
        process.stdout.read()
        assert process.wait(timeout=60) == 0
        assert not (state / "pid").exists()


def test_the_exports_set_tables_region_credentials_and_endpoints(
    sandbox: tuple[str, Path],
) -> None:
    exports, state = sandbox
    names = [line.split()[1].split("=")[0] for line in exports.splitlines()]

    for name in (
        "SYNC_AUDITOR_TABLE",
        "SYNC_AUDITOR_STATE_TABLE",
        "AWS_REGION",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_ENDPOINT_URL",
        "AWS_ENDPOINT_URL_KENDRA",
        "AWS_ENDPOINT_URL_QBUSINESS",
        "AWS_ENDPOINT_URL_BEDROCK_AGENT",
    ):
        assert name in names
    assert all("127.0.0.1" in line for line in exports.splitlines() if "ENDPOINT_URL" in line)
    assert (state / "env").read_text() == exports  # what `make -s sandbox-env` prints


def test_history_and_failures_answer_from_the_demos_tables(sandbox: tuple[str, Path]) -> None:
    exports, _ = sandbox

    history = _sh(exports, f"sync-auditor history '{CONFLUENCE}' -o json")
    failures = _sh(exports, "sync-auditor failures --since 7d --query '[].executionId' -o json")
    table = _sh(exports, "COLUMNS=100 sync-auditor failures --since 7d")

    assert history.returncode == 0, history.stderr
    assert {r["executionId"] for r in json.loads(history.stdout)} >= {"conf-new", "hist-conf-1"}
    assert failures.returncode == 0, failures.stderr
    assert {"web-new", "s3-new", "sp-run-1"} <= set(json.loads(failures.stdout))
    assert table.returncode == 0 and table.stdout.startswith("START TIME")
    assert all(len(line) <= 100 for line in table.stdout.splitlines())


def test_status_shows_the_demos_fleet_worst_first(sandbox: tuple[str, Path]) -> None:
    exports, _ = sandbox

    status = _sh(exports, "sync-auditor status -o json")

    assert status.returncode == 0, status.stderr
    rows = json.loads(status.stdout)
    keys = [row["dataSourceKey"] for row in rows]
    assert CONFLUENCE in keys
    # worst first: a failing data source comes before every healthy one
    health = [row["health"] for row in rows]
    assert "healthy" in health and health.index("healthy") > 0, health


def test_audit_reads_the_sandboxs_config(sandbox: tuple[str, Path]) -> None:
    exports, _ = sandbox

    result = _sh(exports, "sync-auditor audit --dry-run -o json")

    # The demo deleted one Kendra data source that the config lists by id: one poll error
    assert result.returncode == 254, result.stderr
    report = json.loads(result.stdout)
    assert report["dryRun"] is True and report["changes"] == []
    assert "legacy-ftp" in result.stderr


def test_make_sandbox_runs_in_the_background_until_sandbox_stop(tmp_path: Path) -> None:
    def sandbox(action: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "devkit.sandbox", action, "--state-dir", str(tmp_path)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    # `make sandbox` returns once the sandbox serves: the demo on stderr, the exports on stdout
    started = sandbox("start")
    try:
        assert started.returncode == 0, started.stderr
        assert "== tick 5:" in started.stderr
        assert all(line.startswith(("export ", "unset ")) for line in started.stdout.splitlines())
        failures = _sh(started.stdout, "sync-auditor failures --since 7d -o json")
        assert failures.returncode == 0 and json.loads(failures.stdout)
        assert sandbox("env").stdout == started.stdout
    finally:
        stopped = sandbox("stop")

    assert stopped.returncode == 0 and "sandbox stopped" in stopped.stderr
    assert not (tmp_path / "pid").exists()
    assert sandbox("env").returncode == 1
