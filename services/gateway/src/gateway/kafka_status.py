"""Consumer lag per group and dead-letter depth, read from the broker."""

from __future__ import annotations

from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from contracts import DEAD_LETTER, topic_name
from servicekit.settings import KafkaSettings


async def kafka_status(settings: KafkaSettings) -> dict[str, Any]:
    admin = AIOKafkaAdminClient(
        bootstrap_servers=settings.bootstrap_servers,
        request_timeout_ms=3000,
        **settings.client_options(),
    )
    consumer = AIOKafkaConsumer(
        bootstrap_servers=settings.bootstrap_servers,
        request_timeout_ms=3000,
        **settings.client_options(),
    )
    await admin.start()
    await consumer.start()
    try:
        lag: dict[str, int] = {}
        for group, *_ in await admin.list_consumer_groups():
            committed = await admin.list_consumer_group_offsets(group)
            partitions = [tp for tp in committed if committed[tp].offset >= 0]
            if not partitions:
                continue
            ends = await consumer.end_offsets(partitions)
            lag[group] = sum(max(0, ends[tp] - committed[tp].offset) for tp in partitions)
        dead = topic_name(DEAD_LETTER, settings.topic_suffix)
        parts = consumer.partitions_for_topic(dead) or set()
        if not parts:
            await consumer._client.force_metadata_update()
            parts = consumer.partitions_for_topic(dead) or set()
        tps = [TopicPartition(dead, p) for p in parts]
        depth = 0
        if tps:
            ends = await consumer.end_offsets(tps)
            starts = await consumer.beginning_offsets(tps)
            depth = sum(ends[tp] - starts[tp] for tp in tps)
        return {"consumer_lag": lag, "dead_letter_depth": depth}
    finally:
        await consumer.stop()
        await admin.close()
