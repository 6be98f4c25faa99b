"""`python -m devkit.simulator --port 8700 [--host 127.0.0.1] [--seed 0]`: serve in the
foreground until Ctrl-C (or SIGTERM), scriptable through the JSON control API under /_sim/."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from types import FrameType

from devkit.simulator.server import ensure_loopback
from devkit.simulator.simulator import Simulator


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devkit.simulator", description=__doc__)
    parser.add_argument("--port", type=int, default=8700, help="0 picks a free port")
    parser.add_argument("--host", default="127.0.0.1", help="a loopback address only")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    try:
        ensure_loopback(args.host)
    except ValueError as exc:
        parser.error(str(exc))  # exits with status 2 and the reason

    stopping = threading.Event()

    def stop(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    # SIGINT too: a process started from a background job inherits SIGINT ignored, and Python
    # then never raises KeyboardInterrupt, so Ctrl-C (or a test's SIGINT) would be lost.
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    with Simulator(seed=args.seed, host=args.host, port=args.port) as simulator:
        url = simulator.url
        print(f"Kendra + Q Business + Bedrock simulator at {url} (control API: {url}/_sim/)")
        print(f"  export AWS_ENDPOINT_URL_KENDRA={url} AWS_ENDPOINT_URL_QBUSINESS={url}")
        print(f"  export AWS_ENDPOINT_URL_BEDROCK_AGENT={url}")
        sys.stdout.flush()
        try:
            # A timed wait keeps the main thread responsive to Ctrl-C on every platform.
            while not stopping.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass
    print("simulator stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
