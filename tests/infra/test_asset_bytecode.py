"""The code asset carries bytecode of the runtime's Python version, so a cold start compiles
nothing; without an interpreter of that version it ships source and says so at synth.

Lambda runs Python 3.14 and these tests run another version, so the compiled cases pretend the
runtime's version is this interpreter's: the same code then compiles locally, as it does on a
deploying machine with Python 3.14.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk import aws_lambda as lambda_
from aws_cdk.assertions import Annotations, Match

from infra import asset, stage_package
from infra.functions import RUNTIME

from .conftest import VARIANT_CONFIG, synthesize

pytestmark = pytest.mark.slow

THIS_VERSION = f"{sys.version_info.major}.{sys.version_info.minor}"
# Flags word of a .pyc (PEP 552): bit 0 hash-based, bit 1 check the source's hash.
CHECKED_HASH_FLAGS = 0b11

# Imports every module of the package found on sys.argv[1] and prints which of them Python
# compiled from source (builtin compile() raises the "compile" audit event; bytecode loads
# through marshal and raises none).
_IMPORT_ALL = """
import importlib, json, pkgutil, sys
asset = sys.argv[1]
compiled = []
def hook(event, args):
    if event == "compile" and isinstance(args[1], str) and args[1].startswith(asset):
        compiled.append(args[1][len(asset) + 1:])
sys.addaudithook(hook)
sys.path.insert(0, asset)
import sync_auditor
for info in pkgutil.walk_packages(sync_auditor.__path__, "sync_auditor."):
    importlib.import_module(info.name)
from sync_auditor import poll_order
print(json.dumps({"compiled": sorted(compiled), "edited": hasattr(poll_order, "EDITED")}))
"""


def synth_code(outdir: Path, bytecode: str) -> tuple[cdk.Stack, Path]:
    """A stack with one function on the asset; returns it and the asset's staged directory."""
    app = cdk.App(outdir=str(outdir))
    stack = cdk.Stack(app, "Code")
    function = lambda_.Function(
        stack,
        "Function",
        code=asset.runtime_code(stack, bytecode),
        handler="sync_auditor.handlers.poller.handler",
        runtime=RUNTIME,
    )
    template = app.synth().get_stack_by_name("Code").template
    code = template["Resources"][stack.get_logical_id(function.node.default_child)]
    key = code["Properties"]["Code"]["S3Key"].removesuffix(".zip")
    return stack, outdir / f"asset.{key}"


@pytest.fixture(autouse=True)
def _fresh_interpreter_lookup() -> Iterator[None]:
    asset.runtime_python.cache_clear()
    yield
    asset.runtime_python.cache_clear()


@pytest.fixture(scope="module")
def compiled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The asset of "auto" where the runtime's Python version is this interpreter's."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(asset, "RUNTIME_VERSION", THIS_VERSION)
        asset.runtime_python.cache_clear()
        _, directory = synth_code(tmp_path_factory.mktemp("compiled"), "auto")
    return directory


def files_of(directory: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(directory)): p.read_bytes() for p in directory.rglob("*") if p.is_file()
    }


