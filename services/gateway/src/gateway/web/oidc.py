"""The OpenID provider seen from the web pages: authorization code with PKCE (S256), by Authlib.

Authlib builds the authorization request (state, nonce, code challenge), exchanges the code with
the verifier and the client's secret, and checks the ID token (signature against the provider's
keys, issuer, audience, expiry, nonce). The role comes from the provider's claims: the ID
token's, else the UserInfo endpoint's, where conformant providers put scope claims.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.starlette_client import OAuth
from joserfc.errors import JoseError

from gateway.config import Settings
from gateway.tokens import PUBLIC_ROLES
from gateway.web.sessions import PendingSignIn
from servicekit.auth import Principal, Role

# The provider's discovery document (endpoints, algorithms, keys) is read again after this long,
# and at once when an ID token does not verify against it.
METADATA_MAX_AGE_S = 3600.0


class ProviderUnavailableError(Exception):
    """The provider did not answer, or not as a provider should."""


class SignInRefusedError(Exception):
    """The provider's answer does not sign this person in (denied, forged, no known role)."""


@dataclass(frozen=True)
class SignedIn:
    principal: Principal
    id_token: str


class IdentityProvider:
    def __init__(self, settings: Settings) -> None:
        assert settings.web_sign_in
        assert settings.oidc_client_secret
        assert settings.oidc_issuer
        self.settings = settings
        self.client: Any = OAuth().register(
            "provider",
            client_id=settings.oidc_client_id,
            client_secret=settings.oidc_client_secret.get_secret_value(),
            server_metadata_url=settings.oidc_metadata_url
            or settings.oidc_issuer.rstrip("/") + "/.well-known/openid-configuration",
            client_kwargs={
                "scope": settings.oidc_scopes,
                "code_challenge_method": "S256",
                "timeout": settings.oidc_timeout_s,
            },
        )

    async def start(
        self, area: str, redirect_uri: str, language: str, expires_at: datetime
    ) -> tuple[str, PendingSignIn]:
        """The provider's authorization URL, and what the callback will need to finish."""
        loaded_at = self.client.server_metadata.get("_loaded_at")
        if loaded_at is not None and time.time() - loaded_at > METADATA_MAX_AGE_S:
            self.forget_metadata()
        try:
            made = await self.client.create_authorization_url(redirect_uri, ui_locales=language)
        except (httpx.HTTPError, ValueError, RuntimeError) as error:
            raise ProviderUnavailableError(str(error)) from error
        pending = PendingSignIn(
            area=area,
            state=made["state"],
            nonce=made["nonce"],
            code_verifier=made["code_verifier"],
            redirect_uri=redirect_uri,
            expires_at=expires_at,
        )
        return made["url"], pending

    async def finish(self, pending: PendingSignIn, code: str) -> SignedIn:
        try:
            token = await self.client.fetch_access_token(
                redirect_uri=pending.redirect_uri,
                code=code,
                code_verifier=pending.code_verifier,
            )
            if "id_token" not in token:
                raise SignInRefusedError("the provider sent no ID token")
            claims = await self.id_token_claims(token, pending.nonce)
            if self.settings.role_claim not in claims:
                userinfo = dict(await self.client.userinfo(token=token))
                if userinfo.get("sub") != claims.get("sub"):
                    raise SignInRefusedError("UserInfo is about someone else")
                claims = {**userinfo, **claims}
        except AuthlibBaseError as error:
            raise SignInRefusedError(f"{error.error}: {error.description}") from error
        except JoseError as error:
            raise SignInRefusedError(f"ID token refused: {error}") from error
        except (httpx.HTTPError, ValueError, KeyError) as error:
            raise ProviderUnavailableError(str(error)) from error
        return SignedIn(self.principal_of(claims), token["id_token"])

    async def id_token_claims(self, token: dict[str, Any], nonce: str) -> dict[str, Any]:
        try:
            return dict(await self.client.parse_id_token(token, nonce=nonce))
        except JoseError:
            # Keys or algorithms may have changed since the document was read: once more, afresh.
            self.forget_metadata()
            return dict(await self.client.parse_id_token(token, nonce=nonce))

    def forget_metadata(self) -> None:
        self.client.server_metadata.clear()

    def principal_of(self, claims: dict[str, Any]) -> Principal:
        try:
            role = Role(str(claims.get(self.settings.role_claim)))
        except ValueError:
            raise SignInRefusedError("the account carries no known role") from None
        if role not in PUBLIC_ROLES or not claims.get("sub"):
            raise SignInRefusedError(f"role {role.value!r} cannot sign in here")
        name = claims.get("name")
        return Principal(sub=str(claims["sub"]), role=role, name=str(name) if name else None)

    async def logout_url(self, id_token: str, post_logout_redirect_uri: str) -> str | None:
        """Where the browser ends the provider's session too (RP-initiated logout), if it can."""
        try:
            metadata = await self.client.load_server_metadata()
            if not metadata.get("end_session_endpoint"):
                return None
            made = await self.client.create_logout_url(
                post_logout_redirect_uri=post_logout_redirect_uri,
                id_token_hint=id_token,
                client_id=self.settings.oidc_client_id,
            )
        except (httpx.HTTPError, ValueError, RuntimeError):
            return None
        return str(made["url"])
