import uuid

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from notifier.domain.model import DEFAULT_TIME_ZONE
from servicekit.service_settings import ServiceSettings
from servicekit.setting_types import Count, Seconds


class SmtpSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="NOTIFIER_SMTP_", extra="ignore")

    host: str = Field(default="127.0.0.1", description="SMTP relay host.")
    port: int = Field(default=1025, ge=1, le=65535)
    username: str | None = Field(default=None, description="SMTP login, when the relay asks one.")
    password: str | None = Field(default=None, description="SMTP password (from a Secret).")
    start_tls: bool = Field(default=False, description="Upgrade the connection with STARTTLS.")
    sender: str = Field(default="Tremplin <no-reply@tremplin.invalid>", description="From header.")
    timeout_s: Seconds = 10.0


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="NOTIFIER_", extra="ignore")

    database: str = Field(default="tremplin_notifier", description="MongoDB database name.")
    smtp: SmtpSettings = Field(default_factory=SmtpSettings)

    instance_id: str = Field(
        default_factory=lambda: uuid.uuid4().hex[:12],
        description="This replica's id: names its work leases and its live-update listener.",
    )
    profiles_url: str = Field(
        default="http://127.0.0.1:8001", description="Profiles service, asked for contact channels."
    )
    companies_url: str = Field(
        default="http://127.0.0.1:8005",
        description="Companies service, asked for the address an application is emailed to.",
    )
    offers_url: str = Field(
        default="http://127.0.0.1:8002",
        description="Offers service, asked for the address an application to an employer's "
        "offer is emailed to.",
    )
    contact_cache_s: float = Field(default=30.0, ge=0, description="How long contacts are cached.")
    push_webhook_url: str = Field(
        default="http://127.0.0.1:8090/push", description="Push gateway webhook."
    )
    push_webhook_token: str | None = Field(default=None, description="Bearer token for it.")
    sms_webhook_url: str = Field(
        default="http://127.0.0.1:8091/sms", description="SMS provider webhook."
    )
    sms_webhook_token: str | None = Field(default=None, description="Bearer token for it.")
    webhook_timeout_s: Seconds = 5.0

    max_attempts: Count = Field(default=5, description="Sends tried before dead-lettering.")
    retry_base_s: Seconds = Field(default=30.0, description="First retry delay; doubles.")
    retry_cap_s: Seconds = Field(default=3600.0, description="Longest retry delay.")
    lease_s: Seconds = Field(
        default=60.0, description="A claimed delivery is retried after this if not settled."
    )
    senders: Count = Field(default=4, le=64, description="Concurrent delivery workers.")
    sweep_interval_s: Seconds = Field(
        default=5.0, description="How often digests, auto-release and repairs run."
    )
    stream_poll_s: Seconds = Field(
        default=15.0, description="Live streams re-read the inbox at least this often."
    )
    auto_release_hours: float | None = Field(
        default=None, gt=0, description="Held alerts go out by themselves after this; None: never."
    )
    digest_hour: int = Field(default=9, ge=0, le=23, description="Local hour of digests.")
    default_time_zone: str = Field(
        default=DEFAULT_TIME_ZONE,
        description="IANA zone of counsellors who set no working hours, and of a seeker's digest"
        " slot when the profiles service cannot tell their own zone.",
    )
    inactive_days: Count = Field(
        default=14, le=365, description="A seeker silent this long shows in the digest."
    )
    min_tension_pct: float = Field(
        default=60.0,
        ge=0,
        le=100,
        description="Occupations where at least this share of hirings is difficult are short of"
        " candidates: their fresh matches show in the counsellor's digest.",
    )
    counsellor_digest_max_lines: Count = Field(
        default=30, le=500, description="Lines of a counsellor digest; the rest is counted."
    )
    match_batch_size: Count = Field(
        default=100,
        le=5000,
        description="match-found records handled together at most. A batch must finish within"
        " the consumer's poll interval (300 s); it makes a few writes per alert.",
    )
    load_tension: bool = Field(
        default=True, description="Read hiring difficulty from the reference data at start."
    )
    load_names: bool = Field(
        default=True,
        description="Read occupation names from the reference data at start, so that the reasons "
        "of alerts name occupations (their ROME codes otherwise).",
    )
