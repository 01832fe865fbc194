"""Consumer groups moved back to a moment T, after a restore of the databases to T."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from aiokafka import TopicPartition

from opscli.kafka_ops import (
    REPLAY_GROUP,
    admin_client,
    commit,
    consumer_client,
    refuse_while_consumed,
    tremplin_topics,
)
from servicekit.settings import KafkaSettings

# group -> "topic:partition" -> offset, as a dump records them (JSON keys are strings).
Positions = dict[str, dict[str, int]]


@dataclass(frozen=True)
class Rewind:
    group: str
    partition: TopicPartition
    committed: int
    target: int

    @property
    def events_to_replay(self) -> int:
        return max(0, self.committed - self.target)


def key_of(tp: TopicPartition) -> str:
    return f"{tp.topic}:{tp.partition}"


def partition_of(key: str) -> TopicPartition:
    topic, _, partition = key.rpartition(":")
    return TopicPartition(topic, int(partition))


def rewound(group: str) -> bool:
    """Groups whose offsets are the state of a consumer: not the dead-letter replay's marks."""
    return not group.startswith(REPLAY_GROUP)


async def group_positions(settings: KafkaSettings) -> Positions:
    """The offsets every consumer group has committed on Tremplin's topics."""
    ours = tremplin_topics(settings.topic_suffix)
    async with admin_client(settings) as admin:
        positions: Positions = {}
        for group, *_ in await admin.list_consumer_groups():
            committed = await admin.list_consumer_group_offsets(group)
            found = {
                key_of(tp): meta.offset
                for tp, meta in committed.items()
                if tp.topic in ours and meta.offset >= 0
            }
            if found and rewound(group):
                positions[group] = found
        return positions


async def plan_rewind(
    settings: KafkaSettings, moment: datetime, recorded: Mapping[str, Mapping[str, int]]
) -> list[Rewind]:
    """Where each group goes: the offset it had committed at T when the dump recorded it, else
    the first event after T; never forward of where it stands (what it has not read yet stays
    to be read). Refuses while a group has live consumers."""
    now = await group_positions(settings)
    async with admin_client(settings) as admin, consumer_client(settings) as consumer:
        await refuse_while_consumed(admin, sorted(now), "the services")
        partitions = sorted({partition_of(k) for offsets in now.values() for k in offsets})
        at_moment = await consumer.offsets_for_times(
            {tp: int(moment.timestamp() * 1000) for tp in partitions}
        )
        ends = await consumer.end_offsets(partitions) if partitions else {}
    plan = []
    for group, offsets in sorted(now.items()):
        for key, committed in sorted(offsets.items()):
            tp = partition_of(key)
            found = at_moment.get(tp)
            first_after = found.offset if found is not None else ends[tp]
            target = recorded.get(group, {}).get(key, first_after)
            plan.append(Rewind(group, tp, committed, min(target, committed)))
    return plan


async def rewind(settings: KafkaSettings, plan: list[Rewind]) -> None:
    by_group: dict[str, dict[TopicPartition, int]] = {}
    for step in plan:
        by_group.setdefault(step.group, {})[step.partition] = step.target
    for group, offsets in by_group.items():
        await commit(settings, group, offsets)
