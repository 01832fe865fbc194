"""An offer as the offers service keeps and answers it (`contracts.offers.Offer`), changed field
by field where a test cares: an employer's offer of cleaning work in Villeurbanne."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from contracts.offers import Offer, Origin
from testkit.builders import VILLEURBANNE


def offer_document(now: datetime, offer_id: str = "o-1", **changes: Any) -> Offer:
    """Published by employer-1 a day before `now`, valid for thirty days after it."""
    facts: dict[str, Any] = {
        "id": offer_id,
        "title": "Agent d'entretien (H/F)",
        "rome_code": "K2204",
        "contract_type": "CDI",
        "place": VILLEURBANNE,
        "employer_id": "employer-1",
        "created_at": now - timedelta(days=1),
        "updated_at": now - timedelta(days=1),
        "valid_until": now + timedelta(days=30),
        "origin": Origin.EMPLOYER,
    }
    return Offer.model_validate({**facts, **changes})
