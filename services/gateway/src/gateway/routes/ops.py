"""Operators: the platform at a glance; and the development issuer of tokens."""

import asyncio
from typing import Any

import httpx
from fastapi import APIRouter, HTTPException, Request, status

from gateway.kafka_status import kafka_status
from gateway.models import DevTokenIn, DevTokenOut
from gateway.routes.deps import Services
from gateway.security import Caller
from gateway.tokens import TokenVerifier

ops = APIRouter(prefix="/v1/ops", tags=["operations"])
auth = APIRouter(prefix="/v1/auth", tags=["authentication"])


@ops.get("/status")
async def platform_status(me: Caller, services: Services, request: Request) -> dict[str, Any]:
    """Readiness of each service, consumer lag per group, and dead-letter depth."""

    async def ready(name: str, client: httpx.AsyncClient) -> tuple[str, Any]:
        try:
            response = await client.get("/health/ready", timeout=3)
            return name, response.json() if response.content else {"status": "unknown"}
        except (httpx.HTTPError, ValueError):
            return name, {"status": "unreachable"}

    health = dict(await asyncio.gather(*(ready(n, c) for n, c in services.clients.items())))
    try:
        probe = getattr(request.app.state, "kafka_status", kafka_status)
        broker = await asyncio.wait_for(probe(request.app.state.settings.kafka), 10)
    except Exception as error:  # the rest of the status stays useful when Kafka is down
        broker = {"error": f"Kafka did not answer: {type(error).__name__}"}
    return {"services": health, "kafka": broker}


@auth.post("/dev-token", responses={404: {"description": "The development issuer is off."}})
async def dev_token(request: DevTokenIn, http: Request) -> DevTokenOut:
    """Mint a token for a seeker, counsellor, employer or operator (development only)."""
    verifier: TokenVerifier = http.app.state.verifier
    if not verifier.settings.dev_issuer:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "The development issuer is off here.")
    token, ttl = verifier.mint_dev_token(request.sub, request.role, request.name)
    return DevTokenOut(access_token=token, expires_in=ttl)
