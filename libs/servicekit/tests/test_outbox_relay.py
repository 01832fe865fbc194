"""The outbox relay's choice of documents to read, with an in-memory collection and broker."""

import asyncio
import contextlib
from typing import Any

import pytest

from servicekit.data import FERRETDB, Documents
from servicekit.outbox import OUTBOX_FIELD, PENDING, TOMBSTONE, OutboxRelay


def entry(document_id: str, n: int) -> dict[str, Any]:
    return {
        "event_id": f"{document_id}-{n}",
        "topic": "profile-updated",
        "key": document_id,
        "value": f"{document_id}-{n}",
        "headers": {},
    }


class Cursor:
    def __init__(self, documents: list[dict[str, Any]]) -> None:
        self.documents = documents

    def limit(self, n: int) -> "Cursor":
        return Cursor(self.documents[:n])

    async def to_list(self, _: None) -> list[dict[str, Any]]:
        return self.documents

    async def __aiter__(self) -> Any:
        for document in self.documents:
            yield document


class Result:
    matched_count = 0
    deleted_count = 0


class FakeCollection:
    """Just what the relay uses; counts the whole-collection scans and the reads by `_id`."""

    def __init__(self) -> None:
        self.documents: dict[str, dict[str, Any]] = {}
        self.scans = 0
        self.reads: list[str] = []
        self.commands: list[int] = []

    def push(self, document_id: str, n: int) -> None:
        document = self.documents.setdefault(document_id, {"_id": document_id, OUTBOX_FIELD: []})
        document[OUTBOX_FIELD].append(entry(document_id, n))

    def find(self, query: dict[str, Any], _: dict[str, Any]) -> Cursor:
        if query == PENDING:
            self.scans += 1
            return Cursor([_copy(d) for d in self.documents.values() if d[OUTBOX_FIELD]])
        assert list(query) == ["_id"], "the relay reads by _id alone"
        wanted = query["_id"]["$in"] if isinstance(query["_id"], dict) else [query["_id"]]
        self.reads += wanted
        return Cursor([_copy(self.documents[i]) for i in wanted if i in self.documents])

    async def bulk_write(self, operations: list[Any], ordered: bool) -> Result:
        self.commands.append(len(operations))
        for operation in operations:
            document = self.documents[operation._filter["_id"]]
            sent = operation._doc["$pullAll"][OUTBOX_FIELD]
            document[OUTBOX_FIELD] = [e for e in document[OUTBOX_FIELD] if e not in sent]
        return Result()

    async def delete_many(self, query: dict[str, Any]) -> Result:
        for document_id in query["_id"]["$in"]:
            if not self.documents[document_id][OUTBOX_FIELD]:
                del self.documents[document_id]
        return Result()


def _copy(document: dict[str, Any]) -> dict[str, Any]:
    return {**document, OUTBOX_FIELD: list(document[OUTBOX_FIELD])}


class FakeBroker:
    def __init__(self) -> None:
        self.sent: list[str] = []
        self.values: list[str] = []
        self.failures = 0

    async def publish(self, value: bytes, topic: str, **options: Any) -> "asyncio.Future[None]":
        if self.failures:
            self.failures -= 1
            raise ConnectionError("broker unreachable")
        self.sent.append(options["key"].decode())
        self.values.append(value.decode())
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        done.set_result(None)
        return done


def relay_of(collection: FakeCollection, broker: FakeBroker, **options: Any) -> OutboxRelay:
    documents = Documents(collection, FERRETDB)  # type: ignore[arg-type]
    return OutboxRelay(documents, broker, **options)  # type: ignore[arg-type]


async def swept(collection: FakeCollection, broker: FakeBroker, **options: Any) -> OutboxRelay:
    """A relay past its first sweep, which found nothing to announce."""
    relay = relay_of(collection, broker, **options)
    relay.wake([])
    await relay.relay_once()
    return relay


async def test_a_relay_given_names_reads_only_those_documents_after_its_first_sweep() -> None:
    collection, broker = FakeCollection(), FakeBroker()
    relay = relay_of(collection, broker)
    collection.push("left-by-a-crash", 1)
    relay.wake(["a"])
    collection.push("a", 1)

    assert await relay.relay_once() == 2  # the first pass sweeps: the crash's leftover goes too
    collection.push("b", 1)
    collection.push("c", 1)
    relay.wake(["b"])
    assert await relay.relay_once() == 1

    assert collection.scans == 1
    assert collection.reads == ["a", "b"]  # "a", named before the sweep, is read once more
    assert broker.sent == ["left-by-a-crash", "a", "b"]
    assert collection.documents["c"][OUTBOX_FIELD], "not named: waits for the next sweep"


async def test_a_relay_sweeps_again_once_its_interval_has_passed() -> None:
    collection, broker = FakeCollection(), FakeBroker()
    relay = await swept(collection, broker, sweep_interval_s=0.0)
    collection.push("unnamed", 1)

    assert await relay.relay_once() == 1
    assert collection.scans == 2


