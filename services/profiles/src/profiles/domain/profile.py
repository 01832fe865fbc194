"""A job seeker's profile: the matching facts, plus contact data that never leaves this service."""

import hashlib

from pydantic import BaseModel, ConfigDict, Field

from contracts import SeekerFacts


class Contact(BaseModel):
    model_config = ConfigDict(extra="forbid")

    first_name: str = Field(min_length=1, max_length=100)
    last_name: str = Field(min_length=1, max_length=100)
    email: str | None = Field(
        default=None, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", description="Email."
    )
    phone: str | None = Field(
        default=None, pattern=r"^\+?[0-9 .\-]{6,20}$", description="Phone number for SMS."
    )
    push_token: str | None = Field(default=None, max_length=4096, description="Mobile push token.")


class SeekerProfile(SeekerFacts):
    model_config = ConfigDict(extra="forbid")

    contact: Contact


def facts_of(profile: SeekerProfile) -> SeekerFacts:
    return SeekerFacts.model_validate(profile.model_dump(exclude={"contact"}))


def fingerprint(facts: SeekerFacts) -> str:
    """Equal for profiles whose matching facts are equal: such an update publishes nothing."""
    return hashlib.sha256(facts.model_dump_json().encode()).hexdigest()
