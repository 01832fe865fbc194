"""Prometheus metrics every service exports at `GET /metrics`.

Labels stay bounded: route templates (never concrete paths), base topic names (never the test
suffix), channels and outcomes. No seeker, offer or event id ever becomes a label.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import time
import weakref
from collections.abc import Iterable
from typing import Any

from aiokafka import TopicPartition
from fastapi import APIRouter, Response
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, Counter, Gauge, Histogram
from prometheus_client import generate_latest as render
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from servicekit import tracing

log = logging.getLogger(__name__)

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

HTTP_REQUEST_SECONDS = Histogram(
    "tremplin_http_request_duration_seconds",
    "Time to answer an HTTP request, by route template, method and status code.",
    ["route", "method", "status"],
    buckets=LATENCY_BUCKETS,
)
EVENTS_PROCESSED = Counter(
    "tremplin_events_processed_total",
    "Kafka records handled by this service's consumers, by topic and outcome "
    "(ok, duplicate, dead_lettered, retried).",
    ["topic", "outcome"],
)
DEAD_LETTERED = Counter(
    "tremplin_dead_lettered_total",
    "Records this service moved to the dead-letter topic, by original topic and kind "
    "(poison: unreadable; failed: kept failing).",
    ["topic", "kind"],
)
CONSUMER_LAG = Gauge(
    "tremplin_consumer_lag_records",
    "Records not yet consumed by this replica, per consumer group, topic and partition "
    "(the partition's high watermark minus the consumer's position), sampled at each scrape.",
    ["group", "topic", "partition"],
)
DEAD_LETTER_DEPTH = Gauge(
    "tremplin_dead_letter_depth_records",
    "Records retained on the dead-letter topic (all services), sampled at each scrape by the "
    "services that consume: every such replica reports the same figure, so aggregate with max().",
)
OUTBOX_PUBLISHED = Counter(
    "tremplin_outbox_published_total",
    "Events the outbox relay published and the broker acknowledged, by topic.",
    ["topic"],
)
OUTBOX_DELAY_SECONDS = Histogram(
    "tremplin_outbox_delay_seconds",
    "Time from the start of the work that wrote an event (HTTP request or consumed record) to "
    "the broker's acknowledgement of its publication, by topic. For match-found, this is the "
    "recommender's match latency.",
    ["topic"],
    buckets=LATENCY_BUCKETS,
)

DUPLICATE = "duplicate"
OK = "ok"
DEAD_LETTERED_OUTCOME = "dead_lettered"
RETRIED = "retried"
UNMATCHED_ROUTE = "unmatched"

# When the work in progress started (monotonic clock is useless across the outbox: wall time).
_work_started: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "work_started", default=None
)
# What the handlers report about the records being handled (a redelivery found its effect).
_outcome: contextvars.ContextVar[Outcome | None] = contextvars.ContextVar("outcome", default=None)
_brokers: weakref.WeakSet[Any] = weakref.WeakSet()


def counter(name: str, documentation: str, labels: list[str]) -> Counter:
    """A service's own counter, in the registry `/metrics` exports."""
    return Counter(name, documentation, labels)


def base_topic(topic: str, suffix: str) -> str:
    return topic[: -len(suffix)] if suffix and topic.endswith(suffix) else topic


def work_started_at() -> float | None:
    return _work_started.get()


def start_work(at: float | None = None) -> contextvars.Token[float | None]:
    return _work_started.set(time.time() if at is None else at)


def end_work(token: contextvars.Token[float | None]) -> None:
    _work_started.reset(token)


class Outcome:
    """How the record (or batch) in hand went; set by the middleware and the handlers."""

    def __init__(self) -> None:
        self.outcome = OK
        self.duplicates = 0
        self.dead_lettered = 0


def mark_duplicate() -> None:
    """Called by a handler that found the effect of a record already there (a redelivery)."""
    outcome = _outcome.get()
    if outcome is not None:
        outcome.outcome = DUPLICATE
        outcome.duplicates += 1


def note_dead_lettered() -> None:
    outcome = _outcome.get()
    if outcome is not None:
        outcome.dead_lettered += 1


def start_outcome() -> tuple[Outcome, contextvars.Token[Outcome | None]]:
    outcome = Outcome()
    return outcome, _outcome.set(outcome)


def end_outcome(token: contextvars.Token[Outcome | None]) -> None:
    _outcome.reset(token)


def count_batch(topic: str, size: int, outcome: Outcome) -> None:
    count_events(topic, DUPLICATE, outcome.duplicates)
    count_events(topic, DEAD_LETTERED_OUTCOME, outcome.dead_lettered)
    count_events(topic, OK, max(0, size - outcome.duplicates - outcome.dead_lettered))


def count_events(topic: str, outcome: str, count: int = 1) -> None:
    if count:
        EVENTS_PROCESSED.labels(topic, outcome).inc(count)


