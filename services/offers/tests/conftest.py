"""A few occupations and communes for the mappers, and the offers service over the real stack (the
app and client fixtures of testkit.service_harness)."""

from typing import ClassVar

import pytest
from testkit.service_harness import ServiceUnderTest, app, app_settings, client

from offers.config import Settings
from offers.main import create_app
from refdata import Commune

__all__ = ["app", "app_settings", "client"]  # fixtures, for the integration tests

_COMMUNE_FIELDS = ("insee_code", "name", "postcodes", "latitude", "longitude", "city_code")
_COMMUNE_ROWS: list[tuple[str, str, tuple[str, ...], float | None, float | None, str | None]] = [
    ("69123", "LYON", ("69001", "69002"), 45.7588, 4.8353, None),
    ("69381", "LYON 01", ("69001",), 45.7699, 4.8292, "69123"),
    ("69382", "LYON 02", ("69002",), 45.7485, 4.8262, "69123"),
    ("75108", "PARIS 08", ("75008",), 48.8727, 2.3125, "75056"),
    ("55138", "CULEY", ("55000",), None, None, None),
]
COMMUNES = [
    Commune.model_validate(dict(zip(_COMMUNE_FIELDS, row, strict=True))) for row in _COMMUNE_ROWS
]


class FakeReference:
    """A few occupations and communes, enough for the mappers (refdata's API, in memory)."""

    occupations: ClassVar[dict[str, str]] = {
        "K2204": "Nettoyage de locaux",
        "M1607": "Secrétariat",
        "G1602": "Personnel de cuisine",
    }

    def __init__(self) -> None:
        self.communes = {commune.insee_code: commune for commune in COMMUNES}

    def is_rome(self, code: str) -> bool:
        return code in self.occupations

    def occupation_label(self, rome_code: str) -> str | None:
        return self.occupations.get(rome_code)

    def commune(self, insee_code: str) -> Commune | None:
        return self.communes.get(insee_code)

    def communes_by_postcode(self, postcode: str) -> list[Commune]:
        return [c for c in COMMUNES if postcode in c.postcodes and c.city_code is not None] or [
            c for c in COMMUNES if postcode in c.postcodes
        ]


@pytest.fixture
def reference() -> FakeReference:
    return FakeReference()


@pytest.fixture(scope="session")
def service_under_test() -> ServiceUnderTest:
    defaults = {"import_max_records": 50, "sweep_interval_s": 3600}
    return ServiceUnderTest(create_app, Settings, "http://offers", defaults)
