"""The poller's footprint: cold-start import time, peak memory of a tick, and the deployed asset.

The parent calls `cold_start`, `tick_memory` and `asset_size`; the first two run this module
again in a fresh interpreter (`python -m bench.footprint import|tick`), which imports only what
the Lambda function imports, and prints one JSON line.
"""

from __future__ import annotations

import io
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any

from infra import stage_package

ROOT = Path(__file__).resolve().parent.parent


# A fresh interpreter has no loopback; creating clients still needs a region and credentials.
_OFFLINE = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}


def _child_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {**os.environ, **_OFFLINE, **(extra or {})}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "lambdas"), str(ROOT)])
    env["POWERTOOLS_LOG_LEVEL"] = "ERROR"
    return env


def _run_child(mode: str, env: dict[str, str]) -> dict[str, Any]:
    # Our own interpreter and module, fixed arguments: nothing untrusted reaches the command.
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "bench.footprint", mode],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    if done.returncode != 0:
        raise RuntimeError(f"bench.footprint {mode} failed:\n{done.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def cold_start(runs: int) -> dict[str, float]:
    """Median over `runs` fresh interpreters: importing the handler module, then making the
    clients a first tick makes (DynamoDB, Kendra, Q Business), and the peak memory by then."""
    samples = [_run_child("import", _child_env()) for _ in range(runs)]
    return {
        "import_s": statistics.median(s["import_s"] for s in samples),
        "clients_s": statistics.median(s["clients_s"] for s in samples),
        "maxrss_mb": statistics.median(s["maxrss_kb"] for s in samples) / 1024,
        "runs": runs,
    }


def tick_memory(env: dict[str, str]) -> dict[str, Any]:
    """Peak memory of a fresh interpreter that imports the handler and runs one tick with the
    given environment (the parent's loopback endpoints and targets)."""
    return _run_child("tick", _child_env(env))


def asset_size() -> dict[str, Any]:
    """The code asset `cdk synth` packages for both functions here (infra/asset.py; with
    bytecode only where this machine has the runtime's Python): files, bytes, and the zip."""
    with tempfile.TemporaryDirectory() as outdir:
        env = {
            **os.environ,
            "CDK_OUTDIR": outdir,
            "CDK_DISABLE_CLI_TELEMETRY": "true",
            "JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION": "1",
            "PATH": f"{ROOT / 'node_modules' / '.bin'}{os.pathsep}{os.environ.get('PATH', '')}",
        }
        subprocess.run(  # noqa: S603 (the project's own app.py, fixed arguments)
            [sys.executable, "app.py"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            check=True,
            timeout=300,
        )
        # The functions' asset; CDK's log-retention function (Chatbot logs) brings its own.
        (asset,) = [
            p
            for p in Path(outdir).iterdir()
            if p.name.startswith("asset.") and (p / "sync_auditor").is_dir()
        ]
        shipped = _measured(asset)
        # Synth compiles only where it finds the runtime's Python: the compiled asset as that
        # staging makes it, by this interpreter in its stead (the sizes barely differ by version).
        staged = Path(outdir, "staged")
        stage_package.stage(ROOT / "lambdas", staged)
        compiled = _measured(staged)
    return {**shipped, **{f"compiled_{name}": value for name, value in compiled.items()}}


def _measured(asset: Path) -> dict[str, int]:
    """Files, bytes and the zip of an asset directory."""
    files = sorted(p for p in asset.rglob("*") if p.is_file())
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in files:
            archive.write(path, path.relative_to(asset))
    return {
        "files": len(files),
        "bytes": sum(p.stat().st_size for p in files),
        "zip_bytes": len(packed.getvalue()),
    }


def _maxrss_kb() -> int:
    """Peak resident memory of this interpreter, KiB. Linux keeps getrusage's ru_maxrss across
    exec, so a child of the (large) benchmark would report its parent's peak; VmHWM belongs to
    the address space exec made."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)  # KiB on Linux


def _child(mode: str) -> dict[str, Any]:
    started = time.perf_counter()
    from sync_auditor.handlers import poller

    imported = time.perf_counter()
    from sync_auditor.adapters import clients

    for service in ("dynamodb", "kendra", "qbusiness"):
        clients.client(service)
    made = time.perf_counter()
    result: dict[str, Any] = {"import_s": imported - started, "clients_s": made - imported}
    if mode == "tick":
        from sync_auditor.settings import PollerSettings

        summary = poller.run(PollerSettings.from_env())
        result["polled"] = sum(s["DataSourcesPolled"] for s in summary["services"].values())
        result["written"] = sum(s["JobsWritten"] for s in summary["services"].values())
    result["maxrss_kb"] = _maxrss_kb()
    return result


if __name__ == "__main__":
    print(json.dumps(_child(sys.argv[1])))
