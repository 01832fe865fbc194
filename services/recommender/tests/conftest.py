"""The event builders as fixtures (testkit.builders), a small occupation graph, and the
integration tests' reference data and publisher."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from testkit.builders import OfferBuilder, ProfileBuilder, offer_published, profile_updated
from testkit.reference import write_synthetic_files

from recommender.domain.engine import MatchingEngine
from recommender.domain.occupations import OccupationGraph
from refdata import Referential, read_referential
from servicekit.settings import KafkaSettings

from .support import Feed, Publisher

NEIGHBOURS = {"K2204": {"K1304": 0.5, "G1501": 0.02}, "K1304": {"K2204": 0.3}}


@pytest.fixture(name="a_profile")
def a_profile_builder() -> ProfileBuilder:
    return profile_updated


@pytest.fixture(name="an_offer")
def an_offer_builder() -> OfferBuilder:
    return offer_published


@pytest.fixture
def graph() -> OccupationGraph:
    return OccupationGraph(NEIGHBOURS, top=3, threshold=0.05)


@pytest.fixture
def engine(graph: OccupationGraph) -> MatchingEngine:
    return MatchingEngine(graph, min_score=0.5, capacity=4)


@pytest.fixture
def referential(tmp_path: Path) -> Referential:
    return read_referential(write_synthetic_files(tmp_path))


@pytest.fixture
async def publisher(kafka: KafkaSettings) -> AsyncIterator[Publisher]:
    publisher = Publisher(kafka)
    await publisher.broker.start()
    yield publisher
    await publisher.broker.stop()


@pytest.fixture
def feed(
    publisher: Publisher, kafka: KafkaSettings, a_profile: ProfileBuilder, an_offer: OfferBuilder
) -> Feed:
    return Feed(publisher, kafka, a_profile, an_offer)
