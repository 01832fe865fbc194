"""A spontaneous application: where it goes, and the quotas that keep companies from floods."""

from __future__ import annotations

import hashlib
import re
from datetime import date

from companies.domain.attention import period_of

# The development data's contact columns hold placeholders: never write to them.
PLACEHOLDER = re.compile(
    r"dummy|@example\.(com|org|net)$|\.(invalid|test|example|localhost)$|^no-?reply@",
    re.IGNORECASE,
)
ADDRESS = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

TO_COMPANY = "sent_to_company"
FOR_COUNSELLOR = "kept_for_counsellor"


def real_address(email: str | None) -> str | None:
    """The establishment's address when it is a real one, else None."""
    if not email or not ADDRESS.match(email) or PLACEHOLDER.search(email):
        return None
    return email


def application_id(seeker_id: str, siret: str, day: date, period_days: int) -> str:
    """The same for every application of a seeker to a company within one period: the store
    keeps one (an insert with this `_id`), which is the once-per-period quota."""
    period = period_of(day, period_days)
    return hashlib.sha256(f"{period}|{siret}|{seeker_id}".encode()).hexdigest()[:32]
