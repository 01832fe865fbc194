"""No built-in secret outside development mode; tokens name their key, and a key can be rotated."""

import jwt
import pytest
from pydantic import ValidationError
from testkit.internal_tokens import internal_claims, signed

from servicekit.auth import (
    DEVELOPMENT_SECRET,
    InternalAuthSettings,
    Principal,
    Role,
    issue_internal_token,
    key_id,
    read_internal_token,
)

OLD = "the-secret-signing-today-0123456789abcdef"
NEW = "the-secret-signing-tomorrow-0123456789abc"
SEEKER = Principal(sub="s-1", role=Role.SEEKER)


def production(**settings: str) -> InternalAuthSettings:
    return InternalAuthSettings(development=False, **settings)  # type: ignore[arg-type]


def test_without_a_secret_a_service_outside_development_is_refused_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("TREMPLIN_DEVELOPMENT", raising=False)
    monkeypatch.delenv("INTERNAL_TOKEN_SECRET", raising=False)

    with pytest.raises(ValidationError, match="INTERNAL_TOKEN_SECRET is not set"):
        InternalAuthSettings()


def test_the_development_secret_signs_only_in_development_mode(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("INTERNAL_TOKEN_SECRET", raising=False)
    monkeypatch.setenv("TREMPLIN_DEVELOPMENT", "true")

    assert InternalAuthSettings().token_secret == DEVELOPMENT_SECRET
    with pytest.raises(ValidationError, match="development secret, which is public"):
        production(token_secret=DEVELOPMENT_SECRET)
    with pytest.raises(ValidationError, match="INTERNAL_TOKEN_ACCEPTED_SECRETS"):
        production(token_secret=OLD, token_accepted_secrets=DEVELOPMENT_SECRET)


def test_a_short_secret_is_refused() -> None:
    with pytest.raises(ValidationError, match="at least 32 characters"):
        production(token_secret="too-short")


def test_a_token_names_its_key_without_revealing_it() -> None:
    token = issue_internal_token(SEEKER, production(token_secret=OLD))

    kid = jwt.get_unverified_header(token)["kid"]
    assert kid == key_id(OLD)
    assert OLD not in kid
    assert key_id(NEW) != kid


def test_a_rotation_never_refuses_a_token_of_the_other_key() -> None:
    before = production(token_secret=OLD)
    # Every service learns the next key first, then it signs, then the old one goes.
    learning = production(token_secret=OLD, token_accepted_secrets=NEW)
    signing = production(token_secret=NEW, token_accepted_secrets=f"{OLD}, ")
    after = production(token_secret=NEW)

    for issuer, verifier in [(before, learning), (learning, signing), (signing, learning)]:
        assert read_internal_token(issue_internal_token(SEEKER, issuer), verifier) == SEEKER
    with pytest.raises(jwt.InvalidKeyError):
        read_internal_token(issue_internal_token(SEEKER, before), after)


def test_a_known_key_id_does_not_stand_for_the_signature() -> None:
    claims = internal_claims("op", Role.OPERATOR)
    forged = signed(claims, NEW, kid=key_id(OLD))
    unnamed = signed(claims, OLD)

    with pytest.raises(jwt.InvalidSignatureError):
        read_internal_token(forged, production(token_secret=OLD))
    with pytest.raises(jwt.InvalidKeyError):
        read_internal_token(unnamed, production(token_secret=OLD))
