"""Every service of the running stack answers /metrics, and the figures move with the traffic."""

import asyncio
import os
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

pytestmark = pytest.mark.e2e

HOST = os.environ.get("STACK_HOST", "127.0.0.1")
PORTS = {"gateway": 8000, "profiles": 8001, "offers": 8002, "recommender": 8003, "notifier": 8004}
# The stack's own addresses (stack.py passes them; SERVICE_PORT_BASE moves them).
URLS = {
    name: os.environ.get(f"TREMPLIN_{name.upper()}_URL", f"http://{HOST}:{port}")
    for name, port in PORTS.items()
}
EVERY_SERVICE = {"tremplin_http_request_duration_seconds"}
CONSUMERS = {
    "tremplin_events_processed",
    "tremplin_dead_lettered",
    "tremplin_consumer_lag_records",
    "tremplin_dead_letter_depth_records",
}
PRODUCERS = {"tremplin_outbox_published", "tremplin_outbox_delay_seconds"}
EXPECTED = {
    "gateway": EVERY_SERVICE,
    "profiles": EVERY_SERVICE | PRODUCERS,
    "offers": EVERY_SERVICE | PRODUCERS,
    "recommender": EVERY_SERVICE | PRODUCERS | CONSUMERS | {"tremplin_recommender_matches"},
    "notifier": EVERY_SERVICE | CONSUMERS | {"tremplin_notifier_alerts"},
}


async def scrape(service: str) -> dict[str, Any]:
    async with httpx.AsyncClient(timeout=10) as client:
        answer = await client.get(f"{URLS[service]}/metrics")
    assert answer.status_code == 200, answer.text
    return {family.name: family for family in text_string_to_metric_families(answer.text)}


def total(families: dict[str, Any], sample_name: str, **labels: str) -> float:
    return sum(
        sample.value
        for family in families.values()
        for sample in family.samples
        if sample.name == sample_name and labels.items() <= sample.labels.items()
    )


@pytest.mark.parametrize("service", sorted(PORTS))
async def test_each_service_exports_its_metrics(service: str) -> None:
    families = await scrape(service)

    assert EXPECTED[service] <= set(families), EXPECTED[service] - set(families)


async def published_and_matched() -> tuple[float, float]:
    """Offers' offer-published events sent, and the recommender's processed without error."""
    sent = total(await scrape("offers"), "tremplin_outbox_published_total", topic="offer-published")
    processed = total(
        await scrape("recommender"),
        "tremplin_events_processed_total",
        topic="offer-published",
        outcome="ok",
    )
    return sent, processed


async def test_publishing_an_offer_moves_the_figures_of_each_hop(
    gateway: httpx.AsyncClient, login: Any, unique: str, an_offer: Any
) -> None:
    employer = await login(f"e-{unique}", "employer")
    sent_before, processed_before = await published_and_matched()

    published = await gateway.post(
        "/v1/offers", headers=employer, json=an_offer(f"MET{unique.upper()}")
    )
    assert published.status_code == 201, published.text

    posted = total(
        await scrape("gateway"),
        "tremplin_http_request_duration_seconds_count",
        method="POST",
        status="201",
    )
    assert posted >= 1
    for _ in range(150):
        sent, processed = await published_and_matched()
        if sent > sent_before and processed > processed_before:
            break
        await asyncio.sleep(0.2)
    assert sent > sent_before, "offers: no offer-published event counted as published"
    assert processed > processed_before, (
        "recommender: no offer-published event counted as processed"
    )
