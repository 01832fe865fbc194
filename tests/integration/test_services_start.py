"""Every service starts against the real Kafka and FerretDB and says it is ready."""

import importlib

import httpx
import pytest
from asgi_lifespan import LifespanManager

from servicekit.app import mongo_check
from servicekit.mongo import mongo_client
from servicekit.settings import KafkaSettings, MongoSettings

pytestmark = pytest.mark.integration

SERVICES = ["profiles", "offers", "recommender", "notifier", "gateway", "companies"]


@pytest.mark.parametrize("service", SERVICES)
async def test_service_is_live_and_ready(
    service: str, kafka: KafkaSettings, mongo: MongoSettings, run_id: str
) -> None:
    main = importlib.import_module(f"{service}.main")
    config = importlib.import_module(f"{service}.config")
    app = main.create_app(config.Settings(kafka=kafka, mongo=mongo, database=f"test_{run_id}"))

    async with LifespanManager(app, startup_timeout=120, shutdown_timeout=60):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://svc") as client:
            live = await client.get("/health/live")
            ready = await client.get("/health/ready")

    assert live.status_code == 200
    assert ready.status_code == 200, ready.text
    assert ready.json() == {"status": "ready", "checks": {"kafka": "up", "mongo": "up"}}


async def test_readiness_says_which_dependency_is_down(
    kafka: KafkaSettings, mongo: MongoSettings, run_id: str
) -> None:
    main = importlib.import_module("offers.main")
    config = importlib.import_module("offers.config")
    app = main.create_app(config.Settings(kafka=kafka, mongo=mongo, database=f"test_{run_id}"))
    unreachable = MongoSettings(url="mongodb://127.0.0.1:1/", timeout_s=0.5)

    # The store goes away under a running service: a real client of a closed port.
    async with (
        LifespanManager(app, startup_timeout=120, shutdown_timeout=60),
        mongo_client(unreachable) as gone,
    ):
        app.state.health_checks["mongo"] = mongo_check(gone)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://svc") as client:
            ready = await client.get("/health/ready")

    assert ready.status_code == 503
    assert ready.json()["checks"] == {"kafka": "up", "mongo": "down"}
