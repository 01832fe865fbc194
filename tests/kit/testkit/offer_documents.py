"""Offers as the offers service takes them in (an employer's body, a France Travail record) and
keeps them (`contracts.offers.Offer`), changed field by field where a test cares."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

from contracts.offers import Offer, Origin
from testkit.builders import VILLEURBANNE


def offer_document(now: datetime, offer_id: str = "o-1", **changes: Any) -> Offer:
    """Published by employer-1 a day before `now`, valid for thirty days after it."""
    facts: dict[str, Any] = {
        "id": offer_id,
        "title": "Agent d'entretien (H/F)",
        "rome_code": "K2204",
        "contract_type": "CDI",
        "place": VILLEURBANNE,
        "employer_id": "employer-1",
        "created_at": now - timedelta(days=1),
        "updated_at": now - timedelta(days=1),
        "valid_until": now + timedelta(days=30),
        "origin": Origin.EMPLOYER,
    }
    return Offer.model_validate({**facts, **changes})


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
    """Every fact an employer may give the offers service (`POST /offers`), unlike the gateway's
    short body (testkit.builders.offer_in)."""
    offer = copy.deepcopy(OFFER_IN)
    offer.update(changes)
    return offer
