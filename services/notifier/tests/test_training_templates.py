"""The alert of a training a counsellor recommends, in plain French and English (no I/O)."""

from datetime import date

from notifier.domain.model import Language
from notifier.domain.templates import MatchFacts, digest_message, training_message


def test_a_recommended_training_says_where_when_the_note_and_where_to_read_more() -> None:
    message = training_message("Permis de conduire B", "Gap", date(2027, 2, 1), "Allez-y !")

    assert message.title == "Votre conseiller vous recommande une formation : Permis de conduire B"
    assert message.body.splitlines() == [
        "Votre conseiller vous recommande la formation « Permis de conduire B » à Gap, "
        "qui commence le 01/02/2027.",
        "Le mot de votre conseiller : Allez-y !",
        "Ses dates, son coût, son financement et la page de l'organisme sont dans Tremplin, "
        "rubrique « Formations ».",
    ]
    assert message.short.endswith("Ouvrez Tremplin.")


def test_in_english_without_place_date_or_note() -> None:
    message = training_message("CACES R489", None, None, None, Language.EN)

    assert message.title == "Your counsellor recommends a training: CACES R489"
    assert message.body.splitlines()[0] == "Your counsellor recommends the training “CACES R489”."
    assert "counsellor:" not in message.body


def test_a_training_in_a_digest_reads_as_a_training_not_an_offer() -> None:
    training = MatchFacts("", "Permis de conduire B", 0.0, (), "Allez-y", training=True)

    message = digest_message([training], Language.EN)

    assert (
        message.body.splitlines()[1]
        == "- Training your counsellor recommends: Permis de conduire B"
    )
