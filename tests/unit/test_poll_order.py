"""Each service's data sources are spread over the whole tick, so their paces overlap."""

from __future__ import annotations

from sync_auditor.model import DataSourceRef
from sync_auditor.poll_order import interleaved


def sources(service: str, count: int) -> list[DataSourceRef]:
    return [DataSourceRef(service, "index", f"{service}-{n:03d}") for n in range(count)]


def test_two_services_of_one_size_alternate() -> None:
    kendra, qbusiness = sources("kendra", 3), sources("qbusiness", 3)

    order = interleaved(kendra + qbusiness)

    assert [s.service for s in order] == ["kendra", "qbusiness"] * 3


def test_a_larger_service_is_spread_in_proportion_and_each_keeps_its_order() -> None:
    kendra, bedrock = sources("kendra", 90), sources("bedrock", 10)

    order = interleaved(kendra + bedrock)

    assert [s for s in order if s.service == "kendra"] == kendra
    assert [s for s in order if s.service == "bedrock"] == bedrock
    # every tenth of the tick holds one bedrock data source and nine kendra ones
    for tenth in range(10):
        part = order[tenth * 10 : tenth * 10 + 10]
        assert sum(s.service == "bedrock" for s in part) == 1
