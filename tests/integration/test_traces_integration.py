"""One trace from `POST /v1/offers` at the gateway to the live stream of the matched seeker.

gateway (HTTP) -> offers (HTTP, httpx propagation) -> outbox -> offer-published (Kafka header)
-> recommender (consumer span) -> outbox -> match-found (Kafka header) -> notifier (consumer span)
-> inbox -> SSE delivery span. Every service runs in this process against the real Kafka and
FerretDB; the spans go to an in-memory exporter.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from faststream.kafka import KafkaBroker
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.trace import SpanKind
from pymongo import AsyncMongoClient
from testkit.builders import profile_updated
from testkit.served import serve
from testkit.stack import eventually, header, read_records, span_recorder

from contracts import MATCH_FOUND, OFFER_PUBLISHED, ProfileUpdated, encode, new_envelope
from contracts import topic_name as topic_of
from gateway.config import Settings as GatewaySettings
from gateway.main import create_app as create_gateway
from notifier.api import stream
from notifier.config import Settings as NotifierSettings
from notifier.main import create_app as create_notifier
from notifier.service import seeker_recipient
from offers.config import Settings as OffersSettings
from offers.main import create_app as create_offers
from recommender.config import Settings as RecommenderSettings
from recommender.main import create_app as create_recommender
from servicekit.auth import Role
from servicekit.settings import KafkaSettings, MongoSettings

pytestmark = pytest.mark.integration

SEEKER = "s-trace-1"
OFFER = {
    "id": "trace-0001",
    "title": "Secrétaire médicale (H/F)",
    "description": "Accueil des patients et gestion des rendez-vous.",
    "rome_code": "M1607",
    "place": {"commune_code": "69382", "postcode": "69002"},
    "contract_type": "CDD",
    "experience_required": "D",
    "skills": [{"label": "Gérer un agenda", "required": True}],
    "working_time": "full_time",
    "positions": 1,
    "employer_name": "Cabinet Bellecour",
}


def a_profile() -> ProfileUpdated:
    return profile_updated(
        SEEKER,
        counsellor_id=None,
        occupations=[{"rome_code": "M1607", "priority": 1}],
        skills=["Gérer un agenda"],
        experience_years=3,
        place={"commune_code": "69382", "latitude": 45.7485, "longitude": 4.8262},
        contract_types=[{"contract_type": "CDD", "priority": 1}],
    )


class NoContacts:
    async def channels(self, seeker_id: str) -> None:
        return None

    async def channels_of(self, seeker_ids: list[str]) -> dict[str, None]:
        return dict.fromkeys(seeker_ids)


@pytest.fixture
async def databases(mongo: MongoSettings, run_id: str) -> AsyncIterator[dict[str, str]]:
    names = {s: f"test_{run_id}_{s}" for s in ("gateway", "offers", "recommender", "notifier")}
    yield names
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(mongo.url)
    try:
        for name in names.values():
            await client.drop_database(name)
    finally:
        await client.close()


def spans_of(spans: list[ReadableSpan], name: str, kind: SpanKind) -> list[ReadableSpan]:
    return [s for s in spans if s.name == name and s.kind is kind]


def ids(traceparent: str | None) -> tuple[str, str]:
    assert traceparent is not None
    _, trace_id, span_id, _ = traceparent.split("-")
    return trace_id, span_id


def hexa(number: int, width: int) -> str:
    return format(number, f"0{width}x")


async def test_one_trace_runs_from_the_gateway_to_the_seekers_stream(
    kafka: KafkaSettings, mongo: MongoSettings, databases: dict[str, str]
) -> None:
    recorder = span_recorder()
    recorder.clear()
    offers = create_offers(OffersSettings(kafka=kafka, mongo=mongo, database=databases["offers"]))
    recommender = create_recommender(
        RecommenderSettings(
            kafka=kafka,
            mongo=mongo,
            database=databases["recommender"],
            group_id=f"recommender{kafka.topic_suffix}",
        )
    )
    notifier = create_notifier(
        NotifierSettings(kafka=kafka, mongo=mongo, database=databases["notifier"]),
        contacts=NoContacts(),
        background=False,
    )
    async with AsyncExitStack() as stack:
        for app in (offers, recommender, notifier):
            await stack.enter_async_context(
                LifespanManager(app, startup_timeout=120, shutdown_timeout=60)
            )
        # over real HTTP, so that the gateway's httpx client (instrumented) carries the trace
        offers_url = await stack.enter_async_context(serve(offers))
        gateway = create_gateway(
            GatewaySettings(
                kafka=kafka,
                mongo=mongo,
                database=databases["gateway"],
                dev_issuer=True,
                offers_url=offers_url,
            )
        )
        await stack.enter_async_context(LifespanManager(gateway, startup_timeout=120))

        # A seeker the offer will suit, known to the recommender before the offer comes.
        producer = KafkaBroker(kafka.bootstrap_servers)
        await stack.enter_async_context(producer)
        await producer.start()
        await producer.publish(
            encode(new_envelope(a_profile(), producer="test")),
            topic_of("profile-updated", kafka.topic_suffix),
            key=SEEKER.encode(),
        )
        engine = recommender.state.recommender.engine

        async def seeker_known() -> bool:
            return SEEKER in engine.slot_of

        assert await eventually(seeker_known, True, timeout_s=30)

        token, _ = gateway.state.verifier.mint_dev_token("employer-1", Role.EMPLOYER, None)
        transport = httpx.ASGITransport(app=gateway)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
            answer = await client.post(
                "/v1/offers", json=OFFER, headers={"Authorization": f"Bearer {token}"}
            )
        assert answer.status_code == 201, answer.text

        [published] = await read_records(kafka, OFFER_PUBLISHED, 1, timeout_s=30)
        [found] = await read_records(kafka, MATCH_FOUND, 1, timeout_s=30)
        inbox = notifier.state.notifier.store.inbox.raw

        async def notified() -> int:
            return await inbox.count_documents({"seeker_id": SEEKER})

        assert await eventually(notified, 1, timeout_s=30) == 1
        item = await inbox.find_one({"seeker_id": SEEKER})
        assert item is not None

        # The seeker's live stream delivers the notification, within the same trace.
        request = SimpleNamespace(app=notifier)
        events = stream(request, notifier.state.notifier, seeker_recipient(SEEKER), 0)  # type: ignore[arg-type]
        body = events.body_iterator
        first = await asyncio.wait_for(anext(body), 10)  # type: ignore[call-overload]
        await body.aclose()  # type: ignore[attr-defined]
        assert first["event"] == "notification"

        # The same work, as Prometheus sees it on the recommender's /metrics.
        transport = httpx.ASGITransport(app=recommender)
        async with httpx.AsyncClient(transport=transport, base_url="http://rec") as client:
            scraped = (await client.get("/metrics")).text

    spans = list(recorder.get_finished_spans())
    [at_gateway] = spans_of(spans, "POST /v1/offers", SpanKind.SERVER)
    trace_id = hexa(at_gateway.context.trace_id, 32)
    assert at_gateway.parent is None  # the trace starts at the public door

    [at_offers] = spans_of(spans, "POST /offers", SpanKind.SERVER)
    assert hexa(at_offers.context.trace_id, 32) == trace_id
    client_span = next(s for s in spans if s.context.span_id == at_offers.parent.span_id)  # type: ignore[union-attr]
    assert client_span.kind is SpanKind.CLIENT  # the gateway's httpx call
    assert client_span.parent.span_id == at_gateway.context.span_id  # type: ignore[union-attr]

    # The relay published later, with the trace of the request that wrote the outbox entry.
    assert ids(header(published, "traceparent")) == (
        trace_id,
        hexa(at_offers.context.span_id, 16),
    )
    [matching] = spans_of(spans, f"{OFFER_PUBLISHED} process", SpanKind.CONSUMER)
    assert matching.instrumentation_scope.name == "tremplin.recommender"
    assert hexa(matching.context.trace_id, 32) == trace_id
    assert matching.parent.span_id == at_offers.context.span_id  # type: ignore[union-attr]

    assert ids(header(found, "traceparent")) == (trace_id, hexa(matching.context.span_id, 16))
    [alerting] = spans_of(spans, f"{MATCH_FOUND} process", SpanKind.CONSUMER)
    assert alerting.instrumentation_scope.name == "tremplin.notifier"
    assert alerting.parent.span_id == matching.context.span_id  # type: ignore[union-attr]

    assert ids(item.get("traceparent")) == (trace_id, hexa(alerting.context.span_id, 16))
    [delivery] = spans_of(spans, "notification deliver", SpanKind.INTERNAL)
    assert hexa(delivery.context.trace_id, 32) == trace_id
    assert delivery.parent.span_id == alerting.context.span_id  # type: ignore[union-attr]

    group = f"recommender{kafka.topic_suffix}.{OFFER_PUBLISHED}"
    assert f'tremplin_consumer_lag_records{{group="{group}"' in scraped
    assert f'tremplin_events_processed_total{{outcome="ok",topic="{OFFER_PUBLISHED}"}}' in scraped
    assert f'tremplin_outbox_delay_seconds_count{{topic="{MATCH_FOUND}"}}' in scraped
    assert 'tremplin_recommender_matches_total{kind="normal",outcome="found"}' in scraped or (
        'tremplin_recommender_matches_total{kind="strong",outcome="found"}' in scraped
    )
    assert "\ntremplin_dead_letter_depth_records 0.0\n" in scraped  # nothing set aside
    assert SEEKER not in scraped

    # No id of a seeker or an offer, and no personal data, in any attribute of the trace.
    in_trace = [s for s in spans if hexa(s.context.trace_id, 32) == trace_id]
    for span in in_trace:
        for value in (span.attributes or {}).values():
            assert SEEKER not in str(value), span.name
            assert OFFER["id"] not in str(value), span.name
            assert "Bellecour" not in str(value), span.name
