from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError
from testkit.offer_documents import a_france_travail_record, an_offer_in

from offers.domain.employer import offer_from_input
from offers.domain.france_travail import offer_from_france_travail
from offers.domain.offer import (
    InvalidOffer,
    Offer,
    OfferIn,
    Origin,
    ReferenceData,
    content_hash,
    fingerprint,
    published_payload,
)

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def from_input(data: dict[str, Any], reference: ReferenceData) -> Offer:
    return offer_from_input(
        OfferIn.model_validate(data),
        reference,
        offer_id=data.get("id") or "generated",
        employer_id="employer-1",
        created_at=NOW,
        now=NOW,
        validity_days=30,
    )


def test_an_employers_offer_is_resolved(reference: ReferenceData) -> None:
    offer = from_input(an_offer_in(), reference)

    assert offer.id == "acme-0001"
    assert offer.employer_id == "employer-1"
    assert offer.origin is Origin.EMPLOYER
    assert offer.occupation_label == "Secrétariat"
    assert (offer.place.commune_code, offer.place.latitude) == ("69382", 45.7485)
    assert (offer.salary.min_monthly_eur, offer.salary.max_monthly_eur) == (1900, None)
    assert offer.valid_until == NOW + timedelta(days=30)


def test_given_salary_figures_are_kept(reference: ReferenceData) -> None:
    salary = {"text": "Selon profil", "min_monthly_eur": 2100, "max_monthly_eur": 2400}

    offer = from_input(an_offer_in(salary=salary), reference)

    assert (offer.salary.min_monthly_eur, offer.salary.max_monthly_eur) == (2100, 2400)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"rome_code": "K9999"}, "rome_code"),
        ({"place": {"commune_code": "99999"}}, "place.commune_code"),
        ({"place": {"postcode": "00000"}}, "place.postcode"),
        ({"place": {"commune_code": "55138"}}, "place.latitude"),
        ({"valid_until": "2026-11-01T00:00:00Z"}, "valid_until"),
        ({"valid_until": "2027-01-01T00:00:00"}, "valid_until"),
    ],
)
def test_facts_the_reference_data_refutes_name_their_field(
    reference: ReferenceData, changes: dict[str, Any], field: str
) -> None:
    with pytest.raises(InvalidOffer) as raised:
        from_input(an_offer_in(**changes), reference)

    assert raised.value.field == field


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"rome_code": "k2204"}, "rome_code"),
        ({"contract_type": "FOO"}, "contract_type"),
        ({"positions": 0}, "positions"),
        ({"employer_siret": "1234"}, "employer_siret"),
        ({"languages": [{"code": "english"}]}, "languages"),
        ({"salary": {"min_monthly_eur": 3000, "max_monthly_eur": 2000}}, "salary"),
        ({"place": {"commune_code": "69382", "latitude": 45.0}}, "place"),
        ({"place": {}}, "place"),
        ({"unknown": 1}, "unknown"),
    ],
)
def test_malformed_input_names_its_field(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as raised:
        OfferIn.model_validate(an_offer_in(**changes))

    assert raised.value.errors()[0]["loc"][0] == field


def test_the_event_carries_every_matching_fact(reference: ReferenceData) -> None:
    offer = offer_from_france_travail(
        a_france_travail_record(), reference, now=datetime.now(UTC), validity_days=60
    )

    payload = published_payload(offer, 3)

    assert payload.offer_id == "185QKWT"
    assert payload.version == 3
    assert payload.place.commune_code == "69381"
    assert payload.languages == ["en"]
    assert payload.driving_licences == ["B"]
    assert [(s.label, s.required) for s in payload.skills] == [
        ("Nettoyer des locaux", True),
        ("Trier des déchets", False),
    ]
    assert (payload.salary_min_monthly_eur, payload.salary_max_monthly_eur) == (1800, 2000)
    assert payload.qualification == 6
    assert payload.experience_months == 24
    assert payload.positions == 2
    assert payload.open_to_disabled_workers is True
    assert payload.published_at == offer.created_at
    assert payload.valid_until == offer.valid_until
    assert payload.origin == "france-travail"
    assert "12345678900012" not in payload.model_dump_json()


def test_only_matching_facts_change_the_fingerprint(reference: ReferenceData) -> None:
    def facts(**changes: Any) -> tuple[str, str]:
        offer = offer_from_france_travail(
            a_france_travail_record(**changes), reference, now=datetime.now(UTC), validity_days=60
        )
        return fingerprint(published_payload(offer, 1)), content_hash(offer)

    original = facts()
    reworded = facts(description="Nettoyage de bureaux, horaires du matin.")
    refreshed = facts(dateActualisation=datetime.now(UTC).isoformat())
    better_paid = facts(salaire={"libelle": "Mensuel de 1900.00 Euros sur 12 mois"})

    assert facts() == original
    assert reworded[0] == original[0]
    assert reworded[1] != original[1]
    assert refreshed[0] == original[0]
    assert refreshed[1] != original[1]
    assert better_paid[0] != original[0]
