"""What the loopback tests share: the data sources they script, and one schedule tick."""

from __future__ import annotations

import io
import threading
from contextlib import redirect_stdout
from datetime import UTC, datetime, timedelta
from typing import Any

from devkit.loopback import Loopback

INDEX = "5f3c2a10-8d4e-4b6a-9c1e-0a1b2c3d4e5f"
APP = "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d"
QB_INDEX = "b2c3d4e5-f6a7-4b8c-9d0e-1f2a3b4c5d6e"
QB_DS = "c3d4e5f6-a7b8-4c9d-8e0f-2a3b4c5d6e7f"
KENDRA_KEY = f"kendra#{INDEX}#web"
QB_KEY = f"qbusiness#{APP}#{QB_INDEX}#{QB_DS}"
NOW = datetime.now(UTC).replace(microsecond=0)


def ago(minutes: float) -> datetime:
    return NOW - timedelta(minutes=minutes)


def tick_alerts(lb: Loopback, polls: int = 1) -> list[dict[str, Any]]:
    """One schedule tick (or several overlapping ones, all in flight at once) and the stream
    delivered; returns what the SQS subscriber received (SNS envelopes)."""
    with redirect_stdout(io.StringIO()):
        if polls == 1:
            lb.poll()
        else:
            lb.simulator.latency_seconds = 0.05
            threads = [threading.Thread(target=lb.poll) for _ in range(polls)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            lb.simulator.latency_seconds = 0
        lb.notify()
    return lb.received_alerts()


def attribute(alert: dict[str, Any], name: str) -> str:
    return str(alert["MessageAttributes"][name]["Value"])
