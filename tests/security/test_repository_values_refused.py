"""Outside development mode, a token signed with any value the repository holds is refused by
every service; the same call with a token of the secret the service was given goes through.

Each service runs in this process against the real Kafka and FerretDB, with settings as a
cluster gives them: development mode off, secrets of its own.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import secrets
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager

import httpx
import jwt
import pytest
from asgi_lifespan import LifespanManager
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI
from jwt.algorithms import RSAAlgorithm
from testkit.internal_tokens import internal_claims, signed
from testkit.reference import FileServer

from gateway.tokens import DEV_ISSUER, DEV_KEY_ID, dev_private_key
from servicekit.auth import (
    InternalAuthSettings,
    Principal,
    Role,
    issue_internal_token,
    key_id,
)
from servicekit.settings import KafkaSettings, MongoSettings

pytestmark = [
    pytest.mark.integration,
    # Short values sign too: the point is that they are refused.
    pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning"),
]

SEEKER = "s-forged-1"
# A route of each service that only an authenticated seeker may call.
ROUTES = {
    "profiles": f"/seekers/{SEEKER}/profile",
    "offers": "/offers/o-forged-1",
    "recommender": f"/seekers/{SEEKER}/recommendations",
    "notifier": f"/seekers/{SEEKER}/preferences",
    "trainings": "/trainings/sessions/t-forged-1",
    "companies": f"/companies/applications/of/{SEEKER}",
}
OIDC_ISSUER = "https://id.example.org/realms/tremplin"
CONCURRENCY = 64


def production_auth() -> InternalAuthSettings:
    return InternalAuthSettings(development=False, token_secret=secrets.token_hex(32))


def forged_internal_tokens(value: str) -> list[str]:
    claims = internal_claims(SEEKER, Role.SEEKER)
    return [signed(claims, value, kid=key_id(value)), signed(claims, value)]


async def statuses(client: httpx.AsyncClient, path: str, tokens: list[str]) -> dict[int, int]:
    """How many answers of each status, for the same call with each token."""
    gate = asyncio.Semaphore(CONCURRENCY)

    async def call(token: str) -> int:
        async with gate:
            response = await client.get(path, headers={"Authorization": f"Bearer {token}"})
            return response.status_code

    counts: dict[int, int] = {}
    for status in await asyncio.gather(*(call(t) for t in tokens)):
        counts[status] = counts.get(status, 0) + 1
    return counts


@asynccontextmanager
async def running(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with LifespanManager(app, startup_timeout=120, shutdown_timeout=60):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://svc") as client:
            yield client


@pytest.mark.slow
@pytest.mark.parametrize("service", sorted(ROUTES))
async def test_a_service_refuses_internal_tokens_signed_with_repository_values(
    service: str, values: list[str], kafka: KafkaSettings, mongo: MongoSettings, run_id: str
) -> None:
    main = importlib.import_module(f"{service}.main")
    config = importlib.import_module(f"{service}.config")
    auth = production_auth()
    settings = config.Settings(
        kafka=kafka, mongo=mongo, database=f"test_{run_id}", internal_auth=auth
    )
    forged = [token for value in values for token in forged_internal_tokens(value)]

    async with running(main.create_app(settings)) as client:
        refused = await statuses(client, ROUTES[service], forged)
        # Minted now: it lives a minute, less than a start-up and the forged calls on a busy host.
        genuine = issue_internal_token(Principal(sub=SEEKER, role=Role.SEEKER), auth)
        accepted = await statuses(client, ROUTES[service], [genuine])

    assert refused == {401: len(forged)}
    assert not {401, 403} & accepted.keys(), accepted


class Provider:
    """An OpenID provider's key set, served over HTTP at `jwks_url`, with one signing key."""

    def __init__(self, server: FileServer) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        jwk = json.loads(RSAAlgorithm.to_jwk(self.key.public_key()))
        keys = {"keys": [{**jwk, "kid": "k1", "use": "sig", "alg": "RS256"}]}
        server.routes["/jwks.json"] = json.dumps(keys).encode()
        self.jwks_url = f"{server.base_url}/jwks.json"

    def token(self) -> str:
        now = int(time.time())
        claims = {"iss": OIDC_ISSUER, "aud": "tremplin", "sub": SEEKER, "role": "seeker"}
        return jwt.encode(
            {**claims, "iat": now, "exp": now + 60}, self.key, "RS256", headers={"kid": "k1"}
        )


@pytest.fixture
def provider() -> Iterator[Provider]:
    server = FileServer(content_type="application/json")
    yield Provider(server)
    server.stop()


def forged_public_tokens(value: str) -> list[str]:
    """What an outsider could sign with the value: an HS256 token in the provider's name, and a
    development issuer's token of a gateway seeded with it."""
    now = int(time.time())
    claims = {"sub": SEEKER, "role": "seeker", "aud": "tremplin", "iat": now, "exp": now + 60}
    tokens = [jwt.encode({**claims, "iss": OIDC_ISSUER}, value, "HS256", headers={"kid": "k1"})]
    if len(value) >= 16:
        tokens.append(
            jwt.encode(
                {**claims, "iss": DEV_ISSUER},
                dev_private_key(value),
                "ES256",
                headers={"kid": DEV_KEY_ID},
            )
        )
    return tokens


@pytest.mark.slow
async def test_the_gateway_refuses_tokens_signed_with_repository_values(
    values: list[str],
    provider: Provider,
    kafka: KafkaSettings,
    mongo: MongoSettings,
    run_id: str,
) -> None:
    from gateway.config import Settings
    from gateway.main import create_app

    unreachable = "http://127.0.0.1:1"
    settings = Settings(
        mode="production",
        oidc_issuer=OIDC_ISSUER,
        oidc_jwks_url=provider.jwks_url,
        oidc_client_id="tremplin-web",
        oidc_client_secret=secrets.token_hex(16),
        kafka=kafka,
        mongo=mongo,
        database=f"test_{run_id}",
        internal_auth=production_auth(),
        profiles_url=unreachable,
        upstream_retries=0,
        rate_per_address=1e6,
        burst_per_address=1_000_000,
    )
    forged = [token for value in values for token in forged_public_tokens(value)]

    async with running(create_app(settings)) as client:
        refused = await statuses(client, "/v1/me/profile", forged)
        accepted = await statuses(client, "/v1/me/profile", [provider.token()])

    assert refused == {401: len(forged)}
    assert not {401, 403} & accepted.keys(), accepted
