"""A company's reasons (the companies service's): why it is likely to hire the seeker."""

from contracts.reasons import CompanyReasonCode as C
from wording.entry import Entry


def _company(fr: str, en: str) -> Entry:
    """A hiring flag: what the company does."""
    return Entry(fr=(f"Cette entreprise {fr}",), en=(f"This company {en}",))


COMPANY_REASONS: dict[str, Entry] = {
    # {sector_hires} and {hires} are said from share_pct and expected_hires (wording.values).
    C.SECTOR_HIRES: Entry(
        fr=(
            "Le secteur « {naf} » {sector_hires} en {rome_code} ({share_pct} % de ses "
            "embauches) ; {hires}",
        ),
        en=(
            "The sector “{naf}” {sector_hires} in {rome_code} ({share_pct}% of its hires); {hires}",
        ),
    ),
    C.DISTANCE: Entry(
        fr=("À {distance_km} km de chez vous",),
        en=("{distance_km} km from home",),
    ),
    C.FLAG_APPRENTICESHIP: _company("accueille des alternants", "takes apprentices"),
    C.FLAG_JUNIOR: _company("recrute des débutants", "hires people starting out"),
    C.FLAG_SENIOR: _company("recrute des seniors", "hires experienced people over 50"),
    C.FLAG_DISABILITY_FRIENDLY: _company(
        "est engagée pour l'emploi des personnes handicapées",
        "is committed to hiring disabled people",
    ),
}
