"""A training proposal's reasons (the trainings service's): why this session, where, when, how
it can be funded."""

from contracts.reasons import ProposalReasonCode as P
from wording.entry import Entry


def _gap(fr: str, en: str) -> Entry:
    return Entry(
        fr=(f"{{count}} des {{near}} offres proches de vous demandent {fr}.",),
        en=(f"{{count}} of the {{near}} offers near you ask for {en}.",),
    )


PROPOSAL_REASONS: dict[str, Entry] = {
    P.GAP_LICENCE_MISSING: _gap(
        "un permis que votre profil ne mentionne pas", "a licence your profile does not mention"
    ),
    P.GAP_LANGUAGES_MISSING: _gap(
        "une langue que votre profil ne mentionne pas", "a language your profile does not mention"
    ),
    P.GAP_SKILLS_MISSING: _gap(
        "des compétences que votre profil ne mentionne pas", "skills your profile does not mention"
    ),
    P.GAP_EXPERIENCE_SHORT: _gap("plus d'expérience", "more experience"),
    P.LEADS_TO_TARGET: Entry(
        fr=("Vous avez peu de suggestions : cette formation mène au métier que vous visez.",),
        en=("You have few suggestions: this training leads to the occupation you look for.",),
    ),
    P.SESSION: Entry(
        fr=(
            "Cette formation de {days} jours à {city} ({distance_km} km) commence le {starts_on}.",
            "Cette formation à {city} ({distance_km} km) commence le {starts_on}.",
            "Cette formation à {commune_code} ({distance_km} km) commence le {starts_on}.",
        ),
        en=(
            "This {days}-day training in {city} ({distance_km} km) starts on {starts_on}.",
            "This training in {city} ({distance_km} km) starts on {starts_on}.",
            "This training in {commune_code} ({distance_km} km) starts on {starts_on}.",
        ),
    ),
    P.FUNDING: Entry(
        fr=("Elle peut être financée par {funders}.",),
        en=("It can be funded by {funders}.",),
    ),
    P.FUNDING_POSSIBLE: Entry(
        fr=("Elle peut être financée : demandez à votre conseiller.",),
        en=("It can be funded: ask your counsellor.",),
    ),
    # {carried} is said from formacodes and nsf_codes (wording.values).
    P.NO_ROME_CODE: Entry(
        fr=(
            "L'organisme n'indique pas de métier (code ROME) : proposée d'après son intitulé "
            "et ses codes ({carried}).",
            "L'organisme n'indique pas de métier (code ROME) : proposée d'après son intitulé.",
        ),
        en=(
            "The body gives no occupation (ROME code): proposed from its title and codes "
            "({carried}).",
            "The body gives no occupation (ROME code): proposed from its title.",
        ),
    ),
    P.RECOMMENDED: Entry(
        fr=("Votre conseiller vous recommande cette formation.",),
        en=("Your counsellor recommends this training to you.",),
    ),
}
