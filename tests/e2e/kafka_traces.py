"""What the compacted topics still hold about a seeker, for the erasure tests."""

from __future__ import annotations

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from testkit.stack import kafka_address

from contracts import COMPACTED_TOPICS


def names(seeker_id: str, key: bytes | None, value: bytes | None) -> bool:
    """A record with the seeker's facts: keyed by them, or naming them, and not a tombstone."""
    if value is None:
        return False
    text = (key or b"").decode(errors="replace")
    return (
        text == seeker_id or text.startswith(f"{seeker_id}/") or f'"{seeker_id}"'.encode() in value
    )


async def records_naming(seeker_id: str) -> list[str]:
    """`topic@partition:offset` of every record of a compacted topic with the seeker's facts."""
    consumer = AIOKafkaConsumer(bootstrap_servers=kafka_address(), enable_auto_commit=False)
    await consumer.start()
    found: list[str] = []
    try:
        await consumer._client.force_metadata_update()
        tps = [
            TopicPartition(topic, p)
            for topic in sorted(COMPACTED_TOPICS)
            for p in sorted(consumer.partitions_for_topic(topic) or ())
        ]
        ends = await consumer.end_offsets(tps)
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        pending = {tp for tp in tps if await consumer.position(tp) < ends[tp]}
        while pending:
            batches = await consumer.getmany(*pending, timeout_ms=1000)
            for records in batches.values():
                found.extend(
                    f"{r.topic}@{r.partition}:{r.offset}"
                    for r in records
                    if names(seeker_id, r.key, r.value)
                )
            for tp in list(pending):
                if await consumer.position(tp) >= ends[tp]:
                    pending.discard(tp)
    finally:
        await consumer.stop()
    return found


async def roll_segments(key: str) -> None:
    """Append a tombstone of an unknown key to every partition of the compacted topics.

    Kafka rolls a segment (making it compactable) only when a record is appended after its
    segment.ms; a busy platform appends all the time, a quiet test run does not.
    """
    producer = AIOKafkaProducer(bootstrap_servers=kafka_address())
    await producer.start()
    try:
        for topic in sorted(COMPACTED_TOPICS):
            for partition in await producer.partitions_for(topic):
                await producer.send_and_wait(topic, None, key=key.encode(), partition=partition)
    finally:
        await producer.stop()


async def poison_for(seeker_id: str) -> None:
    """A broken profile-updated of the seeker: the consumers dead-letter it, under their key."""
    producer = AIOKafkaProducer(bootstrap_servers=kafka_address())
    await producer.start()
    try:
        value = f'{{"broken": true, "seeker_id": "{seeker_id}"}}'.encode()
        await producer.send_and_wait("profile-updated", value, key=seeker_id.encode())
    finally:
        await producer.stop()
