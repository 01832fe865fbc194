"""Kafka subscriptions of the gateway: it forgets an erased seeker, whoever started the erasure."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage

from contracts import PROFILE_DELETED, ProfileDeleted, decode, topic_name
from servicekit.broker import POISON_ERRORS, dead_letters_of, poison_reason, subscriber


class Forgets(Protocol):
    async def forget(self, seeker_id: str) -> int: ...


async def undecoded(message: Any) -> None:
    """Batch records are decoded one by one by the handler, so that one bad record is set aside."""


def subscribe(
    broker: KafkaBroker, stores: Sequence[Forgets], topic_suffix: str, batch_size: int = 100
) -> None:
    """`stores`: what holds seekers (the access log, the web sessions), read at each erasure."""
    dead_letters = dead_letters_of(broker)

    @subscriber(
        broker,
        topic_name(PROFILE_DELETED, topic_suffix),
        group_id=f"gateway.{PROFILE_DELETED}",
        batch=True,
        max_records=batch_size,
        decoder=undecoded,
    )
    async def forget_access_log_on_profile_deleted(message: KafkaMessage) -> None:
        for record in message.raw_message:
            try:
                erased = decode(record.value, ProfileDeleted).payload
            except POISON_ERRORS as error:
                await dead_letters.send(record, poison_reason(record, error), "poison")
                continue
            for store in stores:
                await store.forget(erased.seeker_id)
