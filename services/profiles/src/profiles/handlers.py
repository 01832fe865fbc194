"""What profiles reads from Kafka: its own erasures, to take the seekers' dead letters out too.

The other services purge their stores on profile-deleted; the dead-letter topic belongs to none
of them, so the service that owns the seekers does it (servicekit.dead_letter_erasure).
"""

from __future__ import annotations

from typing import Any

from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage

from contracts import PROFILE_DELETED
from servicekit.batch_subscriptions import batch_subscriber, forget_erased_seekers
from servicekit.broker import dead_letters_of
from servicekit.dead_letter_erasure import erase_dead_letters
from servicekit.settings import KafkaSettings


def subscribe(broker: KafkaBroker, kafka: KafkaSettings, topic_suffix: str = "") -> None:
    async def erase(seeker_ids: list[str]) -> None:
        await erase_dead_letters(kafka, broker, set(seeker_ids))

    @batch_subscriber(broker, "profiles", PROFILE_DELETED, topic_suffix)
    async def erase_dead_letters_on_profiles_deleted(message: KafkaMessage) -> Any:
        await forget_erased_seekers(dead_letters_of(broker), message.raw_message, erase)
