"""Creates the project's topics, or sets their configuration; run as `python -m servicekit.topics`.

The configuration of each topic has its home here (`topic_configs`); deploy/k8s's KafkaTopics are
checked against it (tests/deploy).
"""

import asyncio
import logging
import sys
import time

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from aiokafka.errors import KafkaError

from contracts import ALL_TOPICS, COMPACTED_TOPICS, DEAD_LETTER, topic_name
from servicekit.settings import KafkaSettings

log = logging.getLogger(__name__)


def topic_configs(base: str, settings: KafkaSettings) -> dict[str, str]:
    """A topic's configuration: its retention, and for a compacted topic how soon a tombstone
    takes the records of its key out of the log (segments roll and are compacted within
    `erasure_lag_ms`, and the tombstone itself is gone as long after)."""
    retention = (
        settings.dead_letter_retention_ms if base == DEAD_LETTER else settings.topic_retention_ms
    )
    configs = {"retention.ms": str(retention), "cleanup.policy": "delete"}
    if base in COMPACTED_TOPICS:
        lag = str(settings.erasure_lag_ms)
        configs.update(
            {
                # profile-updated keeps each seeker's latest facts; dead letters also expire.
                "cleanup.policy": "compact,delete" if base == DEAD_LETTER else "compact",
                "segment.ms": lag,
                "max.compaction.lag.ms": lag,
                "delete.retention.ms": lag,
            }
        )
    return configs


async def ensure_topics(
    settings: KafkaSettings, bases: tuple[str, ...] = ALL_TOPICS, wait_s: float = 60.0
) -> list[str]:
    """Create missing topics, waiting for the broker up to `wait_s`; return the names created."""
    deadline = time.monotonic() + wait_s
    while True:
        admin = AIOKafkaAdminClient(
            bootstrap_servers=settings.bootstrap_servers, **settings.client_options()
        )
        try:
            await admin.start()
            existing = set(await admin.list_topics())
            wanted = [topic_name(base, settings.topic_suffix) for base in bases]
            missing = [name for name in wanted if name not in existing]
            configs = {
                topic_name(base, settings.topic_suffix): topic_configs(base, settings)
                for base in bases
            }
            if missing:
                await admin.create_topics(
                    [
                        NewTopic(
                            name,
                            num_partitions=settings.topic_partitions,
                            replication_factor=1,
                            topic_configs=configs[name],
                        )
                        for name in missing
                    ]
                )
            present = [name for name in wanted if name not in missing]
            if present:  # made by an earlier version: their configuration follows this one
                await admin.alter_configs(
                    [ConfigResource(ConfigResourceType.TOPIC, n, configs[n]) for n in present]
                )
            return missing
        except (KafkaError, OSError) as error:
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"Kafka at {settings.bootstrap_servers} did not answer within {wait_s:.0f} s"
                ) from error
            await asyncio.sleep(0.5)
        finally:
            await admin.close()


def main() -> int:
    settings = KafkaSettings()
    try:
        created = asyncio.run(ensure_topics(settings))
    except TimeoutError as error:
        print(f"topics: {error}", file=sys.stderr)  # noqa: T201
        return 1
    print(  # noqa: T201
        f"topics: {len(ALL_TOPICS)} ready ({len(created)} created, "
        f"{settings.topic_partitions} partitions each)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
