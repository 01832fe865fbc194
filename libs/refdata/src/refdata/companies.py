"""La Bonne Boîte's company files: establishments, which sectors hire which occupations, labels.

They are read from the same folder as the rest of the reference data, but are not part of
`DATA_FILES`: the platform runs without them, and only the companies service asks for them.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from refdata.files import (
    HEADCOUNT_LABELS,
    NAF_LABELS,
    ROME_NAF,
    DataFile,
    Origin,
    decode,
    normalise_header,
    read_file,
)
from refdata.settings import RefdataSettings
from refdata.sources import RefdataUnavailableError, locate_data_dir

ESTABLISHMENT_COLUMNS = (
    "siret",
    "raisonsociale",
    "enseigne",
    "codenaf",
    "trancheeffectif",
    "numerorue",
    "libellerue",
    "codepostal",
    "email",
    "flag_alternance",
    "flag_junior",
    "flag_senior",
    "flag_handicap",
    "codecommune",
    "coordinates_x",
    "coordinates_y",
    "hiring",
)
ESTABLISHMENTS = DataFile(
    "lbb_etablissements_metz.csv",
    ("siret", "raisonsociale", "codenaf", "codecommune", "coordinates_x", "coordinates_y"),
    Origin.LBB,
)
SECTOR_FILES = (ROME_NAF, NAF_LABELS, HEADCOUNT_LABELS)


@dataclass(frozen=True)
class Sectors:
    """Which sectors (NAF) hire which occupations (ROME), and the labels of sectors and bands."""

    naf_labels: Mapping[str, str]
    occupation_labels: Mapping[str, str]
    headcount_labels: Mapping[str, str]
    hirings: Mapping[str, Mapping[str, int]]  # rome -> naf -> hires observed
    _naf_totals: Mapping[str, int] = field(repr=False)

    def sectors_hiring(self, rome_code: str) -> Mapping[str, int]:
        return self.hirings.get(rome_code, {})

    def share(self, rome_code: str, naf_code: str) -> float:
        """The occupation's share of all the hires observed in the sector, in [0, 1]."""
        total = self._naf_totals.get(naf_code, 0)
        return self.hirings.get(rome_code, {}).get(naf_code, 0) / total if total else 0.0


def read_sectors(folder: Path) -> Sectors:
    hirings: dict[str, dict[str, int]] = defaultdict(dict)
    totals: dict[str, int] = defaultdict(int)
    for rome, naf, count in read_file(folder, ROME_NAF, "rome_id", "naf_id", "hirings"):
        try:
            hires = int(count)
        except ValueError:
            continue
        if rome and naf and hires > 0:
            hirings[rome][naf] = hirings[rome].get(naf, 0) + hires
            totals[naf] += hires
    naf_labels = {
        code: label.strip()
        for code, label in read_file(folder, NAF_LABELS, "naf_id", "naf_label")
        if code
    }
    occupation_labels: dict[str, str] = {}
    columns = ("rome_id", "rome_label", "naf_id", "naf_label")
    for rome, rome_label, naf, label in read_file(folder, ROME_NAF, *columns):
        naf_labels.setdefault(naf, label.strip())
        occupation_labels.setdefault(rome, rome_label.strip())
    bands = {
        code.zfill(2): label.strip()
        for code, label in read_file(folder, HEADCOUNT_LABELS, "code", "label")
        if code
    }
    return Sectors(
        naf_labels=MappingProxyType(naf_labels),
        occupation_labels=MappingProxyType(occupation_labels),
        headcount_labels=MappingProxyType(bands),
        hirings=MappingProxyType({rome: MappingProxyType(n) for rome, n in hirings.items()}),
        _naf_totals=MappingProxyType(dict(totals)),
    )


def read_establishment_rows(raw: bytes) -> Iterator[tuple[int, dict[str, str]]]:
    """Each row of an establishments file as {column: text}, with its line number (header: 1).

    Columns are named as La Bonne Boîte names them (normalised: lower case, no accents); a
    column the file lacks reads as "".
    """
    text = decode(raw)
    first_line = text.split("\n", 1)[0]
    delimiter = max(",;|", key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = [normalise_header(name) for name in next(reader, [])]
    missing = [column for column in ESTABLISHMENTS.columns if column not in header]
    if missing:
        raise ValueError(f"the establishments file lacks the columns {', '.join(missing)}")
    for row in reader:
        if not row or not any(cell.strip() for cell in row):
            continue
        values = dict(zip(header, row, strict=False))
        yield reader.line_num, {column: values.get(column, "").strip() for column in header}


def company_data_dir(settings: RefdataSettings | None = None) -> Path:
    """The reference folder, provided it holds the sector files too (establishments are
    imported; a development folder holds La Bonne Boîte's sample of them)."""
    folder = locate_data_dir(settings if settings is not None else RefdataSettings())
    missing = [spec.name for spec in SECTOR_FILES if not (folder / spec.name).is_file()]
    if missing:
        raise RefdataUnavailableError(
            f"the reference folder {folder} lacks {', '.join(missing)}: put La Bonne Boîte's "
            "sector files there (see docs/data-sources.md), or set REFDATA_DIR"
        )
    return folder