async def test_waking_without_names_asks_for_a_sweep() -> None:
    collection, broker = FakeCollection(), FakeBroker()
    relay = await swept(collection, broker)
    collection.push("unnamed", 1)
    assert await relay.relay_once() == 0

    relay.wake()
    assert await relay.relay_once() == 1
    assert collection.scans == 2


async def test_a_relay_never_given_names_scans_at_every_pass() -> None:
    collection, broker = FakeCollection(), FakeBroker()
    relay = relay_of(collection, broker)
    for n in range(3):
        collection.push("d", n)
        assert await relay.relay_once() == 1
    assert collection.scans == 3
    assert collection.reads == []


async def test_documents_of_a_failed_pass_are_named_again_ahead_of_the_others() -> None:
    collection, broker = FakeCollection(), FakeBroker()
    relay = await swept(collection, broker, batch_size=2)
    for document_id in ("a", "b", "c"):
        collection.push(document_id, 1)
    relay.wake(["a", "b", "c"])
    broker.failures = 1

    with pytest.raises(ConnectionError):
        await relay.relay_once()
    assert relay.due == 3
    assert await relay.relay_once() == 2
    assert await relay.relay_once() == 1
    await relay.flush()

    assert broker.sent == ["a", "b", "c"]
    assert all(not d[OUTBOX_FIELD] for d in collection.documents.values())


async def test_named_documents_go_out_in_batches_and_events_of_one_document_in_order() -> None:
    collection, broker = FakeCollection(), FakeBroker()
    relay = await swept(collection, broker, batch_size=10)
    for n in range(3):
        for d in range(25):
            collection.push(f"d{d}", n)
    relay.wake(f"d{d}" for d in range(25))

    running = asyncio.create_task(relay.run())
    for _ in range(100):
        await asyncio.sleep(0)
        if relay.published == 75:
            break
    running.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await running  # a stopping relay cleans what it sent

    assert relay.published == 75
    assert collection.scans == 1
    assert collection.reads == [f"d{d}" for d in range(25)]
    for d in range(25):
        assert [v for v in broker.values if v.startswith(f"d{d}-")] == [
            f"d{d}-{n}" for n in range(3)
        ]
    assert all(not d[OUTBOX_FIELD] for d in collection.documents.values())


async def test_a_tombstone_named_by_its_writer_disappears_once_announced() -> None:
    collection, broker = FakeCollection(), FakeBroker()
    relay = await swept(collection, broker)
    collection.push("erased", 1)
    collection.documents["erased"][TOMBSTONE] = True
    relay.wake(["erased"])

    assert await relay.relay_once() == 1
    assert "erased" not in collection.documents


async def test_sent_events_are_removed_in_commands_ferretdb_can_finish() -> None:
    collection, broker = FakeCollection(), FakeBroker()
    relay = relay_of(collection, broker, batch_size=500)
    for d in range(2 * FERRETDB.updates_per_command + 1):
        collection.push(f"d{d}", 1)

    assert await relay.relay_once() == 2 * FERRETDB.updates_per_command + 1
    assert collection.commands == []  # removals wait for the cleanup
    assert await relay.flush() == 2 * FERRETDB.updates_per_command + 1
    assert collection.commands == [FERRETDB.updates_per_command, FERRETDB.updates_per_command, 1]
    assert all(not d[OUTBOX_FIELD] for d in collection.documents.values())


async def test_sent_entries_leave_their_documents_later_in_one_write_per_document() -> None:
    collection, broker = FakeCollection(), FakeBroker()
    relay = await swept(collection, broker, idle_s=3600, cleanup_after_s=3600)
    for n in range(3):
        collection.push("d", n)
        relay.wake(["d"])
        assert await relay.relay_once() == 1  # what it sent before is not sent again

    assert broker.values == ["d-0", "d-1", "d-2"]
    assert collection.commands == [], "no write on the hot path"
    assert relay.deferred == 1
    assert await relay.flush() == 1
    assert collection.commands == [1]
    assert collection.documents["d"][OUTBOX_FIELD] == []


async def test_an_idle_relay_cleans_up_by_itself() -> None:
    collection, broker = FakeCollection(), FakeBroker()
    relay = relay_of(collection, broker, idle_s=0.0, poll_interval_s=0.01)
    collection.push("d", 1)
    running = asyncio.create_task(relay.run())
    for _ in range(200):
        await asyncio.sleep(0.01)
        if not collection.documents["d"][OUTBOX_FIELD]:
            break
    running.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await running

    assert broker.values == ["d-1"]
    assert collection.documents["d"][OUTBOX_FIELD] == []


async def test_settling_relays_what_was_named_and_leaves_the_documents_at_rest() -> None:
    collection, broker = FakeCollection(), FakeBroker()
    relay = relay_of(collection, broker, idle_s=3600, cleanup_after_s=3600, poll_interval_s=0.01)
    relay.wake([])
    running = asyncio.create_task(relay.run())
    for d in range(5):
        collection.push(f"d{d}", 1)
    relay.wake(f"d{d}" for d in range(5))

    assert await relay.settle(5.0)
    at_rest = all(not d[OUTBOX_FIELD] for d in collection.documents.values())
    running.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await running

    assert sorted(broker.sent) == [f"d{d}" for d in range(5)]
    assert at_rest
