"""Metrics, traces and log correlation of servicekit, in memory (no broker, no database)."""

import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, HTTPException
from faststream.kafka import TestKafkaBroker
from faststream.kafka.annotations import KafkaMessage
from opentelemetry import trace
from opentelemetry.trace import SpanKind
from prometheus_client import REGISTRY
from pythonjsonlogger.json import JsonFormatter
from testkit.stack import span_recorder

from contracts import PROFILE_DELETED, PoisonMessage, ProfileDeleted, encode, new_envelope
from contracts import topic_name as topic_of
from servicekit import metrics, tracing
from servicekit.app import create_service_app
from servicekit.broker import make_broker, subscriber
from servicekit.logs import CorrelationFilter
from servicekit.outbox import outbox_entry
from servicekit.settings import KafkaSettings

SUFFIX = ".tunit"
TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
PARENT_ID = "00f067aa0ba902b7"
TRACEPARENT = f"00-{TRACE_ID}-{PARENT_ID}-01"


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


@pytest.fixture
def spans() -> Any:
    recorder = span_recorder()
    recorder.clear()
    return recorder


@asynccontextmanager
async def nothing(app: FastAPI) -> AsyncIterator[None]:
    yield


def an_app() -> FastAPI:
    app = create_service_app(name="unit", description="A test app.", lifespan=nothing)
    log = logging.getLogger("unit.routes")

    @app.get("/things/{thing_id}")
    async def get_thing(thing_id: str) -> dict[str, str]:
        log.info("thing read")
        entry = outbox_entry(deleted(thing_id), PROFILE_DELETED)
        return {"traceparent": entry["headers"].get("traceparent", "")}

    @app.get("/broken")
    async def broken() -> None:
        raise HTTPException(503, "down")

    return app


def deleted(seeker_id: str) -> Any:
    return new_envelope(
        ProfileDeleted(seeker_id=seeker_id, deleted_at=datetime.now(UTC)), producer="test"
    )


async def call(app: FastAPI, path: str, **headers: str) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://unit") as client:
        return await client.get(path, headers=headers)


async def test_requests_are_timed_by_route_template_method_and_status() -> None:
    app = an_app()
    labels = {"route": "/things/{thing_id}", "method": "GET", "status": "200"}
    before = sample("tremplin_http_request_duration_seconds_count", **labels)
    unmatched = {"route": "unmatched", "method": "GET", "status": "404"}
    before_unmatched = sample("tremplin_http_request_duration_seconds_count", **unmatched)

    assert (await call(app, "/things/t-1")).status_code == 200
    assert (await call(app, "/things/t-2")).status_code == 200
    assert (await call(app, "/no/such/path")).status_code == 404
    assert (await call(app, "/broken")).status_code == 503

    assert sample("tremplin_http_request_duration_seconds_count", **labels) == before + 2
    assert sample("tremplin_http_request_duration_seconds_count", **unmatched) == (
        before_unmatched + 1
    )
    assert (
        sample(
            "tremplin_http_request_duration_seconds_count",
            route="/broken",
            method="GET",
            status="503",
        )
        >= 1
    )
    exported = (await call(app, "/metrics")).text
    assert 'route="/things/{thing_id}"' in exported
    assert "t-1" not in exported  # concrete ids never become labels


async def test_metrics_are_served_but_not_published_in_the_openapi_document() -> None:
    app = an_app()
    answer = await call(app, "/metrics")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain")
    assert "tremplin_events_processed_total" in answer.text or "# HELP" in answer.text
    assert "/metrics" not in app.openapi()["paths"]


async def test_a_request_continues_the_callers_trace_and_its_outbox_entries_carry_it(
    spans: Any,
) -> None:
    answer = await call(an_app(), "/things/t-1?seeker=s-9", traceparent=TRACEPARENT)
    await call(an_app(), "/health/live", traceparent=TRACEPARENT)
    await call(an_app(), "/metrics", traceparent=TRACEPARENT)

    [server] = [s for s in spans.get_finished_spans() if s.kind is SpanKind.SERVER]
    assert server.name == "GET /things/{thing_id}"
    assert format(server.context.trace_id, "032x") == TRACE_ID
    assert server.parent is not None
    assert format(server.parent.span_id, "016x") == PARENT_ID
    assert server.attributes["http.route"] == "/things/{thing_id}"
    assert server.attributes["http.response.status_code"] == 200
    assert server.attributes["url.path"] == "/things/{thing_id}"  # no id in any attribute
    assert not any("t-1" in str(value) for value in server.attributes.values())
    assert not any("s-9" in str(value) for value in server.attributes.values())
    # The outbox entry written during the request continues the same trace, from this span.
    stored = answer.json()["traceparent"]
    assert stored == f"00-{TRACE_ID}-{format(server.context.span_id, '016x')}-01"


