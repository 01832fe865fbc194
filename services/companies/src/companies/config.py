from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from servicekit.application_quota import ApplicationsPerDay
from servicekit.service_settings import ServiceSettings
from servicekit.setting_types import Count, DaysInAYear, Seconds


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="COMPANIES_", extra="ignore")

    database: str = Field(default="tremplin_companies", description="MongoDB database name.")
    load_reference_at_start: bool = Field(
        default=True,
        description="When the store holds no establishment, load La Bonne Boîte's establishments "
        "from the reference data folder at start.",
    )
    establishments_file: Path | None = Field(
        default=None,
        description="The establishments file loaded into an empty store; default: "
        "`lbb_etablissements_metz.csv` of the reference data folder.",
    )
    import_max_rows: Count = Field(
        default=20_000, description="Most rows one import request may carry."
    )
    seekers_per_hire: float = Field(
        default=5.0,
        gt=0,
        description="Seekers a company may be shown to in a period, per hire it can make.",
    )
    attention_period_days: Count = Field(
        default=7, le=90, description="Length of the period over which attention is spread."
    )
    refresh_s: Seconds = Field(
        default=300.0,
        description="How often each replica rereads the establishments and the exposures stored "
        "by the others.",
    )
    application_period_days: DaysInAYear = Field(
        default=90,
        description="A seeker applies to a company once in this many days.",
    )
    applications_per_day: ApplicationsPerDay = Field(
        default=5, description="Most spontaneous applications a seeker sends a day."
    )
