"""Liveness and readiness endpoints; ready means the replica can serve: the dependencies reads
need answer (MongoDB). Kafka is reported, but its absence only degrades the replica: the writes
that need it answer 503 meanwhile (servicekit.kafka_gate)."""

import asyncio
from collections.abc import Awaitable, Callable, Mapping

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

Check = Callable[[], Awaitable[bool]]


def health_router(timeout_s: float = 3.0) -> APIRouter:
    """Readiness runs the checks the service's lifespan put in `app.state.health_checks`."""
    router = APIRouter(prefix="/health", tags=["health"])

    async def run(check: Check) -> bool:
        try:
            return await asyncio.wait_for(check(), timeout_s)
        except Exception:
            return False

    @router.get("/live")
    async def live() -> dict[str, str]:
        """The process is up and serving requests."""
        return {"status": "live"}

    @router.get("/ready", responses={503: {"description": "A dependency reads need is down."}})
    async def ready(request: Request) -> JSONResponse:
        """Ready (200) while the dependencies reads need answer; `degraded` (200) when one
        only some writes need does not (they answer 503 meanwhile); `not ready` (503)."""
        checks: Mapping[str, Check] = getattr(request.app.state, "health_checks", {})
        optional: Mapping[str, Check] = getattr(request.app.state, "optional_checks", {})
        every = {**checks, **optional}
        results = await asyncio.gather(*(run(check) for check in every.values()))
        up = dict(zip(every, results, strict=True))
        states = {name: "up" if up[name] else "down" for name in sorted(every)}
        is_ready = all(up[name] for name in checks)
        state = "not ready" if not is_ready else "ready" if all(results) else "degraded"
        return JSONResponse(
            {"status": state, "checks": states}, status_code=200 if is_ready else 503
        )

    return router
