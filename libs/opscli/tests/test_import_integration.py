"""`tremplin import` against the real offers service, in process, on the real Kafka and FerretDB."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest
from asgi_lifespan import LifespanManager

from demo.generate import offers
from offers.config import Settings
from offers.main import create_app
from opscli.importer import import_records
from refdata import get_referential
from servicekit.auth import InternalAuthSettings
from servicekit.settings import KafkaSettings, MongoSettings

pytestmark = pytest.mark.integration


@pytest.fixture
async def offers_service(
    kafka: KafkaSettings, mongo: MongoSettings, run_id: str
) -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(kafka=kafka, mongo=mongo, database=f"test_{run_id}", import_max_records=5)
    app = create_app(settings)
    async with LifespanManager(app, startup_timeout=120, shutdown_timeout=60):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://offers") as client:
            yield client


async def test_a_file_imports_once_in_batches_and_rejections_point_into_the_file(
    offers_service: httpx.AsyncClient,
) -> None:
    records = list(offers(7, get_referential(), seed=7, now=datetime.now(UTC)))
    records.insert(4, {"id": "broken", "intitule": "Agent d'entretien"})
    batches: list[int] = []

    first = await import_records(
        records, offers_service, 5, InternalAuthSettings(), on_batch=batches.append
    )
    again = await import_records(records, offers_service, 5, InternalAuthSettings())

    assert batches == [5, 3]
    assert (first.accepted, first.updated, first.unchanged) == (7, 0, 0)
    assert [(r["index"], r["id"]) for r in first.rejected] == [(4, "broken")]
    assert (again.accepted, again.updated, again.unchanged) == (0, 0, 7)
