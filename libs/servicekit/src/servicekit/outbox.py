"""The transactional outbox, without transactions.

A service writes its state and the events describing the change in ONE atomic update of the
same document (MongoDB has no cross-document transactions on every deployment we support). The
relay publishes pending events in order, waits for the broker's acknowledgement, then removes them.
A crash in between publishes them again: delivery is at least once, and consumers deduplicate on
`event_id`.

Removing what was sent costs a write of the document: the relay defers it off the hot path.
Published entries are remembered (in memory) and left in their documents until a cleanup removes
them in bulk, one write per document for all the events it sent meanwhile: when the relay has had
nothing to publish for `idle_s`, when `cleanup_after_s` have passed since the first of them, or
when `max_deferred` documents wait. A later pass skips entries it already sent; after a crash the
entries not cleaned yet are published again (consumers deduplicate on `event_id`). Tombstones go
at once: an erasure must not wait for a quiet moment.

Finding the pending events: FerretDB 1.24 answers the query "outbox not empty" by reading the whole
collection (seconds on tens of thousands of documents, and it slows every other query meanwhile).
So writers name the documents they queued events in (`wake(ids)`), and the relay reads just those
by `_id`. Names live in memory only: the relay sweeps the whole collection at start and then every
`sweep_interval_s`, which publishes whatever a crash between a write and its `wake` left behind. A
relay never given names (`wake()` alone) scans at every pass, as before.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from faststream.kafka import KafkaBroker

from contracts import Envelope, encode, headers_for, topic_name
from servicekit import metrics, tracing
from servicekit.data import Documents, Update
from servicekit.worker_loop import survive, wait_for_wake

log = logging.getLogger(__name__)

OUTBOX_FIELD = "outbox"
# A document that only waits for its last event to go out (an erasure), then disappears.
TOMBSTONE = "tombstone"
PENDING = {f"{OUTBOX_FIELD}.0": {"$exists": True}}


def outbox_entry(envelope: Envelope[Any], topic: str) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "event_id": str(envelope.event_id),
        "topic": topic,
        "key": envelope.key,
        "value": encode(envelope).decode(),
        "headers": headers_for(envelope),
    }
    # Observability: the relay publishes later, out of the request's or record's context, so the
    # entry keeps the trace (W3C traceparent, sent as a Kafka header) and when that work started.
    entry["headers"].update(tracing.current_traceparent())
    started_at = metrics.work_started_at()
    if started_at is not None:
        entry["started_at"] = started_at
    return entry


def tombstone_entry(topic: str, key: str) -> dict[str, Any]:
    """A record without a value for `key` on a compacted topic: the log forgets what it held."""
    return {"event_id": str(uuid.uuid4()), "topic": topic, "key": key, "value": None, "headers": {}}


@dataclass(eq=False)
class OutboxRelay:
    # The service's own `Documents` of that collection: the relay's removals take their
    # turn with the service's writes of the same documents.
    documents: Documents
    broker: KafkaBroker
    topic_suffix: str = ""
    batch_size: int = 500
    poll_interval_s: float = 0.5
    after_publish: Callable[[list[str]], Awaitable[None]] | None = None
    sweep_interval_s: float = 300.0
    # Conditions on the documents this relay may send from (e.g. the partitions a replica
    # holds); the default: every document of the collection.
    scope: Callable[[], dict[str, Any]] = dict
    idle_s: float = 1.0
    cleanup_after_s: float = 2.0
    max_deferred: int = 20_000
    published: int = field(init=False, default=0)
    # Entries published and not removed yet, by document, and their event ids.
    _sent: dict[Any, list[dict[str, Any]]] = field(init=False, default_factory=dict)
    _sent_ids: set[str] = field(init=False, default_factory=set)
    _deferred_since: float | None = field(init=False, default=None)
    _published_at: float = field(init=False, default_factory=time.monotonic)
    _passing: bool = field(init=False, default=False)
    _current: asyncio.Task[int] | None = field(init=False, default=None)
    _wake: asyncio.Event = field(init=False, default_factory=asyncio.Event)
    # Documents writers named since they were last read, oldest first (a dict keeps order).
    _due: dict[Any, None] = field(init=False, default_factory=dict)
    _named: bool = field(init=False, default=False)
    # The first pass catches what a previous run left behind.
    _sweep_requested: bool = field(init=False, default=True)
    _next_sweep: float = field(init=False, default=0.0)
    _more: bool = field(init=False, default=False)

    def wake(self, ids: Iterable[Any] | None = None) -> None:
        """Ask for a pass over these documents, or (without ids) over every pending document."""
        if ids is None:
            self._sweep_requested = True
        else:
            self._named = True
            self._due.update(dict.fromkeys(ids))
        self._wake.set()

    @property
    def due(self) -> int:
        """Documents named by writers and not read yet."""
        return len(self._due)

    async def relay_once(self) -> int:
        """Publish one batch of pending events; return how many were published."""
        self._passing = True
        try:
            return await self._relay_once()
        finally:
            self._passing = False

    async def _relay_once(self) -> int:
        sweeping = self._sweep_due()
        taken: list[Any] = []
        documents: list[dict[str, Any]] = []
        if sweeping:
            await self.flush()  # the scan must find only what is still to send
            documents = (
                await self.documents.raw.find(
                    {**PENDING, **self.scope()}, {OUTBOX_FIELD: 1, TOMBSTONE: 1}
                )
                .limit(self.batch_size)
                .to_list(None)
            )
        else:
            taken = list(self._due)[: self.batch_size]
            for key in taken:
                del self._due[key]
        try:
            if taken:
                documents = await self._read(taken)
            published = await self._publish(documents) if documents else 0
        except BaseException:
            # Named again, ahead of those named since: nothing is lost, the order is kept.
            self._due = {**dict.fromkeys(taken), **self._due}
            raise
        full = len(documents) >= self.batch_size
        if sweeping and not full:
            self._sweep_requested = False
            self._next_sweep = time.monotonic() + self.sweep_interval_s
        self._more = bool(self._due) or (sweeping and full)
        return published

    def _sweep_due(self) -> bool:
        if not self._named:
            return True
        return self._sweep_requested or time.monotonic() >= self._next_sweep

    async def _read(self, ids: list[Any]) -> list[dict[str, Any]]:
        """The named documents that have events to send, by `_id`."""
        found = await self.documents.get_many(ids, {OUTBOX_FIELD: 1, TOMBSTONE: 1}, self.scope())
        return [found[i] for i in ids if i in found and found[i].get(OUTBOX_FIELD)]

    async def _publish(self, documents: list[dict[str, Any]]) -> int:
        confirmations = []
        fresh = {
            d["_id"]: [e for e in d[OUTBOX_FIELD] if e["event_id"] not in self._sent_ids]
            for d in documents
        }
        for document in documents:
            # Sent in order without waiting one by one: the idempotent producer keeps the order
            # of sends within a partition, and the key (the aggregate id) picks the partition.
            for entry in fresh[document["_id"]]:
                confirmations.append(
                    await self.broker.publish(
                        None if entry["value"] is None else entry["value"].encode(),
                        topic_name(entry["topic"], self.topic_suffix),
                        key=entry["key"].encode(),
                        headers=entry["headers"],
                        no_confirm=True,
                    )
                )
        await asyncio.gather(*confirmations)
        sent = [e for entries in fresh.values() for e in entries]
        metrics.observe_published(sent)
        sent_ids = [e["event_id"] for e in sent]
        if self.after_publish is not None:
            await self.after_publish(sent_ids)
        for document_id, entries in fresh.items():
            if entries:
                self._sent.setdefault(document_id, []).extend(entries)
        self._sent_ids.update(sent_ids)
        if self._deferred_since is None and self._sent:
            self._deferred_since = time.monotonic()
        tombstones = [d["_id"] for d in documents if d.get(TOMBSTONE)]
        if tombstones:
            await self.flush(tombstones)
            await self.documents.delete(
                tombstones, where={TOMBSTONE: True, "outbox.0": {"$exists": False}}
            )
        self.published += len(sent_ids)
        if sent_ids:
            self._published_at = time.monotonic()
        return len(sent_ids)

    async def settle(self, timeout_s: float) -> bool:
        """Wait until every document named so far is relayed, then remove what was sent: the
        documents are then at rest (a partition's next owner finds nothing in flight). False
        when `timeout_s` passed first."""
        deadline = time.monotonic() + timeout_s
        while self._due or self._passing:
            if time.monotonic() > deadline:
                return False
            self._wake.set()
            await asyncio.sleep(0.02)
        await self.flush()
        return True

    @property
    def deferred(self) -> int:
        """Documents whose published entries wait for the cleanup."""
        return len(self._sent)

    def unsent(self, document: dict[str, Any]) -> list[dict[str, Any]]:
        """The entries of this document (as read from the store) not published yet."""
        return [e for e in document.get(OUTBOX_FIELD, ()) if e["event_id"] not in self._sent_ids]

    async def flush(self, ids: list[Any] | None = None) -> int:
        """Remove published entries from their documents now (these documents', or all);
        return how many documents were cleaned."""
        chosen = list(self._sent) if ids is None else [i for i in ids if i in self._sent]
        if not chosen:
            return 0
        entries = {i: self._sent[i] for i in chosen}
        # Entries never change once written, so removing them by exact value is safe; it is also
        # what every store supports ($pull with a condition on fields does nothing on some).
        await self.documents.update_each(
            [Update(i, {"$pullAll": {OUTBOX_FIELD: sent}}) for i, sent in entries.items()]
        )
        for document_id, sent in entries.items():
            del self._sent[document_id]
            self._sent_ids.difference_update(e["event_id"] for e in sent)
        if not self._sent:
            self._deferred_since = None
        return len(entries)

    def _cleanup_due(self) -> bool:
        if not self._sent:
            return False
        now = time.monotonic()
        return (
            now - self._published_at >= self.idle_s
            or len(self._sent) >= self.max_deferred
            or (
                self._deferred_since is not None
                and now - self._deferred_since >= self.cleanup_after_s
            )
        )

    async def run(self) -> None:
        try:
            while True:
                await survive(self._relay_all, "outbox relay", log)
                await wait_for_wake(self._wake, self.poll_interval_s)
        finally:
            # Stopping: the pass in hand finishes (what it published is then known), and what
            # was sent leaves the documents; what is not cleaned now is published again by the
            # next run.
            with contextlib.suppress(Exception):
                async with asyncio.timeout(2.0):
                    if self._current is not None:
                        await asyncio.wait([self._current])  # its outcome, whatever it is
                    await self.flush()

    async def _relay_all(self) -> None:
        await self._shielded_pass()
        while self._more:
            await self._shielded_pass()
        if self._cleanup_due():
            await self.flush()

    async def _shielded_pass(self) -> None:
        # A cancellation (a stop) must not cut a pass between the broker's acknowledgement and
        # the note of what was sent: the pass runs in a task of its own, which `run` waits for.
        self._current = asyncio.create_task(self.relay_once())
        await asyncio.shield(self._current)
