"""The outbox fault as the chaos harness composes it (chaoslib/outbox_crash.py): the relay's
`after_publish` hook runs after the broker's ack and before the batch leaves the outbox, so a crash
there leaves the batch to be sent again; without the hook, nothing changes. In memory: no Kafka,
no MongoDB."""

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from chaoslib import outbox_crash

from servicekit.data import FERRETDB, Documents
from servicekit.outbox import OUTBOX_FIELD, OutboxRelay


class Exited(Exception):
    pass


class Cursor:
    def __init__(self, documents: list[dict[str, Any]]) -> None:
        self.documents = documents

    def limit(self, _: int) -> "Cursor":
        return self

    async def to_list(self, _: None) -> list[dict[str, Any]]:
        return self.documents


class Collection:
    """Reads answer the one pending document; any write is recorded, whatever its method."""

    def __init__(self) -> None:
        entry = {"event_id": "e1", "topic": "offer-published", "key": "o1", "value": "{}"}
        self.document = {"_id": "o1", OUTBOX_FIELD: [{**entry, "headers": {}}]}
        self.writes: list[str] = []

    def find(self, *_: Any, **__: Any) -> Cursor:
        return Cursor([dict(self.document)])

    async def find_one(self, *_: Any, **__: Any) -> dict[str, Any]:
        return dict(self.document)

    def __getattr__(self, name: str) -> Callable[..., Awaitable[Any]]:
        async def write(*_: Any, **__: Any) -> Any:
            self.writes.append(name)
            return type("Result", (), {"matched_count": 1, "modified_count": 1})()

        return write


class Broker:
    def __init__(self) -> None:
        self.published: list[str] = []

    async def publish(self, value: bytes, topic: str, **_: Any) -> Awaitable[None]:
        self.published.append(topic)

        async def confirmed() -> None:
            return None

        return confirmed()


def exit_raises(code: int) -> None:
    raise Exited(code)


async def test_armed_the_relay_exits_after_publishing_and_before_clearing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(outbox_crash.os, "_exit", exit_raises)
    collection, broker = Collection(), Broker()
    relay = OutboxRelay(
        Documents(collection, FERRETDB),  # type: ignore[arg-type]
        broker,  # type: ignore[arg-type]
        after_publish=outbox_crash.crash,
    )

    with pytest.raises(Exited) as exited:
        await relay.relay_once()

    assert exited.value.args == (outbox_crash.CRASH_EXIT_CODE,)
    assert broker.published == ["offer-published"]
    assert collection.writes == []


async def test_unarmed_the_relay_clears_what_it_published() -> None:
    collection, broker = Collection(), Broker()
    relay = OutboxRelay(Documents(collection, FERRETDB), broker)  # type: ignore[arg-type]

    assert await relay.relay_once() == 1
    await relay.flush()
    assert broker.published == ["offer-published"]
    assert collection.writes, "the published entry is removed from the outbox"
