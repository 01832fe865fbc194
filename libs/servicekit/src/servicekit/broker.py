"""A Kafka broker with safe defaults, at-least-once subscribers and a dead-letter topic.

FastStream's defaults are unsafe for us: the producer acks on the leader only, without idempotence,
and subscribers commit before processing. Everything here turns those into at-least-once.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from functools import partial
from typing import Any, TypeVar

from aiokafka.errors import KafkaError
from faststream import AckPolicy
from faststream._internal.middlewares import BaseMiddleware
from faststream.kafka import KafkaBroker
from pydantic import ValidationError
from pymongo.errors import ConnectionFailure, PyMongoError

from contracts import DEAD_LETTER, Envelope, EventPayload, PoisonMessage, decode, topic_name
from servicekit import metrics, tracing
from servicekit.settings import KafkaSettings

log = logging.getLogger(__name__)

GRACEFUL_STOP_S = 6.0
PRODUCER_OPTIONS: dict[str, Any] = {"acks": "all", "enable_idempotence": True, "linger_ms": 2}
SUBSCRIBER_OPTIONS: dict[str, Any] = {
    "ack_policy": AckPolicy.NACK_ON_ERROR,
    "auto_offset_reset": "earliest",
}
POISON_ERRORS: tuple[type[BaseException], ...] = (
    PoisonMessage,
    ValidationError,
    json.JSONDecodeError,
    UnicodeDecodeError,
)


P = TypeVar("P", bound=EventPayload)


async def undecoded(message: Any) -> None:
    """For batch subscribers: records are decoded one by one by the handler (`decode_batch`)."""


def is_tombstone(record: Any) -> bool:
    """A record without a value: on a compacted topic, its key was erased. Nothing to handle."""
    return record.value is None


async def decode_batch(
    dead_letters: DeadLetters, records: Any, payload_type: type[P]
) -> list[tuple[int, Any, Envelope[P]]]:
    """A polled batch's records decoded one by one, with their place in the batch and the record:
    tombstones are skipped, a poison record goes to the dead letters and the others are kept."""
    found = []
    for position, record in enumerate(records):
        if is_tombstone(record):
            continue
        try:
            found.append((position, record, decode(record.value, payload_type)))
        except POISON_ERRORS as error:
            await dead_letters.send(record, poison_reason(record, error), "poison")
    return found


def is_transient(error: BaseException) -> bool:
    """Infrastructure hiccups: retried until they pass, never dead-lettered."""
    if isinstance(error, ConnectionFailure | KafkaError | TimeoutError | OSError):
        return True
    return isinstance(error, PyMongoError) and error.has_error_label("RetryableWriteError")


def make_broker(settings: KafkaSettings, service: str) -> KafkaBroker:
    broker = KafkaBroker(
        settings.bootstrap_servers,
        client_id=service,
        # On SIGTERM: subscribers stop fetching, the batches in hand finish and commit. With the
        # background tasks' stop (servicekit.app), a service exits within 10 s.
        graceful_timeout=GRACEFUL_STOP_S,
        logger=logging.getLogger(f"{service}.kafka"),
        log_level=logging.DEBUG,
        security=settings.security(),
        **PRODUCER_OPTIONS,
    )
    dead_letters = DeadLetters(broker, topic_name(DEAD_LETTER, settings.topic_suffix), service)
    dead_letters.topic_suffix = settings.topic_suffix
    broker.add_middleware(partial(DeadLetterMiddleware, dead_letters=dead_letters))
    metrics.watch_broker(broker, settings.topic_suffix, dead_letters.topic)
    broker.dead_letters = dead_letters  # type: ignore[attr-defined]
    return broker


def dead_letters_of(broker: KafkaBroker) -> DeadLetters:
    return broker.dead_letters  # type: ignore[attr-defined,no-any-return]


def subscriber(
    registrar: Any, topic: str, *, group_id: str, **options: Any
) -> Callable[[Callable[..., Awaitable[Any]]], Any]:
    """A consumer-group subscriber that commits only after the handler succeeded."""
    return registrar.subscriber(  # type: ignore[no-any-return]
        topic, group_id=group_id, **{**SUBSCRIBER_OPTIONS, **options}
    )


class DeadLetters:
    """Moves messages that no retry can fix to the dead-letter topic, with the reason in headers."""

    def __init__(
        self, broker: KafkaBroker, topic: str, service: str, max_attempts: int = 5
    ) -> None:
        self.broker = broker
        self.topic = topic
        self.service = service
        self.max_attempts = max_attempts
        self._attempts: dict[tuple[str, int, int], int] = {}
        self.sent = 0
        self.topic_suffix = ""  # only to name metrics by base topic

    async def send(self, record: Any, reason: str, kind: str) -> None:
        headers = {key: value.decode(errors="replace") for key, value in record.headers or ()}
        original_key = record.key.decode(errors="replace") if record.key is not None else ""
        headers.update(
            {
                "x-original-key": original_key,
                "x-dead-letter-reason": reason[:1000],
                "x-dead-letter-kind": kind,
                "x-original-topic": record.topic,
                "x-original-partition": str(record.partition),
                "x-original-offset": str(record.offset),
                "x-failed-by": self.service,
                "x-failed-at": datetime.now(UTC).isoformat(),
            }
        )
        # Each letter has a key of its own, led by the original one (the seeker's id for their
        # events): the topic is compacted, and an erasure tombstones exactly the seeker's letters.
        key = f"{original_key}/{record.topic}:{record.partition}:{record.offset}"
        await self.broker.publish(record.value, self.topic, key=key.encode(), headers=headers)
        self.sent += 1
        metrics.DEAD_LETTERED.labels(self.base_topic(record.topic), kind).inc()
        metrics.note_dead_lettered()
        log.warning(
            "message dead-lettered",
            extra={
                "topic": record.topic,
                "partition": record.partition,
                "offset": record.offset,
                "reason": reason[:200],
            },
        )

    def base_topic(self, topic: str) -> str:
        return metrics.base_topic(topic, self.topic_suffix)

    def count_failure(self, record: Any) -> int:
        where = (record.topic, record.partition, record.offset)
        self._attempts[where] = self._attempts.get(where, 0) + 1
        if len(self._attempts) > 10_000:
            self._attempts.clear()
        return self._attempts[where]

    def forget(self, record: Any) -> None:
        self._attempts.pop((record.topic, record.partition, record.offset), None)


def describe(error: BaseException) -> str:
    if isinstance(error, ValidationError):
        parts = [
            f"{'.'.join(str(p) for p in item['loc']) or 'message'}: {item['msg']}"
            for item in error.errors()[:5]
        ]
        return "invalid event: " + "; ".join(parts)
    return f"{type(error).__name__}: {error}"


def poison_reason(record: Any, error: BaseException) -> str:
    """Say what is wrong in the sender's terms: broken JSON first, then the failed fields."""
    try:
        json.loads(record.value)
    except (ValueError, TypeError) as broken:
        return f"not valid JSON: {broken}"
    return describe(error)


