"""OpenTelemetry traces that follow a change from an HTTP request through Kafka and back out.

The W3C `traceparent` travels in HTTP headers (httpx is instrumented), in Kafka record headers,
and inside outbox entries: the relay publishes later, so an entry keeps the context of the work
that wrote it. Spans go to OTLP when `OTEL_EXPORTER_OTLP_ENDPOINT` is set, nowhere otherwise
(trace ids still reach the logs). Span attributes carry topics, routes and statuses, never
personal data nor the ids of seekers.
"""

from __future__ import annotations

import contextvars
import os
import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import httpx
from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF
from opentelemetry.trace import Link, Span, SpanKind

TRACEPARENT = "traceparent"
MAX_LINKS = 32
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
_configured = False
_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)


def configure_tracing(service: str) -> None:
    """Install the process's tracer provider (once), and W3C propagation in httpx clients."""
    global _configured
    if _configured:
        return
    exporting = bool(os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT"))
    # Without an exporter no span is recorded (ids are still made and propagated, so logs keep
    # their trace ids): recording spans nobody reads cost the gateway a good part of a request.
    # OTEL_TRACES_SAMPLER, when set, decides instead (the traces tests record in memory).
    sampler = None if exporting or os.environ.get("OTEL_TRACES_SAMPLER") else ALWAYS_OFF
    provider = TracerProvider(
        resource=Resource.create({"service.name": f"tremplin-{service}"}), sampler=sampler
    )
    if exporting:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor

    HTTPXClientInstrumentor().instrument()
    _configured = True


def traced(client: httpx.AsyncClient) -> httpx.AsyncClient:
    """The client, with client spans and W3C propagation whatever its transport.

    `configure_tracing` instruments httpx's own transports only; a client built on another one
    (the gateway's, on aiohttp's transport) is instrumented here, one client at a time.
    """
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor

    HTTPXClientInstrumentor.instrument_client(client)
    return client


def tracer(service: str) -> trace.Tracer:
    # One instrumentation scope per service: spans say which service made them even when several
    # services share one process (the integration tests).
    return trace.get_tracer(f"tremplin.{service}")


def current_traceparent() -> dict[str, str]:
    """The current context as Kafka/HTTP headers; empty when no span is recording."""
    carrier: dict[str, str] = {}
    if trace.get_current_span().get_span_context().is_valid:
        propagate.inject(carrier)
    return carrier


def context_of(headers: Mapping[str, str]) -> otel_context.Context:
    return propagate.extract(dict(headers))


def record_headers(record: Any) -> dict[str, str]:
    return {
        key: bytes(value).decode(errors="replace")
        for key, value in (getattr(record, "headers", None) or ())
        if key in (TRACEPARENT, "tracestate")
    }


UNTRACED_PATHS = frozenset({"/metrics", "/health/live", "/health/ready"})


def untraced(scope: Any) -> bool:
    """Probes and scrapes: no span (FastAPI's telemetry `exclude`)."""
    return scope.get("path") in UNTRACED_PATHS


# FastAPI's own telemetry makes the HTTP server spans. Its log records stay off (they would carry
# request bodies: personal data), and so do its OpenTelemetry metrics (Prometheus does those).
FASTAPI_TELEMETRY: dict[str, Any] = {
    "tracing": True,
    "metrics": False,
    "logs": False,
    "operation_spans": False,
    "exclude": untraced,
}


@contextmanager
def consumer_span(service: str, topic: str, record: Any) -> Iterator[Span]:
    """The span of one consumed record, a child of the span that published it."""
    with tracer(service).start_as_current_span(
        f"{topic} process",
        context=context_of(record_headers(record)),
        kind=SpanKind.CONSUMER,
        attributes={
            "messaging.system": "kafka",
            "messaging.operation": "process",
            "messaging.destination.name": topic,
            "messaging.kafka.destination.partition": int(record.partition),
            "messaging.kafka.message.offset": int(record.offset),
        },
    ) as span:
        yield span


@contextmanager
def batch_span(service: str, topic: str, records: Sequence[Any]) -> Iterator[Span]:
    """One span for a batch: a child of its first record's span, linked to the others'.

    A batch of one (the usual case when the load is low) thus continues its trace exactly.
    """
    contexts = [context_of(record_headers(record)) for record in records]
    parents = [trace.get_current_span(c).get_span_context() for c in contexts]
    first = next((n for n, p in enumerate(parents) if p.is_valid), None)
    links = [Link(p) for n, p in enumerate(parents) if p.is_valid and n != first][:MAX_LINKS]
    with tracer(service).start_as_current_span(
        f"{topic} process",
        context=contexts[first] if first is not None else otel_context.Context(),
        kind=SpanKind.CONSUMER,
        links=links,
        attributes={
            "messaging.system": "kafka",
            "messaging.operation": "process",
            "messaging.destination.name": topic,
            "messaging.batch.message_count": len(records),
        },
    ) as span:
        yield span


def redact_request_span(route: str, query: bool) -> None:
    """Concrete paths and queries hold seekers' and offers' ids: spans keep the template only."""
    span = trace.get_current_span()
    if span.is_recording():
        span.set_attribute("url.path", route)
        if query:
            span.set_attribute("url.query", "redacted")


def bind_request_id(header: str | None) -> contextvars.Token[str | None]:
    """The caller's `X-Request-ID` when well formed, else the trace id of the current span."""
    if header is not None and _REQUEST_ID.fullmatch(header):
        return _request_id.set(header)
    context = trace.get_current_span().get_span_context()
    return _request_id.set(format(context.trace_id, "032x") if context.is_valid else None)


def unbind_request_id(token: contextvars.Token[str | None]) -> None:
    _request_id.reset(token)


def correlation() -> dict[str, str]:
    """The ids to put on a log record written now."""
    ids: dict[str, str] = {}
    context = trace.get_current_span().get_span_context()
    if context.is_valid:
        ids["trace_id"] = format(context.trace_id, "032x")
        ids["span_id"] = format(context.span_id, "016x")
    request_id = _request_id.get()
    if request_id is not None:
        ids["request_id"] = request_id
    return ids


def start_span(service: str, name: str, traceparent: str | None, **attributes: Any) -> Span:
    """A span the caller ends itself (a `with` cannot span an async generator's yield)."""
    parent = context_of({TRACEPARENT: traceparent}) if traceparent else otel_context.Context()
    return tracer(service).start_span(name, context=parent, attributes=attributes)
