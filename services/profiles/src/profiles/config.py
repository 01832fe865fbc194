from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from servicekit.auth import InternalAuthSettings
from servicekit.settings import KafkaSettings, MongoSettings


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PROFILES_", extra="ignore")

    database: str = Field(default="tremplin_profiles", description="MongoDB database name.")
    kafka: KafkaSettings = Field(default_factory=KafkaSettings)
    mongo: MongoSettings = Field(default_factory=MongoSettings)
    internal_auth: InternalAuthSettings = Field(default_factory=InternalAuthSettings)
