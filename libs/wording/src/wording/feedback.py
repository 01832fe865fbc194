"""A seeker's "not for me" (`contracts.vocabulary.FeedbackReason`), in the seeker's own words:
the choices of their form, and what their counsellor reads (quoted)."""

from contracts.vocabulary import FeedbackReason as F
from wording.entry import Entry

FEEDBACK_REASONS: dict[str, Entry] = {
    F.TOO_FAR: Entry(fr=("C'est trop loin",), en=("It is too far",)),
    F.WRONG_CONTRACT: Entry(
        fr=("Le contrat ne me convient pas",), en=("The contract does not suit me",)
    ),
    F.SALARY: Entry(fr=("Le salaire ne me convient pas",), en=("The pay does not suit me",)),
    F.NOT_MY_OCCUPATION: Entry(fr=("Ce n'est pas mon métier",), en=("It is not my occupation",)),
    F.ALREADY_APPLIED: Entry(fr=("J'ai déjà postulé",), en=("I already applied",)),
    F.OTHER: Entry(fr=("Autre raison",), en=("Another reason",)),
}
