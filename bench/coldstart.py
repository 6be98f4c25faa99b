"""The poller's cold start next to a bare boto3 client, measured in the same run, and the memory
and CPU of a tick over a loopback fleet.

    python -m bench.coldstart                          # 7 samples a variant, 1,000 sources
    python -m bench.coldstart --samples 3 --sources 100
    git archive <commit> lambdas/sync_auditor | tar -x -C /tmp/old
    python -m bench.coldstart --sources 0 --paced-sources 0 --package /tmp/old/lambdas/sync_auditor

Each sample is a fresh interpreter (`python -c`, so nothing but `json` and `time` is imported
before the clock starts); variants are interleaved round by round so load on the machine
drifts over all of them alike, and each figure is the median. Children get fake credentials,
a region and no config files: clients are created, no request is sent.

The poller runs from the package staged as synth stages the asset (infra/stage_package.py,
with bytecode; this interpreter compiles it in the runtime's stead). The variants that explain
its figure: tracing on (Powertools' Tracer imports the X-Ray SDK, which makes botocore clients
of its own, and patches botocore) against tracing off as the stack deploys it
(POWERTOOLS_TRACE_DISABLED=true); and the same files without bytecode, as an asset synthesized
with `bytecode: "none"` (or without a Python 3.14) ships them.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT / "lambdas") not in sys.path:  # the same import path as Lambda and the tests
    sys.path.insert(0, str(ROOT / "lambdas"))

from bench import runtime_python  # noqa: E402
from devkit.loopback import FAKE_CREDENTIALS, REGION  # noqa: E402
from infra import stage_package  # noqa: E402

PACKAGE = "sync_auditor"
# Issue 12's goal: the poller's import + clients at most this many times a bare boto3 client's.
GOAL_RATIO = 1.4

# The child's clock: everything between t0 and t2 is what the variant costs. VmHWM is the peak
# resident memory of this address space (ru_maxrss would carry the parent's across exec).
_TIMED = """import json, time
t0 = time.perf_counter()
{imports}
t1 = time.perf_counter()
{clients}
t2 = time.perf_counter()
hwm = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM:"))
import sys
python = "%d.%d" % sys.version_info[:2]
print(json.dumps({{"import_s": t1 - t0, "clients_s": t2 - t1, "maxrss_kb": hwm, "python": python}}))
"""


@dataclass(frozen=True)
class Variant:
    name: str
    imports: str
    clients: str
    env: dict[str, str] = field(default_factory=dict)
    compiled: bool = True  # which copy of the package is on the path


def variants(client_names: list[str]) -> list[Variant]:
    """Bare boto3, the poller as deployed, and the poller with one factor changed."""

    def making(names: list[str]) -> str:
        return (
            f"from sync_auditor.adapters.clients import client\nfor name in {names!r}: client(name)"
        )

    # As in Lambda (LAMBDA_TASK_ROOT, which the X-Ray SDK and Powertools read too), with the
    # stack's default: tracing off.
    deployed = {"LAMBDA_TASK_ROOT": "{copy}", "POWERTOOLS_TRACE_DISABLED": "true"}
    poller = Variant(
        "poller", "import sync_auditor.handlers.poller", making(client_names), deployed
    )
    return [
        Variant("bare", "import boto3", f"boto3.client('dynamodb', region_name={REGION!r})"),
        poller,
        # Clients are made at first use, so a deployment makes those of its audited services
        # only: one service (Bedrock, where users are moving) is the common case.
        replace(
            poller,
            name="poller auditing one service (DynamoDB + bedrock-agent)",
            clients=making(["dynamodb", "bedrock-agent"]),
        ),
        # Like for like with bare: the rest of the poller's figure is the services' models.
        replace(poller, name="poller, DynamoDB client only", clients=making(client_names[:1])),
        replace(
            poller,
            name="poller, tracing on",
            env={**deployed, "POWERTOOLS_TRACE_DISABLED": "false"},
        ),
        # What Lambda runs from an asset without bytecode: /var/task is read-only, so every
        # cold start compiles the package again.
        replace(
            poller,
            name="poller, no bytecode",
            env={**deployed, "PYTHONDONTWRITEBYTECODE": "1"},
            compiled=False,
        ),
    ]


def poll_client_names() -> list[str]:
    """The clients a poll makes: the tables' and each registered service's."""
    from sync_auditor.services import REGISTRY

    return ["dynamodb", *(spec.client_name for spec in REGISTRY.values())]


def child_env(pythonpath: str, extra: dict[str, str] | None = None) -> dict[str, str]:
    """The parent's environment without its AWS settings, plus the loopback's fake ones and no
    config files: nothing reaches AWS."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "POWERTOOLS_"))}
    env.update(FAKE_CREDENTIALS)
    env.update(
        AWS_CONFIG_FILE="/dev/null",
        AWS_SHARED_CREDENTIALS_FILE="/dev/null",
        AWS_EC2_METADATA_DISABLED="true",
        POWERTOOLS_LOG_LEVEL="ERROR",
        PYTHONPATH=pythonpath,
    )
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.update(extra or {})
    return env


