"""Which offers take applications through Tremplin, and the ids that keep one per offer."""

from datetime import UTC, datetime
from typing import Any

import pytest
from testkit.offer_documents import offer_document

from contracts.offers import Offer, OfferStatus, Origin
from offers.domain.application import (
    Refused,
    application_id,
    check_open_to_applications,
    usable_address,
)

NOW = datetime(2026, 12, 3, 10, tzinfo=UTC)


def an_offer(**changes: Any) -> Offer:
    return offer_document(NOW, "acme-1", **changes)


def test_an_open_offer_an_employer_published_takes_applications() -> None:
    check_open_to_applications(an_offer(), OfferStatus.OPEN, NOW)


@pytest.mark.parametrize("origin", [Origin.FRANCE_TRAVAIL, Origin.PARTNER])
def test_an_imported_offer_sends_the_seeker_to_its_page(origin: Origin) -> None:
    with pytest.raises(Refused) as refused:
        check_open_to_applications(an_offer(origin=origin, employer_id=None), OfferStatus.OPEN, NOW)
    assert refused.value.status == 409
    assert "how_to_apply" in refused.value.detail


def test_a_closed_offer_says_it_is_closed() -> None:
    with pytest.raises(Refused) as refused:
        check_open_to_applications(an_offer(), OfferStatus.CLOSED, NOW)
    assert (refused.value.status, "closed" in refused.value.detail) == (409, True)


def test_an_offer_past_its_validity_is_closed_before_the_sweep_closes_it() -> None:
    with pytest.raises(Refused):
        check_open_to_applications(an_offer(valid_until=NOW), OfferStatus.OPEN, NOW)


def test_one_id_per_seeker_and_offer() -> None:
    assert application_id("o-1", "s-1") == application_id("o-1", "s-1")
    assert application_id("o-1", "s-1") != application_id("o-1", "s-2")
    assert application_id("o-1", "s-1") != application_id("o-2", "s-1")
    assert len(application_id("o-1", "s-1")) == 32


@pytest.mark.parametrize(
    ("given", "used"),
    [("rh@cabinet.fr", "rh@cabinet.fr"), ("not an address", None), ("", None), (None, None)],
)
def test_only_an_address_is_emailed_to(given: str | None, used: str | None) -> None:
    assert usable_address(given) == used