def observe_published(entries: Iterable[dict[str, Any]], now: float | None = None) -> None:
    now = time.time() if now is None else now
    for entry in entries:
        OUTBOX_PUBLISHED.labels(entry["topic"]).inc()
        started = entry.get("started_at")
        if isinstance(started, int | float):
            OUTBOX_DELAY_SECONDS.labels(entry["topic"]).observe(max(0.0, now - started))


def watch_broker(broker: Any, suffix: str, dead_letter_topic: str | None = None) -> None:
    """Let `/metrics` sample the lag of this broker's subscribers, and the dead letters."""
    broker.metrics_topic_suffix = suffix
    broker.metrics_dead_letter_topic = dead_letter_topic
    _brokers.add(broker)


async def sample_dead_letter_depth() -> None:
    """From the first running consumer: two offset requests to the broker, no consumer group."""
    for broker in list(_brokers):
        topic = getattr(broker, "metrics_dead_letter_topic", None)
        consumers = [getattr(s, "consumer", None) for s in getattr(broker, "subscribers", ())]
        consumer = next((c for c in consumers if c is not None), None)
        if topic is None or consumer is None:
            continue
        partitions = consumer.partitions_for_topic(topic)
        if not partitions:
            await asyncio.wait_for(consumer._client.add_topic(topic), 1.0)
            partitions = consumer.partitions_for_topic(topic) or set()
        wanted = [TopicPartition(topic, p) for p in partitions]
        if not wanted:
            continue
        ends = await asyncio.wait_for(consumer.end_offsets(wanted), 1.0)
        starts = await asyncio.wait_for(consumer.beginning_offsets(wanted), 1.0)
        DEAD_LETTER_DEPTH.set(sum(ends[p] - starts[p] for p in wanted))
        return


async def sample_consumer_lag() -> None:
    for broker in list(_brokers):
        suffix = getattr(broker, "metrics_topic_suffix", "")
        for subscriber in list(getattr(broker, "subscribers", ())):
            consumer = getattr(subscriber, "consumer", None)
            if consumer is None:
                continue
            group = getattr(consumer, "_group_id", None) or "none"
            try:
                partitions = list(consumer.assignment())
            except Exception:  # a consumer being stopped or rebalanced: next scrape
                log.debug("no assignment to sample", exc_info=True)
                continue
            for partition in partitions:
                try:
                    highwater = consumer.highwater(partition)
                    position = await asyncio.wait_for(consumer.position(partition), 0.5)
                except Exception:
                    log.debug("no position to sample", exc_info=True)
                    continue
                if highwater is None:
                    continue
                CONSUMER_LAG.labels(
                    base_topic(group, suffix),
                    base_topic(partition.topic, suffix),
                    str(partition.partition),
                ).set(max(0, highwater - position))


def metrics_router() -> APIRouter:
    router = APIRouter()

    @router.get("/metrics", include_in_schema=False)
    async def metrics() -> Response:
        try:
            await sample_consumer_lag()
        except Exception:
            log.warning("consumer lag not sampled", exc_info=True)
        try:
            await sample_dead_letter_depth()
        except Exception:
            log.info("dead-letter depth not sampled", exc_info=True)
        return Response(render(REGISTRY), media_type=CONTENT_TYPE_LATEST)

    return router


def metric_names() -> set[str]:
    """Every series name this process can export, samples or not yet (dashboard and rules tests)."""
    suffixes = {"counter": ("_total",), "histogram": ("_bucket", "_count", "_sum")}
    return {
        family.name + suffix
        for family in REGISTRY.collect()
        for suffix in suffixes.get(family.type, ("",))
    }


class ObservedRequests:
    """ASGI middleware: one latency observation per HTTP request, and its correlation id.

    FastAPI's own telemetry makes the server span (continuing the caller's W3C `traceparent`);
    this binds the request id (`X-Request-ID`, or the trace id) for the logs and the start of the
    work for the outbox's delay.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = [500]
        method = scope["method"]
        header = next((v for k, v in scope["headers"] if k == b"x-request-id"), None)

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
                # Before the body: FastAPI ends the request's span once the body is sent.
                route = getattr(scope.get("route"), "path", None) or UNMATCHED_ROUTE
                tracing.redact_request_span(route, bool(scope.get("query_string")))
            await send(message)

        work = start_work()
        request_id = tracing.bind_request_id(header.decode("latin-1") if header else None)
        try:
            await self.app(scope, receive, sending)
        finally:
            tracing.unbind_request_id(request_id)
            end_work(work)
            route = getattr(scope.get("route"), "path", None) or UNMATCHED_ROUTE
            if route != "/metrics":
                HTTP_REQUEST_SECONDS.labels(route, method, str(status[0])).observe(
                    time.perf_counter() - started
                )
