"""An alert's reasons said in its reader's language: codes and figures through the catalogue,
the French sentences of alerts stored before as they are."""

from notifier.core import facts_of, said_reasons
from notifier.domain.model import Language
from refdata import Names

NAMES = Names(occupations={"K2204": "Nettoyage de locaux"}, communes={}, sectors={})
ALERT = {
    "offer_id": "o-1",
    "offer_title": "Agent d'entretien",
    "distance_km": 4.3,
    "reasons": [
        {"code": "occupation_exact", "params": {"rome_code": "K2204"}},
        {"code": "distance_within_radius", "params": {"distance_km": 4.3, "radius_km": 20}},
    ],
}


def test_codes_and_figures_are_said_in_the_readers_language_with_names() -> None:
    assert facts_of(ALERT, Language.EN, NAMES).reasons == (
        "This is the occupation you look for: Nettoyage de locaux.",
        "The job is 4.3 km from home, within the 20 km you accept.",
    )
    assert facts_of(ALERT, Language.FR, NAMES).reasons == (
        "C'est le métier que vous recherchez : Nettoyage de locaux.",
        "Le poste est à 4,3 km de chez vous, dans les 20 km que vous acceptez.",
    )


def test_sentences_stored_before_are_said_as_they_are_and_unknown_codes_generically() -> None:
    stored = ["Le poste est à 4.3 km de chez vous.", {"code": "tomorrows_code", "params": {}}]
    assert said_reasons(stored, Language.EN, None) == [
        "Le poste est à 4.3 km de chez vous.",
        "Another part of your profile was taken into account.",
    ]
