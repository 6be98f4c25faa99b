"""The poller's cold start against bare boto3 in instructions executed, which do not drift.

    python -m bench.instructions                 # the interpreter nearest the runtime's
    python -m bench.instructions --python .venv/bin/python

Wall-clock cold starts on this 2-core guest move by a third between runs (other guests on the
host): the same code measured 1.27x to 1.54x bare in bench/coldstart.py. Valgrind's callgrind
counts the instructions a child executes instead, which come out the same on every run, loaded
machine or not. What it leaves out is time in the kernel (file reads and stats), a few percent
of an import from the page cache; so this is the steady companion of coldstart's figure, not
its replacement. Each variant runs once; the interpreter's own start-up is measured alone and
taken out of every count.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench.coldstart import (
    GOAL_RATIO,
    PACKAGE,
    ROOT,
    child_env,
    interpreters,
    package_copies,
    poll_client_names,
)
from bench.coldstart import variants as timed_variants
from infra import asset

# The variants whose ratio the goal judges, by coldstart's names.
JUDGED = ("poller", "poller auditing one service (DynamoDB + bedrock-agent)")
_COLLECTED = re.compile(r"Collected : (\d+)")


def count(python: str, code: str, env: dict[str, str]) -> int:
    """Instructions a fresh `python -c code` executes, start-up included."""
    # valgrind and an interpreter of ours run our own code: nothing untrusted in the command.
    done = subprocess.run(  # noqa: S603
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", python, "-c", code],  # noqa: S607
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    found = _COLLECTED.search(done.stderr)
    if done.returncode != 0 or not found:
        raise RuntimeError(f"callgrind child failed:\n{done.stderr[-2000:]}")
    return int(found.group(1))


def measure(python: str, package: Path = ROOT / "lambdas" / PACKAGE) -> dict[str, int]:
    """Instructions of start-up alone (`start-up`) and of bare and the judged variants, each
    with start-up taken out."""
    chosen = [v for v in timed_variants(poll_client_names()) if v.name in ("bare", *JUDGED)]
    with package_copies(package, python) as copies:
        copy = str(copies[True])
        runs = {"start-up": ("import json, time", child_env(copy))}
        for variant in chosen:
            env = {k: v.replace("{copy}", copy) for k, v in variant.env.items()}
            code = f"import json, time\n{variant.imports}\n{variant.clients}"
            runs[variant.name] = (code, child_env(copy, env))
        # Counts do not depend on what else runs: both cores at once.
        with ThreadPoolExecutor(max_workers=2) as pool:
            counted = dict(
                zip(runs, pool.map(lambda run: count(python, *run), runs.values()), strict=True)
            )
    start_up = counted.pop("start-up")
    return {"start-up": start_up, **{name: n - start_up for name, n in counted.items()}}


def report(python: str, counts: dict[str, int]) -> Iterator[str]:
    version = asset.version_of(python)
    yield f"### The poller's cold start in instructions (callgrind, Python {version})"
    yield ""
    yield "| variant | instructions (millions) | / bare |"
    yield "|---|---:|---:|"
    bare = counts["bare"]
    for name, n in counts.items():
        if name != "start-up":
            yield f"| {name} | {n / 1e6:,.0f} | {n / bare:.3f}x |"
    yield f"| (interpreter start-up, taken out of each) | {counts['start-up'] / 1e6:,.0f} | |"
    yield ""
    for name in JUDGED:
        ratio = counts[name] / bare
        verdict = "meets" if ratio <= GOAL_RATIO else "misses"
        yield f"{name}: {ratio:.3f}x bare in instructions; it {verdict} the {GOAL_RATIO}x goal."


def available() -> bool:
    return shutil.which("valgrind") is not None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", help="the children's interpreter (default: nearest 3.14)")
    args = parser.parse_args(argv)
    if not available():
        print("valgrind is not installed (apt-get install valgrind)", file=sys.stderr)
        return 2
    python = args.python or interpreters()[0]
    print("\n".join(report(python, measure(python))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