class DeadLetterMiddleware(BaseMiddleware):
    """Poison goes to the dead-letter topic at once; other failures are retried with backoff.

    Infrastructure failures are retried until they pass. A handler that keeps failing on the same
    message is dead-lettered after `max_attempts`, so one bad message never blocks its partition.
    """

    def __init__(self, msg: Any, /, *, context: Any, dead_letters: DeadLetters) -> None:
        super().__init__(msg, context=context)
        self.dead_letters = dead_letters

    async def consume_scope(self, call_next: Callable[[Any], Awaitable[Any]], msg: Any) -> Any:
        # Observability around the handling proper: a consumer span continuing the producer's
        # trace, the time the work started (for the outbox's delay) and the outcome counter.
        record = msg.raw_message
        service = self.dead_letters.service
        if not isinstance(record, tuple | list) and is_tombstone(record):
            return None  # the erasure of a key on a compacted topic: nothing to do
        if isinstance(record, tuple | list):  # a batch (a list in FastStream's test broker)
            topic = self.dead_letters.base_topic(record[0].topic) if record else "none"
            batch, batch_token = metrics.start_outcome()
            work = metrics.start_work()
            try:
                with tracing.batch_span(service, topic, record):
                    result = await self._handle_batch(call_next, msg)
            except BaseException:
                metrics.count_events(topic, metrics.RETRIED, len(record))
                raise
            finally:
                metrics.end_work(work)
                metrics.end_outcome(batch_token)
            metrics.count_batch(topic, len(record), batch)
            return result
        topic = self.dead_letters.base_topic(record.topic)
        outcome, outcome_token = metrics.start_outcome()
        work = metrics.start_work()
        try:
            with tracing.consumer_span(service, topic, record) as span:
                result = await self._handle(call_next, msg, outcome)
                span.set_attribute("tremplin.outcome", outcome.outcome)
        except BaseException:
            outcome.outcome = metrics.RETRIED
            raise
        finally:
            metrics.end_work(work)
            metrics.end_outcome(outcome_token)
            metrics.count_events(topic, outcome.outcome)
        return result

    async def _handle_batch(self, call_next: Callable[[Any], Awaitable[Any]], msg: Any) -> Any:
        # Batch handlers dead-letter record by record themselves.
        return await call_next(msg)

    async def _handle(
        self, call_next: Callable[[Any], Awaitable[Any]], msg: Any, outcome: metrics.Outcome
    ) -> Any:
        record = msg.raw_message
        try:
            result = await call_next(msg)
        except POISON_ERRORS as error:
            await self.dead_letters.send(record, poison_reason(record, error), "poison")
            outcome.outcome = metrics.DEAD_LETTERED_OUTCOME
            return None
        except Exception as error:
            if is_transient(error):
                log.warning("transient failure, will retry", extra={"error": describe(error)})
                await asyncio.sleep(1.0)
                raise
            attempts = self.dead_letters.count_failure(record)
            if attempts >= self.dead_letters.max_attempts:
                self.dead_letters.forget(record)
                await self.dead_letters.send(
                    record, f"failed {attempts} times: {describe(error)}", "failed"
                )
                outcome.outcome = metrics.DEAD_LETTERED_OUTCOME
                return None
            await asyncio.sleep(min(0.1 * 2**attempts, 5.0))
            raise
        self.dead_letters.forget(record)
        return result

    async def after_processed(
        self,
        exc_type: type[BaseException] | None = None,
        exc_val: BaseException | None = None,
        exc_tb: Any = None,
    ) -> bool | None:
        # Errors raised while parsing, before the handler runs, surface here.
        if isinstance(exc_val, POISON_ERRORS) and not isinstance(self.msg, tuple):
            await self.dead_letters.send(self.msg, poison_reason(self.msg, exc_val), "poison")
            topic = self.dead_letters.base_topic(getattr(self.msg, "topic", "none"))
            metrics.count_events(topic, metrics.DEAD_LETTERED_OUTCOME)
            return True
        return False