def run_child(
    code: str, env: dict[str, str], timeout: float = 600, python: str = sys.executable
) -> dict[str, Any]:
    # Our own or the given interpreter, our own code: nothing untrusted reaches the command.
    done = subprocess.run(  # noqa: S603
        [python, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if done.returncode != 0:
        raise RuntimeError(f"child failed:\n{done.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


@contextmanager
def package_copies(package: Path, python: str) -> Iterator[dict[bool, Path]]:
    """Two copies of the runtime package as the asset ships it: staged with bytecode as synth
    stages it (infra/stage_package.py, by this interpreter in the runtime's stead), and the same
    files without bytecode (`bytecode: "none"`, or "auto" where synth has no Python 3.14)."""
    with tempfile.TemporaryDirectory(prefix="coldstart-") as tmp:
        copies = {False: Path(tmp, "plain"), True: Path(tmp, "compiled")}
        shutil.copytree(
            package, copies[False] / PACKAGE, ignore=shutil.ignore_patterns(*stage_package.IGNORED)
        )
        # As synth's local staging runs it: by the interpreter whose bytecode it makes.
        subprocess.run(  # noqa: S603 (the project's own script and a chosen interpreter)
            [python, stage_package.__file__, str(package.parent), str(copies[True])],
            check=True,
            capture_output=True,
            timeout=300,
        )
        yield copies


def measure(
    samples: int, package: Path = ROOT / "lambdas" / PACKAGE, python: str = sys.executable
) -> dict[str, dict[str, float]]:
    """Each variant over `samples` fresh interpreters of `python`, after one discarded warm-up
    round (the OS's file cache): median import and clients time and peak memory, and `ratio`,
    the median over rounds of the variant's total over that round's bare total.

    Pairing within a round: this machine's speed drifts by a third over minutes (other guests
    on the host), and a ratio of two medians taken at different moments carries that drift.
    """
    found: dict[str, list[dict[str, Any]]] = {}
    with package_copies(package, python) as copies:
        chosen = variants(poll_client_names())
        for round_number in range(samples + 1):
            this_round = {}
            for variant in chosen:
                copy = str(copies[variant.compiled])
                env = {k: v.replace("{copy}", copy) for k, v in variant.env.items()}
                code = _TIMED.format(imports=variant.imports, clients=variant.clients)
                sample = run_child(code, child_env(copy, env), python=python)
                this_round[variant.name] = {
                    **sample,
                    "total_s": sample["import_s"] + sample["clients_s"],
                }
            if round_number:
                bare = this_round["bare"]["total_s"]
                for name, sample in this_round.items():
                    found.setdefault(name, []).append({**sample, "ratio": sample["total_s"] / bare})
        # The no-bytecode copy must still be without bytecode, or it measured the compiled.
        if any(copies[False].rglob("*.pyc")):
            raise RuntimeError("the copy without bytecode was compiled during the run")
    return {
        name: {
            **{
                figure: statistics.median(s[figure] for s in runs)
                for figure in ("import_s", "clients_s", "total_s", "ratio")
            },
            "maxrss_mb": statistics.median(s["maxrss_kb"] for s in runs) / 1024,
            "samples": len(runs),
            "python": runs[0]["python"],
        }
        for name, runs in found.items()
    }


def report(cold: dict[str, dict[str, float]]) -> Iterator[str]:
    """The variants against bare boto3, as a Markdown table, and the verdicts."""
    yield (
        f"### The poller's cold start (median of {cold['bare']['samples']} fresh interpreters, "
        f"Python {cold['bare']['python']})"
    )
    yield ""
    yield (
        "/ bare: the median over rounds of the variant's total over the same round's bare "
        "total (the rounds interleave the variants)."
    )
    yield ""
    yield "| variant | import | clients | total | / bare | peak memory |"
    yield "|---|---:|---:|---:|---:|---:|"
    for name, figures in cold.items():
        yield (
            f"| {name} | {figures['import_s'] * 1000:.0f} ms | {figures['clients_s'] * 1000:.0f} ms"
            f" | {figures['total_s'] * 1000:.0f} ms | {figures['ratio']:.2f}x"
            f" | {figures['maxrss_mb']:.0f} MB |"
        )
    yield ""
    for name, title in (
        ("poller", "auditing all three services"),
        ("poller auditing one service (DynamoDB + bedrock-agent)", "auditing one service"),
    ):
        ratio = cold[name]["ratio"]
        verdict = "meets" if ratio <= GOAL_RATIO else "misses"
        yield (
            f"On Python {cold['bare']['python']}, the poller as deployed, {title}, is "
            f"{ratio:.2f}x bare boto3: it {verdict} the {GOAL_RATIO}x goal."
        )
    yield (
        "Each further service's client costs the parse of its botocore model (10-20 ms here), "
        "which no packaging avoids."
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=7, help="interpreters a variant (7)")
    parser.add_argument(
        "--sources", type=int, default=1000, help="data sources of the memory tick (1,000; 0: none)"
    )
    parser.add_argument(
        "--paced-sources",
        type=int,
        default=100,
        help="data sources of the tick at the default 10 requests/s (100; 0: none)",
    )
    parser.add_argument(
        "--package",
        type=Path,
        default=ROOT / "lambdas" / PACKAGE,
        help="the sync_auditor package to measure (another commit's: git archive it first)",
    )
    parser.add_argument(
        "--python",
        help="the interpreter of the cold-start children, with boto3 and Powertools installed "
        "(default: the one nearest the runtime's 3.14, in a virtualenv of its own, and this one)",
    )
    args = parser.parse_args(argv)
    pythons = [args.python] if args.python else interpreters()
    colds = [measure(args.samples, args.package, python) for python in pythons]
    from bench import quiet_tick  # which runs its children with run_child, above

    ticks = []
    if args.sources:
        # Paced far above what the loopback serves: the tick's own CPU and memory, unhurried.
        ticks.append(quiet_tick.tick(args.sources, requests_per_second=10_000))
    if args.paced_sources:
        ticks.append(quiet_tick.tick(args.paced_sources, requests_per_second=10))
    lines = [line for cold in colds for line in (*report(cold), "")]
    print("\n".join([*lines, *quiet_tick.report(ticks)]))
    return 0


def interpreters() -> list[str]:
    """The interpreters to measure with, the one whose verdict counts first: the nearest the
    runtime's version (bench/runtime_python.py), then this one, for comparison over time."""
    nearest = runtime_python.nearest()
    return [runtime_python.runtime_venv(nearest), sys.executable] if nearest else [sys.executable]


if __name__ == "__main__":
    sys.exit(main())
