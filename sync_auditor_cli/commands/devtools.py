"""`demo` and `simulate`: the project's loopback tools, for trying sync-auditor without AWS and
for pointing other code at a Kendra + Q Business look-alike.

They need the development dependencies (moto[server]); imported on use, so the query commands
work with the runtime dependencies alone.
"""

from __future__ import annotations

import argparse
import signal
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from types import FrameType
from typing import TYPE_CHECKING, cast

from sync_auditor_cli.console import Console
from sync_auditor_cli.errors import CONFIG, OK, CliError

if TYPE_CHECKING:
    from devkit.loopback import Loopback
    from devkit.simulator import Simulator

SCENARIOS = ("demo",)
DEV_DEPENDENCIES_HINT = (
    "needs the development dependencies: run `pip install -r requirements.txt` in the "
    "project directory ({missing} is missing)"
)


def demo(args: argparse.Namespace, console: Console) -> int:
    try:
        from devkit import demo as loopback_demo
    except ImportError as error:
        raise CliError("demo " + DEV_DEPENDENCIES_HINT.format(missing=error.name), CONFIG) from None
    return loopback_demo.main(keep=args.keep)


def simulate(args: argparse.Namespace, console: Console) -> int:
    try:
        from devkit.simulator import __main__ as simulator_entry
    except ImportError as error:
        raise CliError(
            "simulate " + DEV_DEPENDENCIES_HINT.format(missing=error.name), CONFIG
        ) from None
    if args.scenario is None:
        return simulator_entry.main(
            ["--port", str(args.port), "--host", args.host, "--seed", str(args.seed)]
        )
    return _serve_scenario(args, console)


@dataclass
class _SimulatorOnly:
    """The demo's inventory scripting reads only `.simulator` of the loopback it is given."""

    simulator: Simulator


def _serve_scenario(args: argparse.Namespace, console: Console) -> int:
    try:
        from devkit import demo as loopback_demo
    except ImportError as error:
        raise CliError(
            "simulate " + DEV_DEPENDENCIES_HINT.format(missing=error.name), CONFIG
        ) from None
    from devkit.simulator import Simulator
    from devkit.simulator.server import ensure_loopback

    try:
        ensure_loopback(args.host)
    except ValueError as error:
        raise CliError(str(error)) from None
    stopping = threading.Event()

    def stop(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    signal.signal(signal.SIGTERM, stop)
    with Simulator(seed=args.seed, host=args.host, port=args.port) as simulator:
        loopback_demo._script_inventory(
            cast("Loopback", _SimulatorOnly(simulator)), datetime.now(UTC).replace(microsecond=0)
        )
        url = simulator.url
        out = console.out
        out.write(f"Kendra + Q Business + Bedrock simulator at {url} (control API: {url}/_sim/)\n")
        out.write(f"  export AWS_ENDPOINT_URL_KENDRA={url} AWS_ENDPOINT_URL_QBUSINESS={url}\n")
        out.write(f"  export AWS_ENDPOINT_URL_BEDROCK_AGENT={url}\n")
        out.write(
            f"  scenario demo: Kendra index {loopback_demo.KENDRA_INDEX} with "
            f"{len(loopback_demo.KENDRA_SOURCES)} data sources, Q Business application "
            f"{loopback_demo.QB_APP} (index {loopback_demo.QB_INDEX}) with its data sources, "
            f"Bedrock knowledge base {loopback_demo.demo_bedrock.KNOWLEDGE_BASE} with two\n"
        )
        out.flush()
        try:
            # A timed wait keeps the main thread responsive to Ctrl-C on every platform.
            while not stopping.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass
    out.write("simulator stopped\n")
    return OK
