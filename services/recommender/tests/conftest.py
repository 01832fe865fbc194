"""Builders of valid events, changed field by field in each test, a small occupation graph, and
the integration tests' reference data and publisher."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from testkit.reference import write_synthetic_files

from contracts import OfferPublished, ProfileUpdated
from recommender.domain.engine import MatchingEngine
from recommender.domain.occupations import OccupationGraph
from refdata import Referential, read_referential
from servicekit.settings import KafkaSettings

from .support import Publisher

LYON = {"commune_code": "69123", "latitude": 45.76, "longitude": 4.83}
VILLEURBANNE = {"commune_code": "69266", "latitude": 45.77, "longitude": 4.88}  # ~4 km from Lyon
GRENOBLE = {"commune_code": "38185", "latitude": 45.19, "longitude": 5.72}  # ~95 km from Lyon


def profile(seeker_id: str = "s-1", version: int = 1, **changes: Any) -> ProfileUpdated:
    facts: dict[str, Any] = {
        "seeker_id": seeker_id,
        "version": version,
        "counsellor_id": "c-1",
        "occupations": [{"rome_code": "K2204", "priority": 1}],
        "skills": ["Nettoyage de locaux"],
        "experience_years": 2,
        "languages": ["fr"],
        "place": LYON,
        "radius_km": 15,
        "contract_types": [{"contract_type": "CDI", "priority": 1}],
        "working_time": "full_time",
    }
    facts.update(changes)
    return ProfileUpdated.model_validate(facts)


def offer(offer_id: str = "o-1", version: int = 1, **changes: Any) -> OfferPublished:
    facts: dict[str, Any] = {
        "offer_id": offer_id,
        "version": version,
        "title": "Agent d'entretien (H/F)",
        "rome_code": "K2204",
        "place": VILLEURBANNE,
        "contract_type": "CDI",
        "working_time": "full_time",
        "experience_required": "D",
        "published_at": datetime(2026, 11, 2, 9, 0, tzinfo=UTC),
        "origin": "employer",
    }
    facts.update(changes)
    return OfferPublished.model_validate(facts)


NEIGHBOURS = {"K2204": {"K1304": 0.5, "G1501": 0.02}, "K1304": {"K2204": 0.3}}

ProfileBuilder = Callable[..., ProfileUpdated]
OfferBuilder = Callable[..., OfferPublished]


@pytest.fixture(name="a_profile")
def a_profile_builder() -> ProfileBuilder:
    return profile


@pytest.fixture(name="an_offer")
def an_offer_builder() -> OfferBuilder:
    return offer


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
