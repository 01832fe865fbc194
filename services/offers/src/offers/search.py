"""Offer search for apps and partners: occupation, place and radius (nearest first, with the
distance), contract, minimum salary, words of the title, paging.

Filters go to the database as plain conditions that every store the data layer serves evaluates
(no text or geo index: not every one has them). Around a place, a bounding box narrows the
candidates in the database and the exact distance is computed here, then sorted.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from pymongo import ASCENDING, DESCENDING

from contracts.offers import Offer, OfferPage, OfferStatus, OfferView
from contracts.vocabulary import ContractType
from offers.store import KM_PER_DEGREE, VIEW
from refdata import distance_km
from servicekit.data import Documents

MAX_WORDS = 5
# Letters a seeker may type without their accent: "electricien" finds "Électricien".
ACCENTED = {
    "a": "aàâä",
    "c": "cç",
    "e": "eéèêë",
    "i": "iîï",
    "o": "oôö",
    "u": "uùûü",
    "y": "yÿ",
}


@dataclass(frozen=True)
class Around:
    latitude: float
    longitude: float
    radius_km: float


@dataclass(frozen=True)
class OfferSearch:
    rome_codes: tuple[str, ...] = ()
    contract_types: tuple[ContractType, ...] = ()
    around: Around | None = None
    min_salary_eur: int | None = None
    words: tuple[str, ...] = ()
    page: int = 1
    page_size: int = 20


def title_words(text: str) -> tuple[str, ...]:
    """The words of a title query, lower case and without accents, at most MAX_WORDS."""
    plain = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    return tuple(dict.fromkeys(re.findall(r"[0-9a-z]+", plain)))[:MAX_WORDS]


def word_pattern(word: str) -> str:
    """A regular expression finding the word in a title, whatever its accents and case."""
    return "".join(f"[{ACCENTED[c]}]" if c in ACCENTED else re.escape(c) for c in word)


def conditions(search: OfferSearch) -> dict[str, Any]:
    found: dict[str, Any] = {"status": OfferStatus.OPEN.value}
    if search.rome_codes:
        found["rome_code"] = {"$in": list(search.rome_codes)}
    if search.contract_types:
        found["contract_type"] = {"$in": [c.value for c in search.contract_types]}
    clauses: list[dict[str, Any]] = []
    if search.min_salary_eur is not None:
        # The offer can pay that much: its maximum, or its minimum when it states no maximum.
        clauses.append(
            {
                "$or": [
                    {"offer.salary.max_monthly_eur": {"$gte": search.min_salary_eur}},
                    {
                        "offer.salary.max_monthly_eur": None,
                        "offer.salary.min_monthly_eur": {"$gte": search.min_salary_eur},
                    },
                ]
            }
        )
    for word in search.words:
        clauses.append({"offer.title": {"$regex": word_pattern(word), "$options": "i"}})
    if search.around is not None:
        around = search.around
        delta_lat = around.radius_km / KM_PER_DEGREE
        cosine = max(math.cos(math.radians(around.latitude)), 0.01)
        delta_lon = around.radius_km / (KM_PER_DEGREE * cosine)
        found["latitude"] = {
            "$gte": around.latitude - delta_lat,
            "$lte": around.latitude + delta_lat,
        }
        found["longitude"] = {
            "$gte": around.longitude - delta_lon,
            "$lte": around.longitude + delta_lon,
        }
    if clauses:
        found["$and"] = clauses
    return found


def view_of(document: dict[str, Any], distance: float | None = None) -> OfferView:
    return OfferView(
        offer=Offer.model_validate(document["offer"]),
        version=document["version"],
        status=OfferStatus(document["status"]),
        closed_reason=document.get("closed_reason"),
        closed_at=document.get("closed_at"),
        distance_km=distance,
    )


async def search_offers(documents: Documents, search: OfferSearch) -> OfferPage:
    """Open offers, newest first; around a place, nearest first with their distance."""
    offers = documents.raw
    found = conditions(search)
    skip = (search.page - 1) * search.page_size
    page = {"page": search.page, "page_size": search.page_size}
    if search.around is None:
        total = await offers.count_documents(found)
        cursor = (
            offers.find(found, VIEW)
            .sort([("published_at", DESCENDING), ("_id", ASCENDING)])
            .skip(skip)
            .limit(search.page_size)
        )
        return OfferPage(total=total, items=[view_of(d) async for d in cursor], **page)
    around = search.around
    nearby = []
    async for document in offers.find(found, {"latitude": 1, "longitude": 1, "published_at": 1}):
        distance = distance_km(
            around.latitude, around.longitude, document["latitude"], document["longitude"]
        )
        if distance <= around.radius_km:
            nearby.append((distance, -document["published_at"].timestamp(), document["_id"]))
    nearby.sort()
    chosen = {
        offer_id: distance for distance, _, offer_id in nearby[skip : skip + search.page_size]
    }
    read = await documents.get_many(list(chosen), VIEW)
    items = [
        view_of(read[offer_id], round(distance, 1))
        for offer_id, distance in chosen.items()
        if offer_id in read
    ]
    return OfferPage(total=len(nearby), items=items, **page)
