import functools
from collections import defaultdict
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType

from refdata.models import CITY_OF_ARRONDISSEMENT, Commune, JobTitle, normalise_insee
from refdata.readers import (
    Communes,
    read_communes,
    read_employment_areas,
    read_job_titles,
    read_neighbours,
    read_occupations,
    read_tension,
)
from refdata.settings import RefdataSettings
from refdata.sources import locate_data_dir
from refdata.text import WordPrefixIndex


class Referential:
    """Read-only French reference data, built once by `load_referential`."""

    def __init__(
        self,
        *,
        source: Path,
        occupations: dict[str, str],
        job_titles: dict[str, JobTitle],
        neighbours_by_area: dict[str, dict[str, dict[str, float]]],
        communes: Communes,
        postcodes: dict[str, list[str]],
        employment_areas: dict[str, str],
        tension: dict[str, float],
    ) -> None:
        self.source = source
        self.occupations: Mapping[str, str] = MappingProxyType(occupations)
        self.job_titles: Mapping[str, JobTitle] = MappingProxyType(job_titles)
        self.communes: Mapping[str, Commune] = communes
        self.employment_areas: Mapping[str, str] = MappingProxyType(employment_areas)
        self._neighbours_by_area = neighbours_by_area
        self.bassins = frozenset(neighbours_by_area)  # areas with neighbouring-occupation data
        self._neighbours = _national_neighbours(neighbours_by_area)
        self._postcodes = postcodes
        self._tension = tension
        titles_by_rome: dict[str, list[JobTitle]] = defaultdict(list)
        for title in job_titles.values():
            titles_by_rome[title.rome_code].append(title)
        self._titles_by_rome = dict(titles_by_rome)
        self._title_index = WordPrefixIndex(list(job_titles.values()), lambda t: t.label)
        self._occupation_index = WordPrefixIndex(list(occupations), lambda c: occupations[c])
        self._commune_index = WordPrefixIndex(list(communes), communes.name_of)

    # Occupations and job titles

    def is_rome(self, code: str) -> bool:
        return code in self.occupations

    def occupation_label(self, rome_code: str) -> str | None:
        return self.occupations.get(rome_code)

    def search_occupations(self, query: str, limit: int = 10) -> list[str]:
        """ROME codes whose label matches every word of `query` as a word prefix."""
        return self._occupation_index.search(query, limit)

    def job_title(self, ogr_id: str) -> JobTitle | None:
        return self.job_titles.get(ogr_id)

    def job_titles_for(self, rome_code: str) -> list[JobTitle]:
        return list(self._titles_by_rome.get(rome_code, ()))

    def search_job_titles(self, query: str, limit: int = 10) -> list[JobTitle]:
        """Job titles whose label matches every word of `query` as a word prefix, accents aside."""
        return self._title_index.search(query, limit)

    # Neighbouring occupations

    def neighbours(self, rome_code: str, bassin: str | None = None) -> dict[str, float]:
        """Neighbouring ROME codes with their score in [0, 1], best first.

        Without `bassin`, the national score: the mean over the employment areas that list
        neighbours for `rome_code`, an area that does not list the pair counting as 0.
        With `bassin`, that employment area's own list (empty when it has none).
        """
        if bassin is None:
            found = self._neighbours.get(rome_code, {})
        else:
            found = self._neighbours_by_area.get(bassin, {}).get(rome_code, {})
        return dict(sorted(found.items(), key=lambda item: (-item[1], item[0])))

    def neighbours_near(self, rome_code: str, insee_code: str) -> dict[str, float]:
        """The neighbours listed for the commune's employment area, else the national ones."""
        area = self.employment_area(insee_code)
        local = self.neighbours(rome_code, bassin=area) if area is not None else {}
        return local or self.neighbours(rome_code)

    # Communes

    def commune(self, insee_code: str) -> Commune | None:
        return self.communes.get(normalise_insee(insee_code))

    def communes_by_postcode(self, postcode: str) -> list[Commune]:
        """Communes La Poste delivers under `postcode` (arrondissements, not the city)."""
        codes = self._postcodes.get(postcode.strip().zfill(5), [])
        return [self.communes[code] for code in codes]

    def search_communes(self, query: str, limit: int = 10) -> list[Commune]:
        return [self.communes[code] for code in self._commune_index.search(query, limit)]

    def employment_area(self, insee_code: str) -> str | None:
        """Employment area ("bassin d'emploi") code of a commune, as France Travail draws them."""
        code = normalise_insee(insee_code)
        area = self.employment_areas.get(code)
        if area is None and code in CITY_OF_ARRONDISSEMENT:
            area = self.employment_areas.get(CITY_OF_ARRONDISSEMENT[code])
        return area

    # Hiring difficulty

    def tension(self, rome_code: str) -> float | None:
        """Share (percentage) of hirings employers expect to be difficult, None when unknown.

        A ROME code spanning several FAP families takes the highest one, as La Bonne Boîte does.
        """
        return self._tension.get(rome_code)


def load_referential(settings: RefdataSettings | None = None) -> Referential:
    """Locate (or fetch) the files, then parse them all. Prefer `get_referential()`."""
    folder = locate_data_dir(settings if settings is not None else RefdataSettings())
    return read_referential(folder)


@functools.cache
def get_referential() -> Referential:
    """The referential of this process, loaded once from the environment's settings."""
    return load_referential()


def read_referential(folder: Path) -> Referential:
    occupations = read_occupations(folder)
    communes, postcodes = read_communes(folder)
    return Referential(
        source=folder,
        occupations=occupations,
        job_titles=read_job_titles(folder, occupations),
        neighbours_by_area=read_neighbours(folder),
        communes=Communes(communes),
        postcodes=postcodes,
        employment_areas=read_employment_areas(folder),
        tension=read_tension(folder),
    )


def _national_neighbours(
    by_area: Mapping[str, Mapping[str, Mapping[str, float]]],
) -> dict[str, dict[str, float]]:
    # Scores differ widely between areas and each area lists at most three neighbours: averaging
    # with absent pairs as 0 rewards pairs that many areas list, where a max would not.
    totals: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    areas: dict[str, int] = defaultdict(int)
    for romes in by_area.values():
        for rome, neighbours in romes.items():
            areas[rome] += 1
            for neighbour, score in neighbours.items():
                totals[rome][neighbour] += score
    return {
        rome: {neighbour: total / areas[rome] for neighbour, total in neighbours.items()}
        for rome, neighbours in totals.items()
    }
