"""Creates the project's topics; run as `python -m servicekit.topics`."""

import asyncio
import logging
import sys
import time

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaError

from contracts import ALL_TOPICS, topic_name
from servicekit.settings import KafkaSettings

log = logging.getLogger(__name__)


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
            if missing:
                await admin.create_topics(
                    [
                        NewTopic(
                            name,
                            num_partitions=settings.topic_partitions,
                            replication_factor=1,
                            topic_configs={"retention.ms": str(settings.topic_retention_ms)},
                        )
                        for name in missing
                    ]
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
