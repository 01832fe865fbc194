"""An erasure, whoever started it, empties the gateway's access log of the seeker."""

import time
from datetime import UTC, datetime

import pytest
from aiokafka import AIOKafkaProducer
from asgi_lifespan import LifespanManager

from contracts import PROFILE_DELETED, ProfileDeleted, encode, new_envelope, topic_name
from gateway.config import Settings
from gateway.main import create_app
from servicekit.settings import KafkaSettings, MongoSettings
from servicekit.testing import eventually

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
        producer = AIOKafkaProducer(bootstrap_servers=kafka.bootstrap_servers)
        await producer.start()
        try:
            event = ProfileDeleted(seeker_id=erased, deleted_at=datetime.now(UTC))
            await producer.send_and_wait(
                topic_name(PROFILE_DELETED, kafka.topic_suffix),
                encode(new_envelope(event, producer="profiles")),
                key=erased.encode(),
            )
        finally:
            await producer.stop()
        t0 = time.monotonic()

        async def forgotten() -> bool:
            return await access_log.of(erased, 0, 10) == []

        gone = await eventually(forgotten, True, timeout_s=10)
        took = time.monotonic() - t0
        left = await access_log.of(kept, 0, 10)

    assert gone, "the erased seeker's access log is still there after 10 s"
    assert took < 10
    assert [row["by"] for row in left] == ["c-1"]
