"""Every way a token can be wrong ends in a 401, never in a 500 nor a pass."""

import time
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from fastapi import FastAPI

from gateway.config import Mode, Settings
from gateway.tokens import DEV_ISSUER, dev_private_key


def claims(**changes: Any) -> dict[str, Any]:
    now = int(time.time())
    base = {"iss": DEV_ISSUER, "aud": "tremplin", "sub": "s-1", "role": "seeker", "exp": now + 60}
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


def signed(payload: dict[str, Any], key: Any = None, alg: str = "ES256") -> str:
    return jwt.encode(payload, key or dev_private_key("tremplin-development-issuer"), algorithm=alg)


def unsigned(payload: dict[str, Any]) -> str:
    return jwt.encode(payload, None, algorithm="none")  # type: ignore[arg-type]


OTHER_KEY = ec.generate_private_key(ec.SECP256R1())
CASES = {
    "missing": None,
    "alg none": unsigned(claims()),
    "wrong signature": signed(claims(), OTHER_KEY),
    "expired": signed(claims(exp=int(time.time()) - 10)),
    "wrong audience": signed(claims(aud="another-app")),
    "wrong issuer": signed(claims(iss="https://evil.example")),
    "no expiry": signed(claims(exp=None)),
    "shared secret": jwt.encode(claims(), "tremplin-development-issuer", algorithm="HS256"),
    "unknown role": signed(claims(role="superuser")),
    "internal role": signed(claims(role="service")),
    "garbage": "not.a.token",
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
async def test_a_bad_token_is_refused_with_401(client: httpx.AsyncClient, case: str) -> None:
    token = CASES[case]
    headers = {"Authorization": f"Bearer {token}"} if token else {}

    response = await client.get("/v1/me/profile", headers=headers)

    assert response.status_code == 401, response.text
    assert response.headers["www-authenticate"].startswith("Bearer")


async def test_a_good_token_passes(client: httpx.AsyncClient) -> None:
    response = await client.get(
        "/v1/me/profile", headers={"Authorization": f"Bearer {signed(claims())}"}
    )

    assert response.status_code == 200


async def test_the_dev_issuer_mints_working_tokens(client: httpx.AsyncClient) -> None:
    minted = await client.post("/v1/auth/dev-token", json={"sub": "s-1", "role": "seeker"})
    token = minted.json()["access_token"]

    response = await client.get("/v1/me/profile", headers={"Authorization": f"Bearer {token}"})

    assert minted.status_code == 200
    assert response.status_code == 200


async def test_the_dev_issuer_is_off_unless_enabled(gateway: FastAPI) -> None:
    gateway.state.verifier.settings = Settings(dev_issuer=False)
    transport = httpx.ASGITransport(app=gateway)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
        minted = await client.post("/v1/auth/dev-token", json={"sub": "s-1", "role": "seeker"})

    assert minted.status_code == 404


def test_the_gateway_refuses_to_start_with_the_dev_issuer_in_production() -> None:
    with pytest.raises(ValueError, match="must never run in production"):
        Settings(
            mode=Mode.PRODUCTION,
            dev_issuer=True,
            oidc_issuer="https://id.example",
            oidc_jwks_url="https://id.example/jwks",
        )
