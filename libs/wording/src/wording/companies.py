"""A company's reasons (the companies service's): why it is likely to hire the seeker."""

from contracts.reasons import CompanyReasonCode as C
from wording.entry import Entry

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
    C.FLAG_APPRENTICESHIP: Entry(
        fr=("Cette entreprise accueille des alternants",),
        en=("This company takes apprentices",),
    ),
    C.FLAG_JUNIOR: Entry(
        fr=("Cette entreprise recrute des débutants",),
        en=("This company hires people starting out",),
    ),
    C.FLAG_SENIOR: Entry(
        fr=("Cette entreprise recrute des seniors",),
        en=("This company hires experienced people over 50",),
    ),
    C.FLAG_DISABILITY_FRIENDLY: Entry(
        fr=("Cette entreprise est engagée pour l'emploi des personnes handicapées",),
        en=("This company is committed to hiring disabled people",),
    ),
}
