import pytest

from refdata import commune_display_name, get_names


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("ST ETIENNE", "Saint-Etienne"),
        ("LE HAVRE", "Le Havre"),
        ("LYON 03", "Lyon 3e"),
        ("MARSEILLE 01", "Marseille 1er"),
        ("L ABERGEMENT CLEMENCIAT", "L'Abergement-Clemenciat"),
        ("CHALONS EN CHAMPAGNE", "Chalons-en-Champagne"),
        ("AIX LES BAINS", "Aix-les-Bains"),
        ("METZ", "Metz"),
        ("STE FOY LES LYON", "Sainte-Foy-les-Lyon"),
    ],
)
def test_commune_names_read_as_people_write_them(raw: str, shown: str) -> None:
    assert commune_display_name(raw) == shown


def test_names_of_the_reference_folder() -> None:
    names = get_names()

    assert names.occupation("K2204") == "Nettoyage de locaux"
    assert names.commune("57463") == "Metz"
    assert names.commune("00000") is None
    assert names.sector("4759A")


def test_a_commune_is_found_by_the_name_people_type_or_by_its_code() -> None:
    names = get_names()

    assert names.commune_code("Saint-Étienne") == "42218"
    assert names.commune_code("st etienne") == "42218"
    assert names.commune_code("metz") == "57463"
    assert names.commune_code("69123") == "69123"
    assert names.commune_code("Atlantis") is None
