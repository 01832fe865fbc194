"""Liveness and readiness endpoints; ready means every dependency answers."""

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

    @router.get("/ready", responses={503: {"description": "A dependency does not answer."}})
    async def ready(request: Request) -> JSONResponse:
        """Every dependency (Kafka, MongoDB, ...) answers."""
        checks: Mapping[str, Check] = getattr(request.app.state, "health_checks", {})
        results = await asyncio.gather(*(run(check) for check in checks.values()))
        states = {name: "up" if ok else "down" for name, ok in zip(checks, results, strict=True)}
        is_ready = all(results)
        return JSONResponse(
            {"status": "ready" if is_ready else "not ready", "checks": states},
            status_code=200 if is_ready else 503,
        )

    return router
