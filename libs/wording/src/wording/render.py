"""A reason, given as its code and figures, in the reader's language."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from wording.companies import COMPANY_REASONS
from wording.entry import Entry
from wording.feedback import FEEDBACK_REASONS
from wording.matches import MATCH_REASONS
from wording.trainings import PROPOSAL_REASONS
from wording.values import Namer, said_all

LANGUAGES = ("fr", "en")
CATALOGUE: dict[str, Entry] = {
    **MATCH_REASONS,
    **COMPANY_REASONS,
    **PROPOSAL_REASONS,
    **FEEDBACK_REASONS,
}
# Said for a code this catalogue does not know yet, or figures it cannot say.
GENERIC = {
    "fr": "Un autre élément de votre profil a été pris en compte.",
    "en": "Another part of your profile was taken into account.",
}


class Coded(Protocol):
    @property
    def code(self) -> str: ...

    @property
    def params(self) -> Mapping[str, Any]: ...


def language_of(language: object) -> str:
    """`en`, `en-GB` or `Language.EN` read as English; anything else as French."""
    return "en" if str(language).lower().startswith("en") else "fr"


def render(
    reason: Coded | Mapping[str, Any] | str,
    language: object = "fr",
    names: Namer | None = None,
    fallback: str | None = None,
) -> str:
    """The reason's sentence in `language`, codes named (occupations, communes, sectors,
    contracts, working times). Never fails: an unknown code or figures that cannot be said give
    `fallback` when there is one, else a generic sentence."""
    lang = language_of(language)
    try:
        code, params = _parts(reason)
        entry = CATALOGUE.get(code)
        if entry is not None:
            values = said_all(params, lang, names, entry.fields)
            for sentence in entry.sentences(lang):
                try:
                    return sentence.format_map(values)
                except (KeyError, IndexError, ValueError, AttributeError):
                    continue
    except (TypeError, AttributeError, ValueError):
        pass
    return fallback or GENERIC[lang]


def _parts(reason: Coded | Mapping[str, Any] | str) -> tuple[str, Mapping[str, Any]]:
    if isinstance(reason, str):
        return reason, {}
    if isinstance(reason, Mapping):
        params = reason.get("params") or {}
        return str(reason.get("code", "")), params if isinstance(params, Mapping) else {}
    return str(reason.code), reason.params or {}
