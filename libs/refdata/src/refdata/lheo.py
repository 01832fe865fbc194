"""Training offers in LHEO (the Carif-Oref exchange format): the format's definition and the
sample records, in the `lheo/` folder of the reference data.

The definition (`lheo-gml.xml`) is read for its dictionaries (funders, recruitment states,
levels): the codes an importer accepts and the words it shows for them. It is not fetched:
an operator gets it with their region's export (docs/data-sources.md).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from defusedxml.ElementTree import iterparse

from refdata.settings import RefdataSettings
from refdata.sources import RefdataUnavailableError, checkout_data_dir

FOLDER = "lheo"
DEFINITION = "lheo-gml.xml"
SAMPLES = (
    "intercarif-formation.xml",
    "intercarif-poec.xml",
    "intercarif-daeu.xml",
    "intercarif-paysan-boulanger.xml",
    "onisep-exemple-bts.xml",
)
_GML = "{http://www.gelaba.org/gml/1.2}"


def lheo_dir(settings: RefdataSettings | None = None) -> Path:
    """The folder holding the LHEO definition (and the samples): `lheo/` under REFDATA_DIR when
    set, else under the checkout's `../shared/data`, else under the cache (REFDATA_CACHE)."""
    settings = settings or RefdataSettings()
    candidates: list[Path] = []
    if settings.dir is not None:
        candidates.append(settings.dir / FOLDER)
    else:
        data = checkout_data_dir() if settings.use_checkout_data else None
        if data is not None:
            candidates.append(data / FOLDER)
        candidates.append(settings.cache / FOLDER)
    for candidate in candidates:
        if (candidate / DEFINITION).is_file():
            return candidate
    raise RefdataUnavailableError(
        f"The LHEO definition {DEFINITION} was not found in {', '.join(map(str, candidates))}. "
        f"Put the `{FOLDER}/` folder of the reference data there (see docs/data-sources.md)."
    )


def lheo_sample(name: str, settings: RefdataSettings | None = None) -> Path:
    if name not in SAMPLES:
        raise ValueError(f"{name!r} is not one of the LHEO samples: {', '.join(SAMPLES)}")
    return lheo_dir(settings) / name


@dataclass(frozen=True)
class LheoDictionaries:
    """The definition's dictionaries: code → French label, by dictionary name."""

    version: str
    dictionaries: Mapping[str, Mapping[str, str]]

    def labels(self, name: str) -> Mapping[str, str]:
        return self.dictionaries.get(name, MappingProxyType({}))

    @property
    def funders(self) -> Mapping[str, str]:
        return self.labels("dict-financeurs")

    @property
    def levels(self) -> Mapping[str, str]:
        return self.labels("dict-niveaux")

    @property
    def recruitment_states(self) -> Mapping[str, str]:
        return self.labels("dict-etat-recrutement")


def read_dictionaries(definition: Path) -> LheoDictionaries:
    dictionaries: dict[str, Mapping[str, str]] = {}
    version = ""
    # The definition declares a DTD (not loaded) and no entity: defusedxml's defaults accept it.
    for event, element in iterparse(definition, events=("start", "end")):
        if event == "start":
            if element.tag == f"{_GML}definitions":
                version = element.get("version", "")
            continue
        if element.tag != f"{_GML}dict":
            continue
        entries: dict[str, str] = {}
        for entry in element.iter(f"{_GML}entry"):
            key, value = entry.find(f"{_GML}key"), entry.find(f"{_GML}value")
            if key is not None and value is not None:
                entries[key.get("val", "")] = value.get("val", "")
        dictionaries[element.get("name", "")] = MappingProxyType(entries)
        element.clear()
    return LheoDictionaries(version, MappingProxyType(dictionaries))


@functools.cache
def get_lheo_dictionaries() -> LheoDictionaries:
    """The dictionaries of the LHEO definition, read once per process."""
    return read_dictionaries(lheo_dir() / DEFINITION)
