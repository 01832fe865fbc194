"""What profiles reads from Kafka: its own erasures, to take the seekers' dead letters out too.

The other services purge their stores on profile-deleted; the dead-letter topic belongs to none
of them, so the service that owns the seekers does it (servicekit.dead_letter_erasure).
"""

from __future__ import annotations

from typing import Any

from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage

from contracts import PROFILE_DELETED, ProfileDeleted, topic_name
from servicekit.broker import dead_letters_of, decode_batch, subscriber, undecoded
from servicekit.dead_letter_erasure import erase_dead_letters
from servicekit.settings import KafkaSettings


def subscribe(broker: KafkaBroker, kafka: KafkaSettings, topic_suffix: str = "") -> None:
    @subscriber(
        broker,
        topic_name(PROFILE_DELETED, topic_suffix),
        group_id=f"profiles.{PROFILE_DELETED}",
        batch=True,
        max_records=100,
        decoder=undecoded,
    )
    async def erase_dead_letters_on_profiles_deleted(message: KafkaMessage) -> Any:
        found = await decode_batch(dead_letters_of(broker), message.raw_message, ProfileDeleted)
        seeker_ids = {envelope.payload.seeker_id for _, _, envelope in found}
        if seeker_ids:
            await erase_dead_letters(kafka, broker, seeker_ids)
