"""Tokens of an external OpenID Connect provider, whose keys rotate, served over real HTTP."""

import json
import time
from collections.abc import Iterator
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from testkit.reference import FileServer

from gateway.config import Mode, Settings
from gateway.tokens import InvalidTokenError, TokenVerifier
from servicekit.auth import InternalAuthSettings, Role

ISSUER = "https://id.example"
SECRET = InternalAuthSettings(token_secret="a-production-secret-of-32-chars-or-more")
WEB_CLIENT: dict[str, Any] = {"oidc_client_id": "tremplin-web", "oidc_client_secret": "web-secret"}


class Provider:
    """Its key set is served at `jwks_url`, and counts the fetches."""

    def __init__(self, server: FileServer) -> None:
        self.server = server
        self.jwks_url = f"{server.base_url}/jwks.json"
        self.keys: dict[str, rsa.RSAPrivateKey] = {}

    @property
    def fetches(self) -> int:
        return len(self.server.requested)

    def rotate(self, kid: str) -> None:
        self.keys = {kid: rsa.generate_private_key(public_exponent=65537, key_size=2048)}
        keys = []
        for kid, key in self.keys.items():
            jwk = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
            keys.append({**jwk, "kid": kid, "use": "sig", "alg": "RS256"})
        self.server.routes["/jwks.json"] = json.dumps({"keys": keys}).encode()

    def token(self, kid: str, **claims: Any) -> str:
        now = int(time.time())
        body = {
            "iss": ISSUER,
            "aud": "tremplin",
            "sub": "c-9",
            "role": "counsellor",
            "exp": now + 60,
        }
        return jwt.encode(
            {**body, **claims}, self.keys[kid], algorithm="RS256", headers={"kid": kid}
        )


@pytest.fixture
def provider() -> Iterator[Provider]:
    server = FileServer(content_type="application/json")
    yield Provider(server)
    server.stop()


def production(provider: Provider, **settings: Any) -> TokenVerifier:
    """The verifier of a gateway outside development mode, trusting `provider`."""
    return TokenVerifier(
        Settings(
            mode=Mode.PRODUCTION,
            oidc_issuer=ISSUER,
            oidc_jwks_url=provider.jwks_url,
            internal_auth=SECRET,
            **WEB_CLIENT,
            **settings,
        )
    )


async def test_keys_rotate_without_a_restart(provider: Provider) -> None:
    verifier = production(provider, oidc_jwks_cooldown_s=0)
    provider.rotate("k1")
    first = await verifier.verify(provider.token("k1"))

    provider.rotate("k2")
    second = await verifier.verify(provider.token("k2"))

    assert (first.sub, first.role) == ("c-9", Role.COUNSELLOR)
    assert second.sub == "c-9"
    assert provider.fetches == 2
    with pytest.raises(InvalidTokenError):
        await verifier.verify(provider.token("k2", aud="someone-else"))


async def test_production_does_not_trust_the_dev_issuer(provider: Provider) -> None:
    development = TokenVerifier(Settings(dev_issuer=True))
    token, _ = development.mint_dev_token("s-1", Role.SEEKER, None)

    with pytest.raises(InvalidTokenError, match="not trusted"):
        await production(provider).verify(token)


def test_production_refuses_the_development_internal_secret() -> None:
    with pytest.raises(ValueError, match="INTERNAL_TOKEN_SECRET"):
        Settings(mode=Mode.PRODUCTION, oidc_issuer=ISSUER, oidc_jwks_url="https://id.example/k")