async def test_an_outbox_entry_written_outside_any_work_carries_no_trace_nor_start() -> None:
    entry = outbox_entry(deleted("s-1"), PROFILE_DELETED)
    assert "traceparent" not in entry["headers"]
    assert "started_at" not in entry


def test_published_entries_count_and_measure_their_delay() -> None:
    topic = "match-found"
    before = sample("tremplin_outbox_published_total", topic=topic)
    before_delays = sample("tremplin_outbox_delay_seconds_count", topic=topic)
    slow_before = sample("tremplin_outbox_delay_seconds_bucket", topic=topic, le="2.5")

    metrics.observe_published(
        [
            {"topic": topic, "started_at": 1000.0},
            {"topic": topic, "started_at": 997.0},
            {"topic": topic},
        ],
        now=1001.0,
    )

    assert sample("tremplin_outbox_published_total", topic=topic) == before + 3
    assert sample("tremplin_outbox_delay_seconds_count", topic=topic) == before_delays + 2
    # 1 s is under 2.5 s, 4 s is not.
    assert sample("tremplin_outbox_delay_seconds_bucket", topic=topic, le="2.5") == slow_before + 1


async def test_logs_carry_the_request_id_and_the_trace_of_the_request(
    caplog: pytest.LogCaptureFixture, spans: Any
) -> None:
    caplog.handler.addFilter(CorrelationFilter())
    with caplog.at_level(logging.INFO, logger="unit.routes"):
        await call(an_app(), "/things/t-1", traceparent=TRACEPARENT, **{"x-request-id": "req-42"})
        await call(an_app(), "/things/t-2", **{"x-request-id": "not a valid id\nforged"})

    first, second = [r for r in caplog.records if r.name == "unit.routes"]
    assert first.request_id == "req-42"  # type: ignore[attr-defined]
    assert first.trace_id == TRACE_ID  # type: ignore[attr-defined]
    assert len(first.span_id) == 16  # type: ignore[attr-defined]
    # A malformed id is not copied into the logs: the trace id stands in for it.
    assert second.request_id == second.trace_id  # type: ignore[attr-defined]
    formatted = JsonFormatter("{message}", style="{").format(first)
    assert json.loads(formatted)["trace_id"] == TRACE_ID


def test_logs_outside_any_work_have_no_correlation_ids() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "idle", None, None)
    CorrelationFilter().filter(record)
    assert not hasattr(record, "trace_id")
    assert not hasattr(record, "request_id")


def broker_with(handler_body: Any) -> tuple[Any, str]:
    broker = make_broker(KafkaSettings(topic_suffix=SUFFIX), "unit")
    topic = topic_of(PROFILE_DELETED, SUFFIX)

    @subscriber(broker, topic, group_id="unit")
    async def handle(body: dict[str, Any]) -> None:
        await handler_body(body)

    return broker, topic


async def test_consumed_records_are_counted_by_base_topic_and_outcome(spans: Any) -> None:
    async def handler_body(body: dict[str, Any]) -> None:
        seeker = body["payload"]["seeker_id"]
        if seeker == "again":
            metrics.mark_duplicate()
        if seeker == "poison":
            raise PoisonMessage("unreadable")

    broker, topic = broker_with(handler_body)
    counted = {
        outcome: sample("tremplin_events_processed_total", topic=PROFILE_DELETED, outcome=outcome)
        for outcome in ("ok", "duplicate", "dead_lettered")
    }
    poisoned = sample("tremplin_dead_lettered_total", topic=PROFILE_DELETED, kind="poison")
    async with TestKafkaBroker(broker) as test_broker:
        for seeker in ("new", "again", "poison"):
            await test_broker.publish(encode(deleted(seeker)), topic)

    for outcome in counted:
        assert sample(
            "tremplin_events_processed_total", topic=PROFILE_DELETED, outcome=outcome
        ) == (counted[outcome] + 1), outcome
    assert sample("tremplin_dead_lettered_total", topic=PROFILE_DELETED, kind="poison") == (
        poisoned + 1
    )
    assert sample("tremplin_events_processed_total", topic=topic, outcome="ok") == 0


