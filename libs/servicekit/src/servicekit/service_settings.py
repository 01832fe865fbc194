"""Settings every service holds besides its own; each service's `Settings` adds its env prefix."""

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from servicekit.auth import InternalAuthSettings
from servicekit.settings import KafkaSettings, MongoSettings


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore")

    kafka: KafkaSettings = Field(default_factory=KafkaSettings)
    mongo: MongoSettings = Field(default_factory=MongoSettings)
    internal_auth: InternalAuthSettings = Field(default_factory=InternalAuthSettings)
