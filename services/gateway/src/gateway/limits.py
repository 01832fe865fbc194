"""Rate limits per token and per address, and a cap on request bodies."""

from __future__ import annotations

import hashlib
import math
import time
from collections import Counter
from dataclasses import dataclass, field

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.problems import MEDIA_TYPE, problem_bytes


@dataclass
class TokenBuckets:
    """Token buckets in this replica's memory. With several replicas, each charges the others'
    usage to its own buckets (gateway.shared_limits): `used` counts what this one let through
    since it last reported, when `recording`."""

    rate: float
    burst: int
    buckets: dict[str, tuple[float, float]] = field(default_factory=dict)
    recording: bool = False
    used: Counter[str] = field(default_factory=Counter)

    def _refilled(self, key: str, now: float) -> float:
        tokens, last = self.buckets.get(key, (float(self.burst), now))
        return min(float(self.burst), tokens + (now - last) * self.rate)

    def take(self, key: str, now: float) -> float:
        """Spend one token; return 0 if allowed, else the seconds to wait."""
        tokens = self._refilled(key, now)
        if tokens >= 1:
            self.buckets[key] = (tokens - 1, now)
            if len(self.buckets) > 100_000:
                self.buckets.clear()
            if self.recording:
                self.used[key] += 1
            return 0.0
        self.buckets[key] = (tokens, now)
        return (1 - tokens) / self.rate

    def charge(self, key: str, spent: int, now: float) -> None:
        """Tokens another replica spent: this one's bucket owes them (down to one burst)."""
        self.buckets[key] = (max(-float(self.burst), self._refilled(key, now) - spent), now)

    def drain(self) -> Counter[str]:
        """What this replica let through since the last call."""
        used, self.used = self.used, Counter()
        return used


@dataclass(eq=False)
class LimitsMiddleware:
    app: ASGIApp
    per_token: TokenBuckets
    per_address: TokenBuckets
    max_body: int
    max_import_body: int

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/v1/"):
            await self.app(scope, receive, send)
            return
        now = time.monotonic()
        address = (scope.get("client") or ("unknown", 0))[0]
        wait = self.per_address.take(address, now)
        authorization = dict(scope["headers"]).get(b"authorization")
        if authorization and not wait:
            wait = self.per_token.take(hashlib.sha256(authorization).hexdigest(), now)
        if wait:
            await _reply(
                send,
                scope["path"],
                429,
                "Too many requests: slow down and retry after the delay in Retry-After.",
                [(b"retry-after", str(max(1, math.ceil(wait))).encode())],
            )
            return
        cap = self.max_import_body if scope["path"].endswith("/import") else self.max_body
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > cap:
            await _reply(
                send,
                scope["path"],
                413,
                f"The request body is over {cap} bytes: send less at once.",
            )
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > cap:
                    raise BodyTooLargeError(cap)
            return message

        try:
            await self.app(scope, counted, send)
        except BodyTooLargeError:
            await _reply(
                send,
                scope["path"],
                413,
                f"The request body is over {cap} bytes: send less at once.",
            )


class BodyTooLargeError(Exception):
    pass


async def _reply(
    send: Send,
    path: str,
    code: int,
    detail: str,
    headers: list[tuple[bytes, bytes]] | None = None,
) -> None:
    body = problem_bytes(code, detail, path)
    await send(
        {
            "type": "http.response.start",
            "status": code,
            "headers": [
                (b"content-type", MEDIA_TYPE.encode()),
                (b"content-length", str(len(body)).encode()),
                *(headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