async def test_a_consumer_span_is_a_child_of_the_span_that_published_the_record(
    spans: Any,
) -> None:
    seen: list[str] = []

    async def handler_body(body: dict[str, Any]) -> None:
        context = trace.get_current_span().get_span_context()
        seen.append(format(context.trace_id, "032x"))
        entry = outbox_entry(deleted("next"), PROFILE_DELETED)
        seen.append(entry["headers"]["traceparent"])

    broker, topic = broker_with(handler_body)
    async with TestKafkaBroker(broker) as test_broker:
        await test_broker.publish(
            encode(deleted("s-1")), topic, headers={"traceparent": TRACEPARENT}
        )

    [consumer] = [s for s in spans.get_finished_spans() if s.kind is SpanKind.CONSUMER]
    assert consumer.name == f"{PROFILE_DELETED} process"
    assert format(consumer.context.trace_id, "032x") == TRACE_ID
    assert consumer.parent is not None
    assert format(consumer.parent.span_id, "016x") == PARENT_ID
    assert consumer.attributes["messaging.destination.name"] == PROFILE_DELETED
    assert consumer.attributes["tremplin.outcome"] == "ok"
    # The handler ran inside the span, and the event it wrote goes on with the same trace.
    assert seen[0] == TRACE_ID
    assert seen[1].split("-")[1] == TRACE_ID
    assert seen[1].split("-")[2] == format(consumer.context.span_id, "016x")


async def test_a_batch_continues_its_first_records_trace_links_the_others_and_counts_each(
    spans: Any,
) -> None:
    broker = make_broker(KafkaSettings(topic_suffix=SUFFIX), "unit")
    topic = topic_of(PROFILE_DELETED, SUFFIX)
    other = f"00-{'1' * 32}-{'2' * 16}-01"

    async def nothing(body: Any) -> None:
        """Batch records are decoded by the handler."""

    @subscriber(broker, topic, group_id="unit", batch=True, decoder=nothing)
    async def handle(message: KafkaMessage) -> None:
        for _ in message.raw_message[1:]:
            metrics.mark_duplicate()

    counted = {
        outcome: sample("tremplin_events_processed_total", topic=PROFILE_DELETED, outcome=outcome)
        for outcome in ("ok", "duplicate")
    }
    async with TestKafkaBroker(broker) as test_broker:
        await test_broker.publish_batch(
            encode(deleted("s-1")),
            encode(deleted("s-2")),
            topic=topic,
            headers={"traceparent": TRACEPARENT},
        )

    [batch] = [s for s in spans.get_finished_spans() if s.kind is SpanKind.CONSUMER]
    assert format(batch.context.trace_id, "032x") == TRACE_ID
    assert batch.attributes["messaging.batch.message_count"] == 2
    assert sample("tremplin_events_processed_total", topic=PROFILE_DELETED, outcome="ok") == (
        counted["ok"] + 1
    )
    assert sample(
        "tremplin_events_processed_total", topic=PROFILE_DELETED, outcome="duplicate"
    ) == (counted["duplicate"] + 1)
    assert other  # a second trace id, for the links below
    record = SimpleNamespace(partition=0, offset=1, headers=[("traceparent", other.encode())])
    first = SimpleNamespace(partition=0, offset=0, headers=[("traceparent", TRACEPARENT.encode())])
    spans.clear()
    with tracing.batch_span("unit", PROFILE_DELETED, (first, record)):
        pass
    [linked] = spans.get_finished_spans()
    assert format(linked.parent.span_id, "016x") == PARENT_ID
    assert [format(link.context.trace_id, "032x") for link in linked.links] == ["1" * 32]


def test_labels_never_keep_a_test_suffix() -> None:
    assert metrics.base_topic(f"match-found{SUFFIX}", SUFFIX) == "match-found"
    assert metrics.base_topic("match-found", "") == "match-found"
