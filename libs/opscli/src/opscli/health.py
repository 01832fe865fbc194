"""Readiness of each service, as its /health/ready answers."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

import httpx

DEFAULT_URLS: dict[str, str] = {
    "gateway": "http://127.0.0.1:8000",
    "profiles": "http://127.0.0.1:8001",
    "offers": "http://127.0.0.1:8002",
    "recommender": "http://127.0.0.1:8003",
    "notifier": "http://127.0.0.1:8004",
}


@dataclass(frozen=True)
class ServiceHealth:
    service: str
    url: str
    ready: bool
    detail: str
    latency_ms: float | None


async def probe(client: httpx.AsyncClient, service: str, url: str) -> ServiceHealth:
    started = time.monotonic()
    try:
        response = await client.get(f"{url.rstrip('/')}/health/ready")
    except httpx.HTTPError as error:
        return ServiceHealth(service, url, False, f"no answer ({type(error).__name__})", None)
    latency = (time.monotonic() - started) * 1000
    try:
        body = response.json()
    except ValueError:
        body = None
    checks = body.get("checks") if isinstance(body, dict) else None
    if isinstance(checks, dict) and checks:
        detail = ", ".join(f"{name}: {state}" for name, state in sorted(checks.items()))
    else:
        detail = f"HTTP {response.status_code}"
    return ServiceHealth(service, url, response.status_code == 200, detail, latency)


async def services_health(
    urls: dict[str, str],
    timeout_s: float = 3.0,
    transport: httpx.AsyncBaseTransport | None = None,
) -> list[ServiceHealth]:
    async with httpx.AsyncClient(timeout=timeout_s, transport=transport) as client:
        return list(await asyncio.gather(*(probe(client, name, url) for name, url in urls.items())))
