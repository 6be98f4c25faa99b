"""The `fanOut` key of the syncAuditor configuration (infra/fanout.py builds what it asks for)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from infra.config_checks import Problems, check_keys, int_in

# Lambda's own range for an SQS event source's MaximumConcurrency.
MAX_CONCURRENCY_RANGE: Final = (2, 1000)
# A batch's data sources in one message (with their names), well under SQS's 256 KiB.
SOURCES_PER_BATCH_RANGE: Final = (1, 1000)
FAN_OUT_KEYS: Final = ("maxConcurrency", "sourcesPerBatch")


@dataclass(frozen=True)
class FanOutConfig:
    max_concurrency: int
    # 0: sized from the invocation's budget and each consumer's pace.
    sources_per_batch: int = 0


def parse_fan_out(problems: Problems, path: str, value: Any) -> FanOutConfig | None:
    """The `fanOut` key: {"maxConcurrency": 2-1000, "sourcesPerBatch": 1-1000 (optional)}."""
    if not isinstance(value, dict):
        problems.add(
            path,
            value,
            'an object such as {"maxConcurrency": 10} (optional "sourcesPerBatch"), or omit '
            "the key to poll every tick in one invocation",
        )
        return None
    check_keys(problems, path, value, FAN_OUT_KEYS)
    if "maxConcurrency" not in value:
        problems.note(
            f"{path}.maxConcurrency",
            f"required: how many consumers poll batches at once ({MAX_CONCURRENCY_RANGE[0]}-"
            f"{MAX_CONCURRENCY_RANGE[1]}); each paces at maxRequestsPerSecond / maxConcurrency",
        )
        return None
    concurrency = int_in(
        problems,
        f"{path}.maxConcurrency",
        value["maxConcurrency"],
        *MAX_CONCURRENCY_RANGE,
        " (consumers at once; each paces at maxRequestsPerSecond / maxConcurrency)",
    )
    per_batch: int | None = 0
    if "sourcesPerBatch" in value:
        per_batch = int_in(
            problems,
            f"{path}.sourcesPerBatch",
            value["sourcesPerBatch"],
            *SOURCES_PER_BATCH_RANGE,
            " (data sources per batch; omit it to size batches from the pace and the timeout)",
        )
    if concurrency is None or per_batch is None:
        return None
    return FanOutConfig(concurrency, per_batch)
