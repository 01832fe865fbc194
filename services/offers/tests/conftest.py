"""Builders of valid offers and France Travail records, changed field by field in each test, and
the offers service over the real stack (the app and client fixtures of testkit.service_harness)."""

import copy
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import pytest
from testkit.service_harness import ServiceUnderTest, app, app_settings, client

from offers.config import Settings
from offers.main import create_app
from refdata import Commune

__all__ = ["app", "app_settings", "client"]  # fixtures, for the integration tests

FakeBuilder = Callable[..., dict[str, Any]]

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


# A record as France Travail's "Offres d'emploi v2" API returns it (values made up).
FRANCE_TRAVAIL_RECORD: dict[str, Any] = {
    "id": "185QKWT",
    "intitule": "Agent / Agente d'entretien de locaux (H/F)",
    "description": "Nettoyage de bureaux le matin, du lundi au vendredi.",
    "lieuTravail": {
        "libelle": "69 - LYON 01",
        "latitude": 45.767,
        "longitude": 4.833,
        "codePostal": "69001",
        "commune": "69381",
    },
    "romeCode": "K2204",
    "romeLibelle": "Nettoyage de locaux",
    "appellationlibelle": "Agent / Agente d'entretien de locaux",
    "entreprise": {"nom": "PROPRETE DU RHONE", "description": "PME", "siret": "12345678900012"},
    "typeContrat": "CDI",
    "typeContratLibelle": "Contrat à durée indéterminée",
    "natureContrat": "Contrat travail",
    "experienceExige": "E",
    "experienceLibelle": "2 An(s)",
    "competences": [
        {"code": "124079", "libelle": "Nettoyer des locaux", "exigence": "E"},
        {"code": "120850", "libelle": "Trier des déchets", "exigence": "S"},
    ],
    "langues": [{"libelle": "Anglais", "exigence": "S"}],
    "permis": [{"libelle": "B - Véhicule léger", "exigence": "E"}],
    "salaire": {"libelle": "Mensuel de 1800.00 Euros à 2000.00 Euros sur 12 mois"},
    "dureeTravailLibelle": "35H Horaires normaux",
    "dureeTravailLibelleConverti": "Temps plein",
    "qualificationCode": "6",
    "qualificationLibelle": "Employé non qualifié",
    "nombrePostes": 2,
    "accessibleTH": True,
    "origineOffre": {"origine": "1", "urlOrigine": "https://candidat.example/offres/185QKWT"},
    "secteurActivite": "81",
    "contact": {"nom": "PROPRETE DU RHONE - Mme Martin", "courriel": "rh@example.org"},
}

OFFER_IN: dict[str, Any] = {
    "id": "acme-0001",
    "title": "Secrétaire médicale (H/F)",
    "description": "Accueil des patients et gestion des rendez-vous.",
    "rome_code": "M1607",
    "job_title": "Secrétaire médical / médicale",
    "place": {"commune_code": "69382", "postcode": "69002"},
    "contract_type": "CDD",
    "contract_nature": "Contrat travail",
    "experience_required": "S",
    "experience_months": 12,
    "qualification": 7,
    "skills": [{"label": "Gérer un agenda", "required": True}],
    "languages": [{"code": "en", "required": False}],
    "salary": {"text": "Mensuel de 1900.00 Euros sur 12 mois"},
    "working_time": "full_time",
    "positions": 1,
    "employer_name": "Cabinet Bellecour",
    "employer_siret": "98765432100017",
    "open_to_disabled_workers": True,
}


def a_france_travail_record(**changes: Any) -> dict[str, Any]:
    """A fresh record: created five days ago, updated four days ago."""
    record = copy.deepcopy(FRANCE_TRAVAIL_RECORD)
    now = datetime.now(UTC).replace(microsecond=0)
    record["dateCreation"] = (now - timedelta(days=5)).isoformat().replace("+00:00", ".000Z")
    record["dateActualisation"] = (now - timedelta(days=4)).isoformat().replace("+00:00", ".000Z")
    record.update(changes)
    return record


def an_offer_in(**changes: Any) -> dict[str, Any]:
    offer = copy.deepcopy(OFFER_IN)
    offer.update(changes)
    return offer


@pytest.fixture(name="a_france_travail_record")
def a_france_travail_record_builder() -> FakeBuilder:
    return a_france_travail_record


@pytest.fixture(name="an_offer_in")
def an_offer_in_builder() -> FakeBuilder:
    return an_offer_in


@pytest.fixture
def reference() -> FakeReference:
    return FakeReference()


@pytest.fixture(scope="session")
def service_under_test() -> ServiceUnderTest:
    defaults = {"import_max_records": 50, "sweep_interval_s": 3600}
    return ServiceUnderTest(create_app, Settings, "http://offers", defaults)
