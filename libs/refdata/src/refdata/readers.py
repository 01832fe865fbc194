"""Each reference file parsed into plain dictionaries."""

import logging
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import NamedTuple

from refdata import files
from refdata.models import (
    ARRONDISSEMENTS,
    CITY_OF_ARRONDISSEMENT,
    Commune,
    JobTitle,
    normalise_insee,
)

logger = logging.getLogger(__name__)


def read_occupations(folder: Path) -> dict[str, str]:
    return {
        code: label.strip()
        for code, label in files.read_file(folder, files.ROME_LABELS, "rome_id", "rome_label")
        if code
    }


def read_tension(folder: Path) -> dict[str, float]:
    tension: dict[str, float] = {}
    for pct_text, rome_code in files.read_file(folder, files.TENSION, "tension_pct", "rome_code"):
        try:
            pct = float(pct_text.replace(",", "."))
        except ValueError:
            continue  # "#N/A" in some releases
        if rome_code and 0 <= pct <= 100:
            tension[rome_code] = max(pct, tension.get(rome_code, pct))
    return tension


def read_job_titles(folder: Path, occupations: Mapping[str, str]) -> dict[str, JobTitle]:
    labels = {
        ogr_id: label
        for ogr_id, label in files.read_file(folder, files.OGR_LABELS, "ogr_id", "ogr_label")
    }
    titles: dict[str, JobTitle] = {}
    skipped = 0
    for ogr_id, rome_code in files.read_file(folder, files.OGR_ROME_MAPPING, "ogr_id", "rome_id"):
        if ogr_id not in labels or rome_code not in occupations:
            skipped += 1
            continue
        titles[ogr_id] = JobTitle(ogr_id=ogr_id, label=labels[ogr_id].strip(), rome_code=rome_code)
    if skipped:
        logger.warning(
            "%s: skipped %d rows naming an unknown job title or ROME code",
            files.OGR_ROME_MAPPING.name,
            skipped,
        )
    return titles


def read_neighbours(folder: Path) -> dict[str, dict[str, dict[str, float]]]:
    by_area: dict[str, dict[str, dict[str, float]]] = {}
    rows = files.read_file(folder, files.NEIGHBOURS, *files.NEIGHBOURS.columns)
    for area, rome, neighbour, score in rows:
        by_area.setdefault(area, {}).setdefault(rome, {})[neighbour] = float(score)
    return by_area


def read_employment_areas(folder: Path) -> dict[str, str]:
    rows = files.read_file(folder, files.EMPLOYMENT_AREAS, "code_insee", "code_bassin_emploi")
    return {normalise_insee(code): area for code, area in rows if code}


class _CommuneRow(NamedTuple):
    name: str
    postcodes: tuple[str, ...]
    latitude: float | None
    longitude: float | None
    city_code: str | None


class Communes(Mapping[str, Commune]):
    """Builds each `Commune` on first access: validating 36,000 models up front costs ~0.3 s."""

    def __init__(self, rows: Mapping[str, _CommuneRow]) -> None:
        self._rows = rows
        self._built: dict[str, Commune] = {}

    def __getitem__(self, code: str) -> Commune:
        commune = self._built.get(code)
        if commune is None:
            row = self._rows[code]
            commune = Commune(insee_code=code, **row._asdict())
            self._built[code] = commune
        return commune

    def name_of(self, code: str) -> str:
        return self._rows[code].name

    def __contains__(self, code: object) -> bool:
        return code in self._rows

    def __iter__(self) -> Iterator[str]:
        return iter(self._rows)

    def __len__(self) -> int:
        return len(self._rows)


def read_communes(folder: Path) -> tuple[dict[str, _CommuneRow], dict[str, list[str]]]:
    names: dict[str, str] = {}
    postcodes: dict[str, list[str]] = {}
    coordinates: dict[str, tuple[float, float]] = {}
    communes_by_postcode: dict[str, list[str]] = {}
    rows = files.read_file(
        folder,
        files.POSTCODES,
        "code_commune_insee",
        "nom_commune",
        "code_postal",
        "coordonnees_gps",
        "latitude",
        "longitude",
    )
    for raw_code, name, raw_postcode, gps, latitude, longitude in rows:
        # Fast paths: this loop runs 39,000 times and the file is almost always clean.
        code = raw_code.upper() if len(raw_code) == 5 else normalise_insee(raw_code)
        postcode = raw_postcode if len(raw_postcode) == 5 else raw_postcode.strip().zfill(5)
        if not code:
            continue
        known = postcodes.get(code)
        if known is None:
            names[code] = name.strip()
            postcodes[code] = [postcode]
            communes_by_postcode.setdefault(postcode, []).append(code)
        elif postcode not in known:
            known.append(postcode)
            communes_by_postcode.setdefault(postcode, []).append(code)
        if code not in coordinates and (gps or latitude):
            point = _coordinates(gps, latitude, longitude)
            if point is not None:
                coordinates[code] = point
    if names and not coordinates:
        logger.warning(
            "%s has no coordinates (La Poste's current releases dropped them): distances "
            "between communes are unavailable; see docs/data-sources.md for a file that has them",
            files.POSTCODES.name,
        )
    communes: dict[str, _CommuneRow] = {}
    for code, name in names.items():
        latitude_, longitude_ = coordinates.get(code, (None, None))
        communes[code] = _CommuneRow(
            name,
            tuple(sorted(postcodes[code])),
            latitude_,
            longitude_,
            CITY_OF_ARRONDISSEMENT.get(code),
        )
    communes.update(_cities_with_arrondissements(communes))
    for codes in communes_by_postcode.values():
        codes.sort(key=lambda code: (names[code], code))
    return communes, communes_by_postcode


def _coordinates(gps: str, latitude: str, longitude: str) -> tuple[float, float] | None:
    # Older La Poste files have "lat, lon" in one column; newer ones have no coordinates at all.
    if gps:
        lat_text, _, lon_text = gps.partition(",")
    else:
        lat_text, lon_text = latitude, longitude
    try:
        return float(lat_text), float(lon_text)
    except ValueError:
        return None


def _cities_with_arrondissements(
    communes: Mapping[str, _CommuneRow],
) -> dict[str, _CommuneRow]:
    """Paris, Lyon and Marseille as single communes, completed from their arrondissements."""
    cities: dict[str, _CommuneRow] = {}
    for city_code, (name, codes) in ARRONDISSEMENTS.items():
        parts = [communes[str(code)] for code in codes if str(code) in communes]
        if not parts:
            continue
        city = communes.get(city_code)
        postcodes = set(city.postcodes if city else ()).union(*(p.postcodes for p in parts))
        latitude = city.latitude if city else None
        longitude = city.longitude if city else None
        points = [
            (p.latitude, p.longitude)
            for p in parts
            if p.latitude is not None and p.longitude is not None
        ]
        if (latitude is None or longitude is None) and points:
            # The mean of the arrondissements' points: within about 2 km of the city hall.
            latitude = sum(lat for lat, _ in points) / len(points)
            longitude = sum(lon for _, lon in points) / len(points)
        cities[city_code] = _CommuneRow(
            name=city.name if city else name,
            postcodes=tuple(sorted(postcodes)),
            latitude=latitude,
            longitude=longitude,
            city_code=None,
        )
    return cities
