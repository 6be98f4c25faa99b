"""A started simulator per test and real boto3 clients pointed at it (fake credentials come from
the suite's autouse fixture)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from botocore.config import Config

from devkit.simulator import Simulator
from tests.simulator.support import (
    APP,
    BEDROCK_KEY,
    INDEX,
    KENDRA_DS,
    NO_RETRIES,
    NOW,
    QB_DS,
    QB_INDEX,
    ClientFactory,
    client_for,
)


@pytest.fixture
def sim() -> Iterator[Simulator]:
    with Simulator(seed=0, clock=lambda: NOW) as simulator:
        simulator.add_kendra_data_source(INDEX, KENDRA_DS, name="website")
        simulator.add_qbusiness_data_source(APP, QB_INDEX, QB_DS, name="sharepoint")
        simulator.add_data_source(BEDROCK_KEY, name="handbook")
        yield simulator


@pytest.fixture
def client(sim: Simulator) -> ClientFactory:
    """client("kendra" | "qbusiness" | "bedrock-agent", config=...) against the simulator; no
    retries unless the config asks for them."""

    def make(service: str, config: Config = NO_RETRIES) -> Any:
        return client_for(sim.url, service, config)

    return make


@pytest.fixture
def kendra(client: ClientFactory) -> Any:
    return client("kendra")


@pytest.fixture
def qbusiness(client: ClientFactory) -> Any:
    return client("qbusiness")


@pytest.fixture
def bedrock(client: ClientFactory) -> Any:
    return client("bedrock-agent")