def import_all(directory: Path) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-B", "-c", _IMPORT_ALL, str(directory)],
        env={
            **os.environ,
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "POWERTOOLS_TRACE_DISABLED": "true",
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def test_every_module_has_checked_hash_bytecode_of_the_runtimes_version(compiled: Path) -> None:
    modules = sorted(compiled.rglob("*.py"))
    tag = sys.implementation.cache_tag

    assert len(modules) > 40
    for module in modules:
        pyc = module.parent / "__pycache__" / f"{module.stem}.{tag}.pyc"
        assert pyc.is_file(), pyc
        assert int.from_bytes(pyc.read_bytes()[4:8], "little") == CHECKED_HASH_FLAGS, pyc
    pycs = {p for p in compiled.rglob("*.pyc")}
    assert len(pycs) == len(modules)  # and nothing else compiled in


def test_a_cold_start_compiles_no_module_of_the_package(compiled: Path) -> None:
    assert import_all(compiled) == {"compiled": [], "edited": False}


def test_a_source_edited_after_deploy_runs_as_edited(compiled: Path, tmp_path: Path) -> None:
    # Given the deployed asset, one module edited in place (as the Lambda console's editor does)
    edited = tmp_path / "task"
    shutil.copytree(compiled, edited)
    module = edited / "sync_auditor" / "poll_order.py"
    module.chmod(module.stat().st_mode | stat.S_IWUSR)
    module.write_text(module.read_text() + "\nEDITED = True\n")

    # When every module is imported
    result = import_all(edited)

    # Then only the edited one is compiled, and its edit is what runs
    assert result == {"compiled": ["sync_auditor/poll_order.py"], "edited": True}


def test_the_bytecode_names_the_task_root_whatever_the_staging_directory(compiled: Path) -> None:
    import marshal

    pyc = compiled / "sync_auditor" / "__pycache__" / f"poll.{sys.implementation.cache_tag}.pyc"
    code = marshal.loads(pyc.read_bytes()[16:])

    assert code.co_filename == "/var/task/sync_auditor/poll.py"


def test_docker_runs_the_same_staging_in_the_runtimes_bundling_image(
    compiled: Path, tmp_path: Path
) -> None:
    options = asset.bundling_options(None)
    command = list(options.command or [])

    assert (
        options.image.image == RUNTIME.bundling_image.image == "public.ecr.aws/sam/build-python3.14"
    )
    assert options.local is None
    assert command[0] == "python" and command[-2:] == ["/asset-input", "/asset-output"]

    # The image's python stands for the runtime's; /asset-input is lambdas/, mounted.
    output = tmp_path / "asset-output"
    output.mkdir()
    local = [sys.executable, *command[1:-2], str(asset.LAMBDAS_DIR), str(output)]
    subprocess.run(local, check=True, capture_output=True, timeout=120)

    assert files_of(output) == files_of(compiled)


def test_auto_without_the_runtimes_python_ships_source_and_warns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(asset, "RUNTIME_VERSION", "3.99")
    monkeypatch.setenv("PATH", str(tmp_path))  # no python3.99 anywhere

    stack, directory = synth_code(tmp_path / "out", "auto")

    assert not list(directory.rglob("*.pyc"))
    assert (directory / "sync_auditor" / "handlers" / "poller.py").is_file()
    warnings = Annotations.from_stack(stack).find_warning(
        "*", Match.string_like_regexp("ships without bytecode: no Python 3.99")
    )
    assert len(warnings) == 1
    assert 'syncAuditor.bytecode to "docker"' in str(warnings[0].entry.data)


def test_none_ships_source_without_a_warning_even_where_it_could_compile(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a machine where "auto" would compile, and the whole app configured with "none"
    monkeypatch.setattr(asset, "RUNTIME_VERSION", THIS_VERSION)

    synth = synthesize({**VARIANT_CONFIG, "bytecode": "none"}, tmp_path)

    # Then the functions' asset is source only and synth says nothing about it
    assert not list(synth.asset_dir().rglob("*.pyc"))
    assert not Annotations.from_stack(synth.stack).find_warning(
        "*", Match.string_like_regexp("bytecode")
    )


def _interpreter(directory: Path, name: str, body: str) -> None:
    script = directory / name
    script.write_text(f"#!/bin/sh\n{body}\n")
    script.chmod(0o755)


@pytest.mark.parametrize(
    ("body", "found"),
    [
        ("echo 3.99", True),
        # A pyenv shim of a version not installed: on PATH, but it cannot run.
        ("echo 'pyenv: python3.99: command not found' >&2; exit 127", False),
        # Named for the version, but another one.
        ("echo 3.98", False),
    ],
)
def test_the_runtimes_python_is_found_on_path_only_when_it_is_that_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: str, found: bool
) -> None:
    _interpreter(tmp_path, "python3.99", body)
    monkeypatch.setenv("PATH", str(tmp_path))

    expected = str(tmp_path / "python3.99") if found else None
    assert asset.runtime_python("3.99") == expected


def test_the_interpreter_running_synth_is_used_when_it_is_the_runtimes_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # nothing on PATH

    assert asset.runtime_python(THIS_VERSION) == sys.executable


def test_a_module_that_does_not_compile_fails_the_staging(tmp_path: Path) -> None:
    lambdas = tmp_path / "lambdas"
    (lambdas / stage_package.PACKAGE).mkdir(parents=True)
    (lambdas / stage_package.PACKAGE / "broken.py").write_text("def (:\n")

    with pytest.raises(RuntimeError, match=r"compiling the asset with .* failed"):
        asset.LocalStaging(sys.executable, lambdas).try_bundle(str(tmp_path / "out"), image=None)
