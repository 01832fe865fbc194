"""A job seeker's profile: the matching facts, plus personal data that never leaves this service."""

import hashlib
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from contracts import SeekerFacts

# A seeker sets their own profile; these facts are their counsellor's to set.
COUNSELLOR_FIELDS = frozenset({"counsellor_id", "needs_support", "review_before_send"})


class Language(StrEnum):
    FR = "fr"
    EN = "en"


class Contact(BaseModel):
    model_config = ConfigDict(extra="forbid")

    first_name: str = Field(min_length=1, max_length=100, description="First name.")
    last_name: str = Field(min_length=1, max_length=100, description="Last name.")
    email: str | None = Field(
        default=None, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", description="Email."
    )
    phone: str | None = Field(
        default=None, pattern=r"^\+?[0-9 .\-]{6,20}$", description="Phone number, for SMS."
    )
    push_token: str | None = Field(default=None, max_length=4096, description="Mobile push token.")


class SeekerProfile(SeekerFacts):
    """Everything the service keeps about a seeker."""

    model_config = ConfigDict(extra="forbid")

    contact: Contact
    language: Language = Field(default=Language.FR, description="Language of the alerts.")
    time_zone: str = Field(default="Europe/Paris", description="IANA time zone, for quiet hours.")


def facts_of(profile: SeekerProfile) -> SeekerFacts:
    return SeekerFacts.model_validate(profile.model_dump(include=set(SeekerFacts.model_fields)))


def fingerprint(facts: SeekerFacts) -> str:
    """Equal for profiles whose matching facts are equal: such an update publishes nothing."""
    return hashlib.sha256(facts.model_dump_json().encode()).hexdigest()


def keep_counsellor_fields(new: SeekerProfile, current: SeekerProfile | None) -> SeekerProfile:
    """What a seeker writes never changes the facts their counsellor owns."""
    kept = {name: getattr(current, name) if current else None for name in COUNSELLOR_FIELDS}
    if current is None:
        kept = {"counsellor_id": None, "needs_support": False, "review_before_send": False}
    return new.model_copy(update=kept)


def merge_patch(target: object, patch: object) -> object:
    """RFC 7396 JSON merge patch: objects merge, null removes, anything else replaces."""
    if not isinstance(patch, dict):
        return patch
    merged = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = merge_patch(merged.get(key), value)
    return merged
