"""The reference files, and how to read them whatever their encoding and delimiter."""

import csv
import io
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from operator import itemgetter
from pathlib import Path


class Origin(StrEnum):
    LBB = "lbb"  # La Bonne Boîte's data folder
    LAPOSTE = "laposte"  # La Poste's postcode base


@dataclass(frozen=True)
class DataFile:
    name: str
    columns: tuple[str, ...]  # normalised header names the loader needs
    origin: Origin


ROME_LABELS = DataFile("rome_labels.csv", ("rome_id", "rome_label"), Origin.LBB)
OGR_LABELS = DataFile("ogr_labels.csv", ("ogr_id", "ogr_label"), Origin.LBB)
OGR_ROME_MAPPING = DataFile("ogr_rome_mapping.csv", ("ogr_id", "rome_id"), Origin.LBB)
NEIGHBOURS = DataFile(
    "lbb-pse_bassin-emploi_rome-connexe.csv",
    ("code_bassin_emploi", "rome", "rome_connexe", "score"),
    Origin.LBB,
)
EMPLOYMENT_AREAS = DataFile(
    "lbb-pse_bassin-emploi_code-insee.csv", ("code_insee", "code_bassin_emploi"), Origin.LBB
)
POSTCODES = DataFile(
    "laposte_hexasmal.csv", ("code_commune_insee", "nom_commune", "code_postal"), Origin.LAPOSTE
)
TENSION = DataFile("metiers_tension.csv", ("tension_pct", "rome_code"), Origin.LBB)
# The sectors that hire each occupation, and labels (the companies service).
ROME_NAF = DataFile("rome_naf_mapping.csv", ("rome_id", "naf_id", "hirings"), Origin.LBB)
NAF_LABELS = DataFile("naf_labels.csv", ("naf_id", "naf_label"), Origin.LBB)
HEADCOUNT_LABELS = DataFile("effectif_labels.csv", ("code", "label"), Origin.LBB)

DATA_FILES = (
    ROME_LABELS,
    OGR_LABELS,
    OGR_ROME_MAPPING,
    NEIGHBOURS,
    EMPLOYMENT_AREAS,
    POSTCODES,
    TENSION,
    ROME_NAF,
    NAF_LABELS,
    HEADCOUNT_LABELS,
)

# La Poste renamed columns between releases (older: Nom_commune; newer: #...;Nom_de_la_commune).
_HEADER_ALIASES = {
    "nom_de_la_commune": "nom_commune",
    "libelle_d_acheminement": "libelle_acheminement",
}
_DELIMITERS = "|;,"


class MalformedFileError(ValueError):
    pass


def decode(raw: bytes) -> str:
    # La Poste publishes Latin-1 while the other files are UTF-8; a BOM may precede either.
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def strip_accents(text: str) -> str:
    """`Libellé` → `Libelle`; characters with no ASCII form are dropped."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def normalise_header(name: str) -> str:
    key = strip_accents(name.strip().lstrip("\ufeff#").strip()).lower()
    return _HEADER_ALIASES.get(key, key)


def _split_header(spec: DataFile, first_line: str) -> tuple[str, list[str]]:
    for delimiter in _DELIMITERS:
        header = [normalise_header(h) for h in next(csv.reader([first_line], delimiter=delimiter))]
        if all(column in header for column in spec.columns):
            return delimiter, header
    raise MalformedFileError(
        f"{spec.name}: expected columns {', '.join(spec.columns)}, "
        f"got a first line of {first_line[:120]!r}"
    )


def check_header(spec: DataFile, raw: bytes) -> None:
    _split_header(spec, decode(raw.split(b"\n", 1)[0]).rstrip("\r"))


def read_columns(spec: DataFile, raw: bytes, *names: str) -> Iterator[tuple[str, ...]]:
    """The named columns of every row; a column the file lacks reads as ""."""
    lines = io.StringIO(decode(raw), newline="")
    delimiter, header = _split_header(spec, lines.readline().rstrip("\r\n"))
    # A "" appended to each row stands for the columns the file lacks (index -1).
    pick = itemgetter(*[header.index(name) if name in header else -1 for name in names])
    width = len(header)
    for row in csv.reader(lines, delimiter=delimiter):
        if not row:
            continue
        if len(row) < width:
            row.extend([""] * (width - len(row)))
        row.append("")
        picked = pick(row)
        yield picked if len(names) > 1 else (picked,)


def read_file(folder: Path, spec: DataFile, *names: str) -> Iterator[tuple[str, ...]]:
    return read_columns(spec, (folder / spec.name).read_bytes(), *names)
