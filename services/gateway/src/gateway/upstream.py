"""Calls to the services behind the gateway: pooled, timed out, retried only when safe.

Each call carries an internal token naming the end user, so that the service checks again who may
do what. A service that does not answer becomes a 503 saying which part is unavailable.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
from fastapi import HTTPException, status
from fastapi.responses import StreamingResponse

from gateway.config import Settings
from servicekit.auth import InternalAuthSettings, Principal, issue_internal_token

log = logging.getLogger(__name__)
IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
LABELS = {
    "profiles": "the profiles service (seekers' profiles)",
    "offers": "the offers service",
    "recommender": "the recommender (suggestions)",
    "notifier": "the notifier (notifications)",
}


def unavailable(service: str) -> HTTPException:
    return HTTPException(
        status.HTTP_503_SERVICE_UNAVAILABLE,
        f"{LABELS.get(service, service).capitalize()} is unavailable right now; try again shortly.",
        headers={"Retry-After": "5"},
    )


@dataclass
class Upstreams:
    settings: Settings
    clients: dict[str, httpx.AsyncClient] = field(default_factory=dict)

    def __post_init__(self) -> None:
        timeout = httpx.Timeout(self.settings.upstream_timeout_s, connect=2.0)
        limits = httpx.Limits(max_connections=200, max_keepalive_connections=50)
        urls = {
            "profiles": self.settings.profiles_url,
            "offers": self.settings.offers_url,
            "recommender": self.settings.recommender_url,
            "notifier": self.settings.notifier_url,
        }
        self.clients = {
            name: httpx.AsyncClient(base_url=url, timeout=timeout, limits=limits)
            for name, url in urls.items()
        }

    async def close(self) -> None:
        await asyncio.gather(*(client.aclose() for client in self.clients.values()))

    def _headers(self, principal: Principal) -> dict[str, str]:
        auth: InternalAuthSettings = self.settings.internal_auth
        return {"Authorization": f"Bearer {issue_internal_token(principal, auth)}"}

    async def call(
        self,
        service: str,
        method: str,
        path: str,
        principal: Principal,
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
        timeout: float | None = None,  # noqa: ASYNC109 - httpx per-request timeout
    ) -> httpx.Response:
        client = self.clients[service]
        headers = self._headers(principal)
        attempts = 1 + self.settings.upstream_retries
        for attempt in range(attempts):
            try:
                response = await client.request(
                    method,
                    path,
                    json=json,
                    params={k: v for k, v in (params or {}).items() if v is not None},
                    headers=headers,
                    timeout=timeout or httpx.USE_CLIENT_DEFAULT,
                )
            except (httpx.ConnectError, httpx.ConnectTimeout):
                pass  # never reached the service: safe to retry whatever the method
            except (httpx.ReadTimeout, httpx.RemoteProtocolError):
                if method not in IDEMPOTENT:
                    raise unavailable(service) from None
            else:
                if response.status_code >= 500 and method in IDEMPOTENT and attempt + 1 < attempts:
                    await asyncio.sleep(0.1 * 2**attempt)
                    continue
                return response
            await asyncio.sleep(0.1 * 2**attempt)
        log.warning("upstream unavailable", extra={"service": service, "method": method})
        raise unavailable(service)

    async def json(
        self,
        service: str,
        method: str,
        path: str,
        principal: Principal,
        **options: Any,
    ) -> Any:
        """Call and return the JSON body; a 4xx passes through with the service's own message."""
        return self.checked(service, await self.call(service, method, path, principal, **options))

    def checked(self, service: str, response: httpx.Response) -> Any:
        if response.status_code >= 500:
            raise HTTPException(
                status.HTTP_502_BAD_GATEWAY,
                f"{LABELS.get(service, service).capitalize()} failed to answer; we are on it.",
            )
        if response.status_code >= 400:
            try:
                detail = response.json().get("detail", response.text)
            except ValueError:
                detail = response.text
            raise HTTPException(response.status_code, detail)
        if response.status_code == status.HTTP_204_NO_CONTENT or not response.content:
            return None
        return response.json()

    async def open_stream(
        self, service: str, path: str, principal: Principal, last_event_id: str | None
    ) -> httpx.Response:
        """Open a Server-Sent Events stream; errors surface before any byte reaches the client."""
        headers = self._headers(principal)
        if last_event_id:
            headers["Last-Event-ID"] = last_event_id
        client = self.clients[service]
        request = client.build_request(
            "GET", path, headers=headers, timeout=httpx.Timeout(None, connect=2.0)
        )
        try:
            response = await client.send(request, stream=True)
        except (httpx.ConnectError, httpx.ConnectTimeout):
            raise unavailable(service) from None
        if response.status_code != status.HTTP_200_OK:
            await response.aread()
            await response.aclose()
            self.checked(service, response)
        return response

    async def event_stream(
        self, service: str, path: str, principal: Principal, last_event_id: str | None
    ) -> StreamingResponse:
        """The service's Server-Sent Events, relayed to the client as they come."""
        upstream = await self.open_stream(service, path, principal, last_event_id)
        return StreamingResponse(
            relay(upstream),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )


async def relay(response: httpx.Response) -> AsyncIterator[bytes]:
    try:
        async for chunk in response.aiter_raw():
            yield chunk
    finally:
        await response.aclose()
