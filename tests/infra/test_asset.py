"""The Lambda asset is the runtime package and nothing else, and runs with only what Lambda has.

Lambda provides the Python standard library and boto3; the Powertools layer provides
aws_lambda_powertools and aws-xray-sdk. The import check runs a clean interpreter (-I -S: no
site-packages, no PYTHON* variables) whose path holds the asset and just those libraries.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest
from aws_cdk import aws_lambda as lambda_

from infra import asset, functions

from .conftest import ROOT, Synth, render

pytestmark = pytest.mark.slow

# The runtime's boto3 with its dependencies, and the Powertools layer's contents we rely on.
RUNTIME_LIBRARIES = (
    "boto3",
    "botocore",
    "jmespath",
    "dateutil",
    "s3transfer",
    "urllib3",
    "six",
    "aws_lambda_powertools",
    "typing_extensions",
    "aws_xray_sdk",
    "wrapt",
)


@pytest.fixture(scope="session")
def lambda_libraries(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory holding only the libraries a deployed function has besides its asset."""
    directory = tmp_path_factory.mktemp("lambda-libraries")
    for name in RUNTIME_LIBRARIES:
        spec = importlib.util.find_spec(name)
        assert spec is not None and spec.origin is not None, name
        origin = Path(spec.origin)
        source = origin.parent if origin.name == "__init__.py" else origin
        (directory / source.name).symlink_to(source)
    return directory


def asset_files(synth: Synth) -> set[str]:
    asset = synth.asset_dir()
    return {str(p.relative_to(asset)) for p in asset.rglob("*") if p.is_file()}


def test_asset_holds_exactly_the_runtime_package_and_no_development_bytecode(
    example: Synth,
) -> None:
    source = ROOT / "lambdas" / "sync_auditor"
    assert list(source.rglob("__pycache__")), "the fixture compiles the sources first"
    modules = {
        p.relative_to(source.parent)
        for p in source.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
    }
    # The runtime's bytecode, where this machine has its Python (test_asset_bytecode.py),
    # and never the bytecode development left beside the sources.
    runtime_tag = "cpython-" + asset.RUNTIME_VERSION.replace(".", "")
    compiled = {
        m.parent / "__pycache__" / f"{m.stem}.{runtime_tag}.pyc"
        for m in modules
        if m.suffix == ".py"
    }
    expected = {str(p) for p in modules}
    if asset.runtime_python(asset.RUNTIME_VERSION):
        expected |= {str(p) for p in compiled}

    files = asset_files(example)

    assert files == expected
    assert all(f.startswith("sync_auditor/") for f in files)
    for forbidden in ("tests", "devkit", "simulator", "infra"):
        assert not any(forbidden in Path(f).parts for f in files)


def test_both_functions_run_the_one_asset(example: Synth) -> None:
    codes = {
        json.dumps(
            render(
                example.template_json["Resources"][example.logical_id(c.function)]["Properties"][
                    "Code"
                ]
            )
        )
        for c in (example.stack.poller, example.stack.notifier)
    }

    assert len(codes) == 1


@pytest.mark.parametrize("function", ["poller", "notifier"])
def test_handler_imports_from_the_asset_with_only_lambdas_libraries(
    example: Synth, lambda_libraries: Path, function: str
) -> None:
    # Given the function's handler and its deployed environment variables
    construct = getattr(example.stack, function).function
    props = example.template_json["Resources"][example.logical_id(construct)]["Properties"]
    module, attribute = props["Handler"].rsplit(".", 1)
    variables = {
        name: value if isinstance(value, str) else "deployed-value"
        for name, value in props["Environment"]["Variables"].items()
    }
    asset = example.asset_dir()
    script = f"""
import importlib, pkgutil, sys
sys.path[:0] = [{str(asset)!r}, {str(lambda_libraries)!r}]
handler = getattr(importlib.import_module({module!r}), {attribute!r})
assert callable(handler)
import sync_auditor
assert sync_auditor.__file__.startswith({str(asset)!r}), sync_auditor.__file__
for info in pkgutil.walk_packages(sync_auditor.__path__, "sync_auditor."):
    importlib.import_module(info.name)
print("imported", len([m for m in sys.modules if m.startswith("sync_auditor")]))
"""

    # When a clean interpreter imports it (no site-packages, no AWS credentials)
    result = subprocess.run(
        [sys.executable, "-I", "-S", "-c", script],
        env={**variables, "AWS_DEFAULT_REGION": "us-east-1", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )

    # Then the handler and every module of the package import
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("imported")


def test_powertools_layer_is_the_version_development_pins() -> None:
    assert functions.POWERTOOLS_VERSION == importlib.metadata.version("aws-lambda-powertools")


def test_functions_use_the_newest_python_runtime_cdk_knows() -> None:
    def version(runtime: lambda_.Runtime) -> tuple[int, ...]:
        return tuple(int(part) for part in runtime.name.removeprefix("python").split("."))

    pythons = [
        getattr(lambda_.Runtime, name)
        for name in dir(lambda_.Runtime)
        if name.startswith("PYTHON_")
    ]

    assert functions.RUNTIME.name == max(pythons, key=version).name == "python3.14"
    assert functions.POWERTOOLS_LAYER_PARAMETER.split("/")[-2] == functions.RUNTIME.name


def test_powertools_names_match_the_runtime_defaults() -> None:
    from sync_auditor import observability

    assert functions.SERVICE_NAME == observability.SERVICE_NAME
