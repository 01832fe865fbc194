from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from testkit.offer_documents import a_france_travail_record

from contracts.vocabulary import ContractType, ExperienceRequirement, WorkingTime
from offers.domain.france_travail import offer_from_france_travail
from offers.domain.offer import InvalidOffer, Offer, Origin, ReferenceData

VALIDITY_DAYS = 60


def mapped(record: Any, reference: ReferenceData) -> Offer:
    return offer_from_france_travail(
        record, reference, now=datetime.now(UTC), validity_days=VALIDITY_DAYS
    )


def rejection(record: Any, reference: ReferenceData) -> InvalidOffer:
    with pytest.raises(InvalidOffer) as raised:
        mapped(record, reference)
    return raised.value


def test_a_full_record_maps_every_fact(reference: ReferenceData) -> None:
    record = a_france_travail_record()

    offer = mapped(record, reference)

    assert offer.id == "185QKWT"
    assert offer.title == "Agent / Agente d'entretien de locaux (H/F)"
    assert offer.description == "Nettoyage de bureaux le matin, du lundi au vendredi."
    assert (offer.rome_code, offer.occupation_label) == ("K2204", "Nettoyage de locaux")
    assert offer.job_title == "Agent / Agente d'entretien de locaux"
    assert offer.place.model_dump() == {
        "commune_code": "69381",
        "postcode": "69001",
        "latitude": 45.767,
        "longitude": 4.833,
        "label": "69 - LYON 01",
    }
    assert offer.contract_type is ContractType.CDI
    assert offer.contract_nature == "Contrat travail"
    assert offer.experience_required is ExperienceRequirement.REQUIRED
    assert offer.experience_months == 24
    assert (offer.qualification, offer.qualification_label) == (6, "Employé non qualifié")
    assert [(s.code, s.label, s.required) for s in offer.skills] == [
        ("124079", "Nettoyer des locaux", True),
        ("120850", "Trier des déchets", False),
    ]
    assert [(lang.code, lang.required) for lang in offer.languages] == [("en", False)]
    assert [(lic.category, lic.required) for lic in offer.driving_licences] == [("B", True)]
    assert offer.salary.text == "Mensuel de 1800.00 Euros à 2000.00 Euros sur 12 mois"
    assert (offer.salary.min_monthly_eur, offer.salary.max_monthly_eur) == (1800, 2000)
    assert offer.working_time is WorkingTime.FULL_TIME
    assert offer.working_hours == "35H Horaires normaux"
    assert offer.positions == 2
    assert (offer.employer_name, offer.employer_siret) == ("PROPRETE DU RHONE", "12345678900012")
    assert offer.open_to_disabled_workers is True
    assert offer.created_at == datetime.fromisoformat(record["dateCreation"])
    assert offer.updated_at == datetime.fromisoformat(record["dateActualisation"])
    assert offer.valid_until == offer.updated_at + timedelta(days=VALIDITY_DAYS)
    assert offer.origin is Origin.FRANCE_TRAVAIL
    assert offer.origin_url == "https://candidat.example/offres/185QKWT"
    assert offer.employer_id is None


def test_contact_details_of_the_record_are_not_kept(reference: ReferenceData) -> None:
    offer = mapped(a_france_travail_record(), reference)

    assert "rh@example.org" not in offer.model_dump_json()
    assert "Mme Martin" not in offer.model_dump_json()


def test_a_minimal_record_gets_defaults(reference: ReferenceData) -> None:
    full = a_france_travail_record()
    minimal = {
        key: full[key]
        for key in ("id", "intitule", "dateCreation", "lieuTravail", "romeCode", "typeContrat")
    }

    offer = mapped(minimal, reference)

    assert offer.experience_required is ExperienceRequirement.BEGINNER_OK
    assert offer.experience_months == 0
    assert offer.working_time is WorkingTime.ANY
    assert offer.positions == 1
    assert offer.salary.text is None
    assert offer.salary.min_monthly_eur is None
    assert offer.updated_at == offer.created_at
    assert offer.valid_until == offer.created_at + timedelta(days=VALIDITY_DAYS)


def test_a_missing_commune_is_found_from_the_postcode(reference: ReferenceData) -> None:
    place = {"libelle": "69 - Lyon", "codePostal": "69002", "latitude": 45.75, "longitude": 4.83}

    offer = mapped(a_france_travail_record(lieuTravail=place), reference)

    assert offer.place.commune_code == "69382"
    assert (offer.place.latitude, offer.place.longitude) == (45.75, 4.83)


