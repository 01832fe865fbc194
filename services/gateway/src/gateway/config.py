from enum import StrEnum
from pathlib import Path

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from servicekit.auth import InternalAuthSettings
from servicekit.settings import KafkaSettings, MongoSettings

DEVELOPMENT_SECRET = InternalAuthSettings.model_fields["token_secret"].default


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


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore")

    mode: Mode = Field(default=Mode.DEVELOPMENT, description="production forbids the dev issuer.")
    database: str = Field(default="tremplin_gateway", description="MongoDB database (access log).")
    kafka: KafkaSettings = Field(default_factory=KafkaSettings)
    mongo: MongoSettings = Field(default_factory=MongoSettings)
    internal_auth: InternalAuthSettings = Field(default_factory=InternalAuthSettings)

    # Authentication: an external OpenID Connect provider in production.
    oidc_issuer: str | None = Field(default=None, description="Expected `iss` of access tokens.")
    oidc_audience: str = Field(default="tremplin", description="Expected `aud` of access tokens.")
    oidc_jwks_url: str | None = Field(default=None, description="Where the provider's keys are.")
    oidc_jwks_cooldown_s: float = Field(
        default=30.0, ge=0, description="Least time between two JWKS fetches for unknown keys."
    )
    role_claim: str = Field(default="role", description="Claim holding the caller's role.")
    dev_issuer: bool = Field(
        default=False, description="Built-in issuer of development tokens (never in production)."
    )
    dev_issuer_secret: str = Field(
        default="tremplin-development-issuer",
        min_length=16,
        description="Seed of the development issuer's signing key.",
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
    upstream_timeout_s: float = Field(default=5.0, gt=0)
    upstream_retries: int = Field(default=2, ge=0, description="Retries of idempotent calls only.")

    # Limits.
    rate_per_token: float = Field(default=50.0, gt=0, description="Requests per second per token.")
    burst_per_token: int = Field(default=100, ge=1)
    rate_per_address: float = Field(default=200.0, gt=0, description="Requests/s per address.")
    burst_per_address: int = Field(default=400, ge=1)
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

    @model_validator(mode="after")
    def _safe_in_production(self) -> "Settings":
        if self.mode is Mode.PRODUCTION and self.dev_issuer:
            raise ValueError(
                "GATEWAY_DEV_ISSUER is on while GATEWAY_MODE=production: the development issuer "
                "mints tokens for anyone and must never run in production"
            )
        production = self.mode is Mode.PRODUCTION
        if production and self.internal_auth.token_secret == DEVELOPMENT_SECRET:
            raise ValueError(
                "INTERNAL_TOKEN_SECRET is the development default while GATEWAY_MODE=production: "
                "set it from a secret shared with the services only"
            )
        if production and not (self.oidc_issuer and self.oidc_jwks_url):
            raise ValueError(
                "no way to authenticate in production: set GATEWAY_OIDC_ISSUER and "
                "GATEWAY_OIDC_JWKS_URL"
            )
        return self
