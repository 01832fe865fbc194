"""Settings pieces every service shares; each service adds its own with its env prefix."""

import sys
from collections.abc import Callable
from typing import Any, Literal, TypeVar

from aiokafka.helpers import create_ssl_context
from faststream.kafka.security import parse_security
from faststream.security import BaseSecurity, SASLScram512
from pydantic import AliasChoices, Field, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

S = TypeVar("S", bound=BaseSettings)

# A service that cannot start says why on one line, and exits with this status.
EXIT_BAD_SETTINGS = 78


def settings_or_exit(service: str, read: Callable[[], S]) -> S:
    """The service's settings from the environment; when they are missing or wrong, the process
    exits non-zero, naming what to set."""
    try:
        return read()
    except ValidationError as error:
        problems = "; ".join(
            ".".join(str(part) for part in e["loc"]) + ": " + e["msg"] if e["loc"] else e["msg"]
            for e in error.errors()
        )
        sys.stderr.write(f"{service} cannot start: {problems}\n")
        raise SystemExit(EXIT_BAD_SETTINGS) from None


class KafkaSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KAFKA_", extra="ignore")

    bootstrap_servers: str = Field(default="127.0.0.1:9092", description="host:port[,host:port]")
    topic_suffix: str = Field(default="", description="Appended to every topic name (tests).")
    topic_partitions: int = Field(
        default=6,
        ge=1,
        validation_alias=AliasChoices("KAFKA_TOPIC_PARTITIONS", "TOPIC_PARTITIONS"),
    )
    topic_retention_ms: int = Field(default=7 * 24 * 3600 * 1000, ge=60_000)
    dead_letter_retention_ms: int = Field(
        default=30 * 24 * 3600 * 1000, ge=60_000, description="Dead letters kept for replay."
    )
    erasure_lag_ms: int = Field(
        default=3600 * 1000,
        ge=1000,
        description="How long an erased seeker's facts may stay on a compacted topic: its "
        "segment.ms, max.compaction.lag.ms and delete.retention.ms.",
    )
    sasl_username: str = Field(
        default="",
        description="SCRAM-SHA-512 user (on Kubernetes, the service's KafkaUser); empty: none.",
    )
    sasl_password: SecretStr = Field(default=SecretStr(""), description="That user's password.")
    ssl_cafile: str = Field(
        default="",
        description="CA certificate of the brokers (Strimzi's cluster CA); set: TLS to Kafka.",
    )

    @model_validator(mode="after")
    def _password_with_user(self) -> "KafkaSettings":
        if bool(self.sasl_username) != bool(self.sasl_password.get_secret_value()):
            raise ValueError("KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD go together")
        return self

    def security(self) -> BaseSecurity | None:
        """For FastStream's KafkaBroker(security=...)."""
        context = create_ssl_context(cafile=self.ssl_cafile) if self.ssl_cafile else None
        if self.sasl_username:
            return SASLScram512(
                self.sasl_username,
                self.sasl_password.get_secret_value(),
                ssl_context=context,
                use_ssl=context is not None,
            )
        return BaseSecurity(ssl_context=context, use_ssl=True) if context else None

    def client_options(self) -> dict[str, Any]:
        """For aiokafka's own clients (admin, consumer, producer)."""
        return parse_security(self.security())


class MongoSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MONGO_", extra="ignore")

    url: str = Field(default="mongodb://127.0.0.1:27017/", description="MongoDB connection string.")
    timeout_s: float = Field(default=5.0, gt=0)
    engine: Literal["auto", "mongodb", "ferretdb"] = Field(
        default="auto",
        description="What the server can do (servicekit.data.engine): learned from the server by "
        "default; forcing a profile is for the data layer's own tests.",
    )
    indexes_at_start: bool = Field(
        default=True,
        description=(
            "Build the service's indexes when it starts (local runs). On Kubernetes a Job builds "
            "them at each upgrade (`python -m <service>.indexes`) and the services skip them."
        ),
    )
