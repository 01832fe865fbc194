from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

LBB_DATA_URL = (
    "https://raw.githubusercontent.com/StartupsPoleEmploi/labonneboite/master/"
    "labonneboite/common/data/"
)
LAPOSTE_POSTCODES_URL = "https://datanova.laposte.fr/data-fair/api/v1/datasets/laposte-hexasmal/raw"


def _default_cache() -> Path:
    return Path.home() / ".cache" / "tremplin" / "refdata"


class RefdataSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="REFDATA_", extra="ignore")

    dir: Path | None = Field(
        default=None,
        description="Folder holding the reference files; when set, nothing else is tried.",
    )
    use_checkout_data: bool = Field(
        default=True,
        description="When `dir` is unset, read `../shared/data` beside the workspace checkout.",
    )
    cache: Path = Field(
        default_factory=_default_cache,
        description="Folder filled by fetching the files when no local folder holds them.",
    )
    lbb_base_url: str = Field(
        default=LBB_DATA_URL,
        description="Base URL of La Bonne Boîte's data folder (every file but the postcodes).",
    )
    laposte_url: str = Field(
        default=LAPOSTE_POSTCODES_URL,
        description="URL of La Poste's postcode base (`laposte_hexasmal.csv`).",
    )
    fetch_timeout_s: float = Field(default=60.0, gt=0)

    @field_validator("dir", "cache")
    @classmethod
    def _expand_user(cls, value: Path | None) -> Path | None:
        return None if value is None else value.expanduser()
