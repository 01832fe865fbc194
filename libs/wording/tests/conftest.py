import pytest

from wording import Namer


class FakeNames:
    """The names a few codes have in the reference data (`wording.Namer`)."""

    def occupation(self, rome_code: str) -> str | None:
        return {"K2204": "Nettoyage de locaux", "G1501": "Personnel d'étage"}.get(rome_code)

    def commune(self, insee_code: str) -> str | None:
        return {"69123": "Lyon"}.get(insee_code)

    def sector(self, naf_code: str) -> str | None:
        return {"8121Z": "Nettoyage courant des bâtiments"}.get(naf_code)


@pytest.fixture
def names() -> Namer:
    return FakeNames()
