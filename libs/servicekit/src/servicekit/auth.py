"""Who is calling, on internal calls: defence in depth behind the gateway.

The gateway authenticates the outside world, then calls a service with a short-lived internal token
(HS256, a secret shared by the services only) naming the principal: a seeker, a counsellor, an
employer, an operator, or another service. Each service checks it again and applies its own rules.
"""

from __future__ import annotations

import functools
import time
from collections import OrderedDict
from collections.abc import Callable, Generator
from enum import StrEnum
from typing import Annotated

import httpx
import jwt
from fastapi import Depends, HTTPException, Request, status
from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

INTERNAL_AUDIENCE = "tremplin-internal"
INTERNAL_ISSUER = "tremplin-gateway"
HEADER = "authorization"


class Role(StrEnum):
    SEEKER = "seeker"
    COUNSELLOR = "counsellor"
    EMPLOYER = "employer"
    OPERATOR = "operator"
    SERVICE = "service"


class Principal(BaseModel):
    sub: str = Field(description="Id of the seeker, counsellor, employer, operator or service.")
    role: Role
    name: str | None = Field(default=None, description="Display name (counsellors, for logs).")

    def is_service(self, *names: str) -> bool:
        return self.role is Role.SERVICE and (not names or self.sub in names)


class InternalAuthSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="INTERNAL_", extra="ignore")

    token_secret: str = Field(
        default="dev-only-internal-secret-change-me-0123456789",
        min_length=32,
        description="HS256 secret shared by the services; set from a Kubernetes Secret.",
    )
    token_ttl_s: int = Field(default=60, ge=5)


def issue_internal_token(principal: Principal, settings: InternalAuthSettings) -> str:
    now = int(time.time())
    claims = {
        "sub": principal.sub,
        "role": principal.role.value,
        "name": principal.name,
        "iss": INTERNAL_ISSUER,
        "aud": INTERNAL_AUDIENCE,
        "iat": now,
        "exp": now + settings.token_ttl_s,
    }
    return jwt.encode(claims, settings.token_secret, algorithm="HS256")


def read_internal_token(token: str, settings: InternalAuthSettings) -> Principal:
    claims = jwt.decode(
        token,
        settings.token_secret,
        algorithms=["HS256"],
        audience=INTERNAL_AUDIENCE,
        issuer=INTERNAL_ISSUER,
        options={"require": ["exp", "sub", "aud", "iss"]},
    )
    return Principal(sub=claims["sub"], role=Role(claims["role"]), name=claims.get("name"))


class InternalBearer(httpx.Auth):
    """httpx auth for clients that run for minutes (the demo seeder, the operator's CLI): each
    request carries an internal token with at least three quarters of its life left (45 s of
    the default 60), signed anew when older: more than a request may wait for a connection in
    the client's pool (30 s at most in ours), so none reaches a service expired."""

    def __init__(
        self,
        principal: Principal,
        settings: InternalAuthSettings,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.principal = principal
        self.settings = settings
        self.clock = clock
        self._token, self._renew_at = "", 0.0

    def token(self) -> str:
        now = self.clock()
        if now >= self._renew_at:
            self._token = issue_internal_token(self.principal, self.settings)
            self._renew_at = now + self.settings.token_ttl_s / 4
        return self._token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self.token()}"
        yield request


def service_headers(service: str, settings: InternalAuthSettings) -> dict[str, str]:
    """Headers for a call from one service to another."""
    token = issue_internal_token(Principal(sub=service, role=Role.SERVICE), settings)
    return {"Authorization": f"Bearer {token}"}


@functools.cache
def environment_settings() -> InternalAuthSettings:
    """The settings from the environment, read once (a service that sets none of its own)."""
    return InternalAuthSettings()


class ReadTokens:
    """Internal tokens already verified, by their text, until their `exp`: a client sends the
    same token for many calls (the gateway hands one out for half its life), and checking its
    signature again each time costs more than the rest of a small request."""

    def __init__(self, capacity: int = 10_000, clock: Callable[[], float] = time.time) -> None:
        self.capacity = capacity
        self.clock = clock
        self.entries: OrderedDict[tuple[str, str], tuple[Principal, float]] = OrderedDict()

    def read(self, token: str, settings: InternalAuthSettings) -> Principal:
        key = (token, settings.token_secret)
        entry = self.entries.get(key)
        now = self.clock()
        if entry is not None and now < entry[1]:
            return entry[0]
        claims = jwt.decode(
            token,
            settings.token_secret,
            algorithms=["HS256"],
            audience=INTERNAL_AUDIENCE,
            issuer=INTERNAL_ISSUER,
            options={"require": ["exp", "sub", "aud", "iss"]},
        )
        principal = Principal(sub=claims["sub"], role=Role(claims["role"]), name=claims.get("name"))
        self.entries[key] = (principal, float(claims["exp"]))
        if len(self.entries) > self.capacity:
            self.entries.popitem(last=False)
        return principal


_read_tokens = ReadTokens()


async def caller(request: Request) -> Principal:
    """FastAPI dependency: the verified principal of an internal call, or 401."""
    settings: InternalAuthSettings = (
        getattr(request.app.state, "internal_auth", None) or environment_settings()
    )
    header = request.headers.get(HEADER, "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "Missing internal bearer token.",
            headers={"WWW-Authenticate": "Bearer"},
        )
    try:
        return _read_tokens.read(token, settings)
    except (jwt.PyJWTError, ValueError, KeyError) as error:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            f"Invalid internal token: {error}",
            headers={"WWW-Authenticate": "Bearer"},
        ) from None


Caller = Annotated[Principal, Depends(caller)]


def forbid(reason: str = "This is not yours to see or change.") -> HTTPException:
    return HTTPException(status.HTTP_403_FORBIDDEN, reason)
