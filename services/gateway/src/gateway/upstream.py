"""Calls to the services behind the gateway: pooled, timed out, retried only when safe.

Each call carries an internal token naming the end user, so that the service checks again who may
do what. A service that does not answer becomes a 503 saying which part is unavailable.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import ssl
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import httpx
from fastapi import HTTPException, status
from fastapi.responses import Response, StreamingResponse
from httpx_aiohttp import AiohttpTransport
from pydantic import BaseModel

from gateway.config import Settings
from gateway.problems import UpstreamError
from servicekit.auth import InternalAuthSettings, Principal, issue_internal_token
from servicekit.tracing import traced

log = logging.getLogger(__name__)
IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
LABELS = {
    "profiles": "the profiles service (seekers' profiles)",
    "offers": "the offers service",
    "recommender": "the recommender (suggestions)",
    "notifier": "the notifier (notifications)",
    "companies": "the companies service (companies likely to hire)",
    "trainings": "the trainings service",
}


def unavailable(service: str) -> HTTPException:
    return HTTPException(
        status.HTTP_503_SERVICE_UNAVAILABLE,
        f"{LABELS.get(service, service).capitalize()} is unavailable right now; try again shortly.",
        headers={"Retry-After": "5"},
    )


def _detail(response: httpx.Response) -> Any:
    try:
        return response.json().get("detail", response.text)
    except (ValueError, AttributeError):
        return response.text


@functools.cache
def tls_context() -> ssl.SSLContext:
    """One TLS context for every pool: each costs tens of milliseconds to build."""
    return httpx.create_ssl_context()


def never_sent(error: httpx.TransportError) -> bool:
    """Whether a failed call certainly never reached the service (so any method may be retried).

    The aiohttp transport reports a connection dropped after sending (`ServerDisconnectedError`)
    as a connect error too; only its connector's own failures mean nothing was sent.
    """
    cause = error.__cause__
    return not isinstance(cause, aiohttp.ClientError) or isinstance(
        cause, aiohttp.ClientConnectorError | aiohttp.ConnectionTimeoutError
    )


@dataclass
class Upstreams:
    settings: Settings
    clients: dict[str, httpx.AsyncClient] = field(default_factory=dict)
    # Live streams hold a connection each for as long as they last: they get pools of their own,
    # so that open streams never leave short calls waiting for a connection.
    stream_clients: dict[str, httpx.AsyncClient] = field(default_factory=dict)
    open_streams: int = 0
    # Internal tokens by principal, with the time they stop being handed out.
    _tokens: dict[tuple[str, str, str | None], tuple[str, float]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        timeout = httpx.Timeout(self.settings.upstream_timeout_s, connect=2.0)
        # As many idle connections kept as may be open: under load, no connection is opened for
        # one call and closed after it. The transport is aiohttp's (C-accelerated parser and a
        # pool that does not examine each connection per request): httpx's own transport capped
        # a bare relay near 190 requests/s on this machine, aiohttp's reached about 650
        # (docs/benchmarks.md, bench-gateway).
        limits = httpx.Limits(max_connections=256, max_keepalive_connections=256)
        urls = {
            "profiles": self.settings.profiles_url,
            "offers": self.settings.offers_url,
            "recommender": self.settings.recommender_url,
            "notifier": self.settings.notifier_url,
            "companies": self.settings.companies_url,
            "trainings": self.settings.trainings_url,
        }
        self.clients = {name: client(url, timeout, limits) for name, url in urls.items()}
        streams = httpx.Limits(
            max_connections=self.settings.max_streams, max_keepalive_connections=0
        )
        self.stream_clients = {
            name: client(url, httpx.Timeout(None, connect=2.0), streams)
            for name, url in urls.items()
        }

    async def close(self) -> None:
        every = [*self.clients.values(), *self.stream_clients.values()]
        await asyncio.gather(*(client.aclose() for client in every))

    def _headers(self, principal: Principal) -> dict[str, str]:
        """An internal token for the principal, reused for the first half of its life."""
        key = (principal.sub, principal.role.value, principal.name)
        now = time.monotonic()
        token, until = self._tokens.get(key, ("", 0.0))
        if now >= until:
            auth: InternalAuthSettings = self.settings.internal_auth
            token = issue_internal_token(principal, auth)
            if len(self._tokens) >= 100_000:
                self._tokens.clear()
            self._tokens[key] = (token, now + auth.token_ttl_s / 2)
        return {"Authorization": f"Bearer {token}"}

    async def call(
        self,
        service: str,
        method: str,
        path: str,
        principal: Principal,
        *,
        json: Any = None,
        content: bytes | None = None,
        headers: dict[str, str] | None = None,
        params: dict[str, Any] | None = None,
        timeout: float | None = None,  # noqa: ASYNC109 - httpx per-request timeout
    ) -> httpx.Response:
        """A model in `json` travels as its JSON form; idempotent methods are retried."""
        client = self.clients[service]
        if isinstance(json, BaseModel):
            json = json.model_dump(mode="json")
        headers = {**(headers or {}), **self._headers(principal)}
        query = {k: v for k, v in (params or {}).items() if v is not None} or None
        attempts = 1 + self.settings.upstream_retries
        for attempt in range(attempts):
            try:
                response = await client.request(
                    method,
                    path,
                    json=json,
                    content=content,
                    params=query,
                    headers=headers,
                    timeout=timeout or httpx.USE_CLIENT_DEFAULT,
                )
            except (httpx.ConnectError, httpx.ConnectTimeout) as error:
                # Never reached the service: safe to retry whatever the method.
                if not never_sent(error) and method not in IDEMPOTENT:
                    raise unavailable(service) from None
            except (httpx.ReadTimeout, httpx.RemoteProtocolError, httpx.ReadError):
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

    async def relayed(
        self,
        service: str,
        method: str,
        path: str,
        principal: Principal,
        answer: Response,
        **options: Any,
    ) -> Any:
        """Call and return the JSON body; `answer` takes the service's own success status (a
        201 for what it created, a 200 for what it already had)."""
        response = await self.call(service, method, path, principal, **options)
        body = self.checked(service, response)
        answer.status_code = response.status_code
        return body

    def checked(self, service: str, response: httpx.Response) -> Any:
        if response.status_code == status.HTTP_503_SERVICE_UNAVAILABLE:
            # The service is up but cannot do this now (a write while Kafka is away): say so,
            # with its delay, rather than a failure.
            raise HTTPException(
                status.HTTP_503_SERVICE_UNAVAILABLE,
                _detail(response),
                headers={"Retry-After": response.headers.get("retry-after", "5")},
            )
        if response.status_code >= 500:
            raise HTTPException(
                status.HTTP_502_BAD_GATEWAY,
                f"{LABELS.get(service, service).capitalize()} failed to answer; we are on it.",
            )
        if response.status_code >= 400:
            raise UpstreamError(response.status_code, _detail(response))
        if response.status_code == status.HTTP_204_NO_CONTENT or not response.content:
            return None
        return response.json()

    async def open_stream(
        self, service: str, path: str, principal: Principal, last_event_id: str | None
    ) -> httpx.Response:
        """Open a Server-Sent Events stream; errors surface before any byte reaches the client."""
        if self.open_streams >= self.settings.max_streams:
            raise HTTPException(
                status.HTTP_503_SERVICE_UNAVAILABLE,
                "Too many live streams on this server right now; try again shortly.",
                headers={"Retry-After": "5"},
            )
        headers = self._headers(principal)
        if last_event_id:
            headers["Last-Event-ID"] = last_event_id
        client = self.stream_clients[service]
        request = client.build_request("GET", path, headers=headers)
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
            self._counted(relay(upstream)),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )

    async def _counted(self, chunks: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
        self.open_streams += 1
        try:
            async for chunk in chunks:
                yield chunk
        finally:
            self.open_streams -= 1


def client(url: str, timeout: httpx.Timeout, limits: httpx.Limits) -> httpx.AsyncClient:
    """A traced client on aiohttp's transport: one pool per service and kind of call."""
    return traced(
        httpx.AsyncClient(
            base_url=url,
            timeout=timeout,
            transport=AiohttpTransport(verify=tls_context(), limits=limits),
        )
    )


async def relay(response: httpx.Response) -> AsyncIterator[bytes]:
    try:
        async for chunk in response.aiter_raw():
            yield chunk
    finally:
        await response.aclose()
