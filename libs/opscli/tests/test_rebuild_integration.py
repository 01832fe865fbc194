"""`tremplin rebuild recommender` moves the recommender's offsets back, only when told to."""

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from testkit.stack import commit, publish

from contracts import OFFER_CLOSED, OFFER_PUBLISHED, PROFILE_DELETED, PROFILE_UPDATED, topic_name
from servicekit.settings import KafkaSettings

pytestmark = pytest.mark.integration

TOPICS = (PROFILE_UPDATED, PROFILE_DELETED, OFFER_PUBLISHED, OFFER_CLOSED)


async def committed(kafka: KafkaSettings, group: str, base: str) -> int:
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka.bootstrap_servers)
    await admin.start()
    try:
        tp = TopicPartition(topic_name(base, kafka.topic_suffix), 0)
        offsets = await admin.list_consumer_group_offsets(group, partitions=[tp])
        return int(offsets[tp].offset)
    finally:
        await admin.close()


async def test_rebuild_resets_offsets_to_the_earliest_only_with_yes(
    kafka: KafkaSettings, run_id: str, tremplin
) -> None:
    group = f"recommender-{run_id}"
    await publish(kafka, PROFILE_UPDATED, 4)
    await commit(kafka, f"{group}.{PROFILE_UPDATED}", PROFILE_UPDATED, 4)

    dry = await tremplin("rebuild", "recommender", "--group-id", group, kafka=kafka)

    assert dry.exit_code == 1, dry.output
    assert "Nothing done" in dry.stdout
    assert await committed(kafka, f"{group}.{PROFILE_UPDATED}", PROFILE_UPDATED) == 4

    done = await tremplin("rebuild", "recommender", "--group-id", group, "--yes", kafka=kafka)

    assert done.exit_code == 0, done.output
    assert "re-reads 4 events" in done.stdout
    for base in TOPICS:
        assert await committed(kafka, f"{group}.{base}", base) == 0


async def test_rebuild_refuses_while_the_recommender_consumes(
    kafka: KafkaSettings, run_id: str, tremplin
) -> None:
    group = f"recommender-{run_id}"
    running = AIOKafkaConsumer(
        topic_name(OFFER_CLOSED, kafka.topic_suffix),
        bootstrap_servers=kafka.bootstrap_servers,
        group_id=f"{group}.{OFFER_CLOSED}",
    )
    await running.start()
    try:
        await running.getmany(timeout_ms=3000)  # joins the group
        result = await tremplin("rebuild", "recommender", "--group-id", group, "--yes", kafka=kafka)
    finally:
        await running.stop()

    assert result.exit_code == 2
    assert f"{group}.{OFFER_CLOSED} (1 members)" in result.output
    assert "stop the service first" in result.output
