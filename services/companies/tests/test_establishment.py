from typing import Any

import pytest

from companies.domain.establishment import BadValue, establishment_from_row
from companies.importing import parse_rows

ROW = {
    "siret": "11111111100011",
    "raisonsociale": "MEUBLES DU CENTRE SARL",
    "enseigne": "MEUBLES CENTRE",
    "codenaf": "4759A",
    "trancheeffectif": "12",
    "numerorue": "1",
    "libellerue": "RUE SERPENOISE",
    "codepostal": "57000",
    "email": "",
    "flag_alternance": "1",
    "flag_junior": "0",
    "flag_senior": "0",
    "flag_handicap": "1",
    "codecommune": "57463",
    "coordinates_x": "6.175",
    "coordinates_y": "49.116",
    "hiring": "40",
}


def a_row(**changes: Any) -> dict[str, str]:
    return {**ROW, **changes}


def test_a_row_in_la_bonne_boites_format() -> None:
    place = establishment_from_row(a_row())
    assert place.name == "MEUBLES CENTRE"  # the sign people see on the street
    assert place.address == "1 RUE SERPENOISE"
    assert (place.latitude, place.longitude) == (49.116, 6.175)
    assert place.flags == ("apprenticeship", "disability_friendly")
    assert place.headcount_band == "12"


def test_predicted_hires_are_bounded_by_the_headcount_band() -> None:
    assert establishment_from_row(a_row(hiring="465", trancheeffectif="01")).hiring_potential == 2
    assert establishment_from_row(a_row(hiring="12", trancheeffectif="12")).hiring_potential == 12
    assert establishment_from_row(a_row(hiring="300", trancheeffectif="")).hiring_potential == 5


def test_a_siret_a_spreadsheet_shortened_gets_its_zero_back() -> None:
    assert establishment_from_row(a_row(siret="1625043300220")).siret == "01625043300220"


@pytest.mark.parametrize(
    ("changes", "column"),
    [
        ({"siret": "1234"}, "siret"),
        ({"siret": "1234567890123A"}, "siret"),
        ({"codenaf": "47"}, "codenaf"),
        ({"codecommune": "Metz"}, "codecommune"),
        ({"coordinates_x": "0", "coordinates_y": "0"}, "coordinates_x"),
        ({"coordinates_y": "north"}, "coordinates_y"),
        ({"coordinates_y": "149"}, "coordinates_y"),
        ({"flag_junior": "yes"}, "flag_junior"),
        ({"hiring": "-3"}, "hiring"),
        ({"raisonsociale": "", "enseigne": ""}, "raisonsociale"),
    ],
)
def test_a_bad_value_names_its_column(changes: dict[str, str], column: str) -> None:
    with pytest.raises(BadValue) as caught:
        establishment_from_row(a_row(**changes))
    assert caught.value.column == column
    assert caught.value.reason


def test_rejected_rows_keep_their_line_and_a_siret_twice_is_reported() -> None:
    rows = [(2, a_row()), (3, a_row(codenaf="X")), (4, a_row(hiring="41"))]
    kept, rejected = parse_rows(rows)
    assert [p.siret for p in kept] == ["11111111100011"]
    assert [(r.line, r.column) for r in rejected] == [(3, "codenaf"), (4, "siret")]
    assert "line 2" in rejected[1].reason


def test_the_fingerprint_changes_with_the_facts_only() -> None:
    first = establishment_from_row(a_row())
    assert first.fingerprint() == establishment_from_row(a_row()).fingerprint()
    assert first.fingerprint() != establishment_from_row(a_row(hiring="41")).fingerprint()
