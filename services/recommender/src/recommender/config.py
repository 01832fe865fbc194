from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from servicekit.settings import KafkaSettings, MongoSettings


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RECOMMENDER_", extra="ignore")

    database: str = Field(default="tremplin_recommender", description="MongoDB database name.")
    kafka: KafkaSettings = Field(default_factory=KafkaSettings)
    mongo: MongoSettings = Field(default_factory=MongoSettings)
