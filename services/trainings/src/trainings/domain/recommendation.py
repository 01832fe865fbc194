"""A counsellor's decision on a proposal: recommend it to the seeker (alerted once) or dismiss it
(shown to no one). Pure: the store applies what `decide` says."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class State(StrEnum):
    RECOMMENDED = "recommended"
    DISMISSED = "dismissed"


@dataclass(frozen=True)
class Decision:
    state: State
    counsellor_id: str
    note: str | None = None
    reason: str | None = None


@dataclass(frozen=True)
class Change:
    """What to write: the new decision, and whether the seeker must be told (an event)."""

    write: bool
    tell_seeker: bool


def recommendation_id(seeker_id: str, session_id: str) -> str:
    # '#' is in neither id's alphabet: the pair reads back without ambiguity.
    return f"{seeker_id}#{session_id}"


def clean(text: str | None) -> str | None:
    stripped = (text or "").strip()
    return stripped or None


def decide(current: Decision | None, wanted: Decision, ever_told: bool) -> Change:
    """Recommending what is already recommended changes nothing (the same note) or only the note:
    the seeker is told once per session, however often the counsellor clicks, and not again after
    a dismissal is undone. Dismissing twice changes nothing."""
    if current == wanted:
        return Change(write=False, tell_seeker=False)
    tell = wanted.state is State.RECOMMENDED and not ever_told
    return Change(write=True, tell_seeker=tell)
