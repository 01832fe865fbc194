from pathlib import Path

import pytest

from refdata import distance_km, read_referential
from refdata.files import POSTCODES, ROME_LABELS, MalformedFileError, read_columns
from refdata.text import normalise


def test_latin1_postcodes_with_a_hash_header_and_crlf() -> None:
    raw = (
        "#Code_commune_INSEE;Nom_de_la_commune;Code_postal;Libellé_d_acheminement;Ligne_5\r\n"
        "2B033;BASTIA;20600;BASTIA;FURIANI ÉTÉ\r\n"
    ).encode("latin-1")
    rows = list(read_columns(POSTCODES, raw, "code_commune_insee", "ligne_5", "coordonnees_gps"))
    assert rows == [("2B033", "FURIANI ÉTÉ", "")]


def test_a_utf8_bom_does_not_hide_the_first_column() -> None:
    raw = "\ufeffrome_id|rome_label\nA1201|Bûcheronnage et élagage\n".encode()
    assert list(read_columns(ROME_LABELS, raw, "rome_id", "rome_label")) == [
        ("A1201", "Bûcheronnage et élagage")
    ]


def test_older_postcode_files_carry_lat_lon_in_one_column(synthetic_folder: Path) -> None:
    (synthetic_folder / "laposte_hexasmal.csv").write_bytes(
        b"Code_commune_INSEE;Nom_commune;Code_postal;Libelle_acheminement;Ligne_5;coordonnees_gps\r\n"
        b"69381;LYON 01;69001;LYON;;45.77, 4.83\r\n"
        b"69382;LYON 02;69002;LYON;;45.75, 4.81\r\n"
        b"69382;LYON 02;69002;LYON;PERRACHE;\r\n"
        b"1001;L ABERGEMENT CLEMENCIAT;1400;L ABERGEMENT CLEMENCIAT;;\r\n"
    )
    referential = read_referential(synthetic_folder)
    second = referential.commune("69382")
    assert second is not None
    assert second.postcodes == ("69002",)
    assert second.latitude == pytest.approx(45.75)
    lyon = referential.commune("69123")
    assert lyon is not None
    assert lyon.latitude == pytest.approx(45.76)
    abergement = referential.commune("01001")
    assert abergement is not None
    assert abergement.postcodes == ("01400",)
    assert not abergement.has_coordinates


def test_a_file_without_the_expected_columns_is_rejected() -> None:
    with pytest.raises(MalformedFileError, match="rome_id"):
        list(read_columns(ROME_LABELS, b"code;libelle\nK2204;Nettoyage\n", "rome_id"))


def test_synthetic_referential(synthetic_folder: Path) -> None:
    referential = read_referential(synthetic_folder)
    assert referential.neighbours("K2204") == {"K1304": pytest.approx(0.375)}
    assert referential.search_job_titles("bucheron")[0].ogr_id == "10200"
    assert [c.insee_code for c in referential.search_communes("lyon")] == [
        "69123",
        "69381",
        "69382",
    ]
    paris, ajaccio, culey = (referential.commune(code) for code in ("75056", "2A004", "55138"))
    assert paris is not None
    assert paris.postcodes == ("75008",)
    assert ajaccio is not None
    assert ajaccio.has_coordinates
    assert culey is not None
    assert not culey.has_coordinates


def test_text_normalisation() -> None:
    assert normalise("Cœur de métier – Bûcheron·ne") == "coeur de metier bucheron ne"


def test_distance_km() -> None:
    assert distance_km(48.8566, 2.3522, 48.8566, 2.3522) == 0
    assert distance_km(48.8566, 2.3522, 45.7640, 4.8357) == pytest.approx(392, abs=2)
    assert distance_km(0, 0, 0, 180) == pytest.approx(20_015, abs=1)
    assert distance_km(43.2965, 5.3698, 41.9192, 8.7386) == pytest.approx(
        distance_km(41.9192, 8.7386, 43.2965, 5.3698)
    )
