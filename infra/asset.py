"""The code asset both functions run: the `sync_auditor` package, compiled where possible.

boto3 comes with the Lambda runtime and Powertools from its public layer, so the asset is our
package alone. Shipped as source, it is compiled on every cold start (Lambda's /var/task is
read-only, so Python cannot keep what it compiled): about 40 ms of the poller's first
invocation, half of what it costs beyond bare boto3 (bench/coldstart.py). So the asset carries
bytecode made by the runtime's own Python version (bytecode is only valid for the version that
made it), as `bytecode` (config) chooses:

- "auto": compiled on this machine by an interpreter of the runtime's version, if there is one
  (the one running synth, or `python3.14` on PATH); otherwise source only, with a synth
  warning saying how to get bytecode. Never needs Docker.
- "docker": compiled in the runtime's bundling image (CDK bundling with Docker).
- "none": source only.

Both compiling paths run infra/stage_package.py, so they produce the same files.
"""

from __future__ import annotations

import subprocess
import sys
from functools import cache
from pathlib import Path
from shutil import which
from typing import Any, Final

import jsii
from aws_cdk import Annotations, BundlingOptions, ILocalBundling
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from infra import stage_package
from infra.config import BYTECODE_MODES
from infra.functions import RUNTIME

# "3.14" of "python3.14": bytecode is valid only for the minor version that compiled it.
RUNTIME_VERSION: Final = RUNTIME.name.removeprefix("python")
LAMBDAS_DIR: Final = Path(__file__).resolve().parent.parent / "lambdas"
STAGE_SCRIPT: Final = Path(stage_package.__file__)
# Only the package and nothing development leaves in it. With bundling, this also keeps
# __pycache__ out of the asset's source hash (what CDK names the bundled asset by).
ASSET_EXCLUDE: Final = (
    "*",
    f"!{stage_package.PACKAGE}",
    f"!{stage_package.PACKAGE}/**",
    *(f"**/{pattern}" for pattern in stage_package.IGNORED),
)
NO_BYTECODE_WARNING: Final = "sync-auditor:asset-without-bytecode"


def runtime_code(scope: Construct, bytecode: str) -> lambda_.Code:
    """The asset, built as `bytecode` (one of BYTECODE_MODES) asks."""
    if bytecode not in BYTECODE_MODES:
        raise ValueError(f"bytecode must be one of {BYTECODE_MODES}, not {bytecode!r}")
    python = runtime_python(RUNTIME_VERSION) if bytecode == "auto" else None
    if bytecode == "docker" or python:
        return lambda_.Code.from_asset(
            str(LAMBDAS_DIR),
            exclude=list(ASSET_EXCLUDE),
            bundling=bundling_options(python),
        )
    if bytecode == "auto":
        Annotations.of(scope).add_warning_v2(
            NO_BYTECODE_WARNING,
            f"The functions' code ships without bytecode: no Python {RUNTIME_VERSION} (the "
            f"Lambda runtime's) runs synth or is on PATH as python{RUNTIME_VERSION}, so every "
            "cold start compiles the package again (about 40 ms). Put one on PATH, or set "
            'syncAuditor.bytecode to "docker" (compiles in the runtime\'s bundling image), or '
            'to "none" to ship source without this warning.',
        )
    return lambda_.Code.from_asset(str(LAMBDAS_DIR), exclude=list(ASSET_EXCLUDE))


def bundling_options(python: str | None) -> BundlingOptions:
    """Stage and compile in the runtime's bundling image, or locally with `python` if given.

    The script travels as text: the image mounts only lambdas/ (as /asset-input).
    """
    return BundlingOptions(
        image=RUNTIME.bundling_image,
        command=["python", "-c", STAGE_SCRIPT.read_text(), "/asset-input", "/asset-output"],
        local=LocalStaging(python) if python else None,
    )


@jsii.implements(ILocalBundling)
class LocalStaging:
    """CDK's local bundling: stage_package.py run by an interpreter of the runtime's version."""

    def __init__(self, python: str, lambdas_dir: Path = LAMBDAS_DIR) -> None:
        self.python = python
        self.lambdas_dir = lambdas_dir

    # Keyword-only options: jsii then passes BundlingOptions' fields by name.
    def try_bundle(self, output_dir: str, *, image: Any, **_options: Any) -> bool:
        # Our own script and interpreter, and paths CDK chose: nothing untrusted in the command.
        done = subprocess.run(  # noqa: S603
            [self.python, str(STAGE_SCRIPT), str(self.lambdas_dir), output_dir],
            capture_output=True,
            text=True,
            timeout=300,
        )
        if done.returncode != 0:
            # Raised, not False: False would make CDK fall back to Docker, which "auto" promises
            # never to need.
            raise RuntimeError(
                f"compiling the asset with {self.python} failed:\n{done.stdout}{done.stderr}"
            )
        return True


@cache
def runtime_python(version: str) -> str | None:
    """An interpreter of `version` ("3.14"): the one running synth, or python<version> on PATH
    when it really is that version (a pyenv shim of a version not installed is not)."""
    if f"{sys.version_info.major}.{sys.version_info.minor}" == version:
        return sys.executable
    found = which(f"python{version}")
    return found if found and version_of(found) == version else None


def version_of(python: str) -> str | None:
    """The "3.X" an interpreter says it is; None when it does not run."""
    try:
        # An interpreter found or named by our caller prints its own version; nothing else runs.
        done = subprocess.run(  # noqa: S603
            [python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            timeout=30,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() if done.returncode == 0 else None
