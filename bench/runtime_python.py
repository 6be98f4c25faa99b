"""The interpreter the cold start is measured with: the one nearest the Lambda runtime's version.

Import and client costs depend on the Python version (3.13, for one, builds a dataclass's
methods in one exec where 3.11 runs one per method), so the figure that speaks for Lambda's
Python 3.14 is taken with 3.14 where the machine has it, else the newest Python between it
and this interpreter's. Such an interpreter gets a virtualenv of its own, `.venv-runtime-3.X`,
holding only what a deployed function has besides its asset: boto3 and Powertools, at the
versions requirements.txt pins (the runtime's boto3 is not ours to pick; the pins keep the run
comparable with this interpreter's).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from infra import asset

ROOT = Path(__file__).resolve().parent.parent
# What a deployed function imports besides its asset (Powertools' tracer extra: the X-Ray SDK).
RUNTIME_LIBRARIES = ("boto3", "botocore", "aws-lambda-powertools[tracer]")


def nearest() -> str | None:
    """A Python newer than this one and at most the runtime's version, the newest found: on
    PATH, or installed by pyenv (whose shims run only the versions it has selected)."""
    runtime_major, runtime_minor = (int(part) for part in asset.RUNTIME_VERSION.split("."))
    for minor in range(runtime_minor, sys.version_info.minor, -1):
        version = f"{runtime_major}.{minor}"
        found = asset.runtime_python(version) or _pyenv_python(version)
        if found:
            return found
    return None


def _pyenv_python(version: str) -> str | None:
    root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    for installed in sorted((root / "versions").glob(f"{version}.*"), reverse=True):
        python = installed / "bin" / f"python{version}"
        if python.is_file() and os.access(python, os.X_OK):
            return str(python)
    return None


def pins() -> list[str]:
    """requirements.txt's lines for RUNTIME_LIBRARIES."""
    names = {name.split("[")[0] for name in RUNTIME_LIBRARIES}
    lines = (ROOT / "requirements.txt").read_text().splitlines()
    found = [line.strip() for line in lines if line.split("==")[0].split("[")[0] in names]
    if len(found) != len(names):
        raise RuntimeError(f"requirements.txt does not pin all of {sorted(names)}")
    return found


def runtime_venv(python: str) -> str:
    """The interpreter of `python`'s benchmark virtualenv, made (or remade) for today's pins."""
    version = asset.version_of(python)
    if version is None:
        raise RuntimeError(f"{python} does not run")
    venv = ROOT / f".venv-runtime-{version}"
    marker = venv / "pins.txt"
    wanted = "\n".join(pins())
    if not marker.is_file() or marker.read_text() != wanted:
        print(f"making {venv.name} (boto3 and Powertools for Python {version})", file=sys.stderr)
        subprocess.run([python, "-m", "venv", "--clear", str(venv)], check=True)  # noqa: S603
        subprocess.run(  # noqa: S603 (pinned requirements of our own)
            [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", *pins()],
            check=True,
        )
        marker.write_text(wanted)
    return str(venv / "bin" / "python")
