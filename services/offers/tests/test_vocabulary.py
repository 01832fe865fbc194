import pytest

from offers.domain.vocabulary import experience_months, language_code, licence_category


@pytest.mark.parametrize(
    ("label", "code"),
    [
        ("Anglais", "en"),
        ("Espagnol", "es"),
        ("Allemand", "de"),
        ("Néerlandais", "nl"),
        ("français", "fr"),
        ("Anglais courant", "en"),
        ("Klingon", None),
        ("", None),
    ],
)
def test_languages_named_in_french_get_their_iso_code(label: str, code: str | None) -> None:
    assert language_code(label) == code


@pytest.mark.parametrize(
    ("label", "months"),
    [
        ("2 An(s)", 24),
        ("6 Mois", 6),
        ("1 An(s)", 12),
        ("Débutant accepté", 0),
        ("Expérience exigée de 3 An(s)", 36),
        (None, 0),
        ("", 0),
    ],
)
def test_experience_labels_become_months(label: str | None, months: int) -> None:
    assert experience_months(label) == months


@pytest.mark.parametrize(
    ("label", "category"),
    [
        ("B - Véhicule léger", "B"),
        ("BE - Véhicule léger + remorque", "BE"),
        ("CE - Poids lourd + remorque", "CE"),
        ("C1", "C1"),
        ("Véhicule léger", None),
    ],
)
def test_licence_labels_give_their_category(label: str, category: str | None) -> None:
    assert licence_category(label) == category
