"""An erased seeker's dead letters leave the dead-letter topic.

The topic is compacted and each letter has a key of its own, led by the key of the record that
failed (the seeker's id for the seekers' events; servicekit.broker). An erasure reads the topic
once and writes a tombstone for every letter whose key is led by an erased seeker's id or whose
value names them; compaction then takes the letters out of the log (docs/reliability.md).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from faststream.kafka import KafkaBroker

from contracts import DEAD_LETTER, topic_name
from servicekit.settings import KafkaSettings

log = logging.getLogger(__name__)


def names_one_of(record: ConsumerRecord[bytes, bytes], seeker_ids: Iterable[str]) -> bool:
    if record.value is None:  # already a tombstone
        return False
    key = (record.key or b"").decode(errors="replace")
    return any(
        key.startswith(f"{seeker_id}/") or f'"{seeker_id}"'.encode() in record.value
        for seeker_id in seeker_ids
    )


async def letters_naming(settings: KafkaSettings, seeker_ids: set[str]) -> set[bytes]:
    """The keys of the letters about one of `seeker_ids` that are not tombstoned yet."""
    topic = topic_name(DEAD_LETTER, settings.topic_suffix)
    consumer: AIOKafkaConsumer = AIOKafkaConsumer(
        bootstrap_servers=settings.bootstrap_servers,
        enable_auto_commit=False,
        **settings.client_options(),
    )
    await consumer.start()
    try:
        partitions = consumer.partitions_for_topic(topic)
        if not partitions:
            await consumer._client.force_metadata_update()
            partitions = consumer.partitions_for_topic(topic) or set()
        tps = [TopicPartition(topic, p) for p in sorted(partitions)]
        if not tps:
            return set()
        ends = await consumer.end_offsets(tps)
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        pending = {tp for tp in tps if await consumer.position(tp) < ends[tp]}
        keys: set[bytes] = set()
        while pending:
            batches = await consumer.getmany(*pending, timeout_ms=1000)
            for records in batches.values():
                for record in records:  # a key's records are in one partition, in order
                    if record.key is None:
                        continue
                    if record.value is None:
                        keys.discard(record.key)  # tombstoned already
                    elif names_one_of(record, seeker_ids):
                        keys.add(record.key)
            for tp in list(pending):
                # Compacted records leave gaps: the position tells where the reading is.
                if await consumer.position(tp) >= ends[tp]:
                    pending.discard(tp)
        return keys
    finally:
        await consumer.stop()


async def erase_dead_letters(
    settings: KafkaSettings, broker: KafkaBroker, seeker_ids: set[str]
) -> int:
    """Tombstone the seekers' dead letters; return how many. Idempotent: run it again at will."""
    keys = await letters_naming(settings, seeker_ids)
    topic = topic_name(DEAD_LETTER, settings.topic_suffix)
    sent: list[Any] = [await broker.publish(None, topic, key=key, no_confirm=True) for key in keys]
    for delivery in sent:
        await delivery
    if keys:
        log.info("dead letters of erased seekers tombstoned", extra={"count": len(keys)})
    return len(keys)
