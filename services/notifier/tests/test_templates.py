"""Texts in plain French (default) and English, carrying the match's reasons."""

import pytest
from pydantic import ValidationError

from contracts.vocabulary import FeedbackReason
from notifier.domain.model import Category, Channel, Contact, Frequency, Language, Preferences
from notifier.domain.templates import (
    MatchFacts,
    closed_message,
    counsellor_message,
    digest_message,
    feedback_message,
    match_message,
)
from wording import GENERIC, render

FACTS = MatchFacts(
    offer_id="o-1",
    offer_title="Agent d'entretien",
    distance_km=12.4,
    reasons=("Ce poste est à 12 km de chez vous, dans les 15 km que vous acceptez.",),
)


def test_a_match_speaks_french_by_default_and_says_why() -> None:
    message = match_message(FACTS)
    assert message.title == "Une offre pour vous : Agent d'entretien"
    assert "à 12 km" in message.body
    assert "Pourquoi cette offre" in message.body
    assert FACTS.reasons[0] in message.body
    assert len(message.short) <= 160


def test_a_match_in_english_with_the_counsellors_note() -> None:
    facts = MatchFacts("o-1", "Cleaner", 0.4, (), note="Call me before applying.")
    message = match_message(facts, Language.EN)
    assert message.title == "A job for you: Cleaner"
    assert "less than 1 km" in message.body
    assert "A word from your counsellor: Call me before applying." in message.body


def test_counsellor_texts_name_the_seeker() -> None:
    assert "s-9" in counsellor_message("relay", FACTS, "s-9").title
    assert counsellor_message("review", FACTS, "s-9").title.startswith("Alerte à valider")


def test_a_message_carries_the_reasons_it_quotes() -> None:
    english = MatchFacts("o-1", "Cleaner", 3, ("The job is 3 km from home.",))
    assert match_message(english, Language.EN).reasons == ("The job is 3 km from home.",)
    review = counsellor_message("review", english, "s-9", Language.EN)
    assert review.title.startswith("Alert to review for s-9")
    assert review.reasons == ("The job is 3 km from home.",)
    assert "- The job is 3 km from home." in review.body


def test_digest_lists_each_offer_with_its_first_reason() -> None:
    other = MatchFacts("o-2", "Plongeur", 3, ("Vous avez déjà fait ce métier.",))
    message = digest_message([FACTS, other])
    assert message.title == "Vos 2 nouvelles offres"
    assert "- Plongeur (3 km) : Vous avez déjà fait ce métier." in message.body


def test_default_preferences() -> None:
    preferences = Preferences()
    assert preferences.channels_for(Category.NEW_MATCH) == [Channel.INBOX, Channel.PUSH]
    assert preferences.frequency is Frequency.INSTANT
    assert preferences.max_push_per_hour == 3


def test_preferences_reject_unknown_channels_naming_the_field() -> None:
    with pytest.raises(ValidationError, match=r"channels\.new_match"):
        Preferences.model_validate({"channels": {"new_match": ["pigeon"]}})


def test_an_unknown_time_zone_falls_back_to_paris() -> None:
    assert Contact(time_zone="Mars/Olympus").time_zone == "Europe/Paris"


def test_a_closed_offer_in_both_languages() -> None:
    assert closed_message(FACTS).title == "Offre retirée : Agent d'entretien"
    english = closed_message(FACTS, Language.EN)
    assert english.body == (
        "The offer “Agent d'entretien” is no longer open. "
        "Other offers are waiting for you in Tremplin."
    )


@pytest.mark.parametrize("language", list(Language))
def test_every_not_for_me_reason_has_words_for_the_counsellor(language: Language) -> None:
    for reason in FeedbackReason:
        message = feedback_message("s-1", "Plongeur", reason.value, language)
        words = render(reason.value, language)
        assert words != GENERIC[language]
        assert words in message.body


def test_a_not_for_me_tells_the_counsellor_who_which_offer_and_why() -> None:
    french = feedback_message("s-1", "Plongeur", "wrong_contract")
    assert french.title == "s-1 a écarté une offre : Plongeur"
    assert french.body.startswith(
        "s-1 a indiqué que l'offre « Plongeur » n'est pas pour lui ou elle. "
        "Raison : « Le contrat ne me convient pas »."
    )
    english = feedback_message("s-1", "Plongeur", "salary", Language.EN)
    assert english.title == "s-1 turned down an offer: Plongeur"
    assert "Reason: “The pay does not suit me”." in english.body
