"""Offers that employers publish through the native API."""

from datetime import datetime

from offers.domain.offer import (
    InvalidOffer,
    Offer,
    OfferIn,
    Origin,
    ReferenceData,
    Salary,
    check_occupation,
    default_validity,
    resolve_place,
)
from offers.domain.salary import parse_salary


def offer_from_input(
    offer: OfferIn,
    reference: ReferenceData,
    *,
    offer_id: str,
    employer_id: str | None,
    created_at: datetime,
    now: datetime,
    validity_days: int,
) -> Offer:
    """The offer to store, or InvalidOffer naming the field of `OfferIn` that is wrong."""
    occupation = check_occupation(offer.rome_code, reference, "rome_code")
    place = resolve_place(offer.place, reference, prefix="place.")
    valid_until = offer.valid_until or default_validity(now, validity_days)
    if valid_until.tzinfo is None:
        raise InvalidOffer("valid_until", "give a time zone, e.g. 2026-12-31T23:59:59Z")
    if valid_until <= now:
        raise InvalidOffer("valid_until", "is already past")
    salary = offer.salary
    if salary.text and salary.min_monthly_eur is None and salary.max_monthly_eur is None:
        parsed = parse_salary(salary.text)
        salary = Salary(
            text=salary.text, min_monthly_eur=parsed.minimum, max_monthly_eur=parsed.maximum
        )
    facts = offer.model_dump(exclude={"id", "place", "salary", "valid_until", "application_email"})
    return Offer(
        **facts,
        id=offer_id,
        place=place,
        salary=salary,
        occupation_label=occupation,
        employer_id=employer_id,
        created_at=created_at,
        updated_at=now,
        valid_until=valid_until,
        origin=Origin.EMPLOYER,
    )
