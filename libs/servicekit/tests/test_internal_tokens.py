"""Internal tokens: renewed by long-running clients, verified once per token by the services."""

import httpx
import jwt
import pytest

from servicekit import auth
from servicekit.auth import InternalAuthSettings, InternalBearer, Principal, ReadTokens, Role

SETTINGS = InternalAuthSettings(token_secret="a-test-secret-of-at-least-32-chars", token_ttl_s=60)
SEEDER = Principal(sub="demo-seeder", role=Role.OPERATOR)


def test_a_long_running_client_signs_a_new_token_once_a_quarter_of_its_life_is_gone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    signed: list[int] = []
    issue = auth.issue_internal_token
    monkeypatch.setattr(auth, "issue_internal_token", lambda *a: signed.append(1) or issue(*a))
    now = [1000.0]
    bearer = InternalBearer(SEEDER, SETTINGS, clock=lambda: now[0])
    seen: list[str] = []
    client = httpx.Client(
        auth=bearer,
        transport=httpx.MockTransport(
            lambda r: seen.append(r.headers["authorization"]) or httpx.Response(200)
        ),
    )

    client.get("http://x/")
    now[0] += 14
    client.get("http://x/")
    now[0] += 2  # past a quarter of the 60 s
    client.get("http://x/")

    assert len(seen) == 3
    assert len(signed) == 2  # the first request, then the third
    assert ReadTokens().read(seen[2].removeprefix("Bearer "), SETTINGS) == SEEDER


def test_a_token_is_verified_once_until_it_expires(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [0.0]
    tokens = ReadTokens(clock=lambda: now[0])
    token = InternalBearer(SEEDER, SETTINGS).token()
    expires = jwt.decode(token, options={"verify_signature": False})["exp"]
    checked: list[int] = []
    decode = jwt.decode
    monkeypatch.setattr(auth.jwt, "decode", lambda *a, **k: checked.append(1) or decode(*a, **k))
    now[0] = expires - 1

    assert tokens.read(token, SETTINGS) == SEEDER
    assert tokens.read(token, SETTINGS) == SEEDER
    assert len(checked) == 1  # the second read came from memory
    now[0] = expires + 1
    tokens.read(token, SETTINGS)
    assert len(checked) == 2  # past its expiry, the token is checked again (and refused by jwt)


def test_a_token_signed_with_another_secret_is_refused_even_if_known() -> None:
    tokens = ReadTokens()
    token = InternalBearer(SEEDER, SETTINGS).token()
    tokens.read(token, SETTINGS)
    other = InternalAuthSettings(token_secret="another-secret-of-at-least-32-chars")

    with pytest.raises(jwt.InvalidKeyError):
        tokens.read(token, other)
