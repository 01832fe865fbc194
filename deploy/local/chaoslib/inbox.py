"""What a run observes at its end: the notifier's inbox items of the run's seekers, beside what
the sinks received."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from chaoslib import checker


async def observe(
    mongo_url: str, prefix: str, receptions: Sequence[checker.Reception]
) -> checker.Observed:
    from pymongo import AsyncMongoClient

    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(mongo_url)
    try:
        items = (
            await client["tremplin_notifier"]["inbox"]
            .find(
                {"seeker_id": {"$regex": f"^{prefix}"}}, {"seeker_id": 1, "offer_id": 1, "kind": 1}
            )
            .to_list(None)
        )
    finally:
        await client.close()
    return checker.Observed(inbox=checker.inbox_counts(items), receptions=list(receptions))
