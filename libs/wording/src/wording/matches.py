"""A match's reasons (the recommender's): why an offer suits a seeker, and what does not fit yet.

Each code has its sentences in order of preference: the first whose figures are all there is
said. The later ones need fewer figures: matches scored before a figure was added still read well.
"""

from contracts.reasons import MatchReasonCode as M
from wording.entry import Entry


def _not_mentioned(fr: tuple[str, str], en: tuple[str, str], listed: str) -> Entry:
    """What the offer asks for and the profile does not mention: named, else counted (each
    language's words for one thing, then for several)."""
    return Entry(
        fr=(
            f"{fr[0]} que votre profil ne mentionne pas : {{{listed}}}.",
            f"{fr[1]} que votre profil ne mentionne pas : {{count}}.",
        ),
        en=(
            f"{en[0]} asked for that your profile does not mention: {{{listed}}}.",
            f"{en[1]} asked for that your profile does not mention: {{count}}.",
        ),
    )


MATCH_REASONS: dict[str, Entry] = {
    M.OCCUPATION_EXACT: Entry(
        fr=("C'est le métier que vous recherchez : {rome_code}.",),
        en=("This is the occupation you look for: {rome_code}.",),
    ),
    M.OCCUPATION_NEIGHBOUR: Entry(
        fr=(
            "Ce métier ({rome_code}) est proche de celui que vous recherchez "
            "({your_rome_code}) : vos compétences s'y transfèrent.",
        ),
        en=(
            "This occupation ({rome_code}) is close to the one you look for "
            "({your_rome_code}): your skills carry over.",
        ),
    ),
    M.DISTANCE_WITHIN_RADIUS: Entry(
        fr=(
            "Le poste est à {distance_km} km de chez vous, dans les {radius_km} km que vous "
            "acceptez.",
        ),
        en=("The job is {distance_km} km from home, within the {radius_km} km you accept.",),
    ),
    M.CONTRACT_WISHED: Entry(
        fr=("C'est {contract_type}, un contrat que vous acceptez.",),
        en=("It is {contract_type}, a contract you accept.",),
    ),
    M.CONTRACT_NOT_WISHED: Entry(
        fr=("C'est {contract_type}, que vous n'avez pas demandé.",),
        en=("It is {contract_type}, which you did not ask for.",),
    ),
    M.WORKING_TIME_FITS: Entry(
        fr=("Le poste est à {working_time}, comme vous le souhaitez.",),
        en=("The job is {working_time}, as you wish.",),
    ),
    M.WORKING_TIME_DIFFERS: Entry(
        fr=(
            "Le poste est à {working_time}, vous cherchez {your_working_time}.",
            "Le poste est à {working_time}, ce que vous ne cherchez pas.",
        ),
        en=(
            "The job is {working_time}; you look for {your_working_time}.",
            "The job is {working_time}, which you do not look for.",
        ),
    ),
    M.SALARY_UNKNOWN: Entry(
        fr=("L'offre ne précise pas le salaire.",),
        en=("The offer does not give the pay.",),
    ),
    M.SALARY_MEETS_MINIMUM: Entry(
        fr=(
            "Le salaire peut atteindre {salary_eur} € brut par mois, au moins les "
            "{min_salary_eur} € que vous demandez.",
        ),
        en=(
            "The pay can reach €{salary_eur} gross a month, at least the €{min_salary_eur} you "
            "ask for.",
        ),
    ),
    M.SALARY_BELOW_MINIMUM: Entry(
        fr=(
            "Le salaire ne dépasse pas {salary_eur} € brut par mois, moins que les "
            "{min_salary_eur} € que vous demandez.",
        ),
        en=(
            "The pay is at most €{salary_eur} gross a month, less than the €{min_salary_eur} "
            "you ask for.",
        ),
    ),
    M.SKILLS_MET: Entry(
        fr=(
            "Vous avez les compétences demandées : {skills}.",
            "Vous avez {count} des {required} compétences demandées.",
        ),
        en=(
            "You have the skills asked for: {skills}.",
            "You have {count} of the {required} skills asked for.",
        ),
    ),
    M.SKILLS_MISSING: Entry(
        fr=(
            "Compétences demandées que votre profil ne mentionne pas : {skills}.",
            "{count} des {required} compétences demandées ne figurent pas dans votre profil.",
        ),
        en=(
            "Skills asked for that your profile does not mention: {skills}.",
            "{count} of the {required} skills asked for are not in your profile.",
        ),
    ),
    M.WISHED_SKILLS_MET: Entry(
        fr=(
            "Vous avez aussi des compétences appréciées : {skills}.",
            "Vous avez aussi des compétences appréciées ({count}).",
        ),
        en=(
            "You also have welcome skills: {skills}.",
            "You also have welcome skills ({count}).",
        ),
    ),
    M.EXPERIENCE_NOT_REQUIRED: Entry(
        fr=("Les débutants sont acceptés.",),
        en=("Beginners are welcome.",),
    ),
    M.EXPERIENCE_MET: Entry(
        fr=("Votre expérience ({years} ans) couvre les {asked_years} ans demandés.",),
        en=("Your experience ({years} years) covers the {asked_years} years asked for.",),
    ),
    M.EXPERIENCE_SHORT: Entry(
        fr=(
            "L'offre {experience} {asked_years} ans d'expérience, vous en avez {years}.",
            "L'offre demande {asked_years} ans d'expérience, vous en avez {years}.",
        ),
        en=(
            "The offer {experience} {asked_years} years of experience; you have {years}.",
            "The offer asks for {asked_years} years of experience; you have {years}.",
        ),
    ),
    M.LANGUAGES_MET: Entry(
        fr=(
            "Vous parlez les langues demandées : {languages}.",
            "Vous parlez des langues demandées ({count}).",
        ),
        en=(
            "You speak the languages asked for: {languages}.",
            "You speak languages asked for ({count}).",
        ),
    ),
    M.LANGUAGES_MISSING: _not_mentioned(
        ("Langues demandées", "Langues demandées"), ("Languages", "Languages"), "languages"
    ),
    M.LICENCE_MISSING: _not_mentioned(
        ("Permis demandé", "Permis demandés"), ("Driving licence", "Driving licences"), "licences"
    ),
}
