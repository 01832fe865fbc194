"""Tokens of an external OpenID Connect provider, whose keys rotate, served over real HTTP."""

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from gateway.config import Mode, Settings
from gateway.tokens import InvalidTokenError, TokenVerifier
from servicekit.auth import InternalAuthSettings, Role

ISSUER = "https://id.example"
SECRET = InternalAuthSettings(token_secret="a-production-secret-of-32-chars-or-more")
WEB_CLIENT: dict[str, Any] = {"oidc_client_id": "tremplin-web", "oidc_client_secret": "web-secret"}


class Provider:
    def __init__(self) -> None:
        self.keys: dict[str, rsa.RSAPrivateKey] = {}
        self.fetches = 0

    def rotate(self, kid: str) -> None:
        self.keys = {kid: rsa.generate_private_key(public_exponent=65537, key_size=2048)}

    def jwks(self) -> bytes:
        self.fetches += 1
        keys = []
        for kid, key in self.keys.items():
            jwk = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
            keys.append({**jwk, "kid": kid, "use": "sig", "alg": "RS256"})
        return json.dumps({"keys": keys}).encode()

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
def provider() -> Iterator[tuple[Provider, str]]:
    provider = Provider()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = provider.jwks()
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield provider, f"http://127.0.0.1:{server.server_port}/jwks.json"
    server.shutdown()


async def test_keys_rotate_without_a_restart(provider: tuple[Provider, str]) -> None:
    idp, url = provider
    verifier = TokenVerifier(
        Settings(
            mode=Mode.PRODUCTION,
            oidc_issuer=ISSUER,
            oidc_jwks_url=url,
            oidc_jwks_cooldown_s=0,
            internal_auth=SECRET,
            **WEB_CLIENT,
        )
    )
    idp.rotate("k1")
    first = await verifier.verify(idp.token("k1"))

    idp.rotate("k2")
    second = await verifier.verify(idp.token("k2"))

    assert (first.sub, first.role) == ("c-9", Role.COUNSELLOR)
    assert second.sub == "c-9"
    assert idp.fetches == 2
    with pytest.raises(InvalidTokenError):
        await verifier.verify(idp.token("k2", aud="someone-else"))


async def test_production_does_not_trust_the_dev_issuer(provider: tuple[Provider, str]) -> None:
    _, url = provider
    production = TokenVerifier(
        Settings(
            mode=Mode.PRODUCTION,
            oidc_issuer=ISSUER,
            oidc_jwks_url=url,
            internal_auth=SECRET,
            **WEB_CLIENT,
        )
    )
    development = TokenVerifier(Settings(dev_issuer=True))
    token, _ = development.mint_dev_token("s-1", Role.SEEKER, None)

    with pytest.raises(InvalidTokenError, match="not trusted"):
        await production.verify(token)


def test_production_refuses_the_development_internal_secret() -> None:
    with pytest.raises(ValueError, match="INTERNAL_TOKEN_SECRET"):
        Settings(mode=Mode.PRODUCTION, oidc_issuer=ISSUER, oidc_jwks_url="https://id.example/k")
