"""Synthetic sectors and establishments (testkit.reference), read as the real ones are."""

from pathlib import Path

import pytest
from testkit.reference import write_synthetic_files

from companies.domain.establishment import Establishment
from companies.importing import parse_rows
from refdata import Sectors, read_establishment_rows, read_sectors


@pytest.fixture(scope="session")
def data_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_synthetic_files(tmp_path_factory.mktemp("refdata"))


@pytest.fixture(scope="session")
def sectors(data_folder: Path) -> Sectors:
    return read_sectors(data_folder)


@pytest.fixture(scope="session")
def establishments(data_folder: Path) -> list[Establishment]:
    raw = (data_folder / "lbb_etablissements_metz.csv").read_bytes()
    parsed, rejected = parse_rows(read_establishment_rows(raw))
    assert rejected == []
    return parsed
