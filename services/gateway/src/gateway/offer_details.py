"""An offer as its page shows it: names, how to apply, and for a seeker the distance from home
and what their profile lacks (compared as matching compares: skill labels without case or accents,
languages, licence categories, experience in months)."""

from __future__ import annotations

import unicodedata

from contracts.offers import (
    FRANCE_TRAVAIL_OFFER_URL,
    ApplyChannel,
    HowToApply,
    MissingItem,
    Offer,
    OfferDetails,
    OfferView,
    Origin,
)
from contracts.vocabulary import ExperienceRequirement
from gateway.models import ProfileOut
from refdata import Names, distance_km


def plain(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text.casefold())
    return " ".join("".join(c for c in folded if not unicodedata.combining(c)).split())


def web_address(url: str | None) -> str | None:
    """The feed's address when it is a web page: a link never runs a `javascript:` URL."""
    return url if url and url.lower().startswith(("https://", "http://")) else None


def how_to_apply(offer: Offer) -> HowToApply:
    """Imported offers on their page at France Travail (or at the partner it took them from);
    employers' offers here, through Tremplin (POST /v1/me/offers/{offer_id}/applications)."""
    if offer.origin is Origin.EMPLOYER:
        return HowToApply(channel=ApplyChannel.TREMPLIN)
    own_page = FRANCE_TRAVAIL_OFFER_URL.format(id=offer.id)
    if offer.origin is Origin.PARTNER:
        return HowToApply(
            channel=ApplyChannel.PARTNER, url=web_address(offer.origin_url) or own_page
        )
    return HowToApply(
        channel=ApplyChannel.FRANCE_TRAVAIL, url=web_address(offer.origin_url) or own_page
    )


def missing_for(offer: Offer, profile: ProfileOut) -> list[MissingItem]:
    skills = {plain(s) for s in profile.skills}
    languages = {lang.casefold() for lang in profile.languages}
    licences = {lic.upper() for lic in profile.driving_licences}
    missing = [
        MissingItem(kind="skill", label=s.label)
        for s in offer.skills
        if s.required and plain(s.label) not in skills
    ]
    missing += [
        MissingItem(kind="language", label=lang.code)
        for lang in offer.languages
        if lang.required and lang.code.casefold() not in languages
    ]
    missing += [
        MissingItem(kind="driving_licence", label=lic.category)
        for lic in offer.driving_licences
        if lic.required and lic.category.upper() not in licences
    ]
    required = offer.experience_required is ExperienceRequirement.REQUIRED
    if required and offer.experience_months > profile.experience_years * 12:
        missing.append(MissingItem(kind="experience", label=str(offer.experience_months)))
    return missing


def details_of(view: OfferView, names: Names, profile: ProfileOut | None = None) -> OfferDetails:
    offer = view.offer
    distance = None
    missing = None
    if profile is not None:
        distance = round(
            distance_km(
                profile.place.latitude,
                profile.place.longitude,
                offer.place.latitude,
                offer.place.longitude,
            ),
            1,
        )
        missing = missing_for(offer, profile)
    return OfferDetails(
        **view.model_dump(include=set(OfferView.model_fields)),
        commune_name=names.commune(offer.place.commune_code),
        how_to_apply=how_to_apply(offer),
        distance_from_home_km=distance,
        missing=missing,
    )
