from pydantic import Field
from pydantic_settings import SettingsConfigDict

from servicekit.application_quota import ApplicationsPerDay
from servicekit.service_settings import ServiceSettings
from servicekit.setting_types import Count, DaysInAYear, Seconds


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="OFFERS_", extra="ignore")

    database: str = Field(default="tremplin_offers", description="MongoDB database name.")
    validity_days: DaysInAYear = Field(
        default=60,
        description="An offer without an explicit end closes this many days after its last update.",
    )
    sweep_interval_s: Seconds = Field(
        default=60.0, description="How often offers past their validity are closed."
    )
    import_max_records: Count = Field(
        default=5000, description="Most France Travail records one import request may carry."
    )
    applications_per_day: ApplicationsPerDay = Field(
        default=10,
        description="Most applications to offers a seeker sends through Tremplin a day.",
    )
