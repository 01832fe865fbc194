from collections.abc import Mapping
from types import MappingProxyType

from pydantic import BaseModel, ConfigDict, Field

# La Poste lists these three cities by arrondissement only; INSEE also has one code for the city.
ARRONDISSEMENTS: Mapping[str, tuple[str, range]] = MappingProxyType(
    {
        "75056": ("PARIS", range(75101, 75121)),
        "69123": ("LYON", range(69381, 69390)),
        "13055": ("MARSEILLE", range(13201, 13217)),
    }
)
CITY_OF_ARRONDISSEMENT = {
    str(code): city for city, (_, codes) in ARRONDISSEMENTS.items() for code in codes
}


class JobTitle(BaseModel):
    """A job title ("appellation" of France Travail's ROME, OGR code)."""

    model_config = ConfigDict(frozen=True)

    ogr_id: str = Field(description="OGR code of the job title, e.g. `10200`.")
    label: str
    rome_code: str = Field(description="ROME occupation the job title belongs to.")


class Commune(BaseModel):
    model_config = ConfigDict(frozen=True)

    insee_code: str = Field(description="INSEE code (5 characters; `2A`/`2B` for Corsica).")
    name: str = Field(description="Name as La Poste writes it: upper case, no accents.")
    postcodes: tuple[str, ...]
    latitude: float | None = Field(default=None, description="WGS84; None when unknown.")
    longitude: float | None = Field(default=None, description="WGS84; None when unknown.")
    city_code: str | None = Field(
        default=None,
        description="For an arrondissement of Paris, Lyon or Marseille, the city's INSEE code.",
    )

    @property
    def department(self) -> str:
        overseas = self.insee_code.startswith(("97", "98"))
        return self.insee_code[:3] if overseas else self.insee_code[:2]

    @property
    def has_coordinates(self) -> bool:
        return self.latitude is not None and self.longitude is not None


def normalise_insee(code: str) -> str:
    """`2a004` → `2A004`, `1001` → `01001` (spreadsheets drop the leading zero)."""
    code = code.strip().upper()
    return code.zfill(5) if code.isdigit() else code
