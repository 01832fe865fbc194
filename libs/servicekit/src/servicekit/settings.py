"""Settings pieces every service shares; each service adds its own with its env prefix."""

from typing import Literal

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


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


class MongoSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MONGO_", extra="ignore")

    url: str = Field(default="mongodb://127.0.0.1:27017/", description="MongoDB connection string.")
    timeout_s: float = Field(default=5.0, gt=0)
    engine: Literal["auto", "mongodb", "ferretdb"] = Field(
        default="auto",
        description="What the server can do (servicekit.data.engine): learned from the server by "
        "default; forcing a profile is for the data layer's own tests.",
    )
