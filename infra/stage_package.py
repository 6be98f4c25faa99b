"""Stage the Lambda asset: the runtime package, with bytecode compiled by the Python running this.

    python infra/stage_package.py <lambdas directory> <output directory>

Standard library only, and no imports of the project: the same file runs on the deploying
machine (with a Python of the runtime's version) and, as `python -c <this file's text>`, in the
runtime's bundling image, so both paths produce the same asset (infra/asset.py).

Why bytecode at all: Lambda's /var/task is read-only, so a package shipped as source is
compiled on every cold start and the result thrown away (bench/coldstart.py measures it).
"""

from __future__ import annotations

import compileall
import py_compile
import shutil
import sys
from pathlib import Path

PACKAGE = "sync_auditor"
# Development leftovers and anything that is not the runtime package's own code.
IGNORED = ("__pycache__", "*.pyc", "tests", "devkit", "simulator", "infra")
# Where Lambda extracts the asset (LAMBDA_TASK_ROOT): the path tracebacks name.
TASK_ROOT = "/var/task"
# Checked against a hash of the source, not its timestamp: the asset's zip does not keep the
# staging's timestamps, so a timestamp check would find every file stale and compile it again
# on each cold start. Checked rather than unchecked: a source edited after staging (the Lambda
# console's editor) is compiled from the edit, never shadowed by stale bytecode. The check is a
# hash of files the import reads anyway.
INVALIDATION = py_compile.PycInvalidationMode.CHECKED_HASH


def stage(lambdas_dir: Path, output_dir: Path) -> None:
    """Copy `lambdas_dir`/PACKAGE into `output_dir` and compile every module of the copy."""
    target = output_dir / PACKAGE
    shutil.copytree(lambdas_dir / PACKAGE, target, ignore=shutil.ignore_patterns(*IGNORED))
    compiled = compileall.compile_dir(
        str(target),
        ddir=f"{TASK_ROOT}/{PACKAGE}",
        quiet=1,
        invalidation_mode=INVALIDATION,
    )
    if not compiled:
        raise SystemExit(f"stage_package: {PACKAGE} did not compile (the errors are above)")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit("usage: stage_package.py <lambdas directory> <output directory>")
    stage(Path(sys.argv[1]), Path(sys.argv[2]))
