"""The transactional outbox, without transactions.

A service writes its state and the events describing the change in ONE atomic update of the
same document (MongoDB has no cross-document transactions on every deployment we support). The
relay publishes pending events in order, waits for the broker's acknowledgement, then removes them.
A crash in between publishes them again: delivery is at least once, and consumers deduplicate on
`event_id`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from faststream.kafka import KafkaBroker
from pymongo import UpdateOne
from pymongo.asynchronous.collection import AsyncCollection

from contracts import Envelope, encode, headers_for, topic_name
from servicekit.locks import KeyedLocks

log = logging.getLogger(__name__)

OUTBOX_FIELD = "outbox"
# A document that only waits for its last event to go out (an erasure), then disappears.
TOMBSTONE = "tombstone"
PENDING = {f"{OUTBOX_FIELD}.0": {"$exists": True}}


def outbox_entry(envelope: Envelope[Any], topic: str) -> dict[str, Any]:
    return {
        "event_id": str(envelope.event_id),
        "topic": topic,
        "key": envelope.key,
        "value": encode(envelope).decode(),
        "headers": headers_for(envelope),
    }


class OutboxRelay:
    def __init__(
        self,
        collection: AsyncCollection[dict[str, Any]],
        broker: KafkaBroker,
        topic_suffix: str = "",
        batch_size: int = 500,
        poll_interval_s: float = 0.5,
        after_publish: Callable[[list[str]], Awaitable[None]] | None = None,
        write_lock: asyncio.Lock | None = None,
        document_locks: KeyedLocks | None = None,
    ) -> None:
        self.collection = collection
        self.broker = broker
        self.topic_suffix = topic_suffix
        self.batch_size = batch_size
        self.poll_interval_s = poll_interval_s
        self.after_publish = after_publish
        # FerretDB 1.24 loses one of two concurrent updates of the same document (the last write
        # wins): a service whose other writes touch outbox documents shares this lock with it.
        self.write_lock: contextlib.AbstractAsyncContextManager[Any] = (
            write_lock or contextlib.nullcontext()
        )
        self.document_locks = document_locks
        self.published = 0
        self._wake = asyncio.Event()

    def wake(self) -> None:
        self._wake.set()

    async def relay_once(self) -> int:
        """Publish one batch of pending events; return how many were published."""
        documents = (
            await self.collection.find(PENDING, {OUTBOX_FIELD: 1, TOMBSTONE: 1})
            .limit(self.batch_size)
            .to_list(None)
        )
        if not documents:
            return 0
        confirmations = []
        for document in documents:
            # Sent in order without waiting one by one: the idempotent producer keeps the order
            # of sends within a partition, and the key (the aggregate id) picks the partition.
            for entry in document[OUTBOX_FIELD]:
                confirmations.append(
                    await self.broker.publish(
                        entry["value"].encode(),
                        topic_name(entry["topic"], self.topic_suffix),
                        key=entry["key"].encode(),
                        headers=entry["headers"],
                        no_confirm=True,
                    )
                )
        await asyncio.gather(*confirmations)
        sent_ids = [e["event_id"] for d in documents for e in d[OUTBOX_FIELD]]
        if self.after_publish is not None:
            await self.after_publish(sent_ids)
        held = (
            self.document_locks.hold(d["_id"] for d in documents)
            if self.document_locks is not None
            else contextlib.nullcontext()
        )
        async with self.write_lock, held:
            await self._remove_sent(documents)
        self.published += len(sent_ids)
        return len(sent_ids)

    async def _remove_sent(self, documents: list[dict[str, Any]]) -> None:
        await self.collection.bulk_write(
            [
                # Entries never change once written, so removing them by exact value is safe; it is
                # also what FerretDB supports ($pull with a condition on fields is a no-op there).
                UpdateOne(
                    {"_id": document["_id"]}, {"$pullAll": {OUTBOX_FIELD: document[OUTBOX_FIELD]}}
                )
                for document in documents
            ],
            ordered=False,
        )
        tombstones = [d["_id"] for d in documents if d.get(TOMBSTONE)]
        if tombstones:
            await self.collection.delete_many(
                {"_id": {"$in": tombstones}, TOMBSTONE: True, "outbox.0": {"$exists": False}}
            )

    async def run(self) -> None:
        while True:
            try:
                while await self.relay_once() >= self.batch_size:
                    pass
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("outbox relay failed; retrying")
                await asyncio.sleep(1.0)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.poll_interval_s)
            self._wake.clear()
