"""Synthetic sectors and establishments (testkit.reference), read as the real ones are, and the
companies service over the real stack (the app and client fixtures of testkit.service_harness)."""

from pathlib import Path
from typing import Any

import pytest
from testkit.reference import write_synthetic_files
from testkit.service_harness import ServiceUnderTest, app, client

from companies.config import Settings
from companies.domain.establishment import Establishment
from companies.importing import parse_rows
from companies.main import create_app
from refdata import Sectors, read_establishment_rows, read_sectors

__all__ = ["app", "client"]  # fixtures, for the integration tests


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


@pytest.fixture(scope="session")
def service_under_test() -> ServiceUnderTest:
    return ServiceUnderTest(create_app, Settings, "http://companies")


@pytest.fixture
def app_settings(data_folder: Path) -> dict[str, Any]:
    return {"establishments_file": data_folder / "lbb_etablissements_metz.csv"}
