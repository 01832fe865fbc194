from pydantic import Field
from pydantic_settings import SettingsConfigDict

from servicekit.service_settings import ServiceSettings
from servicekit.setting_types import Count, Seconds


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="TRAININGS_", extra="ignore")

    database: str = Field(default="tremplin_trainings", description="MongoDB database name.")
    sweep_interval_s: Seconds = Field(
        default=3600.0, description="How often sessions past their dates are closed."
    )
    relay_sweep_interval_s: Seconds = Field(
        default=60.0,
        description="How often the outbox relay looks for events nobody named to it (those of "
        "an import made by the CLI, which writes to the store directly).",
    )
    import_batch_size: Count = Field(
        default=1000, le=10_000, description="Sessions written to the store at once."
    )
    import_spool_bytes: int = Field(
        default=8_000_000,
        ge=0,
        description="An import's body is kept in memory up to this size, on disk beyond.",
    )
