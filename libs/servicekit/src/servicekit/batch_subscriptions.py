"""The batch subscribers of the services, declared one way: a consumer group per service and topic,
records decoded one by one by the handler (`servicekit.broker.decode_batch`)."""

from collections.abc import Awaitable, Callable
from typing import Any

from faststream.kafka import KafkaBroker

from contracts import ProfileDeleted, topic_name
from servicekit.broker import DeadLetters, decode_batch, subscriber, undecoded

BATCH_RECORDS = 100


def batch_subscriber(
    broker: KafkaBroker,
    service: str,
    base_topic: str,
    topic_suffix: str,
    max_records: int = BATCH_RECORDS,
) -> Callable[[Callable[..., Awaitable[Any]]], Any]:
    """Subscribes the decorated handler to `base_topic` in the group `<service>.<base_topic>`, with
    up to `max_records` records a call."""
    return subscriber(
        broker,
        topic_name(base_topic, topic_suffix),
        group_id=f"{service}.{base_topic}",
        batch=True,
        max_records=max_records,
        decoder=undecoded,
    )


async def erased_seeker_ids(dead_letters: DeadLetters, records: Any) -> list[str]:
    """The seekers a batch of profile-deleted records erases, in their order; a poison record goes
    to the dead letters."""
    found = await decode_batch(dead_letters, records, ProfileDeleted)
    return [envelope.payload.seeker_id for _, _, envelope in found]


async def forget_erased_seekers(
    dead_letters: DeadLetters, records: Any, forget: Callable[[list[str]], Awaitable[object]]
) -> None:
    """Has `forget` forget the seekers a batch of profile-deleted records erases, if any."""
    seeker_ids = await erased_seeker_ids(dead_letters, records)
    if seeker_ids:
        await forget(seeker_ids)
