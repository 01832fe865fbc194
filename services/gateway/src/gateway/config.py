from enum import StrEnum
from pathlib import Path

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import SettingsConfigDict

from servicekit.auth import DEVELOPMENT_SECRET
from servicekit.service_settings import ServiceSettings
from servicekit.setting_types import Count, Seconds

# Public: the gateway refuses it outside development mode.
DEVELOPMENT_ISSUER_SECRET = "tremplin-development-issuer"  # noqa: S105


class Mode(StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"


class WebTheme(StrEnum):
    NEUTRAL = "neutral"
    STATE = "state"


def bundled_dsfr() -> Path | None:
    """The design system's files that `make bootstrap` installs beside the sources, if there."""
    for parent in Path(__file__).resolve().parents:
        candidate = parent / "web" / "node_modules" / "@gouvfr" / "dsfr" / "dist"
        if candidate.is_dir():
            return candidate
    return None


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore")

    mode: Mode = Field(default=Mode.DEVELOPMENT, description="production forbids the dev issuer.")
    database: str = Field(default="tremplin_gateway", description="MongoDB database (access log).")

    # Authentication: an external OpenID Connect provider in production.
    oidc_issuer: str | None = Field(default=None, description="Expected `iss` of access tokens.")
    oidc_audience: str = Field(default="tremplin", description="Expected `aud` of access tokens.")
    oidc_jwks_url: str | None = Field(default=None, description="Where the provider's keys are.")
    oidc_jwks_cooldown_s: float = Field(
        default=30.0, ge=0, description="Least time between two JWKS fetches for unknown keys."
    )
    role_claim: str = Field(default="role", description="Claim holding the caller's role.")
    # Web sign-in (/app, /console): authorization code + PKCE with the same provider.
    oidc_client_id: str | None = Field(
        default=None, description="The web pages' client at the provider (required in production)."
    )
    oidc_client_secret: SecretStr | None = Field(
        default=None, description="That client's secret, from a Secret (required in production)."
    )
    oidc_metadata_url: str | None = Field(
        default=None,
        description="The provider's discovery document; default: "
        "<issuer>/.well-known/openid-configuration.",
    )
    oidc_scopes: str = Field(default="openid profile", description="Scopes the pages ask for.")
    oidc_timeout_s: Seconds = Field(default=10.0, description="Calls to the provider.")
    public_url: str | None = Field(
        default=None,
        description="The gateway's public address (https://...), for the provider's redirects; "
        "default: the address the request came to.",
    )
    web_session_ttl_s: int = Field(
        default=8 * 3600, ge=300, description="Life of a web session (server-side), in seconds."
    )
    web_session_sweep_s: Seconds = Field(
        default=600.0, description="How often expired web sessions are deleted."
    )
    dev_issuer: bool = Field(
        default=False, description="Built-in issuer of development tokens (never in production)."
    )
    dev_issuer_secret: str = Field(
        default=DEVELOPMENT_ISSUER_SECRET,
        min_length=16,
        description="Seed of the development issuer's signing key; required when the issuer is "
        "on outside development mode (the default is public).",
    )
    dev_token_ttl_s: int = Field(default=3600, ge=60)
    token_cache_size: int = Field(
        default=50_000, ge=0, description="Verified tokens kept in memory (0: verify every time)."
    )
    token_cache_max_age_s: float = Field(
        default=300.0,
        ge=0,
        description="Longest a verified token is trusted without checking it again (and never "
        "past its `exp`): the delay for a withdrawn signing key to take effect.",
    )

    # The services behind the gateway.
    profiles_url: str = "http://127.0.0.1:8001"
    offers_url: str = "http://127.0.0.1:8002"
    recommender_url: str = "http://127.0.0.1:8003"
    notifier_url: str = "http://127.0.0.1:8004"
    companies_url: str = "http://127.0.0.1:8005"
    trainings_url: str = "http://127.0.0.1:8006"
    upstream_timeout_s: Seconds = 5.0
    upstream_retries: int = Field(default=2, ge=0, description="Retries of idempotent calls only.")
    max_streams: Count = Field(
        default=5000,
        description="Live notification streams one replica relays at once; past it, a new "
        "stream answers 503 with Retry-After. Streams hold their own connections, apart from "
        "the pool of short calls.",
    )

    # Limits.
    rate_per_token: float = Field(default=50.0, gt=0, description="Requests per second per token.")
    burst_per_token: Count = 100
    rate_per_address: float = Field(default=200.0, gt=0, description="Requests/s per address.")
    burst_per_address: Count = 400
    limits_sync_s: float = Field(
        default=1.0,
        gt=0,
        le=10,
        description="How often each replica shares its usage with the others (gateway."
        "shared_limits): the limits hold across replicas give or take this much of their usage.",
    )
    max_body_bytes: int = Field(default=1_000_000, ge=1024)
    max_import_body_bytes: int = Field(default=20_000_000, ge=1024)

    # The web app and the counsellor console.
    web_theme: WebTheme = Field(
        default=WebTheme.NEUTRAL,
        description="neutral (any operator) or state (Marianne logo and font: state sites only).",
    )
    web_dsfr_dir: Path | None = Field(
        default_factory=bundled_dsfr,
        description="The DSFR `dist` folder served under /static/dsfr/; pages work without it.",
    )

    @field_validator("web_dsfr_dir", mode="before")
    @classmethod
    def _no_folder_when_empty(cls, value: object) -> object:
        return None if value == "" else value

    @property
    def web_sign_in(self) -> bool:
        """The pages sign people in through the provider (authorization code + PKCE)."""
        return bool(self.oidc_issuer and self.oidc_client_id and self.oidc_client_secret)

    @model_validator(mode="after")
    def _safe_in_production(self) -> "Settings":
        if self.mode is Mode.PRODUCTION and self.dev_issuer:
            raise ValueError(
                "GATEWAY_DEV_ISSUER is on while GATEWAY_MODE=production: the development issuer "
                "mints tokens for anyone and must never run in production"
            )
        public_seed = self.dev_issuer_secret == DEVELOPMENT_ISSUER_SECRET
        if self.dev_issuer and public_seed and not self.internal_auth.development:
            raise ValueError(
                "GATEWAY_DEV_ISSUER_SECRET is not set while the development issuer is on outside "
                "development mode: its default is public, set a seed of your own"
            )
        production = self.mode is Mode.PRODUCTION
        if production and self.internal_auth.token_secret == DEVELOPMENT_SECRET:
            raise ValueError(
                "INTERNAL_TOKEN_SECRET is the development secret while GATEWAY_MODE=production: "
                "set it from a secret shared with the services only"
            )
        if production and not (self.oidc_issuer and self.oidc_jwks_url):
            raise ValueError(
                "no way to authenticate in production: set GATEWAY_OIDC_ISSUER and "
                "GATEWAY_OIDC_JWKS_URL"
            )
        return self

    @model_validator(mode="after")
    def _web_sign_in_in_production(self) -> "Settings":
        if self.mode is not Mode.PRODUCTION:
            return self
        missing = [
            name
            for name, value in (
                ("GATEWAY_OIDC_ISSUER", self.oidc_issuer),
                ("GATEWAY_OIDC_CLIENT_ID", self.oidc_client_id),
                ("GATEWAY_OIDC_CLIENT_SECRET", self.oidc_client_secret),
            )
            if not value
        ]
        if missing:
            raise ValueError(
                f"{', '.join(missing)} not set while GATEWAY_MODE=production: the web app and "
                "the console sign people in through the OpenID provider with this client"
            )
        return self
