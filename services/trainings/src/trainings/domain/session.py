"""A training session as Tremplin keeps it: the matching facts of one LHEO session, with those of
its action and formation. No contact data: LHEO's contacts (names, phones, emails) are not read."""

from __future__ import annotations

import hashlib
import json
from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from contracts import Place, TrainingPublished


class Session(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(description="formation:action:session numbers (dates when unnumbered).")
    formation_id: str
    action_id: str
    title: str
    rome_codes: list[str] = Field(default_factory=list)
    formacodes: list[str] = Field(default_factory=list, description="The main one first.")
    nsf_codes: list[str] = Field(default_factory=list)
    place: Place
    city: str | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    recruiting: bool = True
    funding_possible: bool = False
    funders: list[str] = Field(default_factory=list, description="dict-financeurs codes.")
    exit_level: str | None = None
    certifying: bool = False
    rncp_code: str | None = None
    hours: int | None = None
    price_eur: float | None = None
    body_name: str | None = None
    url: str | None = None

    def has_ended(self, today: date) -> bool:
        return self.ends_on is not None and self.ends_on < today


def published_payload(session: Session, version: int) -> TrainingPublished:
    """The event's facts, read from the session's fields of the same name (the rest ignored)."""
    return TrainingPublished.model_validate(
        {**session.model_dump(), "session_id": session.id, "version": version}
    )


def _digest(document: object) -> str:
    text = json.dumps(document, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def content_hash(session: Session) -> str:
    """Changes with any stored fact: an import that brings nothing new writes nothing."""
    return _digest(session.model_dump(mode="json"))


def fingerprint(session: Session) -> str:
    """Changes with the matching facts only: only then is a new version published."""
    return _digest(published_payload(session, 1).model_dump(mode="json"))