def test_an_unknown_commune_with_a_known_postcode_is_resolved(reference: ReferenceData) -> None:
    place = {"codePostal": "75008", "commune": "75999"}

    offer = mapped(a_france_travail_record(lieuTravail=place), reference)

    assert offer.place.commune_code == "75108"


def test_missing_coordinates_are_the_communes(reference: ReferenceData) -> None:
    place = {"libelle": "75 - PARIS 08", "commune": "75108", "latitude": 48.9}

    offer = mapped(a_france_travail_record(lieuTravail=place), reference)

    assert (offer.place.latitude, offer.place.longitude) == (48.8727, 2.3125)
    assert offer.place.postcode == "75008"


def test_a_partner_offer_says_so(reference: ReferenceData) -> None:
    origin = {"origine": "2", "urlOrigine": "https://partner.example/o/1"}

    offer = mapped(a_france_travail_record(origineOffre=origin), reference)

    assert offer.origin is Origin.PARTNER


def test_part_time_hourly_pay_and_several_languages(reference: ReferenceData) -> None:
    record = a_france_travail_record(
        dureeTravailLibelleConverti="Temps partiel",
        salaire={"libelle": "Horaire de 11.88 Euros sur 12 mois", "complement1": "Mutuelle"},
        langues=[
            {"libelle": "Espagnol", "exigence": "E"},
            {"libelle": "Anglais", "exigence": "S"},
            {"libelle": "Langue des signes", "exigence": "S"},
        ],
        experienceLibelle="6 Mois",
    )

    offer = mapped(record, reference)

    assert offer.working_time is WorkingTime.PART_TIME
    assert (offer.salary.min_monthly_eur, offer.salary.max_monthly_eur) == (1802, None)
    assert [(lang.code, lang.required) for lang in offer.languages] == [
        ("es", True),
        ("en", False),
    ]
    assert offer.experience_months == 6


def test_an_unparsable_salary_keeps_its_text(reference: ReferenceData) -> None:
    offer = mapped(a_france_travail_record(salaire={"commentaire": "Selon profil"}), reference)

    assert offer.salary.text == "Selon profil"
    assert offer.salary.min_monthly_eur is None


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"romeCode": "Z9999"}, "romeCode"),
        ({"typeContrat": "XYZ"}, "typeContrat"),
        ({"intitule": ""}, "intitule"),
        ({"id": None}, "id"),
        ({"id": "has spaces"}, "id"),
        ({"dateCreation": "yesterday"}, "dateCreation"),
        ({"dateCreation": "2026-11-20T09:14:05"}, "dateCreation"),
        ({"dateActualisation": "2020-01-01T00:00:00Z"}, "dateActualisation"),
        ({"experienceExige": "X"}, "experienceExige"),
        ({"nombrePostes": 0}, "nombrePostes"),
        ({"entreprise": {"nom": "X", "siret": "123"}}, "entreprise.siret"),
        ({"lieuTravail": {"libelle": "75 - Paris (Dept.)"}}, "lieuTravail.commune_code"),
        ({"lieuTravail": {"commune": "99999"}}, "lieuTravail.commune_code"),
        ({"lieuTravail": {"codePostal": "00000"}}, "lieuTravail.postcode"),
        ({"lieuTravail": {"commune": "Lyon"}}, "lieuTravail.commune"),
        ({"lieuTravail": {"commune": "55138"}}, "lieuTravail.latitude"),
        ({"lieuTravail": {"commune": "69381", "latitude": 123.0}}, "lieuTravail.latitude"),
        ({"competences": [{"code": "1"}]}, "competences.0.libelle"),
    ],
)
def test_each_invalid_record_names_its_field(
    reference: ReferenceData,
    changes: dict[str, Any],
    field: str,
) -> None:
    assert rejection(a_france_travail_record(**changes), reference).field == field


def test_a_missing_field_is_named(reference: ReferenceData) -> None:
    record = a_france_travail_record()
    del record["romeCode"]

    error = rejection(record, reference)

    assert (error.field, error.reason) == ("romeCode", "Field required")


def test_a_record_that_is_not_an_object_is_rejected(reference: ReferenceData) -> None:
    assert rejection(["185QKWT"], reference).field == "record"
