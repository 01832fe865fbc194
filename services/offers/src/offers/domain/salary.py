"""France Travail's salary texts, read as gross monthly euros on a twelve-month basis."""

import re
from dataclasses import dataclass

HOURS_PER_MONTH = 151.67  # 35 h a week, the legal full-time month

_AMOUNT = r"(\d[\d\s\u202f\u00a0]*(?:[.,]\d+)?)"
_SALARY = re.compile(
    rf"^\s*(?P<period>horaire|mensuel|annuel)\s+de\s+{_AMOUNT}\s*euros?"
    rf"(?:\s+(?:à|a)\s+{_AMOUNT}\s*euros?)?"
    r"(?:\s+sur\s+(?P<months>\d+(?:[.,]\d+)?)\s+mois)?",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class MonthlySalary:
    minimum: int | None
    maximum: int | None


UNKNOWN = MonthlySalary(None, None)


def parse_salary(text: str | None) -> MonthlySalary:
    """Minimum and maximum gross monthly salary in euros; None where the text gives none.

    Hourly rates count 151.67 hours a month; annual amounts are divided by 12; monthly and hourly
    amounts paid over 13 months ("sur 13 mois") are spread over twelve (x 13/12).
    """
    if not text:
        return UNKNOWN
    found = _SALARY.match(text)
    if found is None:
        return UNKNOWN
    period = found["period"].lower()
    low = _number(found.group(2))
    high = _number(found.group(3)) if found.group(3) else None
    months = _number(found["months"]) if found["months"] else 12.0
    if low is None or months is None or not 1 <= months <= 16:
        return UNKNOWN
    if period == "annuel":
        factor = 1 / 12
    elif period == "horaire":
        factor = HOURS_PER_MONTH * months / 12
    else:
        factor = months / 12
    minimum = round(low * factor)
    maximum = round(high * factor) if high is not None else None
    if maximum is not None and maximum < minimum:
        minimum, maximum = maximum, minimum
    if minimum <= 0:
        return UNKNOWN
    return MonthlySalary(minimum, maximum)


def _number(text: str) -> float | None:
    cleaned = re.sub(r"[\s\u202f\u00a0]", "", text).replace(",", ".")
    try:
        return float(cleaned)
    except ValueError:
        return None
