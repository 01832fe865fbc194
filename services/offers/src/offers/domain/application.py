"""Applying to an offer through Tremplin: which offers take applications here, one application per
seeker and offer, a bounded number a day."""

from __future__ import annotations

import hashlib
import re
from datetime import datetime

from contracts.offers import Offer, OfferStatus, Origin
from servicekit.refusal import Refused as Refused

ADDRESS = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def check_open_to_applications(offer: Offer, status: OfferStatus, now: datetime) -> None:
    """Only an open offer an employer published on Tremplin takes applications here."""
    if offer.origin is not Origin.EMPLOYER or offer.employer_id is None:
        raise Refused(
            409,
            "This offer was not published on Tremplin: apply on the page given in its "
            "`how_to_apply` (GET /v1/offers/{offer_id}).",
        )
    if status is not OfferStatus.OPEN or offer.valid_until <= now:
        raise Refused(409, "This offer is closed: it takes no more applications.")


def application_id(offer_id: str, seeker_id: str) -> str:
    """The same for every application of a seeker to an offer: the store keeps one (an insert
    with this `_id`), which is the once-per-offer rule, safe against a request sent twice."""
    return hashlib.sha256(f"{offer_id}|{seeker_id}".encode()).hexdigest()[:32]


def usable_address(email: str | None) -> str | None:
    """The employer's address for applications when it looks like one, else None."""
    return email if email and ADDRESS.match(email) else None
