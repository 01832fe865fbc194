"""Who is calling, on internal calls: defence in depth behind the gateway.

The gateway authenticates the outside world, then calls a service with a short-lived internal token
(HS256, a secret shared by the services only) naming the principal: a seeker, a counsellor, an
employer, an operator, or another service. Each service checks it again and applies its own rules.

Tokens name their key (`kid`, a fingerprint of the secret) and the services accept a set of keys,
so that a secret can be rotated without a moment where some services refuse the others' tokens.
Outside development mode (`TREMPLIN_DEVELOPMENT`) there is no built-in secret: a service that is
given none refuses to start.
"""

from __future__ import annotations

import functools
import hashlib
import time
from collections import OrderedDict
from collections.abc import Callable, Generator
from enum import StrEnum
from typing import Annotated, Any

import httpx
import jwt
from fastapi import Depends, HTTPException, Request, status
from pydantic import AliasChoices, BaseModel, Field, model_validator
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


# Signs the internal tokens of a development run only; the value is public, so no service accepts
# it outside development mode.
DEVELOPMENT_SECRET = "dev-only-internal-secret-change-me-0123456789"  # noqa: S105
DEVELOPMENT_VARIABLE = "TREMPLIN_DEVELOPMENT"
SECRET_VARIABLE = "INTERNAL_TOKEN_SECRET"  # noqa: S105 (a name)
ACCEPTED_VARIABLE = "INTERNAL_TOKEN_ACCEPTED_SECRETS"
MIN_SECRET_LENGTH = 32


def key_id(secret: str) -> str:
    """The `kid` of a secret: names it without revealing it."""
    return hashlib.sha256(b"tremplin-internal-key:" + secret.encode()).hexdigest()[:16]


class InternalAuthSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="INTERNAL_", extra="ignore")

    token_secret: str = Field(
        default="",
        description="HS256 secret that signs internal tokens, shared by the services only (a "
        "Kubernetes Secret). Required outside development mode.",
    )
    token_accepted_secrets: str = Field(
        default="",
        description="Other secrets whose tokens are accepted too, comma-separated: during a "
        "rotation, the next secret before it signs, then the previous one until its tokens expire.",
    )
    token_ttl_s: int = Field(default=60, ge=5)
    development: bool = Field(
        default=False,
        validation_alias=AliasChoices("development", DEVELOPMENT_VARIABLE),
        description="A development run (`make run`, `make test`, the benches): without a secret, "
        "the public development secret signs.",
    )

    @model_validator(mode="after")
    def _secret_given(self) -> InternalAuthSettings:
        if not self.token_secret:
            if not self.development:
                raise ValueError(
                    f"{SECRET_VARIABLE} is not set: give every service the same secret of at "
                    f"least {MIN_SECRET_LENGTH} characters (or set {DEVELOPMENT_VARIABLE}=true "
                    "for a development run)"
                )
            self.token_secret = DEVELOPMENT_SECRET
        for variable, secret in [(SECRET_VARIABLE, self.token_secret)] + [
            (ACCEPTED_VARIABLE, s) for s in self.accepted_secrets()
        ]:
            if len(secret) < MIN_SECRET_LENGTH:
                raise ValueError(
                    f"{variable}: a secret has at least {MIN_SECRET_LENGTH} characters"
                )
            if secret == DEVELOPMENT_SECRET and not self.development:
                raise ValueError(
                    f"{variable} holds the development secret, which is public: set a secret "
                    "of your own"
                )
        return self

    def accepted_secrets(self) -> list[str]:
        return [s.strip() for s in self.token_accepted_secrets.split(",") if s.strip()]

    def keys(self) -> dict[str, str]:
        """Every secret whose tokens are accepted, by `kid`."""
        return {key_id(s): s for s in [self.token_secret, *self.accepted_secrets()]}


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
    return jwt.encode(
        claims,
        settings.token_secret,
        algorithm="HS256",
        headers={"kid": key_id(settings.token_secret)},
    )


def verified_claims(token: str, settings: InternalAuthSettings) -> dict[str, Any]:
    """The claims of a token signed with one of the accepted keys, the one its `kid` names."""
    kid = jwt.get_unverified_header(token).get("kid")
    secret = settings.keys().get(kid) if isinstance(kid, str) else None
    if secret is None:
        raise jwt.InvalidKeyError("the token names no key this service accepts")
    claims: dict[str, Any] = jwt.decode(
        token,
        secret,
        algorithms=["HS256"],
        audience=INTERNAL_AUDIENCE,
        issuer=INTERNAL_ISSUER,
        options={"require": ["exp", "sub", "aud", "iss"]},
    )
    return claims


def read_internal_token(token: str, settings: InternalAuthSettings) -> Principal:
    claims = verified_claims(token, settings)
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
        key = (token, settings.token_secret + "," + settings.token_accepted_secrets)
        entry = self.entries.get(key)
        now = self.clock()
        if entry is not None and now < entry[1]:
            return entry[0]
        claims = verified_claims(token, settings)
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
