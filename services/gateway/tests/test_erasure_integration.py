"""An erasure, whoever started it, empties the gateway's access log of the seeker."""

import asyncio
import time
from datetime import UTC, datetime

import pytest
from asgi_lifespan import LifespanManager
from testkit.service_harness import erase_seeker
from testkit.stack import eventually

from contracts import PROFILE_DELETED, ProfileDeleted, encode, new_envelope, topic_name
from gateway.config import Settings
from gateway.handlers import subscribe
from gateway.main import create_app
from servicekit.broker import make_broker
from servicekit.settings import KafkaSettings, MongoSettings

pytestmark = pytest.mark.integration


async def test_profile_deleted_purges_the_access_log_within_seconds(
    kafka: KafkaSettings, mongo: MongoSettings, run_id: str
) -> None:
    app = create_app(Settings(kafka=kafka, mongo=mongo, database=f"test_{run_id}"))
    erased, kept = f"s-erased-{run_id}", f"s-kept-{run_id}"
    async with LifespanManager(app, startup_timeout=120, shutdown_timeout=60):
        access_log = app.state.access_log
        for seeker in (erased, erased, kept):
            await access_log.record(seeker, "c-1", "Camille", "profile")
        await erase_seeker(kafka, erased)
        t0 = time.monotonic()

        async def forgotten() -> bool:
            return await access_log.of(erased, 0, 10) == []

        gone = await eventually(forgotten, True, timeout_s=10)
        took = time.monotonic() - t0
        left = await access_log.of(kept, 0, 10)

    assert gone, "the erased seeker's access log is still there after 10 s"
    assert took < 10
    assert [row["by"] for row in left] == ["c-1"]


class Remembers:
    def __init__(self) -> None:
        self.forgotten: list[str] = []

    async def forget(self, seeker_id: str) -> int:
        self.forgotten.append(seeker_id)
        return 1


async def test_an_erasure_consumed_at_start_up_waits_for_every_store(
    kafka: KafkaSettings, run_id: str
) -> None:
    access_log, web_sessions = Remembers(), Remembers()
    stores: list[Remembers] = [access_log]
    complete = asyncio.Event()
    broker = make_broker(kafka, "gateway")
    subscribe(broker, stores, kafka.topic_suffix, complete=complete)
    async with broker:
        await broker.start()
        event = ProfileDeleted(seeker_id=f"s-{run_id}", deleted_at=datetime.now(UTC))
        await broker.publish(
            encode(new_envelope(event, producer="profiles")),
            topic_name(PROFILE_DELETED, kafka.topic_suffix),
            key=event.seeker_id.encode(),
        )
        await asyncio.sleep(3)
        assert access_log.forgotten == [], "handled before the web sessions joined"
        stores.append(web_sessions)
        complete.set()

        async def both() -> list[list[str]]:
            return [access_log.forgotten, web_sessions.forgotten]

        done = await eventually(both, [[event.seeker_id]] * 2, timeout_s=20)
    assert done == [[event.seeker_id]] * 2
