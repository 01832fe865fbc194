"""Batch subscribers declared one way, and the seekers a batch of profile-deleted erases."""

from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

from contracts import PROFILE_DELETED, ProfileDeleted, encode, new_envelope
from servicekit.batch_subscriptions import (
    batch_subscriber,
    erased_seeker_ids,
    forget_erased_seekers,
)


class Registrar:
    def __init__(self) -> None:
        self.declared: list[tuple[str, dict[str, Any]]] = []

    def subscriber(self, topic: str, **options: Any) -> Any:
        self.declared.append((topic, options))
        return lambda handler: handler


class DeadLetters:
    def __init__(self) -> None:
        self.sent: list[str] = []

    async def send(self, record: Any, reason: str, kind: str) -> None:
        self.sent.append(kind)


def record(value: bytes | None) -> Any:
    return SimpleNamespace(value=value, key=b"k", headers=[], topic="t", partition=0, offset=0)


def erasure(seeker_id: str) -> Any:
    payload = ProfileDeleted(seeker_id=seeker_id, deleted_at=datetime(2026, 1, 1, tzinfo=UTC))
    return record(encode(new_envelope(payload, producer="profiles")))


def test_a_batch_subscriber_has_a_group_per_service_and_topic() -> None:
    registrar = Registrar()
    batch_subscriber(registrar, "offers", PROFILE_DELETED, "-t1")  # type: ignore[arg-type]
    batch_subscriber(registrar, "gateway", PROFILE_DELETED, "", max_records=7)  # type: ignore[arg-type]
    (offers_topic, offers), (gateway_topic, gateway) = registrar.declared
    assert (offers_topic, offers["group_id"], offers["max_records"]) == (
        f"{PROFILE_DELETED}-t1",
        f"offers.{PROFILE_DELETED}",
        100,
    )
    assert (gateway_topic, gateway["group_id"], gateway["max_records"]) == (
        PROFILE_DELETED,
        f"gateway.{PROFILE_DELETED}",
        7,
    )
    assert offers["batch"]
    assert gateway["batch"]


async def test_erased_seekers_in_order_poison_to_the_dead_letters_tombstones_skipped() -> None:
    dead_letters = DeadLetters()
    records = [erasure("s1"), record(b"not json"), record(None), erasure("s2")]
    assert await erased_seeker_ids(dead_letters, records) == ["s1", "s2"]  # type: ignore[arg-type]
    assert dead_letters.sent == ["poison"]


async def test_forget_is_called_only_when_a_seeker_was_erased() -> None:
    forgotten: list[list[str]] = []

    async def forget(seeker_ids: list[str]) -> None:
        forgotten.append(seeker_ids)

    dead_letters: Any = DeadLetters()
    await forget_erased_seekers(dead_letters, [record(b"not json")], forget)
    await forget_erased_seekers(dead_letters, [erasure("s1")], forget)
    assert forgotten == [["s1"]]
