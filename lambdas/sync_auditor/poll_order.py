"""The order data sources are polled in: each service's in step with the others'.

Each service has a request pace of its own (adapters/clients.py `pace`), so a mixed fleet's
tick is bound by its largest service only when every service's requests are in flight at the
same time. Polled one service after another (as a sort by key does), the paces never overlap
and the tick takes their sum.
"""

from __future__ import annotations

from collections.abc import Sequence

from sync_auditor.model import DataSourceRef


def interleaved(sources: Sequence[DataSourceRef]) -> list[DataSourceRef]:
    """`sources` with each service spread evenly over the whole order, each service's own order
    kept (so what goes first within a service, e.g. the deferred, still goes first).

    The i-th of a service's n data sources takes the place (i + 0.5) / n: a service with ten
    times the data sources gets ten places for each of the other's, so both run to the end of
    the tick, each at its own pace.
    """
    by_service: dict[str, list[DataSourceRef]] = {}
    for source in sources:
        by_service.setdefault(source.service, []).append(source)
    placed = [
        ((i + 0.5) / len(members), service, i, source)
        for service, members in by_service.items()
        for i, source in enumerate(members)
    ]
    placed.sort(key=lambda place: place[:3])
    return [place[3] for place in placed]
