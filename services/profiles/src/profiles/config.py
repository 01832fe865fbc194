from pydantic import Field
from pydantic_settings import SettingsConfigDict

from servicekit.service_settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="PROFILES_", extra="ignore")

    database: str = Field(default="tremplin_profiles", description="MongoDB database name.")
